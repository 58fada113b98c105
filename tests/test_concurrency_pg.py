"""Taps at the same instant on PostgreSQL: exactly one state change and exactly one notification.

SQLite serialises writers (BEGIN IMMEDIATE), so races there cannot show anything; these tests run
real threads through the webhook against PostgreSQL, where transactions do overlap.
"""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from models.audit import AuditLog
from models.org import DEFAULT_SETTINGS
from models.registration import Registration, RegStatus, StepDecision, register
from tests.support import factories as f
from tests.support.chat import Chat, button, race, texts
from thai.dates import today_bangkok

SETTINGS = dict(DEFAULT_SETTINGS)


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("concurrency is only meaningful on PostgreSQL: SQLite serialises every writer")


def count(bot: Any, action: str) -> int:
    with bot.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0


@pytest.fixture
def org(tx):
    with tx() as s:
        top, mid, head, worker = f.chain(s, 3)
        officer = f.hr(s)
        reg = register(session=s, staff=worker, course=f.course(s), reason="", today=today_bangkok(),
                       settings=SETTINGS)
    return dict(top=top, mid=mid, head=head, worker=worker, hr=officer, reg=reg)


def card(chat: Chat, approver: Any) -> list[dict]:
    return chat.say(approver.line_user_id, "รออนุมัติ")


@pytest.mark.parametrize("taps", [6, 50])
def test_many_taps_on_อนุมัติ_change_once_and_send_one_card(app, bot, fake_line, chat, org, taps) -> None:
    head, mid = org["head"], org["mid"]
    data = button(card(chat, head), "อนุมัติ")["data"]
    mark = chat.mark()
    assert race(app, bot, fake_line, [(head.line_user_id, data)] * taps) == [200] * taps
    assert count(bot, "registration.step_approved") == 1
    assert len(chat.inbox(mid.line_user_id, after=mark)) == 1
    assert len(chat.inbox(org["worker"].line_user_id, after=mark)) == 1
    replies = texts(chat.inbox(head.line_user_id, after=mark))
    assert replies.count("ส่งต่อให้") == 1 and replies.count("ท่านพิจารณาคำขอนี้แล้ว") == taps - 1
    with bot.db.transaction() as s:
        reg = s.get(Registration, org["reg"].id)
        assert (reg.status, reg.current_step) == (RegStatus.PENDING, 2)
        assert [st.decision for st in reg.steps] == [StepDecision.APPROVED, StepDecision.WAITING]


def test_อนุมัติ_and_ไม่อนุมัติ_at_once_decide_once(app, bot, fake_line, chat, org) -> None:
    head, worker = org["head"], org["worker"]
    listing = card(chat, head)
    approve = button(listing, "อนุมัติ")["data"]
    ask = chat.tap(head.line_user_id, button(listing, "ไม่อนุมัติ")["data"])
    reject = button(ask, "ภารกิจเร่งด่วน")["data"]
    mark = chat.mark()
    race(app, bot, fake_line, [(head.line_user_id, approve), (head.line_user_id, reject)] * 3)
    decided = count(bot, "registration.step_approved") + count(bot, "registration.rejected")
    assert decided == 1
    assert len(chat.inbox(worker.line_user_id, after=mark)) == 1
    with bot.db.transaction() as s:
        reg = s.get(Registration, org["reg"].id)
        decisions = [st.decision for st in reg.steps]
        assert decisions in ([StepDecision.APPROVED, StepDecision.WAITING],
                             [StepDecision.REJECTED, StepDecision.VOID])


def test_last_approval_and_cancellation_at_once(app, bot, fake_line, chat, org) -> None:
    head, mid, worker = org["head"], org["mid"], org["worker"]
    chat.tap(head.line_user_id, button(card(chat, head), "อนุมัติ")["data"])
    approve = button(card(chat, mid), "อนุมัติ")["data"]
    mine = chat.say(worker.line_user_id, "คำขอของฉัน")
    confirm = chat.tap(worker.line_user_id, button(mine, "ยกเลิกคำขอ")["data"])
    cancel = button(confirm, "ยืนยัน")["data"]
    mark = chat.mark()
    race(app, bot, fake_line, [(mid.line_user_id, approve), (worker.line_user_id, cancel)])
    with bot.db.transaction() as s:
        assert s.get(Registration, org["reg"].id).status == RegStatus.CANCELLED  # either order ends here
    to_mid = texts(chat.inbox(mid.line_user_id, after=mark))
    to_worker = texts(chat.inbox(worker.line_user_id, after=mark))
    to_hr = texts(chat.inbox(org["hr"].line_user_id, after=mark))
    assert count(bot, "registration.cancelled") == 1
    if count(bot, "registration.approved") == 0:
        # The cancellation won: the approval was refused and the approver told once.
        assert "ถูกยกเลิกโดยผู้ขอแล้ว" in to_mid and to_mid.count("ไม่ต้องพิจารณา") == 1
        assert "ได้รับอนุมัติ" not in to_worker and to_hr == ""
    else:
        # The approval won, then the approved request was cancelled: each told once.
        assert count(bot, "registration.approved") == 1
        assert to_worker.count("ได้รับอนุมัติแล้ว") == 1 and "ไม่ต้องพิจารณา" not in to_mid
        assert to_hr.count("ได้รับอนุมัติแล้ว:") == 1 and to_hr.count("ที่ได้รับอนุมัติแล้วค่ะ") == 1


@pytest.mark.parametrize("people_count", [5, 20])
def test_many_people_for_the_last_seat_get_one_request_in(app, bot, fake_line, chat, tx, people_count) -> None:
    with tx() as s:
        boss = f.staff(s, line_user_id="Uboss-seat")
        people = [f.staff(s, supervisor=boss, line_user_id=f"Useat{i}") for i in range(people_count)]
        f.course(s, seats=1)
    confirms = []
    for person in people:
        user = person.line_user_id
        details = chat.tap(user, button(chat.say(user, "อบรม"), "สมัคร")["data"])
        summary = chat.tap(user, button(details, "ข้าม")["data"])
        confirms.append((user, button(summary, "ยืนยัน")["data"]))
    mark = chat.mark()
    assert race(app, bot, fake_line, confirms) == [200] * people_count
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == 1
    assert len(chat.inbox("Uboss-seat", after=mark)) == 1
    answers = [texts(chat.inbox(user, after=mark)) for user, _ in confirms]
    assert sum("ส่งคำขอแล้ว" in a for a in answers) == 1
    assert sum("ที่นั่งเต็มแล้ว" in a for a in answers) == people_count - 1


def test_double_tap_on_ยืนยัน_creates_one_request(app, bot, fake_line, chat, tx) -> None:
    with tx() as s:
        boss = f.staff(s, line_user_id="Uboss-dbl")
        f.staff(s, supervisor=boss, line_user_id="Udbl")
        f.course(s)
    details = chat.tap("Udbl", button(chat.say("Udbl", "อบรม"), "สมัคร")["data"])
    data = button(chat.tap("Udbl", button(details, "ข้าม")["data"]), "ยืนยัน")["data"]
    mark = chat.mark()
    assert race(app, bot, fake_line, [("Udbl", data)] * 4) == [200] * 4
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == 1
    assert len(chat.inbox("Uboss-dbl", after=mark)) == 1
    assert texts(chat.inbox("Udbl", after=mark)).count("ส่งคำขอแล้ว") == 1


def test_a_cancellation_committed_while_a_decision_reads_the_request_is_reported_as_such(bot, org) -> None:
    # The cancellation commits right after the decision's first read of the request: the
    # approver is told it was cancelled, never a mix of the request before and its steps after.
    from sqlalchemy import event

    from models.approval import DecisionRefused, cancel, decide
    from models.base import utcnow

    head, worker, reg_id = org["head"], org["worker"], org["reg"].id
    fired: list[bool] = []

    def cancel_meanwhile(conn, cursor, statement, *args) -> None:
        if fired or not statement.lstrip().upper().startswith("SELECT") or "registrations" not in statement:
            return
        fired.append(True)
        with bot.db.transaction() as other:
            cancel(session=other, registration_id=reg_id, staff=other.get(type(worker), worker.id), now=utcnow())

    with bot.db.transaction() as s:
        event.listen(s.connection(), "after_cursor_execute", cancel_meanwhile)
        with pytest.raises(DecisionRefused) as refused:
            decide(session=s, registration_id=reg_id, step=1, approver=s.get(type(head), head.id), approve=True,
                   reason=None, now=utcnow(), settings=SETTINGS)
    assert fired and "ถูกยกเลิกโดยผู้ขอแล้ว" in str(refused.value)
    with bot.db.transaction() as s:
        assert s.get(Registration, reg_id).status == RegStatus.CANCELLED
