"""The report wizard in the chat, supervisor review, and ไม่ได้เข้าร่วม: full dialogs over the webhook."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from bot import create_app
from bot.config import test_config
from handlers.kit.postback import Action, PostbackCodec
from handlers.reports import owed_reports_message, report_button
from models.base import utcnow
from models.conversation import Conversation
from models.registration import Attendance, Registration
from models.report import Report, ReportAttachment, ReportStatus
from models.reports import MAX_ATTACHMENTS
from tests.support import events as ev
from tests.support import factories as f
from tests.support.chat import Chat, actions, button, race, texts

LEARNED = "ได้เรียนรู้การจัดทำแผนพัฒนาบุคลากรสามปีและการประเมินผลการพัฒนา"
APPLICATION = "นำไปปรับแผนพัฒนาบุคลากรของกองคลัง"


@dataclass
class World:
    worker: str
    boss: str
    top: str
    hr: str
    reg_id: int
    worker_id: int


@pytest.fixture
def world(tx) -> World:
    with tx() as s:
        top, _mid, boss, worker = f.chain(s, 3)
        hr = f.hr(s)
        reg = f.finished_registration(s, worker, title="การพัฒนาบุคลากรเชิงกลยุทธ์", fee=Decimal("3500"))
        return World(worker.line_user_id, boss.line_user_id, top.line_user_id, hr.line_user_id, reg.id, worker.id)


def image_bytes(fmt: str = "JPEG", color: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, fmt)
    return buf.getvalue()


def step_of(tx, user: str) -> str | None:
    with tx() as s:
        conv = s.get(Conversation, user)
        return None if conv is None else f"{conv.flow}:{conv.step}"


def the_report(tx, reg_id: int) -> Report | None:
    with tx() as s:
        report = s.scalar(select(Report).where(Report.registration_id == reg_id))
        if report is not None:
            _ = report.attachments
        return report


def to_images(chat: Chat, w: World) -> None:
    """Walk the wizard to the images step (four expense items)."""
    chat.say(w.worker, "ส่งรายงาน")
    chat.say(w.worker, LEARNED)
    chat.say(w.worker, APPLICATION)
    for amount in ("3,500", "400", "1200", "ไม่มี"):
        chat.say(w.worker, amount)


def to_summary(chat: Chat, w: World) -> list[dict]:
    to_images(chat, w)
    return chat.say(w.worker, "ข้าม")


# --- the happy path -------------------------------------------------------------------------


def test_full_dialog_with_items_thai_digits_and_images(chat: Chat, tx, world: World, app) -> None:
    w = world
    reply = chat.say(w.worker, "ส่งรายงาน")
    assert "การพัฒนาบุคลากรเชิงกลยุทธ์" in texts(reply) and "สรุปความรู้ที่ได้รับ" in texts(reply)
    assert step_of(tx, w.worker) == "report:learned"
    assert "การนำไปใช้ในงาน" in texts(chat.say(w.worker, LEARNED))
    reply = chat.say(w.worker, APPLICATION)
    assert "ค่าลงทะเบียน" in texts(reply)
    assert button(reply, "3,500")  # the course fee as a quick reply
    assert "ค่าเดินทาง" in texts(chat.say(w.worker, "๓,๕๐๐"))
    assert "ค่าที่พัก" in texts(chat.say(w.worker, "3500 บาท"))
    assert "ค่าเบี้ยเลี้ยง" in texts(chat.say(w.worker, "3,500.50"))
    reply = chat.say(w.worker, "ไม่มี")
    assert "เกียรติบัตร" in texts(reply) and step_of(tx, w.worker) == "report:images"
    assert "1/10" in texts(chat.send_image(w.worker, image_bytes("PNG")))
    reply = chat.send_image(w.worker, image_bytes("JPEG"))
    assert "2/10" in texts(reply)
    reply = chat.tap(w.worker, button(reply, "เสร็จ")["data"])
    summary = texts(reply)
    for expected in ("3,500 บาท", "3,500.50 บาท", "0 บาท", "10,500.50 บาท", "2 รูป", LEARNED):
        assert expected in summary
    mark = chat.mark()
    reply = chat.tap(w.worker, button(reply, "ยืนยัน")["data"])
    assert "ส่งรายงานผลการอบรมเรียบร้อยแล้ว" in texts(reply)
    assert step_of(tx, w.worker) is None

    report = the_report(tx, w.reg_id)
    assert report is not None and report.status == ReportStatus.SUBMITTED and report.revision == 1
    assert (report.expense_registration, report.expense_travel, report.expense_accommodation,
            report.expense_per_diem) == (Decimal("3500"), Decimal("3500"), Decimal("3500.50"), Decimal("0"))
    assert report.expense_total == Decimal("10500.50")
    assert [a.content_type for a in report.attachments] == ["image/png", "image/jpeg"]
    upload_dir = Path(app.extensions["bot"].config.UPLOAD_DIR)
    for attachment in report.attachments:
        assert (upload_dir / attachment.stored_name).stat().st_size == attachment.size
    with tx() as s:
        assert s.get(Registration, w.reg_id).attendance == Attendance.ATTENDED

    boss_card = chat.inbox(w.boss, after=mark)
    assert "การพัฒนาบุคลากรเชิงกลยุทธ์" in texts(boss_card)
    assert button(boss_card, "รับทราบ") and button(boss_card, "ขอให้แก้ไข")
    hr_card = chat.inbox(w.hr, after=mark)
    assert "ส่งรายงานผลการอบรม" in texts(hr_card)
    assert not any(a.get("type") == "postback" for a in actions(hr_card))  # HR reads; the supervisor decides
    assert chat.inbox(w.top, after=mark) == []


@pytest.mark.parametrize("first", ["รวม 3,500", "รวม ๓,๕๐๐ บาท", "ยอดรวม 3500"])
def test_one_total_typed_on_the_first_expense_question(chat: Chat, tx, world: World, first: str) -> None:
    w = world
    chat.say(w.worker, "ส่งรายงาน")
    chat.say(w.worker, LEARNED)
    chat.say(w.worker, APPLICATION)
    reply = chat.say(w.worker, first)
    assert "เกียรติบัตร" in texts(reply)
    reply = chat.say(w.worker, "ข้าม")
    assert "ค่าใช้จ่ายจริง (ยอดรวม)" in texts(reply) and "3,500 บาท" in texts(reply)
    chat.tap(w.worker, button(reply, "ยืนยัน")["data"])
    report = the_report(tx, w.reg_id)
    assert report.expense_total == Decimal("3500") and report.expense_registration == 0


def test_one_total_through_the_quick_reply(chat: Chat, tx, world: World) -> None:
    w = world
    chat.say(w.worker, "ส่งรายงาน")
    chat.say(w.worker, LEARNED)
    reply = chat.say(w.worker, APPLICATION)
    total = button(reply, "กรอกยอดรวม")
    reply = chat.say(w.worker, total["text"])
    assert "ยอดรวม" in texts(reply) and step_of(tx, w.worker) == "report:exp_total"
    assert "ไม่เข้าใจจำนวนเงิน" in texts(chat.say(w.worker, "สามพันบาท"))
    assert step_of(tx, w.worker) == "report:exp_total"
    chat.say(w.worker, "4,250")
    reply = chat.say(w.worker, "เสร็จ")
    chat.tap(w.worker, button(reply, "ยืนยัน")["data"])
    assert the_report(tx, w.reg_id).expense_total == Decimal("4250")


def test_switching_back_from_total_to_items(chat: Chat, tx, world: World) -> None:
    w = world
    chat.say(w.worker, "ส่งรายงาน")
    chat.say(w.worker, LEARNED)
    chat.say(w.worker, APPLICATION)
    chat.say(w.worker, "กรอกยอดรวม")
    reply = chat.say(w.worker, "แยกรายการ")
    assert "ค่าลงทะเบียน" in texts(reply) and step_of(tx, w.worker) == "report:exp_registration"


# --- refusals that keep the step --------------------------------------------------------------


def test_too_short_summary_is_refused_with_a_hint(chat: Chat, tx, world: World) -> None:
    chat.say(world.worker, "ส่งรายงาน")
    reply = chat.say(world.worker, "ดีมากค่ะ")
    assert "สั้นเกินไป" in texts(reply) and "20" in texts(reply)
    assert step_of(tx, world.worker) == "report:learned"


@pytest.mark.parametrize("amount", ["abc", "สามพัน", "-500", "12,34", "99999999999"])
def test_bad_amount_gets_the_hint_and_the_same_question(chat: Chat, tx, world: World, amount: str) -> None:
    w = world
    chat.say(w.worker, "ส่งรายงาน")
    chat.say(w.worker, LEARNED)
    chat.say(w.worker, APPLICATION)
    chat.say(w.worker, "3500")
    reply = chat.say(w.worker, amount)
    assert "ค่าเดินทาง" in texts(reply)  # the same question again
    assert "กรุณา" in texts(reply)
    assert step_of(tx, w.worker) == "report:exp_travel"


def _walk_to(chat: Chat, w: World, step: str) -> None:
    chat.say(w.worker, "ส่งรายงาน")
    answers = {"learned": [], "application": [LEARNED], "exp_registration": [LEARNED, APPLICATION],
               "exp_per_diem": [LEARNED, APPLICATION, "1", "2", "3"],
               "images": [LEARNED, APPLICATION, "1", "2", "3", "4"],
               "confirm": [LEARNED, APPLICATION, "1", "2", "3", "4", "ข้าม"]}[step]
    for answer in answers:
        chat.say(w.worker, answer)


BAD_INPUTS = {
    "sticker": lambda chat, user: chat.event(user, ev.sticker_event(user, chat.standin.issue_reply_token(user))),
    "location": lambda chat, user: chat.event(user, ev.location_event(user, chat.standin.issue_reply_token(user))),
    "paste": lambda chat, user: chat.say(user, "ก" * 10_000),
    "image": lambda chat, user: chat.send_image(user, image_bytes()),
    "text": lambda chat, user: chat.say(user, "สวัสดีค่ะ ส่งอะไรต่อดี"),
}
STEPS_AND_BAD = [(step, bad) for step in ("learned", "application", "exp_registration", "exp_per_diem")
                 for bad in ("sticker", "location", "paste", "image")]
STEPS_AND_BAD += [("images", bad) for bad in ("sticker", "location", "paste", "text")]
STEPS_AND_BAD += [("confirm", bad) for bad in ("sticker", "location", "paste", "image", "text")]


@pytest.mark.parametrize("step,bad", STEPS_AND_BAD)
def test_bad_input_at_every_step_keeps_the_step(chat: Chat, tx, world: World, step: str, bad: str) -> None:
    _walk_to(chat, world, step)
    assert step_of(tx, world.worker) == f"report:{step}"
    reply = BAD_INPUTS[bad](chat, world.worker)
    body = texts(reply)
    assert reply and "ค่ะ" in body
    assert "Error" not in body and "Traceback" not in body
    assert step_of(tx, world.worker) == f"report:{step}"
    with tx() as s:
        assert s.scalars(select(ReportAttachment)).all() == []
        assert s.scalars(select(Report)).all() == []


def test_long_paste_says_how_long(chat: Chat, tx, world: World) -> None:
    chat.say(world.worker, "ส่งรายงาน")
    reply = chat.say(world.worker, "ก" * 10_000)
    assert "ยาวเกินไป" in texts(reply) and "10,000" in texts(reply)


# --- images ---------------------------------------------------------------------------------


def test_too_large_image_is_refused(chat: Chat, tx, world: World) -> None:
    to_images(chat, world)
    big = b"\xff\xd8\xff\xe0" + b"\0" * (10 * 1024 * 1024)
    reply = chat.send_image(world.worker, big)
    assert "10 MB" in texts(reply)
    assert step_of(tx, world.worker) == "report:images"
    with tx() as s:
        assert s.scalars(select(ReportAttachment)).all() == []


def test_bytes_that_are_not_an_image_are_refused(chat: Chat, tx, world: World) -> None:
    to_images(chat, world)
    reply = chat.send_image(world.worker, b"%PDF-1.4 not an image", content_type="image/jpeg")
    assert "ไม่ใช่รูปภาพ" in texts(reply)
    with tx() as s:
        assert s.scalars(select(ReportAttachment)).all() == []


def test_at_most_ten_images(chat: Chat, tx, world: World) -> None:
    to_images(chat, world)
    for i in range(MAX_ATTACHMENTS):
        chat.send_image(world.worker, image_bytes("PNG", color=(i * 20, 0, 0)))  # type: ignore[arg-type]
    reply = chat.send_image(world.worker, image_bytes())
    assert "ครบ 10 รูป" in texts(reply)
    with tx() as s:
        assert len(s.scalars(select(ReportAttachment)).all()) == MAX_ATTACHMENTS


def test_images_of_a_cancelled_wizard_are_dropped_on_the_next_start(chat: Chat, tx, world: World, app) -> None:
    to_images(chat, world)
    chat.send_image(world.worker, image_bytes())
    chat.say(world.worker, "ยกเลิก")
    reply = chat.say(world.worker, "ส่งรายงาน")
    assert "สรุปความรู้" in texts(reply)
    with tx() as s:
        assert s.scalars(select(ReportAttachment)).all() == []
    assert list(Path(app.extensions["bot"].config.UPLOAD_DIR).iterdir()) == []


# --- edit, cancel, restart, expiry ----------------------------------------------------------


def test_edit_a_step_returns_to_the_summary(chat: Chat, tx, world: World) -> None:
    w = world
    summary = to_summary(chat, w)
    menu = chat.tap(w.worker, button(summary, "แก้ไข")["data"])
    assert "ส่วนใด" in texts(menu)
    reply = chat.tap(w.worker, button(menu, "สรุปความรู้")["data"])
    assert "สรุปความรู้ที่ได้รับ" in texts(reply) and step_of(tx, w.worker) == "report:learned"
    reply = chat.say(w.worker, "ได้เรียนรู้ระเบียบค่าใช้จ่ายในการฝึกอบรมของกระทรวงการคลัง")
    assert "ระเบียบค่าใช้จ่าย" in texts(reply) and step_of(tx, w.worker) == "report:confirm"
    # Expenses: all four questions again, then back to the summary (not to the images).
    menu = chat.tap(w.worker, button(reply, "แก้ไข")["data"])
    chat.tap(w.worker, button(menu, "ค่าใช้จ่ายจริง")["data"])
    for amount in ("100", "200", "300"):
        chat.say(w.worker, amount)
    reply = chat.say(w.worker, "400")
    assert "1,000 บาท" in texts(reply) and step_of(tx, w.worker) == "report:confirm"
    # Changing one's mind: back to the summary without retyping.
    menu = chat.tap(w.worker, button(reply, "แก้ไข")["data"])
    reply = chat.tap(w.worker, button(menu, "การนำไปใช้")["data"])
    reply = chat.tap(w.worker, button(reply, "กลับไปหน้าสรุป")["data"])
    assert step_of(tx, w.worker) == "report:confirm" and APPLICATION in texts(reply)
    # Images can be added from the summary too.
    menu = chat.tap(w.worker, button(reply, "แก้ไข")["data"])
    chat.tap(w.worker, button(menu, "เกียรติบัตร")["data"])
    chat.send_image(w.worker, image_bytes())
    reply = chat.say(w.worker, "เสร็จ")
    assert "1 รูป" in texts(reply)
    chat.say(w.worker, "ยืนยัน")  # typing works as well as tapping
    report = the_report(tx, w.reg_id)
    assert report.learned.startswith("ได้เรียนรู้ระเบียบ") and report.expense_total == Decimal("1000")
    assert len(report.attachments) == 1


def test_typed_edit_on_the_summary_shows_the_menu(chat: Chat, tx, world: World) -> None:
    to_summary(chat, world)
    assert "ส่วนใด" in texts(chat.say(world.worker, "แก้ไข"))


@pytest.mark.parametrize("step", ["learned", "exp_registration", "images", "confirm"])
def test_typed_cancel_at_any_step(chat: Chat, tx, world: World, step: str) -> None:
    _walk_to(chat, world, step)
    reply = chat.say(world.worker, "ยกเลิก")
    assert "ยกเลิก" in texts(reply)
    assert step_of(tx, world.worker) is None and the_report(tx, world.reg_id) is None


def test_cancel_button_on_the_summary_and_stale_taps_after(chat: Chat, tx, world: World) -> None:
    summary = to_summary(chat, world)
    reply = chat.tap(world.worker, button(summary, "ยกเลิก")["data"])
    assert "ยกเลิกขั้นตอน" in texts(reply) and step_of(tx, world.worker) is None
    reply = chat.tap(world.worker, button(summary, "ยืนยัน")["data"])
    assert "สิ้นสุดแล้ว" in texts(reply)
    assert the_report(tx, world.reg_id) is None


def test_cancel_quick_reply_on_a_question(chat: Chat, tx, world: World) -> None:
    reply = chat.say(world.worker, "ส่งรายงาน")
    chat.tap(world.worker, button(reply, "ยกเลิก")["data"])
    assert step_of(tx, world.worker) is None


def test_double_confirm_stores_one_report(chat: Chat, tx, world: World) -> None:
    summary = to_summary(chat, world)
    data = button(summary, "ยืนยัน")["data"]
    mark = chat.mark()
    chat.tap(world.worker, data)
    reply = chat.tap(world.worker, data)
    assert "สิ้นสุดแล้ว" in texts(reply)
    with tx() as s:
        assert len(s.scalars(select(Report)).all()) == 1
    assert len(chat.inbox(world.boss, after=mark)) == 1


def test_restart_in_the_middle_loses_nothing(chat: Chat, tx, world: World, database_url: str, fake_line,
                                             tmp_path: Path) -> None:
    w = world
    chat.say(w.worker, "ส่งรายงาน")
    chat.say(w.worker, LEARNED)
    chat.say(w.worker, APPLICATION)
    chat.say(w.worker, "3500")
    reply = chat.say(w.worker, "800")
    # A new process on the same database: nothing of the dialog lives in memory.
    config = test_config(database_url, tmp_path, LINE_API_BASE_URL=fake_line.url, LINE_DATA_API_BASE_URL=fake_line.url)
    second = create_app(config)
    state = second.extensions["bot"]
    try:
        chat2 = Chat(second.test_client(), fake_line.standin, state.channel_secret)
        reply = chat2.say(w.worker, "1,200")
        assert "ค่าเบี้ยเลี้ยง" in texts(reply)
        chat2.say(w.worker, "480")
        chat2.send_image(w.worker, image_bytes())
        reply = chat2.say(w.worker, "เสร็จ")
        assert LEARNED in texts(reply) and "5,980 บาท" in texts(reply)
        chat2.tap(w.worker, button(reply, "ยืนยัน")["data"])
    finally:
        if state.gateway is not None:
            state.gateway.close()
        state.db.dispose()
    report = the_report(tx, w.reg_id)
    assert report.expense_total == Decimal("5980") and len(report.attachments) == 1


def _expire(tx, user: str) -> None:
    with tx() as s:
        conv = s.get(Conversation, user)
        conv.expires_at = utcnow() - timedelta(minutes=1)


def test_wizard_left_for_24_hours_expires_with_a_note(chat: Chat, tx, world: World) -> None:
    chat.say(world.worker, "ส่งรายงาน")
    chat.say(world.worker, LEARNED)
    _expire(tx, world.worker)
    reply = chat.say(world.worker, APPLICATION)
    assert "24 ชั่วโมง" in texts(reply)
    assert step_of(tx, world.worker) is None


def test_wizard_expires_with_time_machine(chat: Chat, tx, world: World) -> None:
    import time_machine

    reply = to_summary(chat, world)
    with time_machine.travel(utcnow() + timedelta(hours=25)):
        answer = chat.tap(world.worker, button(reply, "ยืนยัน")["data"])
    assert "24 ชั่วโมง" in texts(answer)
    assert the_report(tx, world.reg_id) is None and step_of(tx, world.worker) is None


# --- choosing the course, and who may start ---------------------------------------------------


def test_several_owed_reports_ask_which_course_first(chat: Chat, tx, world: World) -> None:
    with tx() as s:
        worker = s.get(Registration, world.reg_id).staff
        other = f.finished_registration(s, worker, title="ระเบียบพัสดุสำหรับผู้ปฏิบัติงาน", ended_days_ago=20)
        other_id = other.id
    reply = chat.say(world.worker, "ส่งรายงาน")
    assert "2 หลักสูตร" in texts(reply) and step_of(tx, world.worker) is None
    assert "เลยกำหนด" in texts(reply)  # ended 20 days ago, due 15 days after the end
    choice = button(reply, "1. ระเบียบพัสดุ")  # the oldest first
    reply = chat.tap(world.worker, choice["data"])
    assert "ระเบียบพัสดุสำหรับผู้ปฏิบัติงาน" in texts(reply)
    with tx() as s:
        assert s.get(Conversation, world.worker).data["reg"] == other_id


def test_nothing_owed(chat: Chat, tx) -> None:
    with tx() as s:
        person = f.staff(s, line_user_id="Unobody")
        f.finished_registration(s, person, ended_days_ago=-5)  # not ended yet
    assert "ไม่มีรายงาน" in texts(chat.say("Unobody", "ส่งรายงาน"))


def test_report_button_of_someone_else_is_refused(chat: Chat, tx, world: World, bot) -> None:
    data = bot.services.codec.pack(Action.REPORT, world.reg_id)
    reply = chat.tap(world.boss, data)
    assert "ไม่ใช่ของท่าน" in texts(reply) and step_of(tx, world.boss) is None


def test_report_button_again_mid_wizard_continues(chat: Chat, tx, world: World, bot) -> None:
    chat.say(world.worker, "ส่งรายงาน")
    chat.say(world.worker, LEARNED)
    reply = chat.tap(world.worker, bot.services.codec.pack(Action.REPORT, world.reg_id))
    assert "ทำต่อ" in texts(reply) and step_of(tx, world.worker) == "report:application"


@pytest.mark.parametrize("step", ["learned", "images", "confirm"])
def test_typing_send_report_mid_wizard_continues(chat: Chat, tx, world: World, step: str) -> None:
    _walk_to(chat, world, step)
    reply = chat.say(world.worker, "ส่งรายงาน")
    assert "ทำต่อ" in texts(reply) and step_of(tx, world.worker) == f"report:{step}"


def test_report_button_after_submitting_says_so(chat: Chat, tx, world: World, bot) -> None:
    summary = to_summary(chat, world)
    chat.tap(world.worker, button(summary, "ยืนยัน")["data"])
    reply = chat.tap(world.worker, bot.services.codec.pack(Action.REPORT, world.reg_id))
    assert "ส่งรายงานหลักสูตรนี้แล้ว" in texts(reply)


def test_builders_for_the_clock(bot, tx, world: World) -> None:
    codec: PostbackCodec = bot.services.codec
    action = report_button(codec, world.reg_id)
    assert action["label"] == "ส่งรายงาน" and codec.unpack(action["data"]).action is Action.REPORT
    with tx() as s:
        reg = s.get(Registration, world.reg_id)
        from models.org import get_settings
        messages = owed_reports_message(codec, [reg], today=reg.course.end_date + timedelta(days=40),
                                        settings=get_settings(session=s))
    assert "เลยกำหนด" in texts(messages)
    assert [a["label"] for a in actions(messages) if a["type"] == "postback"][:2] == ["ส่งรายงาน", "ไม่ได้เข้าร่วม"]


# --- review ---------------------------------------------------------------------------------


def _submit(chat: Chat, w: World) -> list[dict]:
    """Submit a report; return the supervisor's card."""
    summary = to_summary(chat, w)
    mark = chat.mark()
    chat.tap(w.worker, button(summary, "ยืนยัน")["data"])
    return chat.inbox(w.boss, after=mark)


def test_supervisor_acknowledges_once(chat: Chat, tx, world: World) -> None:
    card = _submit(chat, world)
    data = button(card, "รับทราบ")["data"]
    mark = chat.mark()
    reply = chat.tap(world.boss, data)
    assert "รับทราบรายงาน" in texts(reply)
    assert "รับทราบรายงานผลการอบรม" in texts(chat.inbox(world.worker, after=mark))
    assert the_report(tx, world.reg_id).status == ReportStatus.ACKNOWLEDGED
    mark = chat.mark()
    reply = chat.tap(world.boss, data)  # the double tap
    assert "พิจารณาแล้ว" in texts(reply)
    assert chat.inbox(world.worker, after=mark) == []


@pytest.mark.parametrize("who", ["top", "hr", "worker"])
def test_only_the_direct_supervisor_may_review(chat: Chat, tx, world: World, who: str) -> None:
    card = _submit(chat, world)
    user = getattr(world, who)
    assert "ไม่ใช่ผู้พิจารณา" in texts(chat.tap(user, button(card, "รับทราบ")["data"]))
    assert "ไม่ใช่ผู้พิจารณา" in texts(chat.tap(user, button(card, "ขอให้แก้ไข")["data"]))
    assert the_report(tx, world.reg_id).status == ReportStatus.SUBMITTED
    assert step_of(tx, user) is None


def test_tampered_review_button_changes_nothing(chat: Chat, tx, world: World) -> None:
    card = _submit(chat, world)
    data = button(card, "รับทราบ")["data"].replace("|1|", "|2|")
    assert "ใช้ไม่ได้" in texts(chat.tap(world.boss, data))
    assert the_report(tx, world.reg_id).status == ReportStatus.SUBMITTED


def test_revision_requested_and_resubmitted(chat: Chat, tx, world: World) -> None:
    w = world
    card = _submit(chat, w)
    reply = chat.tap(w.boss, button(card, "ขอให้แก้ไข")["data"])
    assert "แก้ไข" in texts(reply) and step_of(tx, w.boss) == "revise_reason:reason"
    assert "อย่างน้อย" in texts(chat.say(w.boss, "ก"))
    assert "ข้อความ" in texts(chat.event(w.boss, ev.sticker_event(w.boss, chat.standin.issue_reply_token(w.boss))))
    mark = chat.mark()
    reply = chat.say(w.boss, "กรุณาเพิ่มตัวอย่างการนำไปใช้ในงานจริง")
    assert "ส่งคำขอให้แก้ไข" in texts(reply) and step_of(tx, w.boss) is None
    back = chat.inbox(w.worker, after=mark)
    assert "กรุณาเพิ่มตัวอย่างการนำไปใช้ในงานจริง" in texts(back)
    assert the_report(tx, w.reg_id).status == ReportStatus.REVISION_REQUESTED
    # The old card is stale now.
    assert "พิจารณาแล้ว" in texts(chat.tap(w.boss, button(card, "รับทราบ")["data"]))

    # The wizard starts prefilled, at the summary.
    reply = chat.tap(w.worker, button(back, "แก้ไขรายงาน")["data"])
    assert LEARNED in texts(reply) and APPLICATION in texts(reply) and "เหตุผล" in texts(reply)
    assert step_of(tx, w.worker) == "report:confirm"
    menu = chat.tap(w.worker, button(reply, "แก้ไข")["data"])
    chat.tap(w.worker, button(menu, "การนำไปใช้")["data"])
    reply = chat.say(w.worker, "นำไปใช้จัดทำแผนพัฒนาของกองคลัง เช่น แผนการอบรมพัสดุ")
    mark = chat.mark()
    chat.tap(w.worker, button(reply, "ยืนยัน")["data"])
    report = the_report(tx, w.reg_id)
    assert report.revision == 2 and report.status == ReportStatus.SUBMITTED
    assert report.application.startswith("นำไปใช้จัดทำแผน") and report.learned == LEARNED
    new_card = chat.inbox(w.boss, after=mark)
    assert "แก้ไขครั้งที่ 1" in texts(new_card)
    # The first card stays stale; the new one works.
    assert "พิจารณาแล้ว" in texts(chat.tap(w.boss, button(card, "รับทราบ")["data"]))
    chat.tap(w.boss, button(new_card, "รับทราบ")["data"])
    assert the_report(tx, w.reg_id).status == ReportStatus.ACKNOWLEDGED


def test_revision_reason_can_be_cancelled(chat: Chat, tx, world: World) -> None:
    card = _submit(chat, world)
    chat.tap(world.boss, button(card, "ขอให้แก้ไข")["data"])
    chat.say(world.boss, "ยกเลิก")
    assert step_of(tx, world.boss) is None
    assert the_report(tx, world.reg_id).status == ReportStatus.SUBMITTED


def test_revision_after_acknowledgement_is_stale(chat: Chat, tx, world: World) -> None:
    card = _submit(chat, world)
    chat.tap(world.boss, button(card, "ขอให้แก้ไข")["data"])  # asked for a reason ...
    with tx() as s:  # ... meanwhile the report was acknowledged elsewhere (the admin console, say)
        report = s.scalar(select(Report).where(Report.registration_id == world.reg_id))
        report.status = ReportStatus.ACKNOWLEDGED
    reply = chat.say(world.boss, "เพิ่มรายละเอียดหน่อยค่ะ")
    assert "พิจารณาแล้ว" in texts(reply)
    assert the_report(tx, world.reg_id).status == ReportStatus.ACKNOWLEDGED


def test_hr_reviews_when_there_is_no_supervisor(chat: Chat, tx) -> None:
    with tx() as s:
        hr = f.hr(s)
        loner = f.staff(s, line_user_id="Uloner")
        reg = f.finished_registration(s, loner)
        hr_user, reg_id = hr.line_user_id, reg.id
    chat.say("Uloner", "ส่งรายงาน")
    chat.say("Uloner", LEARNED)
    chat.say("Uloner", APPLICATION)
    chat.say("Uloner", "รวม 0")
    reply = chat.say("Uloner", "ข้าม")
    mark = chat.mark()
    reply = chat.tap("Uloner", button(reply, "ยืนยัน")["data"])
    assert "งานบุคคล" in texts(reply)
    card = chat.inbox(hr_user, after=mark)
    mark = chat.mark()
    chat.tap(hr_user, button(card, "รับทราบ")["data"])
    assert the_report(tx, reg_id).status == ReportStatus.ACKNOWLEDGED
    assert "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล) รับทราบ" in texts(chat.inbox("Uloner", after=mark))


# --- not attended ---------------------------------------------------------------------------


def test_not_attended_tells_hr_and_owes_nothing(chat: Chat, tx, world: World) -> None:
    reply = chat.say(world.worker, "ไม่ได้เข้าร่วม")
    assert "เหตุผล" in texts(reply) and step_of(tx, world.worker) == "not_attended:reason"
    assert "ข้อความ" in texts(chat.send_image(world.worker, image_bytes()))
    mark = chat.mark()
    reply = chat.say(world.worker, "ติดภารกิจเร่งด่วนของหน่วยงาน")
    assert "ไม่ต้องส่งรายงาน" in texts(reply)
    hr_note = texts(chat.inbox(world.hr, after=mark))
    assert "ไม่ได้เข้าร่วม" in hr_note and "ติดภารกิจเร่งด่วนของหน่วยงาน" in hr_note
    with tx() as s:
        reg = s.get(Registration, world.reg_id)
        assert reg.attendance == Attendance.NOT_ATTENDED and reg.not_attended_reason == "ติดภารกิจเร่งด่วนของหน่วยงาน"
    assert "ไม่มีรายงาน" in texts(chat.say(world.worker, "ส่งรายงาน"))


@pytest.mark.parametrize("command", ["ส่งรายงาน", "ประวัติการอบรม", "อบรม"])
def test_a_menu_command_is_not_taken_as_the_absence_reason(chat: Chat, tx, world: World, command: str) -> None:
    chat.say(world.worker, "ไม่ได้เข้าร่วม")
    reply = chat.say(world.worker, command)
    assert "รอเหตุผล" in texts(reply) and step_of(tx, world.worker) == "not_attended:reason"
    chat.say(world.worker, "ติดอบรมหลักสูตรอื่น")  # mentions courses, but is a reason
    with tx() as s:
        assert s.get(Registration, world.reg_id).not_attended_reason == "ติดอบรมหลักสูตรอื่น"


def test_not_attended_from_the_first_wizard_question(chat: Chat, tx, world: World) -> None:
    reply = chat.say(world.worker, "ส่งรายงาน")
    reply = chat.tap(world.worker, button(reply, "ไม่ได้เข้าร่วม")["data"])
    assert step_of(tx, world.worker) == "not_attended:reason"
    chat.say(world.worker, button(reply, "ลาป่วย")["text"])
    with tx() as s:
        assert s.get(Registration, world.reg_id).attendance == Attendance.NOT_ATTENDED


def test_not_attended_with_several_courses_asks_which(chat: Chat, tx, world: World) -> None:
    with tx() as s:
        worker = s.get(Registration, world.reg_id).staff
        other_id = f.finished_registration(s, worker, title="ระเบียบพัสดุ", ended_days_ago=10).id
    reply = chat.say(world.worker, "ไม่ได้เข้าร่วม")
    assert "เลือกหลักสูตร" in texts(reply) and step_of(tx, world.worker) is None
    chat.tap(world.worker, button(reply, "1. ระเบียบพัสดุ")["data"])
    chat.say(world.worker, "หลักสูตรเลื่อนหรือยกเลิก")
    with tx() as s:
        assert s.get(Registration, other_id).attendance == Attendance.NOT_ATTENDED
        assert s.get(Registration, world.reg_id).attendance == Attendance.UNKNOWN


def test_not_attended_button_after_a_report_changes_nothing(chat: Chat, tx, world: World, bot) -> None:
    _submit(chat, world)
    reply = chat.tap(world.worker, bot.services.codec.pack(Action.NOT_ATTENDED, world.reg_id))
    assert "เปลี่ยนไปแล้ว" in texts(reply)
    with tx() as s:
        assert s.get(Registration, world.reg_id).attendance == Attendance.ATTENDED


# --- taps at the same instant (PostgreSQL: transactions really overlap) ----------------------


def _audit_count(tx, action: str) -> int:
    from models.audit import AuditLog

    with tx() as s:
        return len(s.scalars(select(AuditLog).where(AuditLog.action == action)).all())


def test_racing_confirm_taps_store_one_report(app, bot, fake_line, chat: Chat, tx, world: World, backend) -> None:
    if backend != "postgresql":
        pytest.skip("concurrency is only meaningful on PostgreSQL")
    summary = to_summary(chat, world)
    data = button(summary, "ยืนยัน")["data"]
    mark = chat.mark()
    assert race(app, bot, fake_line, [(world.worker, data)] * 5) == [200] * 5
    assert _audit_count(tx, "report.submitted") == 1
    assert len(chat.inbox(world.boss, after=mark)) == 1
    replies = texts(chat.inbox(world.worker, after=mark))
    assert replies.count("เรียบร้อยแล้ว") == 1 and "ขออภัย" not in replies


def test_racing_acknowledge_taps_change_once(app, bot, fake_line, chat: Chat, tx, world: World, backend) -> None:
    if backend != "postgresql":
        pytest.skip("concurrency is only meaningful on PostgreSQL")
    card = _submit(chat, world)
    data = button(card, "รับทราบ")["data"]
    mark = chat.mark()
    assert race(app, bot, fake_line, [(world.boss, data)] * 5) == [200] * 5
    assert _audit_count(tx, "report.acknowledged") == 1
    assert len(chat.inbox(world.worker, after=mark)) == 1


# --- menu taps mid-wizard, an unreachable supervisor, and the handler's clock ---------------


@pytest.mark.parametrize("step,command", [
    ("learned", "หลักสูตรที่เปิดรับสมัคร"), ("application", "ประวัติการอบรม"), ("application", "คำขอของฉัน"),
    ("exp_registration", "ประวัติการอบรม"), ("exp_per_diem", "คำขอของฉัน"),
])
def test_a_menu_tap_mid_wizard_is_not_taken_as_an_answer(chat: Chat, tx, world: World, step: str,
                                                         command: str) -> None:
    _walk_to(chat, world, step)
    with tx() as s:
        before = dict(s.get(Conversation, world.worker).data)
    reply = chat.say(world.worker, command)
    assert "กำลังกรอกรายงาน" in texts(reply) and "ยกเลิก" in texts(reply)
    assert step_of(tx, world.worker) == f"report:{step}"
    with tx() as s:
        assert s.get(Conversation, world.worker).data == before  # nothing stored
    question = {"learned": "สรุปความรู้", "application": "การนำไปใช้ในงาน", "exp_registration": "ค่าลงทะเบียน",
                "exp_per_diem": "ค่าเบี้ยเลี้ยง"}[step]
    assert question in texts(reply)  # the same question again


def test_a_sentence_that_mentions_courses_is_still_an_answer(chat: Chat, tx, world: World) -> None:
    _walk_to(chat, world, "application")
    chat.say(world.worker, "นำไปสอนเพื่อนในกองที่ยังไม่เคยอบรมหลักสูตรนี้")
    assert step_of(tx, world.worker) == "report:exp_registration"


@pytest.mark.parametrize("why", ["unlinked", "blocked"])
def test_hr_reviews_when_the_supervisor_cannot_receive(chat: Chat, tx, world: World, why: str) -> None:
    from models.org import Staff

    with tx() as s:
        boss = s.scalar(select(Staff).where(Staff.line_user_id == world.boss))
        if why == "unlinked":
            boss.line_user_id = None
        else:
            boss.reachable = False
    summary = to_summary(chat, world)
    mark = chat.mark()
    reply = chat.tap(world.worker, button(summary, "ยืนยัน")["data"])
    assert "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)" in texts(reply)
    assert "ผู้บังคับบัญชา (" not in texts(reply)  # never claims the supervisor was told
    card = chat.inbox(world.hr, after=mark)
    assert button(card, "รับทราบ") and button(card, "ขอให้แก้ไข")
    mark = chat.mark()
    assert "รับทราบรายงาน" in texts(chat.tap(world.hr, button(card, "รับทราบ")["data"]))
    report = the_report(tx, world.reg_id)
    assert report.status == ReportStatus.ACKNOWLEDGED
    told = texts(chat.inbox(world.worker, after=mark))
    assert "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล) รับทราบ" in told
    # Someone who is neither still may not.
    assert "ไม่ใช่ผู้พิจารณา" in texts(chat.tap(world.top, button(card, "ขอให้แก้ไข")["data"]))


def test_reachable_supervisor_is_named_and_reviews(chat: Chat, tx, world: World) -> None:
    summary = to_summary(chat, world)
    reply = chat.tap(world.worker, button(summary, "ยืนยัน")["data"])
    assert "ผู้บังคับบัญชา (" in texts(reply) and "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)" in texts(reply)


def _handler_clock(monkeypatch, when) -> None:
    """Move only the event's clock (ctx.now), the one the handlers must read."""
    monkeypatch.setattr("bot.state.utcnow", lambda: when)  # BotState.now(), the webhook's event clock


def test_an_expired_wizard_tap_follows_the_event_clock(chat: Chat, tx, world: World, monkeypatch) -> None:
    reply = to_summary(chat, world)
    _handler_clock(monkeypatch, utcnow() + timedelta(hours=25))
    answer = chat.tap(world.worker, button(reply, "ยืนยัน")["data"])
    assert "24 ชั่วโมง" in texts(answer)
    assert the_report(tx, world.reg_id) is None and step_of(tx, world.worker) is None


def test_report_button_after_expiry_by_the_event_clock_starts_over(chat: Chat, tx, world: World, bot,
                                                                   monkeypatch) -> None:
    chat.say(world.worker, "ส่งรายงาน")
    chat.say(world.worker, LEARNED)
    _handler_clock(monkeypatch, utcnow() + timedelta(hours=25))
    reply = chat.tap(world.worker, bot.services.codec.pack(Action.REPORT, world.reg_id))
    assert "ทำต่อ" not in texts(reply) and "เริ่มกรอกรายงาน" in texts(reply)
    assert step_of(tx, world.worker) == "report:learned"
