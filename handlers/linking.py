"""Linking a LINE account to a staff record, following and unfollowing."""
from __future__ import annotations

from typing import Any

from linebot.v3.webhooks import FollowEvent, UnfollowEvent

from handlers.kit.context import Ctx
from handlers.kit.menu import help_message, menu_quick_replies
from handlers.kit.messages import Message, message_action, text
from handlers.kit.router import Router
from models.approval import waiting_for
from models.linking import LinkResult, mark_reachable, mark_unreachable, normalise_code, redeem_code
from thai.dates import format_datetime

router = Router("linking")


class T:
    """What this feature says."""

    WELCOME = (
        "สวัสดีค่ะ ยินดีต้อนรับสู่ผู้ช่วยงานพัฒนาบุคลากรค่ะ 🙏\n"
        "ที่นี่ท่านสมัครอบรม ติดตามการอนุมัติ และส่งรายงานผลการอบรมได้ในแชตเดียวค่ะ"
    )
    HOW_TO_LINK = (
        "เริ่มใช้งาน: ขอรหัสผูกบัญชี 8 หลักจาก{hr} "
        "แล้วพิมพ์รหัสนั้นในแชตนี้ เช่น 1234-5678 ค่ะ"
    )
    PRIVACY = (
        "การคุ้มครองข้อมูลส่วนบุคคล: ระบบเก็บรหัสผู้ใช้ LINE ของท่านคู่กับข้อมูลบุคลากร "
        "คำขอเข้ารับการอบรม ผลการอนุมัติ และรายงานผลการอบรม เพื่อใช้ในงานพัฒนาบุคลากรของหน่วยงานเท่านั้น "
        "เอกสารเก็บไว้ 5 ปีตามระเบียบ ท่านขอดูหรือขอแก้ไขข้อมูลได้ที่{hr} ค่ะ"
    )
    WELCOME_BACK = "ยินดีต้อนรับกลับค่ะ คุณ{name} ระบบจะส่งการแจ้งเตือนถึงท่านอีกครั้งค่ะ"
    LINKED = "ผูกบัญชีเรียบร้อยแล้วค่ะ ยินดีต้อนรับ {name}{position}"
    POSITION = " ({position})"
    # An approver who links after requests were filed learns what waits (the cards went nowhere).
    WAITING = "มีคำขอเข้ารับการอบรมรอการอนุมัติจากท่าน {count} รายการค่ะ แตะ \"รออนุมัติ\" เพื่อพิจารณาค่ะ"
    BTN_WAITING = "รออนุมัติ"
    RELINKED = "ผูกบัญชีเรียบร้อยแล้วค่ะ {name} บัญชี LINE เดิมของท่านเลิกเชื่อมต่อกับระบบแล้วค่ะ"
    ALREADY = "บัญชีนี้ผูกกับ {name} อยู่แล้วค่ะ"
    WRONG = "รหัสไม่ถูกต้องหรือหมดอายุแล้วค่ะ กรุณาตรวจสอบแล้วพิมพ์ใหม่ หรือขอรหัสใหม่จาก{hr} ค่ะ"
    LOCKED = "พิมพ์รหัสผิดหลายครั้งเกินไป ระบบระงับการผูกบัญชีชั่วคราวถึง {until} ค่ะ"


@router.event(FollowEvent)
def follow(event: Any, ctx: Ctx) -> list[Message]:
    """Greet a new (or returning) follower, explain how to link, and what is kept."""
    staff = mark_reachable(session=ctx.session, line_user_id=ctx.line_user_id)
    if staff is not None:
        ctx.staff = staff
        if ctx.services.on_menu_change:
            ctx.services.on_menu_change(ctx.session, staff)
        return [text(T.WELCOME_BACK.format(name=staff.first_name), menu_quick_replies(ctx))]
    return [text(T.WELCOME), text(T.HOW_TO_LINK.format(hr=ctx.hr)), text(T.PRIVACY.format(hr=ctx.hr))]


@router.event(UnfollowEvent)
def unfollow(event: Any, ctx: Ctx) -> None:
    """Mark the person unreachable: the clock stops pushing to them."""
    mark_unreachable(session=ctx.session, line_user_id=ctx.line_user_id)


def looks_like_code(message: str) -> bool:
    """Tell whether a text is a link code (8 digits; Thai digits, spaces, dashes allowed)."""
    return normalise_code(message) is not None


@router.text(looks_like_code)
def link(event: Any, ctx: Ctx) -> list[Message]:
    """Link this LINE account with the code typed."""
    code = normalise_code(event.message.text)
    assert code is not None
    outcome = redeem_code(session=ctx.session, line_user_id=ctx.line_user_id, code=code, now=ctx.now)
    if outcome.result is LinkResult.LOCKED:
        assert outcome.locked_until is not None
        return [text(T.LOCKED.format(until=format_datetime(outcome.locked_until)))]
    if outcome.result is LinkResult.WRONG:
        return [text(T.WRONG.format(hr=ctx.hr))]
    staff = outcome.staff
    assert staff is not None
    ctx.staff = staff
    if outcome.result is LinkResult.ALREADY:
        return [text(T.ALREADY.format(name=staff.name), menu_quick_replies(ctx))]
    if ctx.services.on_menu_change:
        ctx.services.on_menu_change(ctx.session, staff)
    template = T.RELINKED if outcome.result is LinkResult.RELINKED else T.LINKED
    position = T.POSITION.format(position=staff.position) if staff.position else ""
    messages = [text(template.format(name=staff.name, position=position)), help_message(ctx)]
    waiting = waiting_for(session=ctx.session, approver=staff, today=ctx.today)
    if waiting:
        # The cards of requests filed before this person linked reached nobody: say what waits.
        messages.append(text(T.WAITING.format(count=len(waiting)), [message_action(T.BTN_WAITING)]))
    return messages
