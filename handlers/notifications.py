"""ปิดการแจ้งเตือน / เปิดการแจ้งเตือน: turn the optional course announcements off and on.

Only the announcements (new courses, registration closing) obey this switch; follow-ups of owed
reports, training reminders and waiting approvals are part of the work and always go out.
"""
from __future__ import annotations

from typing import Any

from handlers.kit.context import Ctx
from handlers.kit.messages import Message, postback_action, text
from handlers.kit.postback import Action
from handlers.kit.router import Router
from models.audit import audit
from thai.nlu import Intent

router = Router("notifications")


class T:
    """What this feature says."""

    OFF = "ปิดการแจ้งเตือนข่าวหลักสูตร (หลักสูตรใหม่และหลักสูตรใกล้ปิดรับสมัคร) แล้วค่ะ"
    ALREADY_OFF = "การแจ้งเตือนข่าวหลักสูตรปิดอยู่แล้วค่ะ"
    ON = "เปิดการแจ้งเตือนข่าวหลักสูตรแล้วค่ะ จะแจ้งเมื่อมีหลักสูตรใหม่หรือหลักสูตรใกล้ปิดรับสมัครค่ะ"
    ALREADY_ON = "การแจ้งเตือนข่าวหลักสูตรเปิดอยู่แล้วค่ะ"
    STAYS_ON = (
        "การติดตามรายงานผลการอบรมที่ค้างส่ง การแจ้งเตือนวันอบรม "
        "และคำขอที่รอการอนุมัติจะยังแจ้งตามปกติค่ะ"
    )
    HOW_ON = "หากต้องการรับข่าวอีกครั้ง แตะหรือพิมพ์ \"เปิดการแจ้งเตือน\" ได้เลยค่ะ"
    BTN_ON = "เปิดการแจ้งเตือน"
    BTN_OFF = "ปิดการแจ้งเตือน"


def _reply(ctx: Ctx, on: bool) -> Message:
    assert ctx.staff is not None
    was = bool(ctx.staff.announcements)
    if was != on:
        ctx.staff.announcements = on
        audit(session=ctx.session, action="announcements_on" if on else "announcements_off",
              subject_type="staff", subject_id=ctx.staff.id, actor_id=ctx.staff.id)
    if on:
        head = T.ALREADY_ON if was else T.ON
        toggle = postback_action(T.BTN_OFF, ctx.pack(Action.NOTIFY_OFF), T.BTN_OFF)
        # "Follow-ups stay on" only reassures someone turning news off; after ON it is noise.
        return text(head, [toggle])
    head = T.OFF if was else T.ALREADY_OFF
    toggle = postback_action(T.BTN_ON, ctx.pack(Action.NOTIFY_ON), T.BTN_ON)
    return text(f"{head}\n{T.STAYS_ON}\n{T.HOW_ON}", [toggle])


@router.intent(Intent.NOTIFY_OFF)
@router.postback(Action.NOTIFY_OFF)
def notify_off(event: Any, ctx: Ctx) -> Message:
    """Stop the optional course announcements for this person."""
    return _reply(ctx, on=False)


@router.intent(Intent.NOTIFY_ON)
@router.postback(Action.NOTIFY_ON)
def notify_on(event: Any, ctx: Ctx) -> Message:
    """Start the optional course announcements again."""
    return _reply(ctx, on=True)
