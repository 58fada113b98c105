"""Post-training reports in the chat: the wizard, supervisor review, not attended, and history.

The wizard is the flow "report" (state in models.conversation, so a restart loses nothing):
learned -> application -> expenses (four items, or one total) -> images -> confirm. While it is
active every message reaches report_flow; its buttons arrive as postbacks, which check that the
flow is still at the step the button belongs to.
"""
from __future__ import annotations

import io
import logging
import re
from decimal import Decimal
from typing import Any

from linebot.v3.webhooks import ImageMessageContent, TextMessageContent

from handlers.kit.context import ContentTooLarge, Ctx, multicast_to
from handlers.kit.messages import (
    ACCENT,
    GREY,
    RED,
    Message,
    box,
    bubble,
    button,
    carousel,
    flex,
    message_action,
    postback_action,
    row,
    separator,
    t,
    text,
)
from handlers.kit.postback import Action, PostbackCodec
from handlers.kit.router import Router
from models.conversation import Conversation, advance, end_conversation, start_conversation
from models.org import Staff, hr_officers
from models.registration import Registration, RegStatus
from models.report import Report, ReportStatus
from models.reports import (
    EXPENSE_FIELDS,
    MAX_ATTACHMENTS,
    MAX_IMAGE_BYTES,
    HistoryItem,
    ReportDraft,
    ReportError,
    ReportState,
    ReviewResult,
    acknowledge,
    attachment_count,
    discard_pending_attachments,
    due_date,
    hr_reviews,
    is_owed,
    mark_not_attended,
    may_review,
    owed_reports,
    report_of,
    request_revision,
    review_is_current,
    reviewer_of,
    store_attachment,
    submit_report,
    training_history,
)
from thai import ThaiParseError
from thai.dates import format_date, format_date_range, format_datetime
from thai.nlu import Intent
from thai.numbers import format_baht, format_number, parse_amount

log = logging.getLogger(__name__)

router = Router("reports")

FLOW = "report"
FLOW_NOT_ATTENDED = "not_attended"
FLOW_REVISE = "revise_reason"

# Wizard steps (stored in Conversation.step).
LEARNED = "learned"
APPLICATION = "application"
EXP_TOTAL = "exp_total"
IMAGES = "images"
CONFIRM = "confirm"
EXPENSE_STEPS = tuple(f"exp_{name}" for name in EXPENSE_FIELDS)
TEXT_STEPS = (LEARNED, APPLICATION, *EXPENSE_STEPS, EXP_TOTAL)
# REPORT_EDIT arguments: the part to redo, "" for the menu, "summary" to go back.
EDIT_TARGETS = {"learned": LEARNED, "application": APPLICATION, "expenses": EXPENSE_STEPS[0], "images": IMAGES}
BACK = "summary"

MIN_LEARNED = 20
MIN_APPLICATION = 10
MAX_TEXT = 2000
MIN_REASON = 3
MAX_REASON = 1000
CARD_TEXT = 300  # characters of a long answer shown on a card

DONE_WORDS = {"เสร็จ", "เสร็จแล้ว", "เสร็จสิ้น", "ส่งครบแล้ว", "ครบแล้ว", "ข้าม", "ไม่มีรูป", "ไม่มี", "done", "skip"}
TOTAL_WORDS = {"กรอกยอดรวม", "ยอดรวม", "รวม"}
ITEMS_WORDS = {"แยกรายการ", "กรอกแยกรายการ"}
CONFIRM_WORDS = {"ยืนยัน", "ยืนยันส่ง", "ยืนยันส่งรายงาน", "ส่ง", "ตกลง"}
EDIT_WORDS = {"แก้ไข", "แก้"}
TOTAL_RE = re.compile(r"^(?:ยอด)?รวม(?:ทั้งหมด)?\s*[:=]?\s*(?P<amount>.+)$")
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


class T:
    """What this feature says."""

    NOTHING_OWED = "ตอนนี้ท่านไม่มีรายงานผลการอบรมที่ต้องส่งค่ะ 🙂"
    CHOOSE = "ท่านมีรายงานผลการอบรมที่ต้องส่ง {n} หลักสูตรค่ะ กรุณาเลือกหลักสูตรที่จะส่งรายงานค่ะ"
    CHOOSE_ABSENT = "กรุณาเลือกหลักสูตรที่ท่านไม่ได้เข้าร่วมค่ะ"
    NOT_OWED = "หลักสูตรนี้ไม่มีรายงานที่ต้องส่งแล้วค่ะ"
    ALREADY_SENT = "ท่านส่งรายงานหลักสูตรนี้แล้วค่ะ ({status})"
    NOT_YOURS_REG = "รายการนี้ไม่ใช่ของท่านค่ะ"
    START = "เริ่มกรอกรายงานผลการอบรมค่ะ\nหลักสูตร: {course}\nวันที่อบรม: {dates}\nกำหนดส่ง: {due}\nพิมพ์ ยกเลิก ได้ทุกขั้นตอนค่ะ"
    CONTINUE = "ท่านกำลังกรอกรายงานหลักสูตรนี้อยู่ค่ะ ทำต่อจากขั้นตอนเดิมได้เลยค่ะ"
    RESUBMIT = "{who} ขอให้แก้ไขรายงานหลักสูตร {course} ค่ะ\nเหตุผล: {reason}\nข้อมูลเดิมกรอกไว้ให้แล้ว แตะ แก้ไข เพื่อเลือกส่วนที่จะแก้ แล้วแตะ ยืนยัน เพื่อส่งอีกครั้งค่ะ"

    Q_LEARNED = "ขั้นที่ 1/5 สรุปความรู้ที่ได้รับ\nกรุณาพิมพ์สรุปสิ่งที่ได้เรียนรู้จากการอบรม (อย่างน้อย {n} ตัวอักษร) ค่ะ"
    Q_APPLICATION = "ขั้นที่ 2/5 การนำไปใช้ในงาน\nกรุณาพิมพ์ว่าจะนำความรู้ไปใช้ในงานอย่างไรค่ะ"
    Q_EXPENSE = "ขั้นที่ 3/5 ค่าใช้จ่ายจริง ({i}/4)\n{item} เท่าไรคะ พิมพ์จำนวนเงิน เช่น 3,500 หรือ ไม่มี"
    Q_EXPENSE_FIRST_HINT = "\n(หากไม่แยกรายการ พิมพ์ยอดรวมได้ เช่น รวม 3,500 หรือแตะ กรอกยอดรวม)"
    Q_TOTAL = "ขั้นที่ 3/5 ค่าใช้จ่ายจริง (ยอดรวม)\nกรุณาพิมพ์ยอดรวมค่าใช้จ่ายจริงทั้งหมด เช่น 3,500 หรือ ไม่มี ค่ะ"
    Q_IMAGES = (
        "ขั้นที่ 4/5 เกียรติบัตรและรูปการอบรม\nส่งรูปเกียรติบัตรหรือรูปการอบรมในแชตนี้ได้เลย "
        "(สูงสุด {max} รูป รูปละไม่เกิน 10 MB) ส่งครบแล้วแตะ เสร็จ หรือแตะ ข้าม หากไม่มีค่ะ"
    )
    Q_IMAGES_HAVE = "\nตอนนี้มีรูปแล้ว {n} รูปค่ะ"
    SUMMARY_INTRO = "ขั้นที่ 5/5 กรุณาตรวจสอบรายงาน แล้วแตะ ยืนยัน เพื่อส่ง หรือ แก้ไข ค่ะ"

    TOO_SHORT_LEARNED = "สรุปสั้นเกินไปค่ะ กรุณาเล่าเพิ่มอีกนิด อย่างน้อย {n} ตัวอักษร เช่น หัวข้อที่ได้เรียน และสิ่งที่ได้เรียนรู้ค่ะ"
    TOO_SHORT_APPLICATION = "สั้นเกินไปค่ะ กรุณาพิมพ์อย่างน้อย {n} ตัวอักษร เช่น จะนำไปปรับขั้นตอนงานใดค่ะ"
    TOO_LONG = "ข้อความยาวเกินไปค่ะ (สูงสุด {n} ตัวอักษร ท่านพิมพ์มา {got} ตัวอักษร) กรุณาสรุปให้สั้นลงแล้วส่งใหม่ค่ะ"
    TEXT_ONLY = "ขั้นนี้ต้องพิมพ์เป็นข้อความค่ะ"
    IMAGE_NOT_NOW = "ขั้นนี้ยังไม่รับรูปภาพค่ะ ส่งรูปเกียรติบัตรได้ในขั้นที่ 4 ค่ะ กรุณาพิมพ์เป็นข้อความค่ะ"
    IMAGES_ONLY = "ขั้นนี้รับเฉพาะรูปภาพค่ะ ส่งรูปเกียรติบัตรหรือรูปการอบรม หรือแตะ เสร็จ / ข้าม ค่ะ"
    IMAGE_RECEIVED = "ได้รับรูปแล้วค่ะ (รวม {n}/{max} รูป) ส่งเพิ่มได้ หรือแตะ เสร็จ ค่ะ"
    IMAGE_LIMIT = "ครบ {max} รูปแล้วค่ะ รูปนี้จึงไม่ได้บันทึก แตะ เสร็จ เพื่อไปต่อค่ะ"
    IMAGE_TOO_LARGE = "รูปนี้ใหญ่เกิน 10 MB จึงบันทึกไม่ได้ค่ะ กรุณาย่อขนาดรูปแล้วส่งใหม่ค่ะ"
    IMAGE_BAD = "ไฟล์นี้ไม่ใช่รูปภาพที่ระบบรับได้ค่ะ กรุณาส่งเป็นรูป JPEG หรือ PNG ค่ะ"
    IMAGE_FAILED = "ขออภัยค่ะ ดาวน์โหลดรูปนี้ไม่สำเร็จ กรุณาส่งรูปใหม่อีกครั้งค่ะ"
    IMAGE_UNAVAILABLE = "ขออภัยค่ะ ตอนนี้ระบบยังรับรูปภาพไม่ได้ แตะ ข้าม เพื่อไปต่อ แล้วส่งเกียรติบัตรให้เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล) ภายหลังค่ะ"
    IN_PROGRESS = "ท่านกำลังกรอกรายงานผลการอบรมอยู่ค่ะ กรุณาตอบคำถามนี้ก่อน หรือพิมพ์ ยกเลิก เพื่อออกจากการกรอกรายงานค่ะ"
    CONFIRM_HINT = "กรุณาแตะ ยืนยัน เพื่อส่งรายงาน แก้ไข เพื่อแก้ หรือ ยกเลิก ค่ะ"
    EDIT_WHICH = "ต้องการแก้ไขส่วนใดคะ"
    STALE_BUTTON = "ปุ่มนี้ใช้ไม่ได้แล้วค่ะ"
    NO_FLOW = "ขั้นตอนการส่งรายงานนี้สิ้นสุดแล้วค่ะ พิมพ์ ส่งรายงาน เพื่อเริ่มใหม่ค่ะ"
    EXPIRED = "ขั้นตอนที่ทำค้างไว้เกิน 24 ชั่วโมงจึงถูกยกเลิกแล้วค่ะ พิมพ์ ส่งรายงาน เพื่อเริ่มใหม่ค่ะ"
    SUBMITTED = "ส่งรายงานผลการอบรมเรียบร้อยแล้วค่ะ 🎉\nหลักสูตร: {course}\n{reviewer}"
    SUBMIT_FAILED = "รายงานนี้ส่งไปแล้ว หรือไม่ต้องส่งแล้วค่ะ"

    REVIEW_TITLE = "รายงานผลการอบรม"
    REVIEW_TITLE_AGAIN = "รายงานผลการอบรม (แก้ไขครั้งที่ {n})"
    REVIEW_ALT = "{name} ส่งรายงานผลการอบรม {course}"
    ACKED = "รับทราบรายงานของ {name} แล้วค่ะ"
    ACKED_STAFF = "{who} รับทราบรายงานผลการอบรมหลักสูตร {course} แล้วค่ะ ขอบคุณค่ะ 🙏"
    NOT_REVIEWER = "ท่านไม่ใช่ผู้พิจารณารายงานนี้ค่ะ"
    STALE_REVIEW = "รายงานนี้ได้รับการพิจารณาแล้ว หรือมีฉบับแก้ไขใหม่กว่าค่ะ (สถานะ: {status})"
    ASK_REVISE = "กรุณาพิมพ์สิ่งที่ต้องการให้ {name} แก้ไขในรายงานค่ะ (พิมพ์ ยกเลิก เพื่อยกเลิก)"
    REVISE_SENT = "ส่งคำขอให้แก้ไขถึง {name} แล้วค่ะ"
    REVISE_STAFF = "{who} ขอให้แก้ไขรายงานผลการอบรมหลักสูตร {course} ค่ะ\nเหตุผล: {reason}\nแตะ แก้ไขรายงาน เพื่อแก้และส่งอีกครั้งค่ะ"
    REASON_SHORT = "กรุณาพิมพ์เหตุผลอย่างน้อย {n} ตัวอักษรค่ะ"
    REASON_LONG = "เหตุผลยาวเกินไปค่ะ (สูงสุด {n} ตัวอักษร) กรุณาสรุปให้สั้นลงค่ะ"
    REASON_TEXT_ONLY = "กรุณาพิมพ์เหตุผลเป็นข้อความค่ะ"
    REASON_NOT_COMMAND = "ตอนนี้ระบบรอเหตุผลอยู่ค่ะ กรุณาพิมพ์เหตุผล หรือพิมพ์ ยกเลิก เพื่อออกจากขั้นตอนนี้ค่ะ"

    ASK_ABSENT_REASON = "หลักสูตร {course} ({dates})\nกรุณาพิมพ์เหตุผลที่ไม่ได้เข้าร่วมการอบรมค่ะ (พิมพ์ ยกเลิก เพื่อยกเลิก)"
    ABSENT_DONE = "บันทึกแล้วค่ะ หลักสูตร {course} ไม่ได้เข้าร่วม จึงไม่ต้องส่งรายงาน และแจ้งเจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล) แล้วค่ะ"
    ABSENT_FAILED = "รายการนี้เปลี่ยนไปแล้วค่ะ (ส่งรายงานแล้ว หรือแจ้งไม่ได้เข้าร่วมไว้แล้ว)"
    ABSENT_HR = "แจ้งไม่ได้เข้าร่วมการอบรม\n{name} ({unit})\nหลักสูตร: {course}\nวันที่: {dates}\nเหตุผล: {reason}"
    ABSENT_REASONS = ("ติดภารกิจเร่งด่วน", "ลาป่วย", "หลักสูตรเลื่อนหรือยกเลิก")

    HISTORY_EMPTY = "ยังไม่มีประวัติการอบรมค่ะ"
    HISTORY_ALT = "ประวัติการอบรม {n} หลักสูตร"
    HISTORY_TITLE = "ประวัติการอบรม ปีงบประมาณ {fy}"
    HISTORY_MORE = "และอีก {n} หลักสูตร"
    HISTORY_OLDER = "แสดง {shown} ปีงบประมาณล่าสุด (มีทั้งหมด {total} ปี) ขอดูย้อนหลังได้ที่เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล) ค่ะ"

    WHO_SUPERVISOR = "ผู้บังคับบัญชา"
    WHO_HR = "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)"
    NOTIFIED_BOSS = "ระบบแจ้งผู้บังคับบัญชา ({name}) แล้วค่ะ"
    NOTIFIED_BOSS_AND_HR = "ระบบแจ้งผู้บังคับบัญชา ({name}) และเจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล) แล้วค่ะ"
    NOTIFIED_HR = "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล) จะเป็นผู้พิจารณารายงานนี้ค่ะ"
    NOTIFIED_HR_INSTEAD = ("ผู้บังคับบัญชายังรับข้อความจากระบบไม่ได้ เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล) "
                           "จึงจะเป็นผู้พิจารณารายงานนี้แทนค่ะ")

    BTN_SEND = "ส่งรายงาน"
    BTN_REVISE_SEND = "แก้ไขรายงาน"
    BTN_ABSENT = "ไม่ได้เข้าร่วม"
    BTN_CONFIRM = "ยืนยัน"
    BTN_EDIT = "แก้ไข"
    BTN_CANCEL = "ยกเลิก"
    BTN_DONE = "เสร็จ"
    BTN_SKIP = "ข้าม"
    BTN_TOTAL = "กรอกยอดรวม"
    BTN_ITEMS = "แยกรายการ"
    BTN_NONE = "ไม่มี"
    BTN_ACK = "รับทราบ"
    BTN_REVISE = "ขอให้แก้ไข"
    BTN_BACK = "กลับไปหน้าสรุป"
    BTN_CAMERA_ROLL = "เลือกรูป"
    BTN_CAMERA = "ถ่ายรูป"

    EXPENSE_NAMES = {"registration": "ค่าลงทะเบียน", "travel": "ค่าเดินทาง", "accommodation": "ค่าที่พัก",
                     "per_diem": "ค่าเบี้ยเลี้ยง"}
    EDIT_NAMES = {"learned": "สรุปความรู้", "application": "การนำไปใช้ในงาน", "expenses": "ค่าใช้จ่ายจริง",
                  "images": "เกียรติบัตร/รูปภาพ"}
    REQUEST_STATUS = {RegStatus.PENDING: "รอการอนุมัติ", RegStatus.APPROVED: "ได้รับอนุมัติแล้ว",
                      RegStatus.REJECTED: "ไม่อนุมัติ", RegStatus.CANCELLED: "ยกเลิกแล้ว"}
    REPORT_STATUS = {
        ReportState.NONE: "-",
        ReportState.OWED: "รอส่งรายงาน (กำหนด {due})",
        ReportState.OVERDUE: "เลยกำหนดส่ง ({due})",
        ReportState.SUBMITTED: "ส่งแล้ว รอการรับทราบ",
        ReportState.ACKNOWLEDGED: "รับทราบแล้ว",
        ReportState.REVISION_REQUESTED: "ขอให้แก้ไข",
        ReportState.NOT_ATTENDED: "ไม่ได้เข้าร่วม",
    }

    L_COURSE = "หลักสูตร"
    L_DATES = "วันที่อบรม"
    L_DUE = "กำหนดส่ง"
    L_STAFF = "ผู้รายงาน"
    L_LEARNED = "สรุปความรู้"
    L_APPLICATION = "การนำไปใช้"
    L_TOTAL = "รวม"
    L_TOTAL_ONLY = "ค่าใช้จ่ายจริง (ยอดรวม)"
    L_IMAGES = "เกียรติบัตร/รูป"
    L_SUBMITTED = "ส่งเมื่อ"
    L_REQUEST = "คำขอ"
    L_REPORT = "รายงาน"
    L_EXPENSE = "ค่าใช้จ่ายจริง"
    L_YEAR_TOTAL = "รวมค่าใช้จ่ายจริงทั้งปี"
    IMAGES_N = "{n} รูป"
    COURSES_N = "{n} หลักสูตร"
    SUMMARY_TITLE = "สรุปรายงานผลการอบรม"
    SUMMARY_ALT = "สรุปรายงานผลการอบรม {course}"
    EDIT_DISPLAY = "แก้ไข{part}"
    ABSENT_DISPLAY = "ไม่ได้เข้าร่วม {course}"
    OVERDUE_TAG = "เลยกำหนด"


# --- builders the clock and other features reuse ----------------------------------------------


def report_button(codec: PostbackCodec, registration_id: int, label_text: str = T.BTN_SEND) -> dict[str, Any]:
    """Return a ส่งรายงาน postback action that starts the wizard for one registration."""
    return postback_action(label_text, codec.pack(Action.REPORT, registration_id), display_text=label_text)


def not_attended_button(codec: PostbackCodec, registration_id: int) -> dict[str, Any]:
    """Return a ไม่ได้เข้าร่วม postback action for one registration."""
    return postback_action(T.BTN_ABSENT, codec.pack(Action.NOT_ATTENDED, registration_id), display_text=T.BTN_ABSENT)


def owed_report_bubble(codec: PostbackCodec, reg: Registration, *, today: Any, settings: dict[str, Any],
                       number: int | None = None) -> dict[str, Any]:
    """Return a bubble for one owed report with ส่งรายงาน and ไม่ได้เข้าร่วม buttons."""
    due = due_date(reg, settings)
    title = reg.course.title if number is None else f"{number}. {reg.course.title}"
    rows = [row(T.L_DATES, format_date_range(reg.course.start_date, reg.course.end_date)),
            row(T.L_DUE, format_date(due) + (f" ({T.OVERDUE_TAG})" if today > due else ""))]
    buttons = [button(report_button(codec, reg.id))]
    if reg.attendance != "attended":
        buttons.append(button(not_attended_button(codec, reg.id), style="secondary"))
    return bubble(title, rows, buttons, header_color=RED if today > due else ACCENT)


def owed_reports_message(codec: PostbackCodec, regs: list[Registration], *, today: Any, settings: dict[str, Any],
                         intro: str | None = None) -> list[Message]:
    """Return the owed reports as a text (with one quick reply per course) and a carousel of cards."""
    numbered = len(regs) > 1
    bubbles = [owed_report_bubble(codec, reg, today=today, settings=settings, number=i + 1 if numbered else None)
               for i, reg in enumerate(regs)]
    quick = [report_button(codec, reg.id, f"{i + 1}. {reg.course.title}") for i, reg in enumerate(regs[:12])]
    quick.append(message_action(T.BTN_CANCEL))
    intro = intro or T.CHOOSE.format(n=len(regs))
    # Quick replies show only under the last message, so the cards come last.
    return [text(intro), flex(intro, carousel(bubbles), quick)]


def review_card(codec: PostbackCodec, report: Report, *, buttons: bool) -> Message:
    """Return the summary card a supervisor (with buttons) or HR (without) receives."""
    reg = report.registration
    title = T.REVIEW_TITLE if report.revision <= 1 else T.REVIEW_TITLE_AGAIN.format(n=report.revision - 1)
    rows = [
        row(T.L_STAFF, reg.staff.name),
        row(T.L_COURSE, reg.course.title),
        row(T.L_DATES, format_date_range(reg.course.start_date, reg.course.end_date)),
        separator(),
        row(T.L_LEARNED, _cut(report.learned)),
        row(T.L_APPLICATION, _cut(report.application)),
        row(T.L_EXPENSE, format_baht(report.expense_total)),
        row(T.L_IMAGES, T.IMAGES_N.format(n=len(report.attachments))),
        row(T.L_SUBMITTED, format_datetime(report.submitted_at)),
    ]
    actions = None
    if buttons:
        actions = [
            button(postback_action(T.BTN_ACK, codec.pack(Action.REPORT_ACK, report.id, report.revision),
                                   display_text=T.BTN_ACK)),
            button(postback_action(T.BTN_REVISE, codec.pack(Action.REPORT_REVISE, report.id, report.revision),
                                   display_text=T.BTN_REVISE), style="secondary"),
        ]
    alt = T.REVIEW_ALT.format(name=reg.staff.name, course=reg.course.title)
    return flex(alt, bubble(title, rows, actions, subtitle=reg.staff.position or None))


def _cut(value: str, limit: int = CARD_TEXT) -> str:
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _end_flow(ctx: Ctx) -> None:
    """End the user's flow; a racing tap may have ended it already, which is fine."""
    end_conversation(session=ctx.session, line_user_id=ctx.line_user_id)
    ctx.conversation = None


# --- starting the wizard ----------------------------------------------------------------------


def _own_registration(ctx: Ctx, registration_id: int | None) -> Registration | None:
    if registration_id is None:
        return None
    reg = ctx.session.get(Registration, registration_id)
    if reg is None or ctx.staff is None or reg.staff_id != ctx.staff.id:
        return None
    return reg


@router.intent(Intent.REPORT)
@router.postback(Action.REPORT)
def start_report(event: Any, ctx: Ctx) -> list[Message]:
    """Start the report wizard (asking which course first when several reports are owed)."""
    assert ctx.staff is not None
    reg_id = ctx.postback.id if ctx.postback else None
    if reg_id is not None:
        reg = _own_registration(ctx, reg_id)
        if reg is None:
            return [text(T.NOT_YOURS_REG)]
        if not is_owed(session=ctx.session, registration=reg, today=ctx.today):
            report = report_of(session=ctx.session, registration_id=reg.id)
            if report is not None and report.status != ReportStatus.REVISION_REQUESTED:
                status = T.REPORT_STATUS[ReportState(report.status)]
                return [text(T.ALREADY_SENT.format(status=status))]
            return [text(T.NOT_OWED)]
        return _start_wizard(ctx, reg)
    owed = owed_reports(session=ctx.session, staff=ctx.staff, today=ctx.today)
    if not owed:
        return [text(T.NOTHING_OWED)]
    if len(owed) == 1:
        return _start_wizard(ctx, owed[0])
    return owed_reports_message(ctx.services.codec, owed, today=ctx.today, settings=ctx.settings)


def _start_wizard(ctx: Ctx, reg: Registration) -> list[Message]:
    conv = ctx.conversation
    if (conv is not None and conv.flow == FLOW and conv.expires_at > ctx.now
            and (conv.data or {}).get("reg") == reg.id):
        # Tapping ส่งรายงาน again (say on a reminder) continues; it never throws work away.
        return [text(T.CONTINUE)] + _ask(ctx, conv, reg)
    # Images of an earlier wizard that was cancelled belong to nobody: start clean.
    discard_pending_attachments(session=ctx.session, registration_id=reg.id, upload_dir=ctx.services.upload_dir)
    report = report_of(session=ctx.session, registration_id=reg.id)
    if report is not None:  # revision requested: start prefilled, at the summary
        draft = ReportDraft.from_report(report)
        conv = start_conversation(session=ctx.session, line_user_id=ctx.line_user_id, flow=FLOW, step=CONFIRM,
                                  data={"reg": reg.id, "draft": draft.to_data(), "resubmit": True})
        ctx.conversation = conv
        intro = T.RESUBMIT.format(who=_reviewer_word(reg, report.reviewed_by_id), course=reg.course.title,
                                  reason=report.review_reason or "-")
        return [text(intro)] + _ask(ctx, conv, reg)
    conv = start_conversation(session=ctx.session, line_user_id=ctx.line_user_id, flow=FLOW, step=LEARNED,
                              data={"reg": reg.id, "draft": ReportDraft().to_data()})
    ctx.conversation = conv
    intro = T.START.format(course=reg.course.title,
                           dates=format_date_range(reg.course.start_date, reg.course.end_date),
                           due=format_date(due_date(reg, ctx.settings)))
    return [text(intro)] + _ask(ctx, conv, reg)


# --- asking -----------------------------------------------------------------------------------


def _draft(conv: Conversation) -> ReportDraft:
    return ReportDraft.from_data((conv.data or {}).get("draft") or {})


def _cancel_action(ctx: Ctx) -> dict[str, Any]:
    return postback_action(T.BTN_CANCEL, ctx.pack(Action.CANCEL_FLOW), display_text=T.BTN_CANCEL)


def _back_action(ctx: Ctx, reg: Registration) -> dict[str, Any]:
    return postback_action(T.BTN_BACK, ctx.pack(Action.REPORT_EDIT, reg.id, BACK), display_text=T.BTN_BACK)


def _ask(ctx: Ctx, conv: Conversation, reg: Registration) -> list[Message]:
    """Return the question (or summary) of the step the wizard is at."""
    step = conv.step
    editing = bool((conv.data or {}).get("editing"))
    quick: list[dict[str, Any]] = []
    if step == LEARNED:
        body = T.Q_LEARNED.format(n=MIN_LEARNED)
        if not editing and not (conv.data or {}).get("resubmit"):
            quick.append(not_attended_button(ctx.services.codec, reg.id))
    elif step == APPLICATION:
        body = T.Q_APPLICATION
    elif step in EXPENSE_STEPS:
        index = EXPENSE_STEPS.index(step)
        name = EXPENSE_FIELDS[index]
        body = T.Q_EXPENSE.format(i=index + 1, item=T.EXPENSE_NAMES[name])
        if name == "registration" and reg.course.fee:
            quick.append(message_action(_plain_amount(reg.course.fee)))
        quick.append(message_action(T.BTN_NONE))
        if index == 0:
            body += T.Q_EXPENSE_FIRST_HINT
            quick.append(message_action(T.BTN_TOTAL))
    elif step == EXP_TOTAL:
        body = T.Q_TOTAL
        quick += [message_action(T.BTN_NONE), message_action(T.BTN_ITEMS)]
    elif step == IMAGES:
        have = attachment_count(session=ctx.session, registration_id=reg.id)
        body = T.Q_IMAGES.format(max=MAX_ATTACHMENTS) + (T.Q_IMAGES_HAVE.format(n=have) if have else "")
        quick += _image_quick(ctx, reg, have)
        if editing:
            quick.append(_back_action(ctx, reg))
        quick.append(_cancel_action(ctx))
        return [text(body, quick)]
    else:
        return [text(T.SUMMARY_INTRO), summary_card(ctx, reg, _draft(conv))]
    if editing:
        quick.append(_back_action(ctx, reg))
    quick.append(_cancel_action(ctx))
    return [text(body, quick)]


def _plain_amount(value: Decimal) -> str:
    return format_number(value, decimals=0 if value == value.to_integral_value() else 2)


def _image_quick(ctx: Ctx, reg: Registration, have: int) -> list[dict[str, Any]]:
    done = T.BTN_DONE if have else T.BTN_SKIP
    return [
        {"type": "cameraRoll", "label": T.BTN_CAMERA_ROLL},
        {"type": "camera", "label": T.BTN_CAMERA},
        postback_action(done, ctx.pack(Action.REPORT_DONE_IMAGES, reg.id), display_text=done),
    ]


def summary_card(ctx: Ctx, reg: Registration, draft: ReportDraft) -> Message:
    """Return the wizard's summary card with ยืนยัน / แก้ไข / ยกเลิก."""
    rows = [
        row(T.L_COURSE, reg.course.title),
        row(T.L_DATES, format_date_range(reg.course.start_date, reg.course.end_date)),
        separator(),
        row(T.L_LEARNED, _cut(draft.learned)),
        row(T.L_APPLICATION, _cut(draft.application)),
        separator(),
    ]
    if draft.total_only:
        rows.append(row(T.L_TOTAL_ONLY, format_baht(draft.total)))
    else:
        rows += [row(T.EXPENSE_NAMES[k], format_baht(draft.expenses[k])) for k in EXPENSE_FIELDS]
        rows.append(row(T.L_TOTAL, format_baht(draft.expense_total)))
    count = attachment_count(session=ctx.session, registration_id=reg.id)
    rows.append(row(T.L_IMAGES, T.IMAGES_N.format(n=count)))
    buttons = [
        button(postback_action(T.BTN_CONFIRM, ctx.pack(Action.REPORT_CONFIRM, reg.id), display_text=T.BTN_CONFIRM)),
        button(postback_action(T.BTN_EDIT, ctx.pack(Action.REPORT_EDIT, reg.id), display_text=T.BTN_EDIT),
               style="secondary"),
        button(_cancel_action(ctx), style="link", color=GREY),
    ]
    return flex(T.SUMMARY_ALT.format(course=reg.course.title), bubble(T.SUMMARY_TITLE, rows, buttons))


def _edit_menu(ctx: Ctx, reg: Registration) -> Message:
    quick = [postback_action(name, ctx.pack(Action.REPORT_EDIT, reg.id, key), display_text=T.EDIT_DISPLAY.format(part=name))
             for key, name in T.EDIT_NAMES.items()]
    quick += [_back_action(ctx, reg), _cancel_action(ctx)]
    return text(T.EDIT_WHICH, quick)


# --- moving through the steps -----------------------------------------------------------------


def _next_step(step: str, editing: bool) -> str:
    if step == LEARNED:
        return CONFIRM if editing else APPLICATION
    if step == APPLICATION:
        return CONFIRM if editing else EXPENSE_STEPS[0]
    if step in EXPENSE_STEPS[:-1]:
        return EXPENSE_STEPS[EXPENSE_STEPS.index(step) + 1]
    if step in (EXPENSE_STEPS[-1], EXP_TOTAL):
        return CONFIRM if editing else IMAGES
    return CONFIRM


def _go(ctx: Ctx, conv: Conversation, reg: Registration, step: str, draft: ReportDraft | None = None,
        **changes: Any) -> list[Message]:
    if draft is not None:
        changes["draft"] = draft.to_data()
    if step == CONFIRM:
        changes["editing"] = False
    advance(conv, step=step, **changes)
    return _ask(ctx, conv, reg)


def _repeat(ctx: Ctx, conv: Conversation, reg: Registration, note: str) -> list[Message]:
    """Say what was wrong and ask the same question again (the state does not move)."""
    return [text(note)] + _ask(ctx, conv, reg)


def _flow_registration(ctx: Ctx, conv: Conversation) -> Registration | None:
    reg = _own_registration(ctx, (conv.data or {}).get("reg"))
    if reg is None or reg.status != RegStatus.APPROVED or reg.attendance == "not_attended":
        return None
    return reg


@router.flow(FLOW)
def report_flow(event: Any, ctx: Ctx) -> list[Message]:
    """Take every message while the wizard is active; bad input repeats the question."""
    conv = ctx.conversation
    assert conv is not None
    reg = _flow_registration(ctx, conv)
    if reg is None:
        _end_flow(ctx)
        return [text(T.NOT_OWED)]
    content = event.message
    message = content.text.strip() if isinstance(content, TextMessageContent) else None
    step = conv.step
    command = message is not None and _is_menu_command(ctx, message)
    if command and ctx.intent is not None and ctx.intent.intent is Intent.REPORT:
        # ส่งรายงาน typed (or the rich menu) mid-wizard: carry on rather than take it as an answer.
        return [text(T.CONTINUE)] + _ask(ctx, conv, reg)
    if step in TEXT_STEPS:
        if command:
            # Another menu tap ("ประวัติการอบรม") is not an answer: store nothing, ask again.
            return _repeat(ctx, conv, reg, T.IN_PROGRESS)
        if message is None:
            note = T.IMAGE_NOT_NOW if isinstance(content, ImageMessageContent) else T.TEXT_ONLY
            return _repeat(ctx, conv, reg, note)
        if len(message) > MAX_TEXT:
            return _repeat(ctx, conv, reg, T.TOO_LONG.format(n=format_number(MAX_TEXT), got=format_number(len(message))))
        return _text_step(ctx, conv, reg, message)
    if step == IMAGES:
        if isinstance(content, ImageMessageContent):
            return _receive_image(event, ctx, conv, reg)
        if message is not None and _word(message) in DONE_WORDS:
            return _go(ctx, conv, reg, CONFIRM)
        return _repeat(ctx, conv, reg, T.IMAGES_ONLY)
    # CONFIRM
    if message is not None and _word(message) in CONFIRM_WORDS:
        return _confirm(ctx, conv, reg)
    if message is not None and _word(message) in EDIT_WORDS:
        return [_edit_menu(ctx, reg)]
    return [text(T.CONFIRM_HINT), summary_card(ctx, reg, _draft(conv))]


def _is_menu_command(ctx: Ctx, message: str) -> bool:
    """Tell whether the text is a bare menu command (a rich-menu tap), not an answer."""
    parsed = ctx.intent
    return (len(message) <= 30 and parsed is not None and parsed.intent is not Intent.UNKNOWN
            and not parsed.query)


def _word(message: str) -> str:
    return re.sub(r"\s+", "", message).lower().removesuffix("ค่ะ").removesuffix("ครับ").removesuffix("คะ")


def _text_step(ctx: Ctx, conv: Conversation, reg: Registration, message: str) -> list[Message]:
    step = conv.step
    draft = _draft(conv)
    editing = bool((conv.data or {}).get("editing"))
    if step == LEARNED:
        if len(message) < MIN_LEARNED:
            return _repeat(ctx, conv, reg, T.TOO_SHORT_LEARNED.format(n=MIN_LEARNED))
        draft.learned = message
        return _go(ctx, conv, reg, _next_step(step, editing), draft)
    if step == APPLICATION:
        if len(message) < MIN_APPLICATION:
            return _repeat(ctx, conv, reg, T.TOO_SHORT_APPLICATION.format(n=MIN_APPLICATION))
        draft.application = message
        return _go(ctx, conv, reg, _next_step(step, editing), draft)
    word = _word(message)
    if step in EXPENSE_STEPS and word in TOTAL_WORDS:
        return _go(ctx, conv, reg, EXP_TOTAL)
    if step == EXP_TOTAL and word in ITEMS_WORDS:
        return _go(ctx, conv, reg, EXPENSE_STEPS[0])
    total = TOTAL_RE.match(message.strip())
    try:
        amount = parse_amount(total.group("amount") if total else message)
    except ThaiParseError as error:
        return _repeat(ctx, conv, reg, str(error))
    if total is not None or step == EXP_TOTAL:
        # One total for everything: the items are not split.
        draft.total_only, draft.total = True, amount
        draft.expenses = {k: Decimal("0") for k in EXPENSE_FIELDS}
        return _go(ctx, conv, reg, _next_step(EXP_TOTAL, editing), draft)
    name = EXPENSE_FIELDS[EXPENSE_STEPS.index(step)]
    if step == EXPENSE_STEPS[0]:
        draft.total_only, draft.total = False, Decimal("0")
    draft.expenses[name] = amount
    return _go(ctx, conv, reg, _next_step(step, editing), draft)


def _receive_image(event: Any, ctx: Ctx, conv: Conversation, reg: Registration) -> list[Message]:
    have = attachment_count(session=ctx.session, registration_id=reg.id)
    quick = _image_quick(ctx, reg, have) + [_cancel_action(ctx)]
    if have >= MAX_ATTACHMENTS:
        return [text(T.IMAGE_LIMIT.format(max=MAX_ATTACHMENTS), quick)]
    fetch = ctx.services.fetch_content
    if fetch is None:
        return [text(T.IMAGE_UNAVAILABLE, quick)]
    try:
        data, _ = fetch(event.message.id, MAX_IMAGE_BYTES)
    except ContentTooLarge:
        return [text(T.IMAGE_TOO_LARGE, quick)]
    except Exception:  # noqa: BLE001 - LINE may have dropped the content; the user can resend
        log.warning("could not download image content for registration %s", reg.id, exc_info=True)
        return [text(T.IMAGE_FAILED, quick)]
    content_type = _image_type(data)
    if content_type is None:
        return [text(T.IMAGE_BAD, quick)]
    store_attachment(session=ctx.session, registration=reg, data=data, content_type=content_type,
                     upload_dir=ctx.services.upload_dir, now=ctx.now)
    advance(conv, step=IMAGES)  # refresh the 24-hour expiry
    have += 1
    return [text(T.IMAGE_RECEIVED.format(n=have, max=MAX_ATTACHMENTS), _image_quick(ctx, reg, have) + [_cancel_action(ctx)])]


def _image_type(data: bytes) -> str | None:
    """Return the content type the bytes really are (never trust the header), or None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return IMAGE_FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    except Image.DecompressionBombError:
        return None


# --- the wizard's buttons ---------------------------------------------------------------------


def _wizard_for_tap(ctx: Ctx) -> tuple[Conversation | None, Registration | None, list[Message]]:
    """Return the active wizard and its registration if this tap belongs to it, else a reply."""
    conv = ctx.conversation
    assert ctx.postback is not None
    if conv is not None and conv.expires_at <= ctx.now:
        # The dispatcher checks expiry for messages only; a tap on an old card lands here.
        _end_flow(ctx)
        ctx.conversation = None
        return None, None, [text(T.EXPIRED)]
    if conv is None or conv.flow != FLOW or (conv.data or {}).get("reg") != ctx.postback.id:
        return None, None, [text(T.NO_FLOW)]
    reg = _flow_registration(ctx, conv)
    if reg is None:
        _end_flow(ctx)
        return None, None, [text(T.NOT_OWED)]
    return conv, reg, []


@router.postback(Action.REPORT_DONE_IMAGES)
def done_images(event: Any, ctx: Ctx) -> list[Message]:
    """Finish (or skip) the images step."""
    conv, reg, reply = _wizard_for_tap(ctx)
    if conv is None or reg is None:
        return reply
    if conv.step != IMAGES:
        return _repeat(ctx, conv, reg, T.STALE_BUTTON)
    return _go(ctx, conv, reg, CONFIRM)


@router.postback(Action.REPORT_EDIT)
def edit_step(event: Any, ctx: Ctx) -> list[Message]:
    """Show what can be redone, redo one part, or go back to the summary."""
    conv, reg, reply = _wizard_for_tap(ctx)
    if conv is None or reg is None:
        return reply
    assert ctx.postback is not None
    arg = ctx.postback.arg
    editing = bool((conv.data or {}).get("editing"))
    if conv.step != CONFIRM and not editing:
        return _repeat(ctx, conv, reg, T.STALE_BUTTON)
    if arg == BACK:
        return _go(ctx, conv, reg, CONFIRM)
    if arg in EDIT_TARGETS:
        advance(conv, step=EDIT_TARGETS[arg], editing=True)
        return _ask(ctx, conv, reg)
    return [_edit_menu(ctx, reg)]


@router.postback(Action.REPORT_CONFIRM)
def confirm(event: Any, ctx: Ctx) -> list[Message]:
    """Submit the report from the summary card."""
    conv, reg, reply = _wizard_for_tap(ctx)
    if conv is None or reg is None:
        return reply
    if conv.step != CONFIRM:
        return _repeat(ctx, conv, reg, T.STALE_BUTTON)
    return _confirm(ctx, conv, reg)


def _confirm(ctx: Ctx, conv: Conversation, reg: Registration) -> list[Message]:
    draft = _draft(conv)
    if not is_owed(session=ctx.session, registration=reg, today=ctx.today):
        _end_flow(ctx)
        return [text(T.SUBMIT_FAILED)]
    try:
        report = submit_report(session=ctx.session, registration=reg, draft=draft, now=ctx.now)
    except (ReportError, ValueError):
        _end_flow(ctx)
        return [text(T.SUBMIT_FAILED)]
    _end_flow(ctx)
    ctx.conversation = None
    reviewer_name = _notify_reviewers(ctx, report)
    return [text(T.SUBMITTED.format(course=reg.course.title, reviewer=reviewer_name))]


def _notify_reviewers(ctx: Ctx, report: Report) -> str:
    """Send the card with buttons to whoever reviews, and HR a copy; return what to tell the author."""
    codec = ctx.services.codec
    reg = report.registration
    boss = reviewer_of(reg)
    hr = [p for p in hr_officers(session=ctx.session) if p.id != reg.staff_id]
    if boss is not None and ctx.push(boss, [review_card(codec, report, buttons=True)]):
        others = [p for p in hr if p.id != boss.id]
        told_hr = multicast_to(ctx.session, others, [review_card(codec, report, buttons=False)])
        return (T.NOTIFIED_BOSS_AND_HR if told_hr else T.NOTIFIED_BOSS).format(name=boss.name)
    # No supervisor, or one the card cannot reach (not linked, blocked the bot): HR reviews,
    # so their cards carry the buttons (may_review lets them), and the author is told so.
    if hr:
        multicast_to(ctx.session, hr, [review_card(codec, report, buttons=True)])
    return T.NOTIFIED_HR if boss is None else T.NOTIFIED_HR_INSTEAD


# --- review -----------------------------------------------------------------------------------


def _reviewer_word(reg: Registration, reviewer_id: int | None) -> str:
    """Return who reviewed, as the staff member is told (HR may stand in for the supervisor)."""
    if reviewer_id is None:
        return T.WHO_HR if hr_reviews(reg) else T.WHO_SUPERVISOR
    return T.WHO_SUPERVISOR if reviewer_id == reg.staff.supervisor_id else T.WHO_HR


def _report_for_tap(ctx: Ctx) -> tuple[Report | None, int | None, list[Message]]:
    assert ctx.postback is not None
    report = ctx.session.get(Report, ctx.postback.id) if ctx.postback.id is not None else None
    try:
        revision = int(ctx.postback.arg)
    except ValueError:
        revision = None
    if report is None or revision is None:
        return None, None, [text(T.STALE_BUTTON)]
    if not may_review(ctx.staff, report):
        return None, None, [text(T.NOT_REVIEWER)]
    if not review_is_current(report, revision):
        return None, None, [text(T.STALE_REVIEW.format(status=T.REPORT_STATUS[ReportState(report.status)]))]
    return report, revision, []


@router.postback(Action.REPORT_ACK)
def ack(event: Any, ctx: Ctx) -> list[Message]:
    """Acknowledge (รับทราบ) a report: only its reviewer, only its current revision, once."""
    report, revision, reply = _report_for_tap(ctx)
    if report is None or revision is None:
        return reply
    assert ctx.staff is not None
    result = acknowledge(session=ctx.session, report=report, reviewer=ctx.staff, revision=revision, now=ctx.now)
    if result is ReviewResult.NOT_ALLOWED:
        return [text(T.NOT_REVIEWER)]
    if result is ReviewResult.STALE:
        return [text(T.STALE_REVIEW.format(status=T.REPORT_STATUS[ReportState(report.status)]))]
    reg = report.registration
    ctx.push(reg.staff, [text(T.ACKED_STAFF.format(who=_reviewer_word(reg, ctx.staff.id), course=reg.course.title))])
    return [text(T.ACKED.format(name=reg.staff.name))]


@router.postback(Action.REPORT_REVISE)
def ask_revision_reason(event: Any, ctx: Ctx) -> list[Message]:
    """Ask the reviewer what should be changed (the reason goes back to the author)."""
    report, revision, reply = _report_for_tap(ctx)
    if report is None or revision is None:
        return reply
    conv = start_conversation(session=ctx.session, line_user_id=ctx.line_user_id, flow=FLOW_REVISE, step="reason",
                              data={"report": report.id, "revision": revision})
    ctx.conversation = conv
    return [text(T.ASK_REVISE.format(name=report.registration.staff.name), [_cancel_action(ctx)])]


def _reason(event: Any, ctx: Ctx) -> tuple[str | None, str | None]:
    """Return (reason, None) for acceptable text, or (None, what to say)."""
    content = event.message
    if not isinstance(content, TextMessageContent):
        return None, T.REASON_TEXT_ONLY
    reason = content.text.strip()
    parsed = ctx.intent
    if parsed is not None and parsed.intent is not Intent.UNKNOWN and parsed.score >= 1.0 and not parsed.query:
        # A bare menu command ("ส่งรายงาน", "อบรม") is not a reason: never store it as one.
        return None, T.REASON_NOT_COMMAND
    if len(reason) < MIN_REASON:
        return None, T.REASON_SHORT.format(n=MIN_REASON)
    if len(reason) > MAX_REASON:
        return None, T.REASON_LONG.format(n=format_number(MAX_REASON))
    return reason, None


@router.flow(FLOW_REVISE)
def revision_reason(event: Any, ctx: Ctx) -> list[Message]:
    """Take the reviewer's reason, send the report back, and tell its author."""
    conv = ctx.conversation
    assert conv is not None and ctx.staff is not None
    reason, problem = _reason(event, ctx)
    if reason is None:
        return [text(problem or T.REASON_TEXT_ONLY, [_cancel_action(ctx)])]
    data = conv.data or {}
    _end_flow(ctx)
    ctx.conversation = None
    report = ctx.session.get(Report, data.get("report"))
    if report is None:
        return [text(T.STALE_BUTTON)]
    result = request_revision(session=ctx.session, report=report, reviewer=ctx.staff,
                              revision=int(data.get("revision") or 0), reason=reason, now=ctx.now)
    if result is ReviewResult.NOT_ALLOWED:
        return [text(T.NOT_REVIEWER)]
    if result is ReviewResult.STALE:
        return [text(T.STALE_REVIEW.format(status=T.REPORT_STATUS[ReportState(report.status)]))]
    reg = report.registration
    message = text(T.REVISE_STAFF.format(who=_reviewer_word(reg, ctx.staff.id), course=reg.course.title, reason=reason),
                   [report_button(ctx.services.codec, reg.id, T.BTN_REVISE_SEND)])
    ctx.push(reg.staff, [message])
    return [text(T.REVISE_SENT.format(name=reg.staff.name))]


# --- not attended -----------------------------------------------------------------------------


@router.intent(Intent.NOT_ATTENDED)
@router.postback(Action.NOT_ATTENDED)
def not_attended(event: Any, ctx: Ctx) -> list[Message]:
    """Ask which course was missed (if several) and why."""
    assert ctx.staff is not None
    owed = [r for r in owed_reports(session=ctx.session, staff=ctx.staff, today=ctx.today)
            if report_of(session=ctx.session, registration_id=r.id) is None]
    reg_id = ctx.postback.id if ctx.postback else None
    if reg_id is not None:
        reg = _own_registration(ctx, reg_id)
        if reg is None:
            return [text(T.NOT_YOURS_REG)]
        if reg.id not in {r.id for r in owed}:
            return [text(T.ABSENT_FAILED)]
        return _ask_absent_reason(ctx, reg)
    if not owed:
        return [text(T.NOTHING_OWED)]
    if len(owed) == 1:
        return _ask_absent_reason(ctx, owed[0])
    codec = ctx.services.codec
    quick = [postback_action(f"{i + 1}. {r.course.title}", codec.pack(Action.NOT_ATTENDED, r.id),
                             display_text=T.ABSENT_DISPLAY.format(course=r.course.title)) for i, r in enumerate(owed[:12])]
    quick.append(message_action(T.BTN_CANCEL))
    lines = [f"{i + 1}. {r.course.title} ({format_date_range(r.course.start_date, r.course.end_date)})"
             for i, r in enumerate(owed)]
    return [text(T.CHOOSE_ABSENT + "\n" + "\n".join(lines), quick)]


def _ask_absent_reason(ctx: Ctx, reg: Registration) -> list[Message]:
    conv = start_conversation(session=ctx.session, line_user_id=ctx.line_user_id, flow=FLOW_NOT_ATTENDED,
                              step="reason", data={"reg": reg.id})
    ctx.conversation = conv
    quick = [message_action(r) for r in T.ABSENT_REASONS] + [_cancel_action(ctx)]
    dates = format_date_range(reg.course.start_date, reg.course.end_date)
    return [text(T.ASK_ABSENT_REASON.format(course=reg.course.title, dates=dates), quick)]


@router.flow(FLOW_NOT_ATTENDED)
def absent_reason(event: Any, ctx: Ctx) -> list[Message]:
    """Record the reason, tell HR, and owe no report."""
    conv = ctx.conversation
    assert conv is not None and ctx.staff is not None
    reason, problem = _reason(event, ctx)
    if reason is None:
        quick = [message_action(r) for r in T.ABSENT_REASONS] + [_cancel_action(ctx)]
        return [text(problem or T.REASON_TEXT_ONLY, quick)]
    reg = _own_registration(ctx, (conv.data or {}).get("reg"))
    _end_flow(ctx)
    ctx.conversation = None
    if reg is None or not mark_not_attended(session=ctx.session, registration=reg, reason=reason, now=ctx.now,
                                            upload_dir=ctx.services.upload_dir):
        return [text(T.ABSENT_FAILED)]
    staff: Staff = reg.staff
    ctx.tell_hr([text(T.ABSENT_HR.format(
        name=staff.name, unit=staff.unit.name if staff.unit else "-", course=reg.course.title,
        dates=format_date_range(reg.course.start_date, reg.course.end_date), reason=reason))])
    return [text(T.ABSENT_DONE.format(course=reg.course.title))]


# --- history ----------------------------------------------------------------------------------

MAX_HISTORY_ROWS = 8  # courses per fiscal-year bubble, keeping the Flex message small


def _history_item(item: HistoryItem, settings: dict[str, Any]) -> dict[str, Any]:
    reg = item.registration
    status = T.REPORT_STATUS[item.state]
    if item.state in (ReportState.OWED, ReportState.OVERDUE):
        status = status.format(due=format_date(due_date(reg, settings)))
    expense = format_baht(item.report.expense_total) if item.report is not None else "-"
    return box([
        t(reg.course.title, weight="bold", size="sm"),
        row(T.L_DATES, format_date_range(reg.course.start_date, reg.course.end_date)),
        row(T.L_REQUEST, T.REQUEST_STATUS.get(RegStatus(reg.status), reg.status)),
        row(T.L_REPORT, status),
        row(T.L_EXPENSE, expense),
    ], margin="md")


def history_bubble(fy: int, items: list[HistoryItem], settings: dict[str, Any]) -> dict[str, Any]:
    """Return one fiscal year's courses as a bubble."""
    rows: list[dict[str, Any]] = []
    for i, item in enumerate(items[:MAX_HISTORY_ROWS]):
        if i:
            rows.append(separator())
        rows.append(_history_item(item, settings))
    if len(items) > MAX_HISTORY_ROWS:
        rows.append(t(T.HISTORY_MORE.format(n=len(items) - MAX_HISTORY_ROWS), color=GREY, size="xs"))
    spent = sum((i.report.expense_total for i in items if i.report is not None), Decimal("0"))
    rows += [separator(), row(T.L_YEAR_TOTAL, format_baht(spent))]
    return bubble(T.HISTORY_TITLE.format(fy=fy), rows, subtitle=T.COURSES_N.format(n=format_number(len(items))))


@router.intent(Intent.HISTORY)
@router.postback(Action.HISTORY)
def history(event: Any, ctx: Ctx) -> list[Message]:
    """Show the person's courses per fiscal year, newest first."""
    assert ctx.staff is not None
    years = training_history(session=ctx.session, staff=ctx.staff, today=ctx.today, settings=ctx.settings)
    if not years:
        return [text(T.HISTORY_EMPTY)]
    bubbles = [history_bubble(fy, items, ctx.settings) for fy, items in list(years.items())[:12]]
    count = sum(len(items) for items in years.values())
    messages = [flex(T.HISTORY_ALT.format(n=count), carousel(bubbles))]
    if len(years) > 12:
        messages.append(text(T.HISTORY_OLDER.format(shown=12, total=len(years))))
    return messages
