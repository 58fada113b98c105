"""Help, greetings, the fallback menu, and polite answers to what the bot does not use."""
from __future__ import annotations

from typing import Any

from linebot.v3.webhooks import (
    AudioMessageContent,
    FileMessageContent,
    ImageMessageContent,
    LocationMessageContent,
    StickerMessageContent,
    VideoMessageContent,
)

from handlers.kit.context import Ctx
from handlers.kit.menu import help_message, menu_quick_replies
from handlers.kit.messages import Message, message_action, text
from handlers.kit.postback import Action
from handlers.kit.router import Router
from models.conversation import end_conversation
from thai.nlu import Intent

router = Router("help")


class T:
    """What this feature says."""

    GREETING = "สวัสดีค่ะ คุณ{name} มีอะไรให้ช่วยไหมคะ"
    GREETING_STRANGER = "สวัสดีค่ะ"
    THANKS = "ยินดีค่ะ 😊"
    FALLBACK = "ขออภัยค่ะ ยังไม่เข้าใจข้อความนี้ เลือกจากเมนูด้านล่างหรือพิมพ์ \"ช่วยเหลือ\" ได้เลยค่ะ"
    UNLINKED = (
        "บัญชี LINE นี้ยังไม่ได้ผูกกับข้อมูลบุคลากรค่ะ\n"
        "กรุณาขอรหัสผูกบัญชี 8 หลักจาก{hr} แล้วพิมพ์รหัสนั้นในแชตนี้ค่ะ"
    )
    CANCELLED = "ยกเลิกขั้นตอนที่ทำอยู่แล้วค่ะ"
    NOTHING_TO_CANCEL = "ตอนนี้ไม่มีขั้นตอนที่ค้างอยู่ค่ะ"
    EXPIRED = "ขั้นตอนที่ทำค้างไว้เกิน 24 ชั่วโมงจึงถูกยกเลิกแล้วค่ะ เริ่มใหม่ได้ทุกเมื่อค่ะ"
    BAD_POSTBACK = "ปุ่มนี้ใช้ไม่ได้แล้วค่ะ กรุณาเลือกจากเมนูล่าสุดอีกครั้งค่ะ"
    STICKER = "ขอบคุณสำหรับสติกเกอร์ค่ะ 😊 พิมพ์ \"เมนู\" เพื่อดูสิ่งที่ทำได้ค่ะ"
    NOT_SUPPORTED = "ขออภัยค่ะ บอทยังไม่รองรับข้อความประเภทนี้ กรุณาพิมพ์เป็นข้อความค่ะ"
    # The image is not kept, so the bot does not say it "received" it.
    IMAGE_OUTSIDE_FLOW = ("ระบบยังไม่ได้เก็บรูปภาพนี้ค่ะ หากเป็นเกียรติบัตรหรือรูปการอบรม "
                          "กรุณาแตะ \"ส่งรายงาน\" ก่อน แล้วส่งรูปอีกครั้งในขั้นตอนนั้นค่ะ")
    BTN_REPORT = "ส่งรายงาน"


@router.intent(Intent.HELP, staff_only=False)
@router.postback(Action.HELP, Action.MENU, staff_only=False)
def show_help(event: Any, ctx: Ctx) -> Message:
    """Explain what the bot can do."""
    if ctx.staff is None:
        return unlinked(event, ctx)
    return help_message(ctx)


@router.intent(Intent.GREETING, staff_only=False)
def greet(event: Any, ctx: Ctx) -> Message:
    """Say hello back."""
    if ctx.staff is None:
        return text(T.GREETING_STRANGER + "\n" + T.UNLINKED.format(hr=ctx.hr))
    return text(T.GREETING.format(name=ctx.staff.first_name), menu_quick_replies(ctx))


@router.intent(Intent.THANKS, staff_only=False)
def thanks(event: Any, ctx: Ctx) -> Message:
    """Answer a thank-you."""
    return text(T.THANKS)


@router.intent(Intent.UNKNOWN, staff_only=False)
def fallback(event: Any, ctx: Ctx) -> Message:
    """Answer what was not understood with a short menu: never silence."""
    if ctx.staff is None:
        return unlinked(event, ctx)
    return text(T.FALLBACK, menu_quick_replies(ctx))


@router.hook("unlinked")
def unlinked(event: Any, ctx: Ctx) -> Message:
    """Guide someone whose LINE account is not linked; show nobody's data."""
    return text(T.UNLINKED.format(hr=ctx.hr))


@router.hook("fallback")
def fallback_hook(event: Any, ctx: Ctx) -> Message:
    """Answer with the menu (used by features that cannot place a message)."""
    return fallback(event, ctx)


@router.hook("cancelled")
@router.postback(Action.CANCEL_FLOW, staff_only=False)
def cancel_flow(event: Any, ctx: Ctx) -> Message:
    """End whatever flow the user is in (the global ยกเลิก)."""
    if end_conversation(session=ctx.session, line_user_id=ctx.line_user_id):
        return text(T.CANCELLED, menu_quick_replies(ctx))
    return text(T.NOTHING_TO_CANCEL, menu_quick_replies(ctx))


@router.hook("expired")
def expired(event: Any, ctx: Ctx) -> Message:
    """Say that a flow left alone for 24 hours was dropped."""
    return text(T.EXPIRED)


@router.hook("bad_postback")
def bad_postback(event: Any, ctx: Ctx) -> Message:
    """Answer a button whose data we did not sign (old, altered or forged)."""
    return text(T.BAD_POSTBACK, menu_quick_replies(ctx))


@router.content(StickerMessageContent)
def sticker(event: Any, ctx: Ctx) -> Message:
    """Answer a sticker kindly."""
    return text(T.STICKER)


@router.content(ImageMessageContent)
def image_outside_flow(event: Any, ctx: Ctx) -> Message:
    """Explain where images belong."""
    if ctx.staff is None:
        return unlinked(event, ctx)
    return text(T.IMAGE_OUTSIDE_FLOW, [message_action(T.BTN_REPORT)])


@router.content(LocationMessageContent, VideoMessageContent, AudioMessageContent, FileMessageContent, object)
def not_supported(event: Any, ctx: Ctx) -> Message:
    """Answer message types the bot does not use."""
    return text(T.NOT_SUPPORTED)
