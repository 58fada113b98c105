"""What the simulator's views share: its Thai text, the stand-in it plays LINE with, JSON in and out."""
from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, request

from bot.standin import StandIn
from bot.state import BotState


class T:
    """What the simulator says (to developers and newcomers trying the product)."""

    UNKNOWN_PERSON = "ไม่พบบุคลากรรหัสนี้ในระบบค่ะ กรุณาเลือกใหม่"
    EMPTY_TEXT = "กรุณาพิมพ์ข้อความก่อนส่งค่ะ"
    BAD_REQUEST = "คำขอไม่ถูกต้องค่ะ"
    NOT_IMAGE = "กรุณาเลือกไฟล์รูปภาพ (JPG หรือ PNG) ค่ะ"
    IMAGE_TOO_LARGE = "รูปภาพใหญ่เกิน 10 MB ค่ะ"
    BAD_TIME = "กรุณาเลือกวันและเวลาให้ครบค่ะ"
    CLOCK_MISSING = "ระบบนาฬิกาสำหรับงานตามกำหนดเวลายังไม่พร้อมใช้งานค่ะ จึงยังเลื่อนเวลาไม่ได้"
    CLOCK_FAILED = "เลื่อนเวลาไม่สำเร็จค่ะ ระบบขัดข้อง ดูรายละเอียดในบันทึกของเซิร์ฟเวอร์"
    CLOCK_DONE = "เลื่อนเวลาไปที่ {at} แล้วค่ะ ทำงานที่ถึงกำหนดครบแล้ว มีข้อความส่งออก {sent} ข้อความ"
    CLOCK_NOTHING = "เลื่อนเวลาไปที่ {at} แล้วค่ะ ไม่มีงานที่ถึงกำหนด ณ เวลานั้น (ดูวันเวลาที่ระบบทำงานได้จากปุ่มด้านบน)"
    ROLE_APPROVER = "ผู้อนุมัติ"
    ROLE_HR = "งานบุคคล"
    GUEST_NAME = "ผู้ใช้ใหม่ (ยังไม่ผูกบัญชี)"
    CLOCK_RESET = "กลับมาใช้เวลาจริงแล้วค่ะ ({at})"
    PRELINKED = ("ตัวจำลองผูกบัญชีของท่านไว้ให้ตั้งแต่เปิดแท็บแรก ข้อความที่บอทส่งถึงท่านก่อนเปิดแท็บนี้"
                 "จึงแสดงอยู่ด้านบนค่ะ")


def stand_in_of(s: BotState) -> StandIn:
    # The blueprint is registered only when the stand-in exists; this narrows the type.
    if s.standin is None:
        abort(404)
    return s.standin


def fail(message: str, status: int = 400) -> Response:
    response = jsonify({"ok": False, "error": message})
    response.status_code = status
    return response


def request_payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data
