"""The console's requests pages: waiting approvals, the audit trail, deciding on an approver's
behalf and stand-ins, with what the chat side then receives."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.audit import AuditLog
from models.delegation import Delegation
from models.org import DEFAULT_SETTINGS
from models.registration import Acting, ApprovalStep, Registration, RegStatus, StepDecision, register
from tests.support import factories as f
from tests.support.chat import Chat, button, texts
from tests.support.console import ConsoleClient
from thai.dates import format_date, today_bangkok

SETTINGS = dict(DEFAULT_SETTINGS)


@pytest.fixture
def org(tx):
    """A worker under a head (unlinked: cannot be reached) and a director; a deputy; one request."""
    with tx() as s:
        top, head, worker = f.chain(s, 2)
        head.line_user_id = None
        deputy = f.staff(s, line_user_id="Udeputy", title="นาย", first_name="รอง", last_name="ผู้อำนวยการ",
                         position="รองผู้อำนวยการกอง", employee_id="DEP01")
        course = f.course(s, title="การจัดซื้อจัดจ้างภาครัฐ")
        reg = register(session=s, staff=worker, course=course, reason="ใช้ในงานพัสดุ", today=today_bangkok(),
                       settings=SETTINGS)
    return dict(top=top, head=head, worker=worker, deputy=deputy, course=course, reg=reg)


def _reg(bot, reg_id):
    with bot.db.transaction() as s:
        reg = s.get(Registration, reg_id)
        return reg.status, reg.current_step, [(st.decision, st.acting) for st in reg.steps]


# --- permissions ---------------------------------------------------------------------------------


def test_the_pages_need_a_session(console_anon: ConsoleClient, org) -> None:
    for url in ("/admin/requests/", f"/admin/requests/{org['reg'].id}", "/admin/requests/stand-ins/new"):
        response = console_anon.get(url)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"], url
    response = console_anon.client.post(f"/admin/requests/{org['reg'].id}/decide", data={"decision": "approve"})
    assert response.status_code in (302, 400)


def test_a_viewer_reads_but_cannot_decide_or_set_a_stand_in(viewer_console: ConsoleClient, bot, org) -> None:
    page = viewer_console.text("/admin/requests/")
    assert org["worker"].name in page and "กำหนดผู้รักษาราชการแทน" not in page
    detail = viewer_console.text(f"/admin/requests/{org['reg'].id}")
    assert "ประวัติการดำเนินการ" in detail and "อนุมัติแทน" not in detail
    assert viewer_console.get("/admin/requests/stand-ins/new").status_code == 403
    refused = viewer_console.post(f"/admin/requests/{org['reg'].id}/decide", {"decision": "approve", "step": "1"})
    assert refused.status_code == 403
    assert viewer_console.post("/admin/requests/stand-ins", {"approver_id": org["head"].id}).status_code == 403
    assert _reg(bot, org["reg"].id)[0] == RegStatus.PENDING


def test_a_form_without_its_csrf_token_is_refused(hr_console: ConsoleClient, bot, org) -> None:
    response = hr_console.post(f"/admin/requests/{org['reg'].id}/decide", {"decision": "approve", "step": "1"},
                               csrf=False)
    assert response.status_code == 400 and "หมดอายุ" in response.get_data(as_text=True)
    assert _reg(bot, org["reg"].id)[0] == RegStatus.PENDING


# --- waiting approvals and the trail -----------------------------------------------------------


def test_waiting_approvals_are_grouped_by_approver_with_their_age(hr_console: ConsoleClient, tx, org) -> None:
    with tx() as s:
        step = s.scalar(select(ApprovalStep).where(ApprovalStep.registration_id == org["reg"].id,
                                                   ApprovalStep.step == 1))
        step.reached_at = step.reached_at - timedelta(days=14)
    page = hr_console.text("/admin/requests/")
    assert org["head"].name in page and "รับข้อความใน LINE ไม่ได้" in page
    assert "การจัดซื้อจัดจ้างภาครัฐ" in page and "1/2" in page
    # Fourteen calendar days hold at least eight working days, whatever the holidays.
    age = int(page.split(" วันทำการ")[0].rsplit(">", 1)[-1])
    assert 8 <= age <= 10


def test_hr_decides_a_stalled_step_and_everyone_is_told_as_after_a_tap(
        hr_console: ConsoleClient, chat: Chat, bot, org) -> None:
    reg = org["reg"]
    page = hr_console.text(f"/admin/requests/{reg.id}")
    assert "พิจารณาแทนผู้อนุมัติ" in page and org["head"].name in page
    before = chat.mark()
    response = hr_console.post(f"/admin/requests/{reg.id}/decide",
                               {"decision": "approve", "step": "1", "reason": "ผู้อำนวยการลาป่วย"})
    assert response.status_code == 302
    assert _reg(bot, reg.id) == (RegStatus.PENDING, 2, [(StepDecision.APPROVED, Acting.HR),
                                                          (StepDecision.WAITING, None)])
    # The next approver gets the card, the requester hears the request moved on (as after a tap).
    card = chat.inbox(org["top"].line_user_id, after=before)
    assert "คำขอเข้ารับการอบรม" in texts(card) and button(card, "อนุมัติ")
    assert "ผ่านการอนุมัติขั้นที่ 1" in texts(chat.inbox(org["worker"].line_user_id, after=before))
    done = hr_console.text(f"/admin/requests/{reg.id}")
    assert "บันทึกผลการพิจารณาแทน" in done and "เจ้าหน้าที่งานบุคคล (" in done and "ผู้อำนวยการลาป่วย" in done
    # A second submit of the same form changes nothing and says why.
    again = hr_console.post(f"/admin/requests/{reg.id}/decide", {"decision": "approve", "step": "1"})
    assert again.status_code == 302
    assert "ขั้นที่ 1 พิจารณาแล้ว (อนุมัติ) โดย" in hr_console.text(f"/admin/requests/{reg.id}")
    assert _reg(bot, reg.id)[1] == 2
    with bot.db.transaction() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "registration.step_approved")).all()
        assert len(rows) == 1 and rows[0].admin_id is not None and rows[0].detail["acting"] == "hr"


def test_the_approver_is_told_when_hr_decided_for_them(hr_console: ConsoleClient, chat: Chat, tx, org) -> None:
    with tx() as s:
        s.get(type(org["head"]), org["head"].id).line_user_id = "Uhead-back"
    before = chat.mark()
    hr_console.post(f"/admin/requests/{org['reg'].id}/decide",
                    {"decision": "reject", "step": "1", "reason": "งบประมาณไม่เพียงพอ"})
    told = texts(chat.inbox("Uhead-back", after=before))
    assert "แทนท่านแล้ว" in told and "ไม่อนุมัติ" in told and "งบประมาณไม่เพียงพอ" in told
    assert "ไม่ได้รับการอนุมัติ" in texts(chat.inbox(org["worker"].line_user_id, after=before))


def test_rejecting_needs_a_reason_and_bad_input_changes_nothing(hr_console: ConsoleClient, bot, org) -> None:
    url = f"/admin/requests/{org['reg'].id}/decide"
    hr_console.post(url, {"decision": "reject", "step": "1"})
    assert "กรุณาระบุเหตุผล" in hr_console.text(f"/admin/requests/{org['reg'].id}")
    hr_console.post(url, {"decision": "maybe", "step": "1"})
    hr_console.post(url, {"decision": "approve", "step": "x"})
    assert _reg(bot, org["reg"].id)[0] == RegStatus.PENDING
    assert hr_console.get("/admin/requests/999999").status_code == 404


# --- stand-ins ---------------------------------------------------------------------------------


def _stand_in_form(org, start, end, **extra):
    return {"approver_id": str(org["head"].id), "stand_in_id": str(org["deputy"].id),
            "starts_on": format_date(start), "ends_on": format_date(end), "reason": "ไปราชการ", **extra}


def test_a_stand_in_is_set_in_be_dates_told_and_then_decides_in_the_chat(
        hr_console: ConsoleClient, chat: Chat, bot, org) -> None:
    today = today_bangkok()
    form = hr_console.text("/admin/requests/stand-ins/new")
    assert "ผู้รักษาราชการแทน" in form and org["head"].name in form
    before = chat.mark()
    response = hr_console.post("/admin/requests/stand-ins", _stand_in_form(org, today, today + timedelta(days=4)))
    assert response.status_code == 302
    told = texts(chat.inbox("Udeputy", after=before))
    assert "รักษาราชการแทน" in told and org["head"].name in told and format_date(today) in told
    page = hr_console.text("/admin/requests/")
    assert org["deputy"].name in page and "รักษาราชการแทน" in page
    # The stand-in asks for what waits, and approves on the head's behalf.
    cards = chat.say("Udeputy", "รออนุมัติ")
    reply = chat.tap("Udeputy", button(cards, "อนุมัติ")["data"])
    assert "อนุมัติแล้ว" in texts(reply)
    assert _reg(bot, org["reg"].id)[2][0] == (StepDecision.APPROVED, Acting.STAND_IN)
    detail = hr_console.text(f"/admin/requests/{org['reg'].id}")
    assert "รักษาราชการแทน" in detail and org["deputy"].name in detail


def test_a_stand_in_by_employee_id_and_bad_dates_get_a_thai_answer(hr_console: ConsoleClient, bot, org) -> None:
    today = today_bangkok()
    bad = hr_console.post("/admin/requests/stand-ins", _stand_in_form(org, today, today, starts_on="วันไหนก็ได้"))
    assert bad.status_code == 400 and "วันที่" in bad.get_data(as_text=True)
    backwards = hr_console.post("/admin/requests/stand-ins", _stand_in_form(org, today + timedelta(days=3), today))
    assert backwards.status_code == 400 and "ต้องไม่ก่อนวันที่เริ่ม" in backwards.get_data(as_text=True)
    unknown = hr_console.post("/admin/requests/stand-ins",
                              _stand_in_form(org, today, today, stand_in_id="", stand_in_employee_id="NOPE"))
    assert unknown.status_code == 400 and "ไม่พบรหัสบุคลากร" in unknown.get_data(as_text=True)
    with bot.db.transaction() as s:
        assert s.scalar(select(Delegation.id)) is None
    ok = hr_console.post("/admin/requests/stand-ins",
                         _stand_in_form(org, today, today, stand_in_id="", stand_in_employee_id="DEP01"))
    assert ok.status_code == 302
    with bot.db.transaction() as s:
        row = s.scalar(select(Delegation))
        assert row.stand_in_id == org["deputy"].id
        row_id = row.id
    assert hr_console.post(f"/admin/requests/stand-ins/{row_id}/revoke").status_code == 302
    with bot.db.transaction() as s:
        assert s.get(Delegation, row_id).revoked_at is not None


def test_every_change_needs_hr_and_its_csrf_token(viewer_console: ConsoleClient, hr_console: ConsoleClient,
                                                   tx, bot, org) -> None:
    today = today_bangkok()
    with tx() as s:
        row = Delegation(approver_id=org["head"].id, stand_in_id=org["deputy"].id, starts_on=today, ends_on=today)
        s.add(row)
        s.flush()
        row_id = row.id
    posts = {
        f"/admin/requests/{org['reg'].id}/decide": {"decision": "approve", "step": "1"},
        "/admin/requests/stand-ins": _stand_in_form(org, today, today),
        f"/admin/requests/stand-ins/{row_id}/revoke": {},
    }
    for url, data in posts.items():
        assert viewer_console.post(url, data).status_code == 403, url
        assert hr_console.post(url, data, csrf=False).status_code == 400, url
    with bot.db.transaction() as s:
        assert s.get(Delegation, row_id).revoked_at is None
        assert s.scalar(select(Delegation.id).where(Delegation.id != row_id)) is None
    assert _reg(bot, org["reg"].id)[0] == RegStatus.PENDING
