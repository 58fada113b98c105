"""The console's courses pages: the fiscal-year list, the form, close, cancel, participants,
attendance, and what participants hear in the chat."""
from __future__ import annotations

from datetime import date as date_type
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.console import courses as course_pages
from models.course import Course
from models.org import DEFAULT_SETTINGS
from models.registration import Attendance, Registration, RegStatus, register
from tests.support import factories as f
from tests.support.chat import Chat, texts
from tests.support.console import ConsoleClient
from thai.dates import fiscal_year, format_date, today_bangkok

SETTINGS = dict(DEFAULT_SETTINGS)


@pytest.fixture
def org(tx):
    """A course with one pending request (a linked worker, a linked head) and an ended course."""
    today = today_bangkok()
    with tx() as s:
        top, head, worker = f.chain(s, 2)
        course = f.course(s, title="การเงินการคลังท้องถิ่น", seats=3, fee=Decimal("2500"))
        reg = register(session=s, staff=worker, course=course, reason="", today=today, settings=SETTINGS)
        done = f.finished_registration(s, worker, title="ธรรมาภิบาลในองค์กร")
    return dict(top=top, head=head, worker=worker, course=course, reg=reg, done=done)


def _form(today, **changes):
    values = {"code": "NEW-01", "title": "การเขียนหนังสือราชการ", "kind": "ฝึกอบรม", "organizer": "สถาบันพัฒนาบุคลากรท้องถิ่น",
              "venue": "ห้องประชุมใหญ่", "start_date": format_date(today + timedelta(days=30)),
              "end_date": format_date(today + timedelta(days=31)),
              "registration_deadline": format_date(today + timedelta(days=20)), "start_time": "09:00",
              "seats": "๓๐", "fee": "3,500", "budget": "105,000", "policy_area": "การพัฒนาทรัพยากรบุคคล",
              "approval_levels": "", "description": ""}
    values.update(changes)
    return values


def test_the_pages_need_a_session(console_anon: ConsoleClient, org) -> None:
    cid = org["course"].id
    for url in ("/admin/courses/", "/admin/courses/new", f"/admin/courses/{cid}", f"/admin/courses/{cid}/edit",
                f"/admin/courses/{cid}/cancel"):
        response = console_anon.get(url)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"], url


def test_a_viewer_reads_but_changes_nothing(viewer_console: ConsoleClient, bot, org) -> None:
    cid = org["course"].id
    listing = viewer_console.text("/admin/courses/")
    assert "การเงินการคลังท้องถิ่น" in listing and "เพิ่มหลักสูตร" not in listing
    page = viewer_console.text(f"/admin/courses/{cid}")
    assert org["worker"].name in page and "ปิดรับสมัคร</button>" not in page
    for url in ("/admin/courses/new", f"/admin/courses/{cid}/edit", f"/admin/courses/{cid}/cancel"):
        assert viewer_console.get(url).status_code == 403, url
    for url in ("/admin/courses/new", f"/admin/courses/{cid}/edit", f"/admin/courses/{cid}/close",
                f"/admin/courses/{cid}/cancel", f"/admin/courses/{org['done'].course_id}/attendance/{org['done'].id}"):
        assert viewer_console.post(url, {"confirm": "yes", "present": "no"}).status_code == 403, url
    with bot.db.transaction() as s:
        assert s.get(Course, cid).active and s.get(Registration, org["reg"].id).status == RegStatus.PENDING


def test_forms_without_their_csrf_token_are_refused(hr_console: ConsoleClient, bot, org) -> None:
    cid = org["course"].id
    for url in (f"/admin/courses/{cid}/close", f"/admin/courses/{cid}/cancel", "/admin/courses/new"):
        assert hr_console.post(url, {"confirm": "yes"}, csrf=False).status_code == 400, url
    with bot.db.transaction() as s:
        assert s.get(Course, cid).active


def test_the_list_shows_one_fiscal_year_with_seats_and_deadline(hr_console: ConsoleClient, org) -> None:
    today = today_bangkok()
    page = hr_console.text(f"/admin/courses/?fy={fiscal_year(org['course'].start_date)}")
    assert "การเงินการคลังท้องถิ่น" in page and "1/3" in page and "2,500 บาท" in page
    assert format_date(org["course"].registration_deadline) in page and "เปิดรับสมัคร" in page
    assert "การเงินการคลังท้องถิ่น" not in hr_console.text(f"/admin/courses/?fy={fiscal_year(today) + 3}")


def test_hr_adds_a_course_typed_in_be_and_thai_digits(hr_console: ConsoleClient, bot) -> None:
    today = today_bangkok()
    response = hr_console.post("/admin/courses/new", _form(today))
    assert response.status_code == 302
    with bot.db.transaction() as s:
        course = s.scalar(select(Course).where(Course.code == "NEW-01"))
        assert (course.seats, course.fee, course.budget) == (30, Decimal("3500"), Decimal("105000"))
        assert course.start_date == today + timedelta(days=30)


def test_a_bad_form_names_every_problem_and_saves_nothing(hr_console: ConsoleClient, bot) -> None:
    today = today_bangkok()
    bad = hr_console.post("/admin/courses/new", _form(today, start_date="ไม่รู้", seats="สิบ", start_time="9 โมง"))
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "วันเริ่มอบรม" in body and "จำนวนที่นั่ง" in body and "เวลาเริ่ม" in body
    late = hr_console.post("/admin/courses/new",
                           _form(today, registration_deadline=format_date(today + timedelta(days=40))))
    assert late.status_code == 400 and "วันปิดรับสมัครต้องไม่หลังวันเริ่มอบรม" in late.get_data(as_text=True)
    with bot.db.transaction() as s:
        assert s.scalar(select(Course).where(Course.code == "NEW-01")) is None


def test_hr_edits_and_closes_registration(hr_console: ConsoleClient, bot, org) -> None:
    cid = org["course"].id
    form = hr_console.text(f"/admin/courses/{cid}/edit")
    assert "การเงินการคลังท้องถิ่น" in form and format_date(org["course"].start_date) in form
    today = today_bangkok()
    data = _form(today, code=org["course"].code, title="การเงินการคลังท้องถิ่น รุ่นที่ 2", seats="0")
    assert hr_console.post(f"/admin/courses/{cid}/edit", data).status_code == 302
    assert hr_console.post(f"/admin/courses/{cid}/close").status_code == 302
    again = hr_console.post(f"/admin/courses/{cid}/close")
    assert again.status_code == 302
    assert "ปิดรับสมัครแล้ว" in hr_console.text(f"/admin/courses/{cid}")
    with bot.db.transaction() as s:
        course = s.get(Course, cid)
        assert course.title.endswith("รุ่นที่ 2") and course.seats == 0
        assert course.registration_deadline < today


def test_putting_a_course_off_says_how_many_report_due_dates_moved(hr_console: ConsoleClient, tx) -> None:
    today = today_bangkok()
    with tx() as s:
        top, worker = f.chain(s, 1)
        course = f.course(s, title="การบริหารพัสดุ", starts_in=20, days=2)
        f.finished_registration(s, worker, course_=course)
    cid, week = course.id, timedelta(days=7)
    same = _form(today, code=course.code, title="การบริหารพัสดุ รุ่นที่ 2",
                 start_date=format_date(course.start_date), end_date=format_date(course.end_date),
                 registration_deadline=format_date(course.registration_deadline))
    saved = hr_console.post(f"/admin/courses/{cid}/edit", same)
    assert saved.status_code == 302
    page = hr_console.text(saved.headers["Location"])
    assert "บันทึกการแก้ไขหลักสูตรแล้วค่ะ" in page and "เลื่อนกำหนดส่งรายงาน" not in page
    later = dict(same, start_date=format_date(course.start_date + week), end_date=format_date(course.end_date + week),
                 registration_deadline=format_date(course.registration_deadline + week))
    moved = hr_console.post(f"/admin/courses/{cid}/edit", later)
    assert moved.status_code == 302
    assert "เลื่อนกำหนดส่งรายงานของผู้ได้รับอนุมัติ 1 คน" in hr_console.text(moved.headers["Location"])


def test_cancelling_tells_participants_and_the_card_holder(hr_console: ConsoleClient, chat: Chat, bot, org) -> None:
    cid = org["course"].id
    confirm = hr_console.text(f"/admin/courses/{cid}/cancel")
    assert org["worker"].name in confirm and "ยืนยันการยกเลิก" in confirm
    # Without ticking the confirmation nothing happens.
    hr_console.post(f"/admin/courses/{cid}/cancel", {})
    with bot.db.transaction() as s:
        assert s.get(Course, cid).active
    before = chat.mark()
    assert hr_console.post(f"/admin/courses/{cid}/cancel", {"confirm": "yes"}).status_code == 302
    told = texts(chat.inbox(org["worker"].line_user_id, after=before))
    assert "ถูกยกเลิก" in told and "การเงินการคลังท้องถิ่น" in told
    assert "ไม่ต้องพิจารณาแล้ว" in texts(chat.inbox(org["head"].line_user_id, after=before))
    with bot.db.transaction() as s:
        assert s.get(Registration, org["reg"].id).status == RegStatus.CANCELLED
    # A second submit tells nobody again.
    again = chat.mark()
    hr_console.post(f"/admin/courses/{cid}/cancel", {"confirm": "yes"})
    assert chat.inbox(org["worker"].line_user_id, after=again) == []


def test_participants_show_request_step_attendance_and_report(hr_console: ConsoleClient, org) -> None:
    page = hr_console.text(f"/admin/courses/{org['course'].id}")
    assert org["worker"].name in page and "ขั้นที่ 1/2" in page and org["head"].name in page
    ended = hr_console.text(f"/admin/courses/{org['done'].course_id}")
    assert "ได้รับอนุมัติแล้ว" in ended and "รอส่งรายงาน" in ended and "ยังไม่บันทึก" in ended


@pytest.mark.skipif(course_pages.record_attendance is None, reason="day's models/attendance is not merged yet")
def test_hr_records_attendance_which_decides_who_owes_a_report(hr_console: ConsoleClient, bot, org) -> None:
    done = org["done"]
    url = f"/admin/courses/{done.course_id}/attendance/{done.id}"
    assert hr_console.post(url, {"present": "no"}).status_code == 302
    page = hr_console.text(f"/admin/courses/{done.course_id}")
    assert "ไม่ต้องส่ง (ไม่ได้เข้าร่วม)" in page
    with bot.db.transaction() as s:
        assert s.get(Registration, done.id).attendance == Attendance.NOT_ATTENDED
    hr_console.post(url, {"present": "yes"})
    assert "รอส่งรายงาน" in hr_console.text(f"/admin/courses/{done.course_id}")
    # A pending request of a course not yet started has no attendance to record.
    refused = hr_console.post(f"/admin/courses/{org['course'].id}/attendance/{org['reg'].id}", {"present": "yes"})
    assert refused.status_code == 302
    with bot.db.transaction() as s:
        assert s.get(Registration, org["reg"].id).attendance == Attendance.UNKNOWN


def _activities(bot, start: date_type) -> tuple[int, int]:
    """One training activity in the course's fiscal year's plan and one in the year before."""
    from models.plan import ActivityInput, add_activity

    fy = fiscal_year(start)
    with bot.db.transaction() as s:
        ours = add_activity(session=s, data=ActivityInput(fy, "การพัฒนาทรัพยากรบุคคล", "อบรมงานสารบรรณ",
                                                          is_training=True))
        other = add_activity(session=s, data=ActivityInput(fy - 1, "การพัฒนาทรัพยากรบุคคล", "กิจกรรมปีก่อน"))
        return ours.id, other.id


def test_hr_sets_hours_and_plan_activity_and_the_course_page_shows_them(hr_console: ConsoleClient, bot) -> None:
    today = today_bangkok()
    ours, _other = _activities(bot, today + timedelta(days=30))
    form = hr_console.text("/admin/courses/new")
    assert 'name="hours"' in form and "อบรมงานสารบรรณ" in form and "กิจกรรมปีก่อน" not in form
    response = hr_console.post("/admin/courses/new", _form(today, hours="๑๒.๕", activity_id=str(ours)))
    assert response.status_code == 302
    with bot.db.transaction() as s:
        course = s.scalar(select(Course).where(Course.code == "NEW-01"))
        assert (course.hours, course.activity_id) == (Decimal("12.5"), ours)
        cid = course.id
    page = hr_console.text(f"/admin/courses/{cid}")
    assert "12.5 ชั่วโมง" in page and "อบรมงานสารบรรณ" in page
    edit = hr_console.text(f"/admin/courses/{cid}/edit")
    assert 'value="12.5"' in edit and f'value="{ours}" selected' in edit
    # Both optional: emptied, they are cleared.
    assert hr_console.post(f"/admin/courses/{cid}/edit", _form(today, hours="", activity_id="")).status_code == 302
    with bot.db.transaction() as s:
        course = s.get(Course, cid)
        assert (course.hours, course.activity_id) == (None, None)


@pytest.mark.parametrize("field, value, says", [
    ("hours", "-3", "จำนวนชั่วโมงต้องไม่ติดลบค่ะ"), ("hours", "สิบ", "จำนวนชั่วโมง: ไม่เข้าใจ “สิบ”"),
    ("hours", "๑๐๐๐๐๐", "จำนวนชั่วโมงต้องไม่เกิน 99,999 ชั่วโมงค่ะ"),
    ("activity_id", "abc", "กิจกรรมตามแผนที่เลือกไม่ถูกต้องค่ะ"),
    ("activity_id", "999999", "กิจกรรมตามแผนที่เลือกไม่อยู่ในแผนปีงบประมาณ"),
    ("activity_id", "other", "กิจกรรมตามแผนที่เลือกไม่อยู่ในแผนปีงบประมาณ"),
])
def test_bad_hours_or_activity_say_why_and_change_nothing(hr_console: ConsoleClient, bot, org,
                                                          field: str, value: str, says: str) -> None:
    today = today_bangkok()
    _ours, other = _activities(bot, today + timedelta(days=30))
    value = str(other) if value == "other" else value
    bad = hr_console.post("/admin/courses/new", _form(today, **{field: value}))
    assert bad.status_code == 400 and says in bad.get_data(as_text=True)
    cid = org["course"].id
    edit = hr_console.post(f"/admin/courses/{cid}/edit", _form(today, code=org["course"].code, title="เปลี่ยนชื่อ",
                                                               **{field: value}))
    assert edit.status_code == 400 and says in edit.get_data(as_text=True)
    with bot.db.transaction() as s:
        assert s.scalar(select(Course).where(Course.code == "NEW-01")) is None
        course = s.get(Course, cid)
        assert course.title == "การเงินการคลังท้องถิ่น" and course.hours is None and course.activity_id is None


def test_a_viewer_cannot_set_hours_or_activity(viewer_console: ConsoleClient, bot, org) -> None:
    cid = org["course"].id
    ours, _other = _activities(bot, org["course"].start_date)
    data = _form(today_bangkok(), code=org["course"].code, hours="6", activity_id=str(ours))
    assert viewer_console.post(f"/admin/courses/{cid}/edit", data).status_code == 403
    with bot.db.transaction() as s:
        course = s.get(Course, cid)
        assert course.hours is None and course.activity_id is None
