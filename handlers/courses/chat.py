"""Finding open courses and registering for one (สมัครอบรม), with the reason asked in a flow."""
from __future__ import annotations

from typing import Any

from linebot.v3.webhooks import TextMessageContent

from handlers.kit.cards import approval_card, fee_text
from handlers.kit.context import Ctx
from handlers.kit.messages import (
    GREY,
    Message,
    bubble,
    button,
    carousel,
    clip,
    flex,
    message_action,
    postback_action,
    row,
    t,
    text,
)
from handlers.kit.postback import Action
from handlers.kit.router import Router
from models.conversation import Conversation, advance, start_conversation
from models.course import Course
from models.approval import holder_name
from models.delegation import actor
from models.outbox import SOURCE_APPROVALS
from models.registration import (
    REASON_MAX,
    OpenCourse,
    RegistrationError,
    check_can_register,
    current_step,
    open_courses_for,
    register,
    seats_left,
    status_text,
)
from thai.dates import format_date, format_date_range
from thai.nlu import Intent
from thai.search import rank

router = Router("courses")

FLOW = "register"
CAROUSEL_MAX = 12
QUERY_MAX = 60  # characters of a search kept in a ดูเพิ่มเติม button (data is at most 300)
CONFIRM_WORDS = {"ยืนยัน", "ตกลง", "ok", "โอเค", "ใช่", "ส่ง", "confirm", "yes"}
SKIP_WORDS = {"ข้าม", "skip", "ไม่มี", "-"}
MENU_INTENTS = {Intent.COURSES, Intent.MY_REQUESTS, Intent.APPROVALS, Intent.REPORT, Intent.HISTORY, Intent.HELP}


class T:
    """What this feature says."""

    NONE_OPEN = "ขณะนี้ยังไม่มีหลักสูตรที่เปิดรับสมัครสำหรับท่านค่ะ ระบบจะแจ้งเมื่อมีหลักสูตรใหม่ค่ะ"
    NO_MATCH = "ไม่พบหลักสูตรที่ตรงกับ \"{query}\" ค่ะ นี่คือหลักสูตรที่เปิดรับสมัครทั้งหมดค่ะ"
    FOUND = "หลักสูตรที่เปิดรับสมัคร {count} หลักสูตรค่ะ"
    FOUND_QUERY = "หลักสูตรที่ตรงกับ \"{query}\" {count} หลักสูตรค่ะ"
    ALT = "หลักสูตรที่เปิดรับสมัคร"
    MORE_TITLE = "ยังมีอีก {count} หลักสูตร"
    MORE = "ดูเพิ่มเติม"
    PAGE_GONE = "ไม่มีหลักสูตรเพิ่มเติมแล้วค่ะ"
    REGISTER = "สมัคร"
    MY_REQUESTS = "คำขอของฉัน"
    ASK_REASON = (
        "กรุณาพิมพ์เหตุผลความจำเป็นในการเข้ารับการอบรมสั้น ๆ ค่ะ "
        "(เช่น นำความรู้มาใช้ในงานที่รับผิดชอบ) หรือแตะ \"ข้าม\" หากไม่ต้องการระบุค่ะ"
    )
    IN_FLOW = (
        "ท่านอยู่ระหว่างสมัครอบรมค่ะ พิมพ์เหตุผลความจำเป็น แตะ \"ข้าม\" หรือแตะ \"ยืนยัน\" ในการ์ด "
        "หากต้องการทำอย่างอื่น พิมพ์ \"ยกเลิก\" ก่อนค่ะ"
    )
    REASON_AGAIN = "กรุณาพิมพ์เหตุผลเป็นข้อความ หรือแตะ \"ข้าม\" ค่ะ"
    REASON_TOO_LONG = "เหตุผลยาวเกิน {max} ตัวอักษรค่ะ กรุณาสรุปให้สั้นลงค่ะ"
    SKIP = "ข้าม"
    CANCEL = "ยกเลิก"
    CONFIRM = "ยืนยัน"
    CONFIRM_ASK = "ตรวจสอบรายละเอียดแล้วแตะ \"ยืนยัน\" เพื่อส่งคำขอ หรือพิมพ์เหตุผลใหม่เพื่อแก้ไขค่ะ"
    CONFIRM_TITLE = "ยืนยันการสมัครอบรม"
    DETAILS_TITLE = "สมัครอบรม"
    SENT = "ส่งคำขอแล้ว รอการอนุมัติจาก {name} ค่ะ"
    SENT_UNREACHABLE = "ขณะนี้ {name} ยังรับข้อความจากระบบใน LINE ไม่ได้ {hr} จะช่วยติดตามให้ค่ะ"
    HR_APPROVER_OFFLINE = "คำขอเข้ารับการอบรมของ {staff} ({course}) รอการอนุมัติจาก {approver} ซึ่งยังไม่ได้ผูกบัญชี LINE ค่ะ"
    STALE = "ขั้นตอนการสมัครนี้สิ้นสุดแล้วค่ะ กรุณาแตะ \"สมัคร\" ที่หลักสูตรอีกครั้งค่ะ"
    NOT_FOUND = "ไม่พบหลักสูตรนี้แล้วค่ะ"
    NO_REASON = "(ไม่ระบุ)"
    UNLIMITED = "ไม่จำกัด"
    SEATS = "{n} ที่"
    # Row labels of the course card.
    L_KIND = "ประเภท"
    L_DATES = "วันที่"
    L_VENUE = "สถานที่"
    L_ORGANIZER = "ผู้จัด"
    L_FEE = "ค่าลงทะเบียน"
    L_SEATS = "ที่นั่งว่าง"
    L_AREA = "ด้าน"
    L_DEADLINE = "ปิดรับสมัคร"
    L_REASON = "เหตุผล"
    L_MINE = "คำขอของท่าน"
    # the clock: registration closing soon, training next
    CLOSING = (
        "📢 หลักสูตรใกล้ปิดรับสมัครค่ะ\n{title}\nวันที่อบรม: {dates}\nปิดรับสมัคร: {deadline}\n"
        "สนใจแตะ \"สมัคร\" ได้เลยค่ะ (ปิดข่าวหลักสูตรได้โดยแตะ \"ปิดการแจ้งเตือน\")"
    )
    # A new course, told once to the staff it targets who take announcements (announce.py).
    NEW_COURSE = (
        "📢 หลักสูตรใหม่เปิดรับสมัครค่ะ\n{title}\nวันที่อบรม: {dates}\nปิดรับสมัคร: {deadline}\n"
        "สนใจแตะ \"สมัคร\" ได้เลยค่ะ (ปิดข่าวหลักสูตรได้โดยแตะ \"ปิดการแจ้งเตือน\")"
    )
    BTN_MUTE = "ปิดการแจ้งเตือน"
    STARTING = "📅 แจ้งเตือนการอบรม{when}ค่ะ\nหลักสูตร: {title}\nเริ่ม: {start}{time}\nวันที่อบรม: {dates}\nสถานที่: {venue}"
    TOMORROW = "พรุ่งนี้"
    AT_TIME = " เวลา {time} น."
    NO_VENUE = "ตามที่ผู้จัดแจ้ง"


# --- cards ----------------------------------------------------------------------------------------


def course_rows(course: Course, seats: int | None = None, *, show_seats: bool = True) -> list[dict[str, Any]]:
    """Return the rows every course card shows."""
    rows = [
        row(T.L_DATES, format_date_range(course.start_date, course.end_date)),
        row(T.L_VENUE, clip(course.venue or "-", 100)),
        row(T.L_ORGANIZER, clip(course.organizer or "-", 80)),
        row(T.L_FEE, fee_text(course)),
    ]
    if show_seats:
        rows.append(row(T.L_SEATS, T.UNLIMITED if seats is None else T.SEATS.format(n=seats)))
    rows += [row(T.L_AREA, course.policy_area or "-"),
             row(T.L_DEADLINE, format_date(course.registration_deadline))]
    return rows


def course_bubble(item: OpenCourse, ctx: Ctx) -> dict[str, Any]:
    """Return one course of the carousel, with สมัคร (or the person's request status)."""
    course = item.course
    rows = course_rows(course, item.seats_left)
    if item.mine is not None:
        rows.append(row(T.L_MINE, status_text(item.mine)))
        buttons = [button(postback_action(T.MY_REQUESTS, ctx.pack(Action.MY_REQUESTS), T.MY_REQUESTS),
                          style="secondary")]
    else:
        buttons = [button(postback_action(T.REGISTER, ctx.pack(Action.REGISTER, course.id),
                                          f"{T.REGISTER} {course.title}"))]
    return bubble(clip(course.title, 120), rows, buttons, subtitle=course.kind)


def more_bubble(ctx: Ctx, page: int, query: str, remaining: int) -> dict[str, Any]:
    """Return the last bubble of a page: how many more, and ดูเพิ่มเติม."""
    data = ctx.pack(Action.COURSES, None, f"{page + 1}:{query}")
    return bubble(T.MORE_TITLE.format(count=remaining), [t(T.MORE, color=GREY)],
                  [button(postback_action(T.MORE, data, T.MORE))])


def clean_query(query: str) -> str:
    """Return a search as it can travel in a button: no separator, not too long."""
    return " ".join(query.replace("|", " ").split())[:QUERY_MAX]


def course_page(ctx: Ctx, query: str, page: int) -> list[Message]:
    """Return the open courses (ranked by the search if any) from a page on."""
    assert ctx.staff is not None
    items = open_courses_for(session=ctx.session, staff=ctx.staff, today=ctx.today)
    if not items:
        return [text(T.NONE_OPEN)]
    query = clean_query(query)
    intro = T.FOUND.format(count=len(items))
    if query:
        found = rank(query, items, lambda i: (i.course.title, i.course.policy_area, i.course.organizer,
                                              i.course.kind, i.course.code))
        if found:
            items, intro = found, T.FOUND_QUERY.format(query=query, count=len(found))
        else:
            intro, query = T.NO_MATCH.format(query=query), ""
    # Every page but the last shows 11 courses and a ดูเพิ่มเติม bubble: 12 bubbles at most.
    per_page = CAROUSEL_MAX - 1
    start = page * per_page
    if start >= len(items):
        return [text(T.PAGE_GONE)]
    rest = items[start:]
    if len(rest) <= CAROUSEL_MAX:
        bubbles = [course_bubble(i, ctx) for i in rest]
    else:
        bubbles = [course_bubble(i, ctx) for i in rest[:per_page]]
        bubbles.append(more_bubble(ctx, page, query, len(rest) - per_page))
    messages: list[Message] = []
    if page == 0:
        messages.append(text(intro))
    messages.append(flex(T.ALT, carousel(bubbles)))
    return messages


@router.intent(Intent.COURSES)
def show_courses(event: Any, ctx: Ctx) -> list[Message]:
    """Show the courses open to this person; words typed after อบรม narrow them."""
    query = ctx.intent.query if ctx.intent else ""
    return course_page(ctx, query, 0)


@router.postback(Action.COURSES)
def more_courses(event: Any, ctx: Ctx) -> list[Message]:
    """Show a page of courses (the rich menu's tap or ดูเพิ่มเติม)."""
    assert ctx.postback is not None
    page_text, _, query = ctx.postback.arg.partition(":")
    page = int(page_text) if page_text.isdigit() else 0
    return course_page(ctx, query, min(page, 1000))


# --- the registration flow ------------------------------------------------------------------------


def _flow_course(ctx: Ctx, course_id: int | None = None) -> tuple[Conversation, Course] | None:
    """Return this user's register flow and its course, if it is for that course."""
    conv = ctx.conversation
    if conv is None or conv.flow != FLOW or conv.expires_at <= ctx.now:
        return None
    wanted = (conv.data or {}).get("course_id")
    if course_id is not None and wanted != course_id:
        return None
    course = ctx.session.get(Course, wanted) if isinstance(wanted, int) else None
    return (conv, course) if course is not None else None


def _reason_quick(ctx: Ctx, course_id: int) -> list[dict[str, Any]]:
    return [postback_action(T.SKIP, ctx.pack(Action.SKIP_REASON, course_id), T.SKIP),
            postback_action(T.CANCEL, ctx.pack(Action.CANCEL_FLOW), T.CANCEL)]


@router.postback(Action.REGISTER)
def start_register(event: Any, ctx: Ctx) -> list[Message]:
    """Show the course's details and ask for the reason (the first step of สมัคร)."""
    assert ctx.postback is not None and ctx.staff is not None
    course = ctx.session.get(Course, ctx.postback.id) if ctx.postback.id else None
    if course is None:
        return [text(T.NOT_FOUND)]
    try:
        check_can_register(session=ctx.session, staff=ctx.staff, course=course, today=ctx.today)
    except RegistrationError as refused:
        return [text(refused.say(ctx.hr), [message_action(T.MY_REQUESTS)])]
    start_conversation(session=ctx.session, line_user_id=ctx.line_user_id, flow=FLOW, step="reason",
                       data={"course_id": course.id})
    seats = seats_left(session=ctx.session, course=course)
    card = bubble(course.title, course_rows(course, seats), subtitle=f"{T.DETAILS_TITLE} · {course.kind}")
    return [flex(f"{T.DETAILS_TITLE} {course.title}", card), text(T.ASK_REASON, _reason_quick(ctx, course.id))]


def _confirm_messages(ctx: Ctx, course: Course, reason: str) -> list[Message]:
    rows = course_rows(course, show_seats=False) + [row(T.L_REASON, reason or T.NO_REASON)]
    buttons = [
        button(postback_action(T.CONFIRM, ctx.pack(Action.REGISTER_CONFIRM, course.id), T.CONFIRM)),
        button(postback_action(T.CANCEL, ctx.pack(Action.CANCEL_FLOW), T.CANCEL), style="secondary"),
    ]
    card = bubble(course.title, rows, buttons, subtitle=T.CONFIRM_TITLE)
    return [flex(f"{T.CONFIRM_TITLE} {course.title}", card), text(T.CONFIRM_ASK)]


@router.postback(Action.SKIP_REASON)
def skip_reason(event: Any, ctx: Ctx) -> list[Message]:
    """Go on without a reason."""
    assert ctx.postback is not None
    found = _flow_course(ctx, ctx.postback.id)
    if found is None:
        return [text(T.STALE)]
    conv, course = found
    advance(conv, step="confirm", reason="")
    return _confirm_messages(ctx, course, "")


@router.flow(FLOW)
def in_register_flow(event: Any, ctx: Ctx) -> list[Message]:
    """Take the typed reason (or ข้าม / ยืนยัน typed instead of tapped)."""
    found = _flow_course(ctx)
    if found is None:
        ctx.end_flow()
        return [text(T.STALE)]
    conv, course = found
    content = event.message
    if not isinstance(content, TextMessageContent) or not content.text.strip():
        return [text(T.REASON_AGAIN, _reason_quick(ctx, course.id))]
    typed = content.text.strip()
    word = typed.lower()
    if ctx.intent and ctx.intent.intent in MENU_INTENTS and not ctx.intent.query:
        # A menu word (often a rich-menu tap) is not a reason: say where the person is instead.
        return [text(T.IN_FLOW, _reason_quick(ctx, course.id) if conv.step == "reason" else None)]
    if word in CONFIRM_WORDS and conv.step == "confirm":
        return _confirm(ctx, course, str((conv.data or {}).get("reason", "")))
    if word in SKIP_WORDS or word in CONFIRM_WORDS:
        # A control word is never a reason: ข้าม (at either step) means "no reason", and ยืนยัน
        # typed before the card was shown goes on without one, to the card the person confirms.
        advance(conv, step="confirm", reason="")
        return _confirm_messages(ctx, course, "")
    if len(typed) > REASON_MAX:
        return [text(T.REASON_TOO_LONG.format(max=REASON_MAX), _reason_quick(ctx, course.id))]
    advance(conv, step="confirm", reason=typed)
    return _confirm_messages(ctx, course, typed)


@router.postback(Action.REGISTER_CONFIRM)
def confirm_register(event: Any, ctx: Ctx) -> list[Message]:
    """Create the request (ยืนยัน) and send the first approver their card."""
    assert ctx.postback is not None and ctx.staff is not None
    found = _flow_course(ctx, ctx.postback.id)
    if found is None:
        # A second tap on ยืนยัน (or a tap after the flow ended): answer with what exists.
        course = ctx.session.get(Course, ctx.postback.id) if ctx.postback.id else None
        if course is not None:
            try:
                check_can_register(session=ctx.session, staff=ctx.staff, course=course, today=ctx.today)
            except RegistrationError as refused:
                return [text(refused.say(ctx.hr), [message_action(T.MY_REQUESTS)])]
        return [text(T.STALE)]
    conv, course = found
    return _confirm(ctx, course, str((conv.data or {}).get("reason", "")))


def _confirm(ctx: Ctx, course: Course, reason: str) -> list[Message]:
    assert ctx.staff is not None
    ctx.end_flow()
    try:
        reg = register(session=ctx.session, staff=ctx.staff, course=course, reason=reason, today=ctx.today,
                       settings=ctx.settings, now=ctx.now)
    except RegistrationError as refused:
        return [text(refused.say(ctx.hr), [message_action(T.MY_REQUESTS)])]
    step = current_step(reg)
    assert step is not None
    approver = step.approver
    # The card goes to whoever acts for the approver today: their stand-in within a range.
    holder = actor(session=ctx.session, approver=approver, on=ctx.today)
    name = holder_name(approver, holder)
    messages = [text(T.SENT.format(name=name), [message_action(T.MY_REQUESTS)])]
    card = approval_card(reg, step, ctx.services.codec, acting_for=approver if holder.id != approver.id else None)
    if not ctx.push(holder, [card], source=SOURCE_APPROVALS):
        # The approver cannot get the card in LINE: the requester knows, and HR can chase it.
        messages.append(text(T.SENT_UNREACHABLE.format(name=name, hr=ctx.hr)))
        ctx.tell_hr([text(T.HR_APPROVER_OFFLINE.format(staff=ctx.staff.name, course=course.title,
                                                       approver=name))])
    return messages
