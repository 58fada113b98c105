"""HR's staff pages: finding people, adding and editing them, leaving, and link-code slips."""
from __future__ import annotations

import re

from sqlalchemy import select

from models.admin import AdminUser, reset_password
from models.audit import AuditLog
from models.base import utcnow
from models.linking import LinkCode, redeem_code
from models.org import ROLE_APPROVER, Staff, get_settings, set_setting
from models.outbox import OutboxMessage
from models.registration import ApprovalStep, Registration, RegStatus, StepDecision, register
from models.staff import StaffFilter, deactivate_staff, search_staff
from tests.support import factories as f
from thai.dates import today_bangkok
from tests.support.console import PASSWORD, ConsoleClient, make_admin


def _people(tx) -> dict[str, int]:
    with tx() as s:
        boss = f.staff(s, employee_id="B001", title="นาง", first_name="วิไลวรรณ", last_name="ทองดี",
                       roles=("staff", ROLE_APPROVER), unit_name="สำนักปลัด", line_user_id="Uboss")
        pim = f.staff(s, employee_id="E100", first_name="พิมพ์ชนก", last_name="ใจงาม", supervisor=boss,
                      unit_name="กองคลัง", type_name="พนักงานจ้างตามภารกิจ")
        som = f.staff(s, employee_id="E200", title="นาย", first_name="สมศักดิ์", last_name="ดวงดี",
                      supervisor=boss, unit_name="กองช่าง", line_user_id="Usom")
        return {"boss": boss.id, "pim": pim.id, "som": som.id}


def test_staff_list_searches_thai_names_and_ids(tx, viewer_console: ConsoleClient) -> None:
    _people(tx)
    page = viewer_console.text("/admin/staff/")
    assert "พิมพ์ชนก ใจงาม" in page and "สมศักดิ์ ดวงดี" in page and "พบ 3 คน" in page
    page = viewer_console.text("/admin/staff/", query_string={"q": "พิมพ์ชนก ใจงาม"})
    assert "พิมพ์ชนก" in page and "สมศักดิ์" not in page
    page = viewer_console.text("/admin/staff/", query_string={"q": "E2"})
    assert "สมศักดิ์" in page and "พิมพ์ชนก" not in page
    # Thai digits in the box find Arabic ids.
    page = viewer_console.text("/admin/staff/", query_string={"q": "E๒๐๐"})
    assert "สมศักดิ์" in page


def test_staff_list_filters(tx, viewer_console: ConsoleClient) -> None:
    ids = _people(tx)
    with tx() as s:
        unit_id = s.get(Staff, ids["pim"]).unit_id
    linked = viewer_console.text("/admin/staff/", query_string={"linked": "0"})
    assert "พิมพ์ชนก" in linked and "สมศักดิ์" not in linked
    approvers = viewer_console.text("/admin/staff/", query_string={"role": "approver"})
    assert "วิไลวรรณ" in approvers and "พิมพ์ชนก" not in approvers
    unit = viewer_console.text("/admin/staff/", query_string={"unit": str(unit_id)})
    assert "พิมพ์ชนก" in unit and "สมศักดิ์" not in unit and "พบ 1 คน" in unit


def test_role_and_type_filters_in_sql(session) -> None:
    boss = f.staff(session, roles=("staff", "hr"), type_name="ครู")
    f.staff(session, supervisor=boss)
    hr = search_staff(session=session, filter=StaffFilter(role="hr"))
    assert [p.id for p in hr.people] == [boss.id]
    teachers = search_staff(session=session, filter=StaffFilter(staff_type_id=boss.staff_type_id))
    assert [p.id for p in teachers.people] == [boss.id]


def test_hr_adds_a_person_and_bad_input_saves_nothing(tx, hr_console: ConsoleClient) -> None:
    ids = _people(tx)
    form = {"employee_id": "E300", "title": "นางสาว", "first_name": "  กนกวรรณ ", "last_name": "มีสุข",
            "position": "นักวิชาการเงินและบัญชี", "new_unit": "กองการศึกษา", "supervisor_id": str(ids["boss"]),
            "roles": ["approver"]}
    bad = hr_console.post("/admin/staff/new", data={**form, "employee_id": "E100", "last_name": ""})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "รหัสพนักงาน E100 มีอยู่แล้ว" in page and "กรุณากรอกนามสกุล" in page
    with tx() as s:
        assert s.scalar(select(Staff).where(Staff.first_name == "กนกวรรณ")) is None
    done = hr_console.post("/admin/staff/new", data=form)
    assert done.status_code == 302
    with tx() as s:
        person = s.scalar(select(Staff).where(Staff.employee_id == "E300"))
        assert person.first_name == "กนกวรรณ" and person.unit.name == "กองการศึกษา"
        assert person.supervisor_id == ids["boss"] and person.roles == ["staff", "approver"]
        trail = s.scalar(select(AuditLog).where(AuditLog.action == "staff.created"))
        assert trail.subject_id == person.id and trail.admin_id is not None
    assert "เพิ่ม นางสาวกนกวรรณ มีสุข แล้ว" in hr_console.text(done.headers["Location"])


def test_hr_edits_and_a_supervisor_loop_is_refused(tx, hr_console: ConsoleClient) -> None:
    ids = _people(tx)
    url = f"/admin/staff/{ids['boss']}"
    page = hr_console.text(url)
    assert 'value="B001"' in page
    loop = hr_console.post(url, data={"employee_id": "B001", "first_name": "วิไลวรรณ", "last_name": "ทองดี",
                                      "supervisor_id": str(ids["pim"]), "roles": ["approver"]})
    assert loop.status_code == 422 and "สายบังคับบัญชาจะวนกัน" in loop.get_data(as_text=True)
    with tx() as s:
        boss = s.get(Staff, ids["boss"])
        kept = {"unit_id": str(boss.unit_id), "staff_type_id": str(boss.staff_type_id)}
    ok = hr_console.post(url, data={"employee_id": "B001", "title": "นาง", "first_name": "วิไลวรรณ",
                                    "last_name": "ทองดี-ใหม่", "position": "ปลัด", "roles": ["approver"], **kept})
    assert ok.status_code == 302
    with tx() as s:
        boss = s.get(Staff, ids["boss"])
        assert boss.last_name == "ทองดี-ใหม่" and boss.position == "ปลัด"
        trail = s.scalar(select(AuditLog).where(AuditLog.action == "staff.updated"))
        assert set(trail.detail["fields"]) == {"last_name", "position"}


def test_a_viewer_sees_people_but_changes_nothing(tx, viewer_console: ConsoleClient) -> None:
    ids = _people(tx)
    page = viewer_console.text(f"/admin/staff/{ids['pim']}")
    assert "พิมพ์ชนก" in page and "<fieldset disabled" in page and "บันทึก</button>" not in page
    assert "ออกรหัสผูกบัญชี" not in page and "ปิดการใช้งาน" not in page
    for url, data in ((f"/admin/staff/{ids['pim']}", {"employee_id": "X", "first_name": "x", "last_name": "y"}),
                      ("/admin/staff/new", {"employee_id": "X", "first_name": "x", "last_name": "y"}),
                      (f"/admin/staff/{ids['pim']}/deactivate", {}),
                      (f"/admin/staff/{ids['pim']}/reactivate", {}),
                      (f"/admin/link-codes/staff/{ids['pim']}", {}),
                      ("/admin/link-codes/", {})):
        response = viewer_console.post(url, data=data)
        assert response.status_code == 403, url
        assert "ดูข้อมูลได้อย่างเดียว" in response.get_data(as_text=True)
    assert viewer_console.get("/admin/staff/new").status_code == 403
    assert viewer_console.get(f"/admin/staff/{ids['pim']}/deactivate").status_code == 403
    with tx() as s:
        assert s.get(Staff, ids["pim"]).employee_id == "E100" and s.get(Staff, ids["pim"]).active
        assert s.scalar(select(LinkCode.id)) is None


def test_staff_pages_need_a_session_and_forms_their_token(tx, console_anon: ConsoleClient,
                                                          hr_console: ConsoleClient) -> None:
    ids = _people(tx)
    for url in ("/admin/staff/", "/admin/staff/new", f"/admin/staff/{ids['pim']}",
                f"/admin/staff/{ids['pim']}/deactivate"):
        response = console_anon.get(url)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"], url
    no_token = hr_console.post(f"/admin/staff/{ids['pim']}/deactivate", csrf=False)
    assert no_token.status_code == 400
    with tx() as s:
        assert s.get(Staff, ids["pim"]).active


def test_deactivating_withdraws_open_requests_and_tells_the_approver(tx, hr_console: ConsoleClient) -> None:
    ids = _people(tx)
    with tx() as s:
        course = f.course(s, title="การเขียนหนังสือราชการ")
        som = s.get(Staff, ids["som"])
        register(session=s, staff=som, course=course, reason="ใช้ในงาน", now=utcnow(),
                 today=today_bangkok(), settings=get_settings(session=s))
    confirm = hr_console.text(f"/admin/staff/{ids['som']}/deactivate")
    assert "ถอนคำขอที่ยังเปิดอยู่ 1 รายการ" in confirm and "การเขียนหนังสือราชการ" in confirm
    done = hr_console.post(f"/admin/staff/{ids['som']}/deactivate")
    assert done.status_code == 302
    page = hr_console.text(done.headers["Location"])
    assert "ถอนคำขอที่ค้างอยู่ 1 รายการ แจ้งผู้อนุมัติ 1 คน" in page and "พ้นจากการปฏิบัติงาน" in page
    with tx() as s:
        som = s.get(Staff, ids["som"])
        reg = s.scalar(select(Registration).where(Registration.staff_id == som.id))
        assert not som.active and reg.status == RegStatus.CANCELLED
        steps = s.scalars(select(ApprovalStep).where(ApprovalStep.registration_id == reg.id)).all()
        assert {st.decision for st in steps} == {StepDecision.VOID}
        told = [m for m in s.scalars(select(OutboxMessage)) if "Uboss" in m.recipients]
        assert len(told) == 1 and "ถูกถอน" in told[0].messages[0]["text"]
        assert "การเขียนหนังสือราชการ" in told[0].messages[0]["text"]
    # Twice changes nothing more.
    with tx() as s:
        again = deactivate_staff(session=s, staff_id=ids["som"])
        assert again.withdrawn == 0
    back = hr_console.post(f"/admin/staff/{ids['som']}/reactivate")
    assert back.status_code == 302
    with tx() as s:
        assert s.get(Staff, ids["som"]).active


def test_leaving_approver_is_flagged(tx, hr_console: ConsoleClient) -> None:
    ids = _people(tx)
    with tx() as s:
        register(session=s, staff=s.get(Staff, ids["som"]), course=f.course(s), reason="", now=utcnow(),
                 today=today_bangkok(), settings=get_settings(session=s))
    done = hr_console.post(f"/admin/staff/{ids['boss']}/deactivate")
    page = hr_console.text(done.headers["Location"])
    assert "ยังมีคำขอของผู้อื่น 1 รายการรอการพิจารณาจาก" in page


def _codes(html: str) -> list[str]:
    return re.findall(r'<p class="slip-code"[^>]*>(\d{4}-\d{4})</p>', html)


def test_link_code_slips_for_everyone_not_linked(tx, hr_console: ConsoleClient) -> None:
    ids = _people(tx)
    with tx() as s:
        set_setting(session=s, key="line_add_friend_url", value="https://line.me/R/ti/p/@123abcde")
    response = hr_console.post("/admin/link-codes/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    codes = _codes(html)
    # The boss and som are linked: only พิมพ์ชนก gets a slip.
    assert len(codes) == 1 and "พิมพ์ชนก ใจงาม" in html and "สมศักดิ์" not in html
    assert html.count("<svg") == 1 and "ใช้ได้ถึง" in html and "25" in html  # BE year 25xx
    assert re.search(r"ใช้ได้ถึง \d{1,2} \S+ 25\d\d", html)
    with tx() as s:
        outcome = redeem_code(session=s, line_user_id="Unew", code=codes[0].replace("-", ""))
        assert outcome.staff is not None and outcome.staff.id == ids["pim"]
        issued = s.scalar(select(AuditLog).where(AuditLog.action == "link_code.issued"))
        assert issued.admin_id is not None


def test_one_slip_and_no_qr_without_the_link(tx, hr_console: ConsoleClient) -> None:
    ids = _people(tx)
    html = hr_console.post(f"/admin/link-codes/staff/{ids['som']}").get_data(as_text=True)
    assert len(_codes(html)) == 1 and "สมศักดิ์" in html
    assert "<svg" not in html and "ยังไม่ได้ตั้งลิงก์เพิ่มเพื่อนบอท" in html
    with tx() as s:
        s.get(Staff, ids["pim"]).line_user_id = "Ulinked"
        s.get(Staff, ids["pim"]).reachable = True
    nobody = hr_console.post("/admin/link-codes/")
    assert nobody.status_code == 302
    assert "ไม่มีบุคลากรที่ยังไม่ได้ผูกบัญชี" in hr_console.text(nobody.headers["Location"])


def test_a_person_who_left_signs_in_to_the_console_no_more(app, tx, hr_console: ConsoleClient) -> None:
    ids = _people(tx)
    theirs = ConsoleClient(app.test_client())
    assert theirs.sign_in(make_admin(tx, staff_id=ids["som"])).status_code == 302
    assert theirs.get("/admin/").status_code == 200
    done = hr_console.post(f"/admin/staff/{ids['som']}/deactivate")
    assert "ปิดบัญชีเข้าหน้าจัดการระบบของบุคคลนี้ 1 บัญชี" in hr_console.text(done.headers["Location"])
    assert theirs.get("/admin/").status_code in (302, 401)  # their open session ended too
    hr_console.post(f"/admin/staff/{ids['som']}/reactivate")
    with tx() as s:
        [account] = s.scalars(select(AdminUser).where(AdminUser.staff_id == ids["som"])).all()
        assert not account.active  # coming back does not reopen it by itself
        reset_password(session=s, username=account.username, password=PASSWORD)
        assert account.active


def test_hr_cannot_close_their_own_record_and_lock_themselves_out(app, tx) -> None:
    ids = _people(tx)
    me = ConsoleClient(app.test_client())
    me.sign_in(make_admin(tx, staff_id=ids["som"]))
    confirm = me.text(f"/admin/staff/{ids['som']}/deactivate")
    assert "นี่คือข้อมูลของท่านเอง" in confirm and "ยืนยันปิดการใช้งาน" not in confirm
    refused = me.post(f"/admin/staff/{ids['som']}/deactivate")
    assert refused.status_code == 302 and "นี่คือข้อมูลของท่านเอง" in me.text(refused.headers["Location"])
    with tx() as s:
        assert s.get(Staff, ids["som"]).active
        assert s.scalar(select(AdminUser).where(AdminUser.staff_id == ids["som"])).active
    # Someone else's record is closed as before.
    assert me.post(f"/admin/staff/{ids['pim']}/deactivate").status_code == 302
    with tx() as s:
        assert not s.get(Staff, ids["pim"]).active
