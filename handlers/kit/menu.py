"""The menu every feature may offer: quick replies for a person's roles and the help text."""
from __future__ import annotations

from typing import Any

from handlers.kit.context import Ctx
from handlers.kit.messages import Message, message_action, text
from models.org import decides_approvals


class T:
    """What the menu says."""

    HELP_STAFF = (
        "พิมพ์หรือแตะเมนูได้เลยค่ะ\n"
        "• อบรม — ดูหลักสูตรที่เปิดรับสมัคร และสมัครอบรม\n"
        "• คำขอของฉัน — ติดตามสถานะคำขอเข้ารับการอบรม\n"
        "• ส่งรายงาน — ส่งรายงานผลการอบรม\n"
        "• ประวัติการอบรม — ดูประวัติการอบรมแยกตามปีงบประมาณ\n"
        "• ปิดการแจ้งเตือน / เปิดการแจ้งเตือน — ข่าวหลักสูตรใหม่\n"
        "• ข้อมูลของฉัน — ดูว่าระบบเก็บข้อมูลใดของท่านและนำไปใช้ที่ใด\n"
        "• ยกเลิก — ออกจากขั้นตอนที่ทำอยู่"
    )
    HELP_APPROVER = "\n• รออนุมัติ — คำขอที่รอให้ท่านพิจารณา"


def menu_quick_replies(ctx: Ctx) -> list[dict[str, Any]]:
    """Return the quick-reply menu a person sees when the bot did not understand."""
    if ctx.staff is None:
        return [message_action("ช่วยเหลือ")]
    items = [
        message_action("อบรม", "หลักสูตร"),
        message_action("คำขอของฉัน"),
        message_action("ส่งรายงาน"),
        message_action("ประวัติการอบรม"),
    ]
    if decides_approvals(session=ctx.session, staff=ctx.staff):
        items.append(message_action("รออนุมัติ"))
    items.append(message_action("ช่วยเหลือ"))
    return items


def help_message(ctx: Ctx) -> Message:
    """Return the help text for this person's roles."""
    body = T.HELP_STAFF
    if ctx.staff is not None and decides_approvals(session=ctx.session, staff=ctx.staff):
        body += T.HELP_APPROVER
    return text(body, menu_quick_replies(ctx))
