"""Cards more than one feature sends (who decided or holds a step is named by models.approval): the approver's request card (sent on registering, on each
approval step, and by the clock's waiting reminder) and the fee as people read it."""
from __future__ import annotations

from typing import Any

from handlers.kit.messages import GREY, RED, Message, bubble, button, clip, flex, postback_action, row, separator, t
from handlers.kit.postback import Action, PostbackCodec
from models.course import Course
from models.approval import decider_name
from models.org import Staff
from models.registration import ApprovalStep, Registration, StepDecision
from thai.dates import format_date_range, format_datetime
from thai.numbers import format_baht


class T:
    """What the shared cards say."""

    TITLE = "คำขอเข้ารับการอบรม"
    STEP = "ขั้นที่ {step}/{levels}"
    ALT = "คำขอเข้ารับการอบรมจาก {name} รอการอนุมัติ ({step})"
    APPROVE = "อนุมัติ"
    REJECT = "ไม่อนุมัติ"
    L_NAME = "ผู้ขอ"
    L_POSITION = "ตำแหน่ง"
    L_UNIT = "สังกัด"
    L_COURSE = "หลักสูตร"
    L_DATES = "วันที่"
    L_VENUE = "สถานที่"
    L_FEE = "ค่าลงทะเบียน"
    L_REASON = "เหตุผล"
    L_SENT = "ยื่นเมื่อ"
    EARLIER = "ผลการพิจารณาก่อนหน้า"
    EARLIER_ROW = "ขั้นที่ {step}: {decision} โดย {name} เมื่อ {when}"
    FREE = "ไม่มีค่าใช้จ่าย"
    NO_REASON = "(ไม่ระบุ)"
    L_FOR = "พิจารณาแทน"


def fee_text(course: Course) -> str:
    """Return the fee as shown to people ("3,500 บาท" or ไม่มีค่าใช้จ่าย)."""
    return format_baht(course.fee) if course.fee else T.FREE


def approval_bubble(reg: Registration, step: ApprovalStep, codec: PostbackCodec, *,
                    brief: bool = False, acting_for: Staff | None = None) -> dict[str, Any]:
    """Return the approver's card for one step of a request, with อนุมัติ / ไม่อนุมัติ.

    brief cuts long texts, so a carousel of twelve stays under LINE's 50 KB; a card sent on its
    own shows them whole.
    acting_for names the approver when the card goes to their stand-in.
    """
    person, course = reg.staff, reg.course
    cut = (lambda v: clip(v, 120)) if brief else (lambda v: v)
    rows = [row(T.L_FOR, acting_for.name)] if acting_for is not None else []
    rows += [
        row(T.L_NAME, person.name),
        row(T.L_POSITION, cut(person.position or "-")),
        row(T.L_UNIT, person.unit.name if person.unit else "-"),
        row(T.L_COURSE, cut(course.title)),
        row(T.L_DATES, format_date_range(course.start_date, course.end_date)),
        row(T.L_VENUE, cut(course.venue or "-")),
        row(T.L_FEE, fee_text(reg.course)),
        row(T.L_REASON, cut(reg.reason or T.NO_REASON)),
        row(T.L_SENT, format_datetime(reg.created_at)),
    ]
    earlier = [s for s in reg.steps if s.step < step.step and s.decision in (StepDecision.APPROVED,
                                                                           StepDecision.REJECTED)]
    if earlier:
        rows += [separator(), t(T.EARLIER, size="xs", color=GREY)]
        for s in earlier:
            decision = T.APPROVE if s.decision == StepDecision.APPROVED else T.REJECT
            rows.append(t(T.EARLIER_ROW.format(step=s.step, decision=decision, name=decider_name(s),
                                               when=format_datetime(s.decided_at or reg.created_at)), size="xs"))
    buttons = [
        button(postback_action(T.APPROVE, codec.pack(Action.APPROVE, reg.id, step.step), T.APPROVE)),
        button(postback_action(T.REJECT, codec.pack(Action.REJECT, reg.id, step.step), T.REJECT), color=RED),
    ]
    return bubble(T.TITLE, rows, buttons, subtitle=T.STEP.format(step=step.step, levels=reg.approval_levels))


def approval_card(reg: Registration, step: ApprovalStep, codec: PostbackCodec, *,
                  acting_for: Staff | None = None) -> Message:
    """Return the approver's (or their stand-in's) card as a message."""
    alt = T.ALT.format(name=reg.staff.name, step=T.STEP.format(step=step.step, levels=reg.approval_levels))
    return flex(alt, approval_bubble(reg, step, codec, acting_for=acting_for))
