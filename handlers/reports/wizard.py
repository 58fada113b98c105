"""The report wizard, the chat flow "report" (ส่งรายงาน): its handlers, images and submitting.

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
    Message,
    text,
)
from handlers.kit.postback import Action
from handlers.reports.cards import (
    owed_reports_message,
    review_card,
)
from handlers.reports.common import (
    BACK,
    FLOW,
    cancel_action,
    own_registration,
    reviewer_word,
    router,
)
from handlers.reports.text import T
from models.conversation import Conversation, advance, start_conversation
from models.org import hr_officers
from models.registration import Registration, RegStatus
from models.report import EXPENSE_FIELDS, Report, ReportDraft, ReportStatus
from models.report_review import reviewer_of
from models.reports import (
    MAX_ATTACHMENTS,
    MAX_IMAGE_BYTES,
    ReportError,
    ReportState,
    attachment_count,
    discard_pending_attachments,
    due_date,
    is_owed,
    owed_reports,
    report_of,
    store_attachment,
    submit_report,
)
from thai import ThaiParseError
from thai.dates import format_date, format_date_range
from thai.nlu import Intent
from thai.numbers import format_number, parse_amount

log = logging.getLogger(__name__)

from handlers.reports.steps import (
    APPLICATION,
    CONFIRM,
    EDIT_TARGETS,
    EXP_TOTAL,
    EXPENSE_STEPS,
    IMAGES,
    LEARNED,
    MAX_TEXT,
    MIN_APPLICATION,
    MIN_LEARNED,
    TEXT_STEPS,
    ask,
    draft_of,
    edit_menu,
    go,
    image_quick,
    next_step,
    repeat,
    summary_card,
)

DONE_WORDS = {"เสร็จ", "เสร็จแล้ว", "เสร็จสิ้น", "ส่งครบแล้ว", "ครบแล้ว", "ข้าม", "ไม่มีรูป", "ไม่มี", "done", "skip"}
TOTAL_WORDS = {"กรอกยอดรวม", "ยอดรวม", "รวม"}
ITEMS_WORDS = {"แยกรายการ", "กรอกแยกรายการ"}
CONFIRM_WORDS = {"ยืนยัน", "ยืนยันส่ง", "ยืนยันส่งรายงาน", "ส่ง", "ตกลง"}
EDIT_WORDS = {"แก้ไข", "แก้"}
TOTAL_RE = re.compile(r"^(?:ยอด)?รวม(?:ทั้งหมด)?\s*[:=]?\s*(?P<amount>.+)$")
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


# --- starting the wizard ----------------------------------------------------------------------



@router.intent(Intent.REPORT)
@router.postback(Action.REPORT)
def start_report(event: Any, ctx: Ctx) -> list[Message]:
    """Start the report wizard (asking which course first when several reports are owed)."""
    assert ctx.staff is not None
    reg_id = ctx.postback.id if ctx.postback else None
    if reg_id is not None:
        reg = own_registration(ctx, reg_id)
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
        return [text(T.CONTINUE)] + ask(ctx, conv, reg)
    # Images of an earlier wizard that was cancelled belong to nobody: start clean.
    discard_pending_attachments(session=ctx.session, registration_id=reg.id, upload_dir=ctx.services.upload_dir)
    report = report_of(session=ctx.session, registration_id=reg.id)
    if report is not None:  # revision requested: start prefilled, at the summary
        draft = ReportDraft.from_report(report)
        conv = start_conversation(session=ctx.session, line_user_id=ctx.line_user_id, flow=FLOW, step=CONFIRM,
                                  data={"reg": reg.id, "draft": draft.to_data(), "resubmit": True})
        ctx.conversation = conv
        intro = T.RESUBMIT.format(who=reviewer_word(reg, report.reviewed_by_id, ctx.hr), course=reg.course.title,
                                  reason=report.review_reason or "-")
        return [text(intro)] + ask(ctx, conv, reg)
    conv = start_conversation(session=ctx.session, line_user_id=ctx.line_user_id, flow=FLOW, step=LEARNED,
                              data={"reg": reg.id, "draft": ReportDraft().to_data()})
    ctx.conversation = conv
    intro = T.START.format(course=reg.course.title,
                           dates=format_date_range(reg.course.start_date, reg.course.end_date),
                           due=format_date(due_date(reg, ctx.settings)))
    return [text(intro)] + ask(ctx, conv, reg)



def _flow_registration(ctx: Ctx, conv: Conversation) -> Registration | None:
    reg = own_registration(ctx, (conv.data or {}).get("reg"))
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
        ctx.end_flow()
        return [text(T.NOT_OWED)]
    content = event.message
    message = content.text.strip() if isinstance(content, TextMessageContent) else None
    step = conv.step
    command = message is not None and _is_menu_command(ctx, message)
    if command and ctx.intent is not None and ctx.intent.intent is Intent.REPORT:
        # ส่งรายงาน typed (or the rich menu) mid-wizard: carry on rather than take it as an answer.
        return [text(T.CONTINUE)] + ask(ctx, conv, reg)
    if step in TEXT_STEPS:
        if command:
            # Another menu tap ("ประวัติการอบรม") is not an answer: store nothing, ask again.
            return repeat(ctx, conv, reg, T.IN_PROGRESS)
        if message is None:
            note = T.IMAGE_NOT_NOW if isinstance(content, ImageMessageContent) else T.TEXT_ONLY
            return repeat(ctx, conv, reg, note)
        if len(message) > MAX_TEXT:
            return repeat(ctx, conv, reg, T.TOO_LONG.format(n=format_number(MAX_TEXT), got=format_number(len(message))))
        return _text_step(ctx, conv, reg, message)
    if step == IMAGES:
        if isinstance(content, ImageMessageContent):
            return _receive_image(event, ctx, conv, reg)
        if message is not None and _word(message) in DONE_WORDS:
            return go(ctx, conv, reg, CONFIRM)
        return repeat(ctx, conv, reg, T.IMAGES_ONLY)
    # CONFIRM
    if message is not None and _word(message) in CONFIRM_WORDS:
        return _confirm(ctx, conv, reg)
    if message is not None and _word(message) in EDIT_WORDS:
        return [edit_menu(ctx, reg)]
    return [text(T.CONFIRM_HINT), summary_card(ctx, reg, draft_of(conv))]


def _is_menu_command(ctx: Ctx, message: str) -> bool:
    """Tell whether the text is a bare menu command (a rich-menu tap), not an answer."""
    parsed = ctx.intent
    return (len(message) <= 30 and parsed is not None and parsed.intent is not Intent.UNKNOWN
            and not parsed.query)


def _word(message: str) -> str:
    return re.sub(r"\s+", "", message).lower().removesuffix("ค่ะ").removesuffix("ครับ").removesuffix("คะ")


def _text_step(ctx: Ctx, conv: Conversation, reg: Registration, message: str) -> list[Message]:
    step = conv.step
    draft = draft_of(conv)
    editing = bool((conv.data or {}).get("editing"))
    if step == LEARNED:
        if len(message) < MIN_LEARNED:
            return repeat(ctx, conv, reg, T.TOO_SHORT_LEARNED.format(n=MIN_LEARNED))
        draft.learned = message
        return go(ctx, conv, reg, next_step(step, editing), draft)
    if step == APPLICATION:
        if len(message) < MIN_APPLICATION:
            return repeat(ctx, conv, reg, T.TOO_SHORT_APPLICATION.format(n=MIN_APPLICATION))
        draft.application = message
        return go(ctx, conv, reg, next_step(step, editing), draft)
    word = _word(message)
    if step in EXPENSE_STEPS and word in TOTAL_WORDS:
        return go(ctx, conv, reg, EXP_TOTAL)
    if step == EXP_TOTAL and word in ITEMS_WORDS:
        return go(ctx, conv, reg, EXPENSE_STEPS[0])
    total = TOTAL_RE.match(message.strip())
    try:
        amount = parse_amount(total.group("amount") if total else message)
    except ThaiParseError as error:
        return repeat(ctx, conv, reg, str(error))
    if total is not None or step == EXP_TOTAL:
        # One total for everything: the items are not split.
        draft.total_only, draft.total = True, amount
        draft.expenses = {k: Decimal("0") for k in EXPENSE_FIELDS}
        return go(ctx, conv, reg, next_step(EXP_TOTAL, editing), draft)
    name = EXPENSE_FIELDS[EXPENSE_STEPS.index(step)]
    if step == EXPENSE_STEPS[0]:
        draft.total_only, draft.total = False, Decimal("0")
    draft.expenses[name] = amount
    return go(ctx, conv, reg, next_step(step, editing), draft)


def _receive_image(event: Any, ctx: Ctx, conv: Conversation, reg: Registration) -> list[Message]:
    have = attachment_count(session=ctx.session, registration_id=reg.id)
    quick = image_quick(ctx, reg, have) + [cancel_action(ctx)]
    if have >= MAX_ATTACHMENTS:
        return [text(T.IMAGE_LIMIT.format(max=MAX_ATTACHMENTS), quick)]
    fetch = ctx.services.fetch_content
    if fetch is None:
        return [text(T.IMAGE_UNAVAILABLE.format(hr=ctx.hr), quick)]
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
    return [text(T.IMAGE_RECEIVED.format(n=have, max=MAX_ATTACHMENTS), image_quick(ctx, reg, have) + [cancel_action(ctx)])]


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
        ctx.end_flow()
        ctx.conversation = None
        return None, None, [text(T.EXPIRED)]
    if conv is None or conv.flow != FLOW or (conv.data or {}).get("reg") != ctx.postback.id:
        return None, None, [text(T.NO_FLOW)]
    reg = _flow_registration(ctx, conv)
    if reg is None:
        ctx.end_flow()
        return None, None, [text(T.NOT_OWED)]
    return conv, reg, []


@router.postback(Action.REPORT_DONE_IMAGES)
def done_images(event: Any, ctx: Ctx) -> list[Message]:
    """Finish (or skip) the images step."""
    conv, reg, reply = _wizard_for_tap(ctx)
    if conv is None or reg is None:
        return reply
    if conv.step != IMAGES:
        return repeat(ctx, conv, reg, T.STALE_BUTTON)
    return go(ctx, conv, reg, CONFIRM)


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
        return repeat(ctx, conv, reg, T.STALE_BUTTON)
    if arg == BACK:
        return go(ctx, conv, reg, CONFIRM)
    if arg in EDIT_TARGETS:
        advance(conv, step=EDIT_TARGETS[arg], editing=True)
        return ask(ctx, conv, reg)
    return [edit_menu(ctx, reg)]


@router.postback(Action.REPORT_CONFIRM)
def confirm(event: Any, ctx: Ctx) -> list[Message]:
    """Submit the report from the summary card."""
    conv, reg, reply = _wizard_for_tap(ctx)
    if conv is None or reg is None:
        return reply
    if conv.step != CONFIRM:
        return repeat(ctx, conv, reg, T.STALE_BUTTON)
    return _confirm(ctx, conv, reg)


def _confirm(ctx: Ctx, conv: Conversation, reg: Registration) -> list[Message]:
    draft = draft_of(conv)
    if not is_owed(session=ctx.session, registration=reg, today=ctx.today):
        ctx.end_flow()
        return [text(T.SUBMIT_FAILED)]
    try:
        report = submit_report(session=ctx.session, registration=reg, draft=draft, now=ctx.now)
    except (ReportError, ValueError):
        ctx.end_flow()
        return [text(T.SUBMIT_FAILED)]
    ctx.end_flow()
    ctx.conversation = None
    reviewer_name = _notify_reviewers(ctx, report)
    return [text(T.SUBMITTED.format(course=reg.course.title, reviewer=reviewer_name))]


def _photos_url(ctx: Ctx, report: Report) -> str | None:
    """Return a signed, expiring link to the report's photo, or to a page of all of them; None without."""
    urls = ctx.services.document_url
    if urls is None or not report.attachments:
        return None
    ctx.session.flush()  # the attachments' report_id must be stored before the link is served
    base = str(ctx.settings.get("public_base_url") or "")
    if len(report.attachments) > 1:
        return urls("report-photos", report.id, base)
    return urls("attachment", report.attachments[0].id, base)


def _notify_reviewers(ctx: Ctx, report: Report) -> str:
    """Send the card with buttons to whoever reviews, and HR a copy; return what to tell the author."""
    codec = ctx.services.codec
    reg = report.registration
    boss = reviewer_of(reg)
    hr = [p for p in hr_officers(session=ctx.session) if p.id != reg.staff_id]
    photos = _photos_url(ctx, report)
    if boss is not None and ctx.push(boss, [review_card(codec, report, buttons=True, photos_url=photos)]):
        others = [p for p in hr if p.id != boss.id]
        told_hr = multicast_to(ctx.session, others, [review_card(codec, report, buttons=False, photos_url=photos)])
        return (T.NOTIFIED_BOSS_AND_HR if told_hr else T.NOTIFIED_BOSS).format(name=boss.name, hr=ctx.hr)
    # No supervisor, or one the card cannot reach (not linked, blocked the bot): HR reviews,
    # so their cards carry the buttons (may_review lets them), and the author is told so.
    if hr:
        multicast_to(ctx.session, hr, [review_card(codec, report, buttons=True, photos_url=photos)])
    return (T.NOTIFIED_HR if boss is None else T.NOTIFIED_HR_INSTEAD).format(hr=ctx.hr)


