"""Approving training requests: อนุมัติ / ไม่อนุมัติ with a reason, รออนุมัติ (the card is handlers.kit.cards)."""
from __future__ import annotations

import json
from typing import Any

from linebot.v3.webhooks import TextMessageContent

from handlers.kit.cards import T as CARD
from handlers.kit.cards import approval_bubble, approval_card, fee_text
from handlers.kit.context import Ctx
from handlers.kit.messages import Message, carousel, clip, flex, message_action, postback_action, text
from handlers.kit.postback import Action
from handlers.kit.router import Router
from models.approval import (
    Decision,
    DecisionRefused,
    check_decidable,
    decide,
    decider_name,
    holder_name,
    waiting_for,
)
from models.conversation import start_conversation
from models.delegation import actor
from models.outbox import SOURCE_APPROVALS
from models.registration import REASON_MAX, Registration
from thai.dates import format_date, format_date_range
from thai.nlu import Intent

router = Router("approvals")

FLOW = "reject_reason"
CAROUSEL_MAX = 12
CAROUSEL_BYTES = 45_000  # under LINE's 50 KB per carousel, with room for the message around it

# Common reasons offered as quick replies: (button label, at most 20 characters; the reason recorded).
COMMON_REASONS: tuple[tuple[str, str], ...] = (
    ("ภารกิจเร่งด่วน", "มีภารกิจเร่งด่วนในช่วงเวลาดังกล่าว"),
    ("งบประมาณไม่เพียงพอ", "งบประมาณไม่เพียงพอ"),
    ("ไม่ตรงกับงาน", "เนื้อหาไม่ตรงกับงานที่รับผิดชอบ"),
    ("เคยอบรมแล้ว", "เคยเข้ารับการอบรมหลักสูตรนี้แล้ว"),
    ("มอบหมายผู้อื่นแล้ว", "มอบหมายผู้อื่นเข้ารับการอบรมแล้ว"),
)


class T:
    """What this feature says."""

    NONE_WAITING = "ไม่มีคำขอที่รอการอนุมัติจากท่านค่ะ"
    WAITING = "คำขอที่รอการอนุมัติจากท่าน {count} รายการ (เรียงจากรอนานที่สุด) ค่ะ"
    WAITING_MORE = "แสดง {shown} รายการแรกจากทั้งหมด {count} รายการค่ะ พิจารณาแล้วพิมพ์ \"รออนุมัติ\" เพื่อดูรายการถัดไปค่ะ"
    # to the approver
    APPROVED_NEXT = "อนุมัติแล้วค่ะ ส่งต่อให้ {name} พิจารณาในขั้นถัดไปแล้วค่ะ"
    APPROVED_NEXT_UNREACHABLE = (
        "อนุมัติแล้วค่ะ ขั้นถัดไปคือ {name} ซึ่งยังรับข้อความจากระบบใน LINE ไม่ได้ จึงยังส่งคำขอให้พิจารณาในแชตไม่ได้ค่ะ "
        "ระบบแจ้งผู้ขอและ{hr} ให้ช่วยติดตามแล้วค่ะ"
    )
    APPROVED_FINAL = "อนุมัติเรียบร้อยแล้วค่ะ แจ้ง {name} และ{hr} แล้วค่ะ"
    ASK_REASON = "กรุณาระบุเหตุผลที่ไม่อนุมัติคำขอของ {name} ค่ะ เลือกจากตัวเลือกด้านล่างหรือพิมพ์เองได้เลยค่ะ"
    REASON_AGAIN = "กรุณาพิมพ์เหตุผลที่ไม่อนุมัติเป็นข้อความ หรือเลือกจากตัวเลือกค่ะ"
    REASON_NOT_COMMAND = (
        "ขณะนี้ท่านกำลังระบุเหตุผลที่ไม่อนุมัติคำขอ{of}ค่ะ ระบบยังไม่ได้บันทึก \"{word}\" เป็นเหตุผล "
        "กรุณาพิมพ์เหตุผล หรือเลือกจากตัวเลือกด้านล่างค่ะ "
        "หากเปลี่ยนใจ แตะ \"อนุมัติ\" ในการ์ด หรือแตะ \"ยกเลิก\" ค่ะ"
    )
    REASON_OF = "ของ {name} "
    REASON_TOO_LONG = "เหตุผลยาวเกิน {max} ตัวอักษรค่ะ กรุณาสรุปให้สั้นลงค่ะ"
    REJECTED_DONE = "บันทึกผลไม่อนุมัติแล้ว และแจ้ง {name} แล้วค่ะ"
    CANCEL = "ยกเลิก"
    BAD_STEP = "ปุ่มนี้ใช้ไม่ได้แล้วค่ะ กรุณาพิมพ์ \"รออนุมัติ\" เพื่อดูคำขอล่าสุดค่ะ"
    # to the requester
    STEP_PASSED = "คำขอเข้ารับการอบรม \"{course}\" ผ่านการอนุมัติขั้นที่ {step} จาก {by} แล้ว ขณะนี้รอการอนุมัติจาก {name} ค่ะ"
    STEP_PASSED_UNREACHABLE = (
        "คำขอเข้ารับการอบรม \"{course}\" ผ่านการอนุมัติขั้นที่ {step} จาก {by} แล้ว ขณะนี้รอการอนุมัติจาก {name} "
        "ซึ่งยังรับข้อความจากระบบใน LINE ไม่ได้ {hr} จะช่วยติดตามให้ค่ะ"
    )
    APPROVED = "✅ คำขอเข้ารับการอบรม \"{course}\" ({dates}) ได้รับอนุมัติแล้วค่ะ\nหลังอบรม กรุณาส่งรายงานผลการอบรมภายใน {due} ค่ะ"
    REJECTED = "คำขอเข้ารับการอบรม \"{course}\" ไม่ได้รับการอนุมัติจาก {name} ค่ะ\nเหตุผล: {reason}"
    # to HR
    HR_APPROVER_OFFLINE = (
        "คำขอเข้ารับการอบรมของ {staff} ({course}) ผ่านการอนุมัติขั้นที่ {step} แล้ว และรอการอนุมัติจาก {approver} "
        "ซึ่งยังไม่ได้ผูกบัญชี LINE หรือรับข้อความจากบอทไม่ได้ กรุณาช่วยติดตามค่ะ"
    )
    HR_APPROVED = "คำขอเข้ารับการอบรมได้รับอนุมัติแล้ว: {staff} ({unit}) หลักสูตร \"{course}\" ({dates}) ค่าลงทะเบียน {fee}"


# --- รออนุมัติ ------------------------------------------------------------------------------------


def fit(bubbles: list[dict[str, Any]], limit: int = CAROUSEL_BYTES) -> list[dict[str, Any]]:
    """Return the leading bubbles whose JSON fits a carousel (LINE refuses more than 50 KB)."""
    kept: list[dict[str, Any]] = []
    total = 40  # the carousel's own braces
    for b in bubbles:
        total += len(json.dumps(b, ensure_ascii=False).encode()) + 1
        if kept and total > limit:
            break
        kept.append(b)
    return kept



@router.intent(Intent.APPROVALS)
@router.postback(Action.APPROVALS)
def show_waiting(event: Any, ctx: Ctx) -> list[Message]:
    """List the cards waiting for this person, oldest first."""
    assert ctx.staff is not None
    waiting = waiting_for(session=ctx.session, approver=ctx.staff, today=ctx.today)
    if not waiting:
        return [text(T.NONE_WAITING)]
    bubbles = fit([approval_bubble(r, s, ctx.services.codec, brief=True,
                                   acting_for=s.approver if s.approver_id != ctx.staff.id else None)
                   for r, s in waiting[:CAROUSEL_MAX]])
    shown = waiting[: len(bubbles)]
    messages = [text(T.WAITING.format(count=len(waiting)))]
    messages.append(flex(T.WAITING.format(count=len(waiting)), carousel(bubbles)))
    if len(waiting) > len(shown):
        messages.append(text(T.WAITING_MORE.format(shown=len(shown), count=len(waiting))))
    return messages


# --- deciding -------------------------------------------------------------------------------------


def _step_arg(ctx: Ctx) -> int | None:
    """Return the step number a button carries (REJECT_REASON adds ':index')."""
    assert ctx.postback is not None
    head = ctx.postback.arg.partition(":")[0]
    return int(head) if head.isdigit() and 0 < int(head) < 100 else None


def announce(ctx: Ctx, decision: Decision) -> list[Message]:
    """Tell the people a decision concerns; return the reply to whoever decided.

    The console calls this too when HR decides on an approver's behalf, so the next step is
    told exactly as after a tap. The next card goes to whoever acts for its approver today
    (their stand-in within a range, models.delegation).
    """
    reg, staff, course = decision.registration, decision.registration.staff, decision.registration.course
    dates = format_date_range(course.start_date, course.end_date)
    hr = ctx.settings.get("hr_unit_name")
    by = decider_name(decision.step, hr) if hr else decider_name(decision.step)
    if not decision.approved:
        ctx.push(staff, [text(T.REJECTED.format(course=course.title, name=by,
                                                reason=decision.step.reason or CARD.NO_REASON))])
        return [text(T.REJECTED_DONE.format(name=staff.name))]
    if decision.next_step is not None:
        following = decision.next_step.approver
        holder = actor(session=ctx.session, approver=following, on=ctx.today)
        name = holder_name(following, holder)
        passed = dict(course=course.title, step=decision.step.step, by=by, name=name)
        card = approval_card(reg, decision.next_step, ctx.services.codec,
                             acting_for=following if holder.id != following.id else None)
        if ctx.push(holder, [card], source=SOURCE_APPROVALS):
            ctx.push(staff, [text(T.STEP_PASSED.format(**passed))])
            return [text(T.APPROVED_NEXT.format(name=name))]
        # The next approver cannot get the card in LINE: without this the request would wait unseen.
        ctx.push(staff, [text(T.STEP_PASSED_UNREACHABLE.format(**passed, hr=ctx.hr))])
        ctx.tell_hr([text(T.HR_APPROVER_OFFLINE.format(staff=staff.name, course=course.title,
                                                       step=decision.step.step, approver=name))])
        return [text(T.APPROVED_NEXT_UNREACHABLE.format(name=name, hr=ctx.hr))]
    due = format_date(reg.report_due_on) if reg.report_due_on else "-"
    ctx.push(staff, [text(T.APPROVED.format(course=course.title, dates=dates, due=due),
                          [message_action("คำขอของฉัน")])])
    ctx.tell_hr([text(T.HR_APPROVED.format(staff=staff.name, unit=staff.unit.name if staff.unit else "-",
                                           course=course.title, dates=dates, fee=fee_text(reg.course)))])
    return [text(T.APPROVED_FINAL.format(name=staff.name, hr=ctx.hr))]


def _decide(ctx: Ctx, registration_id: int, step: int, approve: bool, reason: str | None) -> list[Message]:
    assert ctx.staff is not None
    try:
        decision = decide(session=ctx.session, registration_id=registration_id, step=step, approver=ctx.staff,
                          approve=approve, reason=reason, now=ctx.now, settings=ctx.settings, today=ctx.today)
    except DecisionRefused as refused:
        return [text(refused.say(ctx.hr))]
    return announce(ctx, decision)


@router.postback(Action.APPROVE)
def approve(event: Any, ctx: Ctx) -> list[Message]:
    """อนุมัติ: decide the step, then pass the card on or tell the requester and HR."""
    assert ctx.postback is not None
    step = _step_arg(ctx)
    if ctx.postback.id is None or step is None:
        return [text(T.BAD_STEP)]
    conv = ctx.conversation
    if conv is not None and conv.flow == FLOW and (conv.data or {}).get("registration_id") == ctx.postback.id:
        ctx.end_flow()  # ไม่อนุมัติ was tapped first, then the approver changed their mind
    return _decide(ctx, ctx.postback.id, step, True, None)


def _reason_quick(ctx: Ctx, registration_id: int, step: int) -> list[dict[str, Any]]:
    items = [postback_action(label, ctx.pack(Action.REJECT_REASON, registration_id, f"{step}:{i}"), reason)
             for i, (label, reason) in enumerate(COMMON_REASONS)]
    items.append(postback_action(T.CANCEL, ctx.pack(Action.CANCEL_FLOW), T.CANCEL))
    return items


@router.postback(Action.REJECT)
def reject(event: Any, ctx: Ctx) -> list[Message]:
    """ไม่อนุมัติ: check the tap, then ask for the reason (nothing changes until it is given)."""
    assert ctx.postback is not None and ctx.staff is not None
    step = _step_arg(ctx)
    if ctx.postback.id is None or step is None:
        return [text(T.BAD_STEP)]
    try:
        reg, _ = check_decidable(session=ctx.session, registration_id=ctx.postback.id, step=step,
                                 approver=ctx.staff, today=ctx.today)
    except DecisionRefused as refused:
        return [text(refused.say(ctx.hr))]
    start_conversation(session=ctx.session, line_user_id=ctx.line_user_id, flow=FLOW, step="reason",
                       data={"registration_id": reg.id, "step": step})
    return [text(T.ASK_REASON.format(name=reg.staff.name), _reason_quick(ctx, reg.id, step))]


@router.postback(Action.REJECT_REASON)
def reject_with_common_reason(event: Any, ctx: Ctx) -> list[Message]:
    """A common reason tapped: reject with it."""
    assert ctx.postback is not None
    step = _step_arg(ctx)
    _, _, index_text = ctx.postback.arg.partition(":")
    if ctx.postback.id is None or step is None or not index_text.isdigit() \
            or int(index_text) >= len(COMMON_REASONS):
        return [text(T.BAD_STEP)]
    conv = ctx.conversation
    if conv is not None and conv.flow == FLOW and (conv.data or {}).get("registration_id") == ctx.postback.id:
        ctx.end_flow()
    return _decide(ctx, ctx.postback.id, step, False, COMMON_REASONS[int(index_text)][1])


def _is_command(typed: str, ctx: Ctx) -> bool:
    """Tell whether typed text is a bare command (a menu tap, อนุมัติ, ไม่อนุมัติ) rather than a reason."""
    if "".join(typed.split()) in (CARD.APPROVE, CARD.REJECT):
        return True
    parsed = ctx.intent
    # As in the report flows: a known intent with nothing left over is a command word, not a sentence.
    return (parsed is not None and parsed.intent is not Intent.UNKNOWN and parsed.score >= 1.0
            and not parsed.query)


@router.flow(FLOW)
def typed_reason(event: Any, ctx: Ctx) -> list[Message]:
    """A reason typed in the reject_reason flow: reject with it."""
    conv = ctx.conversation
    assert conv is not None
    data = conv.data or {}
    registration_id, step = data.get("registration_id"), data.get("step")
    if not isinstance(registration_id, int) or not isinstance(step, int):
        ctx.end_flow()
        return [text(T.BAD_STEP)]
    content = event.message
    if not isinstance(content, TextMessageContent) or not content.text.strip():
        return [text(T.REASON_AGAIN, _reason_quick(ctx, registration_id, step))]
    reason = content.text.strip()
    if _is_command(reason, ctx):
        reg = ctx.session.get(Registration, registration_id)
        of = T.REASON_OF.format(name=reg.staff.name) if reg is not None else ""
        return [text(T.REASON_NOT_COMMAND.format(of=of, word=clip(reason, 30)),
                     _reason_quick(ctx, registration_id, step))]
    if len(reason) > REASON_MAX:
        return [text(T.REASON_TOO_LONG.format(max=REASON_MAX), _reason_quick(ctx, registration_id, step))]
    ctx.end_flow()
    return _decide(ctx, registration_id, step, False, reason)
