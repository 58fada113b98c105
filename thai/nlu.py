"""Understand what a staff member wants from a short Thai (or English) chat message.

The parser is deliberately small and explainable, because HR staff maintain its word
lists: newmm segmentation, a table of phrases that each stand for one or more
*concepts* (REGISTER, TRAINING, REQUEST, ...), rules that turn a set of concepts into
an intent, and rapidfuzz to forgive typos. Whatever is not a command word or a polite
particle is returned as the search query ("อยากสมัครอบรมเรื่องบัญชีค่ะ" -> "บัญชี").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from thai.numbers import to_arabic_digits

__all__ = ["Intent", "ParsedIntent", "parse_intent", "warm_up", "normalize_text", "MAX_CHARS"]

# Long pastes (a whole letter) are classified by their opening only.
MAX_CHARS = 500


class Intent(StrEnum):
    """What a chat message asks the bot to do."""

    HELP = "help"
    COURSES = "courses"
    MY_REQUESTS = "my_requests"
    REPORT = "report"
    HISTORY = "history"
    APPROVALS = "approvals"
    CANCEL = "cancel"
    GREETING = "greeting"
    THANKS = "thanks"
    NOTIFY_OFF = "notify_off"
    NOTIFY_ON = "notify_on"
    NOT_ATTENDED = "not_attended"
    MY_DATA = "my_data"  # ข้อมูลของฉัน: what is kept about me (PDPA)
    CERTIFICATE = "certificate"  # ขอเกียรติบัตร: the person's own certificates
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ParsedIntent:
    """The intent of a message, the words left in it and a confidence in [0, 1].

    ``query`` is what remains after command words, particles and filler are removed, for every
    intent ("" when nothing is left), so a handler can tell a bare menu word from a sentence.
    ``score`` is 1.0 for an exact, unambiguous match, lower for typos and close calls, 0 for UNKNOWN.
    """

    intent: Intent
    query: str
    score: float


# --- word lists --------------------------------------------------------------------------------
# Keys are compared lower-cased with spaces removed, after segmentation, so a phrase listed
# here also matches when it is typed with spaces ("ยก เลิก") or split differently by newmm.

_CONCEPT_WORDS: dict[str, tuple[str, ...]] = {
    "REGISTER": (
        "สมัคร", "สมัค", "สมัก", "สมักร", "ลงทะเบียน", "ลงชื่อ", "ลงคอร์ส", "ลงเรียน", "ขอไป", "register",
        "apply", "enroll", "signup", "join",
    ),
    "TRAINING": (
        "อบรม", "ฝึกอบรม", "การอบรม", "การฝึกอบรม", "หลักสูตร", "หลักสุตร", "คอร์ส", "คอส", "คอร์ด", "สัมมนา",
        "ศึกษาดูงาน", "ดูงาน", "ประชุมเชิงปฏิบัติการ", "เวิร์คช็อป", "เวิร์กช็อป", "อยากเรียน", "เรียนออนไลน์",
        "course", "courses", "training", "trainings", "seminar", "workshop", "e-learning", "elearning",
    ),
    "SEARCH": ("ค้นหา", "ค้น", "search", "find"),
    "OPEN": ("เปิดรับ", "ที่เปิด", "เปิดอยู่", "open"),
    "REQUEST": (
        "คำขอ", "คำร้อง", "ใบขอ", "ขออนุมัติ", "ขออนุญาต", "request", "requests", "req",
    ),
    "MINE": (
        "ของฉัน", "ของผม", "ของหนู", "ของดิฉัน", "ของเรา", "ของตัวเอง", "ของเค้า", "ของเขา", "ของกระผม", "my", "mine",
    ),
    # What "I" applied for: these phrases point at the user's own requests.
    "MY_STUFF": (
        "ที่สมัครไว้", "ที่สมัครไป", "ที่สมัคร", "ที่ขอไว้", "ที่ขอไป", "ที่ยื่นไป", "ที่ยื่นไว้", "ที่ยื่น",
        "สมัครไปแล้ว", "สมัครแล้ว", "ขอไปแล้ว", "ยื่นไปแล้ว", "เรื่องที่ขอ",
    ),
    "STATUS": (
        "ถูกปฏิเสธ", "โดนปฏิเสธ", "ผลการสมัคร", "ผลสมัคร", "ผลการคัดเลือก", "ผลออก", "ผ่านไหม", "ผ่านยัง",
        "ผ่านหรือยัง", "สถานะ", "status", "ความคืบหน้า", "ถึงไหน", "ถึงไหนแล้ว", "ผลการพิจารณา", "ผลอนุมัติ",
        "ผลการอนุมัติ", "ติดตาม", "track", "progress", "ตีกลับ", "ไม่ผ่าน",
    ),
    "WITHDRAW": ("ถอน", "ถอนตัว", "ถอนชื่อ", "withdraw", "เปลี่ยนรุ่น", "แก้ไขคำขอ"),
    "YET": ("ยัง", "หรือยัง", "รึยัง", "ยังคะ", "แล้วยัง", "หรือยังคะ"),
    "REPORT": (
        "รายงาน", "รายงานผล", "แบบรายงาน", "รายงานสรุป", "สรุปผล", "สรุปการอบรม", "report", "reports", "รีพอร์ต",
        "รีพอต", "รง.", "รง",
    ),
    "SUBMIT": ("ส่ง", "submit", "กรอก", "แนบ", "อัพโหลด", "อัปโหลด", "อัพ", "อัป", "upload", "ยื่น"),
    "CERT": (
        "เกียรติบัตร", "ใบประกาศ", "ใบประกาศนียบัตร", "วุฒิบัตร", "certificate", "cert", "ใบเซอร์", "ใบเซอ", "เซอร์",
        "ใบcert",
    ),
    # Photos of the day are part of the report; "อบรมถ่ายภาพ" is a course topic (see _TOPICAL).
    "PHOTO": ("รูป", "รูปภาพ", "ภาพ", "ภาพถ่าย", "รูปถ่าย", "รูปกิจกรรม", "photo", "photos", "picture", "pic"),
    "EXPENSE": ("ค่าใช้จ่ายจริง", "เบิกจ่ายจริง", "ใบเสร็จ", "ใบสำคัญรับเงิน"),
    "AFTER": (
        "หลังอบรม", "หลังการอบรม", "กลับจากอบรม", "อบรมเสร็จ", "อบรมเสร็จแล้ว", "อบรมจบ", "จบอบรม", "อบรมจบแล้ว",
        "หลังจบ", "จบการอบรม", "เสร็จจากอบรม",
    ),
    # What one spent: a question about the past ("ปีนี้ใช้งบอบรมไปเท่าไร"), unlike the report's
    # actual expenses (EXPENSE) that one submits.
    "SPENT": ("ใช้เงิน", "ใช้งบ", "ค่าใช้จ่าย", "งบที่ใช้", "เงินที่ใช้", "เบิกไป", "ใช้ไป", "ใช้ไปแล้ว"),
    "HISTORY": (
        "ประวัติ", "ประวัติการอบรม", "history", "ชั่วโมงสะสม", "ชั่วโมงอบรม", "สรุปชั่วโมง",
    ),
    "PAST": (
        "เคย", "ที่ผ่านมา", "ที่แล้ว", "ปีที่แล้ว", "ปีก่อน", "ย้อนหลัง", "ไปแล้ว", "มาแล้ว", "ไปกี่", "มากี่",
        "ครบ", "past", "ที่เข้าร่วม", "เข้าร่วมแล้ว", "ไปมาแล้ว", "เข้ามาแล้ว",
    ),
    "APPROVE": (
        "อนุมัติ", "ไม่อนุมัติ", "ปฏิเสธ", "reject", "approve", "approval", "approvals", "พิจารณา", "เซ็น",
        "ลงนาม", "เซ็นต์",
    ),
    "WAIT": ("รอ", "ค้าง", "รอการ", "คั่งค้าง", "pending", "waiting"),
    "SUBORDINATE": (
        "มีใคร", "ใครขอ", "ใครสมัคร", "มีคนขอ", "ลูกน้อง", "ของลูกน้อง", "ของทีม", "ในกอง", "ในทีม",
        "ผู้ใต้บังคับบัญชา", "ใต้บังคับบัญชา",
        "ลูกทีม", "คนในกอง", "คนในทีม", "ใครในทีม", "ใครในกอง", "ของลูกทีม",
    ),
    "CANCEL": (
        "ยกเลิก", "cancel", "ไม่เอาแล้ว", "ไม่เอา", "ไม่ทำแล้ว", "ไม่ทำต่อ", "ไม่ทำต่อแล้ว", "พอแล้ว",
        "ไม่ต้องแล้ว", "เปลี่ยนใจ", "exit", "quit", "abort", "หยุดก่อน", "ยกเลิกก่อน", "ยกเลิกรายการ", "ออกจากเมนู",
        "ทำรายการใหม่", "เริ่มใหม่", "พอก่อน", "พอแค่นี้",
    ),
    "HELP": (
        "help", "เมนู", "menu", "เมนูหลัก", "ช่วยเหลือ", "ความช่วยเหลือ", "วิธีใช้", "วิธีใช้งาน", "วิธีการใช้", "คู่มือการใช้", "คู่มือการใช้งาน",
        "การใช้งาน", "ใช้งาน", "ใช้ยังไง", "ใช้งานยังไง", "ใช้อย่างไร", "คู่มือ", "ทำอะไรได้บ้าง", "ทำอะไรได้",
        "ทำไงต่อ", "ทำยังไงต่อ", "ทำยังไง", "ทำไง", "ต้องทำยังไง", "งง", "ไม่เข้าใจ", "ช่วยด้วย", "สอบถาม",
        "เริ่มต้น", "เริ่มใช้งาน", "ฟังก์ชัน", "function", "กลับเมนู", "คำสั่ง", "พิมพ์อะไร", "ต้องพิมพ์",
        "ไม่รู้จะ", "ไม่รู้ต้อง", "เริ่มตรงไหน", "ติดต่อ", "ติดต่อเจ้าหน้าที่", "คุยกับเจ้าหน้าที่", "แอดมิน", "admin",
        "howto", "howtouse", "whatcanyoudo", "commands", "command", "guide", "instructions", "support",
    ),
    "GREETING": (
        "สวัสดี", "หวัดดี", "สวัสดีค่ะ", "สวัสดีครับ", "อรุณสวัสดิ์",
        "hello", "hi", "hey", "เฮลโหล", "ฮัลโหล", "ทักทาย", "goodmorning", "morning", "สวัสดียามเช้า",
    ),
    "THANKS": (
        "ขอบคุณ", "ขอบคุน", "ขอบใจ", "ขอบพระคุณ", "thanks", "thank", "thankyou", "thanku", "thx", "ty", "tq",
        "tks", "thks", "tnx", "แต๊งกิ้ว", "แต้งกิ้ว", "แต๊งกิว", "แต๊งค์",
    ),
    "NOTIFY": (
        "แจ้งเตือน", "การแจ้งเตือน", "เตือน", "notification", "notifications", "notify", "noti", "โนติ",
        "ข่าว", "ข่าวสาร", "ประชาสัมพันธ์", "แจ้งข่าว", "ประกาศข่าว", "broadcast",
    ),
    "OFF": ("ปิด", "off", "stop", "disable", "หยุด", "งด", "ไม่รับ", "ไม่ต้อง", "ไม่ต้องส่ง", "ไม่ต้องแจ้ง", "เลิกรับ", "เลิกส่ง"),
    "ON": ("เปิด", "on", "enable", "รับ", "ได้รับ", "อยากได้", "อยากรับ", "ขอรับ", "กลับมารับ"),
    "NEG": ("ไม่", "อย่า", "ไม่อยาก", "ไม่อยากได้"),
    "NOT_ATTENDED": (
        "ไม่ได้เข้าร่วม", "ไม่ได้ไป", "ไม่ได้เข้า", "ไม่ได้ร่วม", "ไม่ได้ไปร่วม", "ไม่ได้ไปเข้าร่วม", "ขาดอบรม",
        "ขาดการอบรม", "ไม่ได้ไปอบรม", "ไม่ได้เข้าอบรม", "ไปไม่ได้", "ไปไม่ทัน", "didnotattend", "notattended",
        "absent",
    ),
    # Why one missed the day; with a course word it says one did not attend ("วันอบรมป่วยค่ะ").
    "SICK": (
        "ป่วย", "ลาป่วย", "ไม่สบาย", "เจ็บป่วย", "ติดธุระ", "ติดภารกิจ", "ติดราชการ", "ติดงาน", "ติดประชุม",
        "sick",
    ),
    # ข้อมูลของฉัน (PDPA). Bare "ข้อมูล" is a course topic too, so it needs "ของฉัน" to mean me.
    "DATA": ("ข้อมูล", "data"),
    "PRIVACY": ("ข้อมูลส่วนตัว", "ข้อมูลส่วนบุคคล", "ความเป็นส่วนตัว", "privacy", "pdpa", "mydata"),
}  # fmt: skip

# Phrases that stand for several concepts at once.
_COMPOUNDS: dict[str, tuple[str, ...]] = {
    "รับสมัคร": ("OPEN", "REGISTER"),
    "เปิดรับสมัคร": ("OPEN", "REGISTER"),
    "เปิดรับ": ("OPEN", "ON"),
    # "...ที่สมัครได้" is a course one may still apply for, not one already applied for.
    "ที่สมัครได้": ("OPEN", "REGISTER"),
    "ที่เปิดให้สมัคร": ("OPEN", "REGISTER"),
    "ส่งข่าว": ("SUBMIT", "NOTIFY"),
    "unsubscribe": ("NOTIFY", "OFF"),
    "mute": ("NOTIFY", "OFF"),
    "subscribe": ("NOTIFY", "ON"),
    "pending": ("WAIT", "APPROVE"),
    "ยังไม่อนุมัติ": ("WAIT", "APPROVE"),
    "ยังไม่ได้อนุมัติ": ("WAIT", "APPROVE"),
    "รออนุมัติ": ("WAIT", "APPROVE"),
    "รอการอนุมัติ": ("WAIT", "APPROVE"),
    "อนุมัติยัง": ("APPROVE", "YET"),
    "ทีมงาน": ("SUBORDINATE",),
    "แจ้งเตือนด้วย": ("NOTIFY", "ON"),
    "เตือนด้วย": ("NOTIFY", "ON"),
    "แจ้งด้วย": ("NOTIFY", "ON"),
    "ส่งงาน": ("SUBMIT",),
    # "ยังไม่มีใครตอบ" is nobody, not the subordinates of "มีใครขอ".
    "ไม่มีใคร": (),
    "ยังไม่มีใคร": ("YET",),
}

# Words that are a command only when they are the whole message: "ออก" alone means leave this
# menu, but "เงินเดือนออกวันไหน" is not about the bot at all.
_SOLO_WORDS: dict[str, tuple[str, ...]] = {
    "ออก": ("CANCEL",), "เลิก": ("CANCEL",), "หยุด": ("CANCEL",), "พอ": ("CANCEL",), "stop": ("CANCEL",),
    "ดี": ("GREETING",), "ดีค่ะ": ("GREETING",), "ดีครับ": ("GREETING",), "ดีคับ": ("GREETING",),
    "ดีคะ": ("GREETING",), "ดีจ้า": ("GREETING",), "ดีจ้ะ": ("GREETING",), "start": ("HELP",), "เริ่ม": ("HELP",),
    "?": ("HELP",), "??": ("HELP",), "???": ("HELP",), "ช่วย": ("HELP",),
}  # fmt: skip

# Words that carry no meaning for routing or search: polite particles, pronouns, question
# words and the verbs people wrap around a request ("ขอดู...หน่อย").
_FILLERS: tuple[str, ...] = (
    "ค่ะ", "คะ", "ค่า", "ครับ", "คับ", "ค้าบ", "คร้าบ", "ครัช", "ฮะ", "ฮับ", "นะ", "น่ะ", "นะคะ", "นะครับ",
    "จ้า", "จ้ะ", "จ๊ะ", "จ๋า", "ย่ะ", "ละ", "ล่ะ", "เหรอ", "หรอ", "เนี่ย", "เนอะ", "สิ", "ซิ", "หน่อย", "ด้วย",
    "ที", "เลย", "จ้าา", "เด้อ", "ฮ่ะ",
    "ขอ", "อยาก", "อยากจะ", "จะ", "ต้องการ", "ช่วย", "กรุณา", "รบกวน", "ดู", "ขอดู", "เปิดดู", "หา", "เรื่อง",
    "เกี่ยวกับ", "ด้าน", "หัวข้อ", "มี", "ไหม", "มั้ย", "มัย", "ไม๊", "มั๊ย", "หรือเปล่า", "รึเปล่า", "ป่าว", "อะไร",
    "อะไรบ้าง", "บ้าง", "ที่", "ของ", "การ", "ให้", "ได้", "ได้ไหม", "ไป", "มา", "แล้ว", "อยู่", "ตอนนี้", "ล่าสุด",
    "ทั้งหมด", "ใหม่", "และ", "กับ", "ใน", "สำหรับ", "ไหน", "ที่ไหน", "ยังไง", "อย่างไร", "วิธี", "เพื่อ", "นี้",
    "นั้น", "คือ", "เป็น", "จาก", "ผม", "ฉัน", "ดิฉัน", "หนู", "เรา", "เค้า", "กระผม", "พี่", "น้อง", "บอท", "เช็ค",
    "เช็ก", "เรียน", "แนะนำ", "รายการ", "รายชื่อ", "ต้อง", "ตรงไหน", "กด", "หน้า", "เข้า", "ทำ",
    "please", "pls", "plz", "the", "a", "an", "for", "to", "i", "me", "want", "show", "see", "view", "list",
    "check", "of", "bot", "ๆ", "โอเค", "ok", "okay", "เอ่อ", "อ่ะ", "อะ", "แบบ", "นิดนึง", "ว่า", "ไว้", "ทราบ",
    "อยากทราบ", "อยากรู้", "รู้", "ดี",
)  # fmt: skip

# Words dropped from the search that still count as saying something, so that "พรุ่งนี้หยุดไหม"
# is not the one-word command "หยุด" (concept CONTEXT, which no rule uses).
_CONTEXT_WORDS: tuple[str, ...] = (
    # When: the search cannot use it, and "เดือนหน้า" must not leave "เดือน" behind.
    "ช่วงนี้", "ตอนนี้", "เร็วๆนี้", "เร็วนี้", "วันนี้", "พรุ่งนี้", "เดือนนี้", "เดือนหน้า", "ปีนี้", "ปีหน้า",
    "สัปดาห์นี้", "สัปดาห์หน้า", "อาทิตย์นี้", "อาทิตย์หน้า", "ช่วง", "ตอน", "วัน",
    # Judgements and availability ("ยังว่างอยู่ไหม"), not topics.
    "น่าสนใจ", "น่าสน", "ดีๆ", "ยอดนิยม", "ว่าง", "ที่ว่าง", "เหลือ", "ที่นั่ง", "เปิดใหม่",
    # Discourse: "พอดี", "คือว่า", "จริงๆ" frame the request.
    "พอดี", "คือว่า", "คือ", "จริงๆ", "เผื่อ", "สั่ง", "สั่งให้", "บอกให้", "มอบหมาย", "มอบหมายให้",
    "เท่าไหร่", "เท่าไร", "กี่", "ทั้งหมด",
)  # fmt: skip

# Who asked one to go: "หัวหน้าสั่งให้ไปอบรมบัญชี" searches บัญชี, not หัวหน้า. The person is
# dropped only in front of one of these verbs, so "อบรมหัวหน้างาน" keeps its topic.
_ORDERED_BY = ("หัวหน้า", "ผอ.", "ผู้อำนวยการ", "ปลัด", "นายก", "เจ้านาย", "ผู้บังคับบัญชา", "ท่าน", "บอส")
_ORDER_VERBS = ("สั่ง", "สั่งให้", "ให้", "บอกให้", "อยากให้", "แนะนำให้", "มอบหมาย", "มอบหมายให้")

# Common spellings of chat Thai, each listed phrase also matches with them ("มะได้ไป", "เรือง").
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "ไม่ได้": ("มะได้", "ม่ายได้", "ไม่ด้าย"),
    "เรื่อง": ("เรือง", "เริ่อง"),
    "บ้าง": ("บ้ง", "บ่าง"),
    "สมัคร": ("สมัด",),
    "ไหม": ("ไม",),
}

# Words that turn the next "on" or "send" word into "off": "เลิกส่งข่าว", "หยุดแจ้งเตือน".
_NEGATORS = frozenset({"เลิก", "หยุด", "งด", "อย่า", "ไม่ต้อง", "ไม่อยาก", "ไม่"})
_NEGATED = frozenset({"ON", "SUBMIT"})
# "อบรมไป...", "ไปอบรม...มา": done, not wished for ("ปีที่แล้วไปอบรมอะไรมา").
_DONE_AFTER = frozenset({"ไป", "มา", "ไปแล้ว", "มาแล้ว"})

# Multi-word topics that contain a command word but are not commands: kept whole in the
# query and never turned into a concept ("รายงานการประชุม" is a course topic, not a report).
_TOPICS: tuple[str, ...] = (
    "รายงานการประชุม", "ประวัติศาสตร์", "ประวัติส่วนตัว", "ส่งเสริม", "ยกเลิกสัญญา",
)  # fmt: skip


# Concepts whose words can also be the subject of a course ("การเขียนข่าว", "คู่มือ"); in a course
# search they stay in the query unless they decided the intent.
_TOPICAL = frozenset({"NOTIFY", "REPORT", "HISTORY", "CERT", "EXPENSE", "HELP", "DATA", "PRIVACY", "PHOTO", "SPENT",
                      "SICK"})


class _Rule(NamedTuple):
    intent: Intent
    needs: frozenset[str]
    weight: float


def _rules(*rows: tuple[Intent, str, float]) -> tuple[_Rule, ...]:
    """Build the rule table from (intent, "CONCEPT CONCEPT", weight) rows."""
    return tuple(_Rule(i, frozenset(c.split()), w) for i, c, w in rows)


# The rule with the highest weight whose concepts all occur wins. Weights encode specificity:
# a command plus its object ("ยกเลิก" + "คำขอ") beats the bare command ("ยกเลิก"), and chit-chat
# (greeting, thanks) loses to anything else said in the same message.
_RULES: tuple[_Rule, ...] = _rules(
    (Intent.MY_DATA, "DATA MINE", 3.6),
    (Intent.MY_DATA, "PRIVACY MINE", 3.6),
    (Intent.MY_DATA, "PRIVACY", 0.9),  # below TRAINING: "อบรม PDPA" is a course search
    (Intent.NOT_ATTENDED, "NOT_ATTENDED", 3.5),
    (Intent.NOT_ATTENDED, "SICK TRAINING", 2.4),
    (Intent.NOTIFY_OFF, "NOTIFY OFF", 3.4),
    (Intent.NOTIFY_OFF, "NOTIFY CANCEL", 3.4),
    (Intent.NOTIFY_OFF, "NOTIFY NEG", 3.3),
    (Intent.NOTIFY_ON, "NOTIFY ON", 3.2),
    (Intent.NOTIFY_ON, "NOTIFY SUBMIT", 3.0),
    (Intent.APPROVALS, "SUBORDINATE REQUEST", 3.6),
    (Intent.APPROVALS, "SUBORDINATE APPROVE", 3.0),
    (Intent.APPROVALS, "SUBORDINATE REGISTER", 2.9),
    (Intent.APPROVALS, "SUBORDINATE WAIT", 2.9),
    (Intent.APPROVALS, "SUBORDINATE TRAINING", 2.4),
    (Intent.APPROVALS, "REQUEST WAIT APPROVE", 3.2),
    (Intent.APPROVALS, "WAIT APPROVE", 2.9),
    (Intent.APPROVALS, "REQUEST APPROVE", 2.6),
    (Intent.APPROVALS, "APPROVE", 1.5),
    (Intent.MY_REQUESTS, "REQUEST MINE", 3.5),
    (Intent.MY_REQUESTS, "APPROVE MINE", 3.3),
    (Intent.MY_REQUESTS, "APPROVE YET", 3.0),
    (Intent.MY_REQUESTS, "REQUEST CANCEL", 3.0),
    (Intent.MY_REQUESTS, "MY_STUFF", 2.6),
    (Intent.MY_REQUESTS, "STATUS", 2.7),
    (Intent.MY_REQUESTS, "WITHDRAW", 2.5),
    (Intent.MY_REQUESTS, "REGISTER CANCEL", 2.5),
    (Intent.MY_REQUESTS, "TRAINING CANCEL", 2.2),
    (Intent.MY_REQUESTS, "REQUEST", 2.0),
    (Intent.REPORT, "SUBMIT REPORT", 2.8),
    (Intent.REPORT, "SUBMIT CERT", 2.5),
    (Intent.REPORT, "SUBMIT PHOTO", 2.5),
    (Intent.REPORT, "SUBMIT SPENT", 2.5),
    (Intent.REPORT, "SUBMIT AFTER", 2.5),
    (Intent.REPORT, "REPORT", 2.3),
    (Intent.CERTIFICATE, "CERT", 2.0),  # "ขอเกียรติบัตร"; sending one ("ส่งเกียรติบัตร") is a report
    (Intent.REPORT, "EXPENSE", 1.5),
    (Intent.REPORT, "AFTER", 1.2),
    (Intent.HISTORY, "HISTORY", 2.5),
    (Intent.HISTORY, "PAST TRAINING", 2.2),
    (Intent.HISTORY, "SPENT TRAINING", 2.2),
    (Intent.HISTORY, "SPENT", 1.4),
    (Intent.HISTORY, "DONE TRAINING", 1.9),
    (Intent.COURSES, "REGISTER TRAINING", 2.0),
    (Intent.COURSES, "OPEN TRAINING", 2.0),
    (Intent.COURSES, "SEARCH TRAINING", 2.0),
    (Intent.COURSES, "REGISTER", 1.1),
    (Intent.COURSES, "TRAINING", 1.0),
    (Intent.COURSES, "SEARCH", 1.0),
    (Intent.CANCEL, "CANCEL", 1.8),
    (Intent.HELP, "HELP", 0.95),
    (Intent.THANKS, "THANKS", 0.9),
    (Intent.GREETING, "GREETING", 0.8),
)
# Two intents whose best rules are this close make the answer a close call.
_CLOSE_CALL = 0.5

# Collapsing runs of 3+ identical letters turns "ค่าาาา", "อบรมมม" and "hiiii" back into words.
_REPEAT_RE = re.compile(r"(\D)\1{2,}")
_INVISIBLE_RE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")
_WORDLIKE_RE = re.compile(r"\w")
# Fuzzy matching below this similarity (0-100, normalised edit distance) is too loose: at 70 a
# seven-letter word may have two slips ("ประวัด" for "ประวัติ"), a four-letter word one.
_FUZZY_CUTOFF = 70.0
_FUZZY_MIN_CHARS = 4
_MAX_PHRASE_TOKENS = 5
_MAX_FUZZY_TOKENS = 3


class _Entry(NamedTuple):
    concepts: frozenset[str]
    filler: bool  # dropped from the query
    solo: frozenset[str] = frozenset()  # extra concepts when it is the whole message

    @property
    def plain(self) -> bool:
        """Tell whether this is a particle or function word with no meaning of its own."""
        return self.filler and not self.concepts and not self.solo


class _Lexicon(NamedTuple):
    entries: dict[str, _Entry]
    split_words: frozenset[str]  # what a glued dictionary word may be split into
    fuzzy_keys: dict[str, list[str]]  # keys with concepts, by first character
    dictionary: frozenset[str]  # pythainlp's word list: real words are never "typos"


@functools.cache
def _lexicon() -> _Lexicon:
    """Build the phrase table and load the segmenter's dictionary (once per process)."""
    from pythainlp.corpus import thai_words
    from pythainlp.tokenize import word_tokenize

    entries: dict[str, _Entry] = {}

    def add(word: str, concepts: Iterable[str]) -> None:
        for spelling in _spellings(word):
            key = _key(spelling)
            old = entries.get(key)
            entries[key] = _Entry(frozenset(concepts) | (old.concepts if old else frozenset()), filler=True)

    for concept, words in _CONCEPT_WORDS.items():
        for word in words:
            add(word, (concept,))
    for phrase, concepts in _COMPOUNDS.items():
        add(phrase, concepts)
    for word in _FILLERS:
        add(word, ())
    for word in _CONTEXT_WORDS:
        add(word, ("CONTEXT",))
    for person in _ORDERED_BY:
        for verb in _ORDER_VERBS:
            add(person + verb, ())
    for word, concepts in _SOLO_WORDS.items():
        old = entries.get(_key(word))
        # Outside a one-word message a solo word is ordinary text, so it stays in the query.
        entries[_key(word)] = _Entry(old.concepts if old else frozenset(), old is not None, frozenset(concepts))
    for topic in _TOPICS:
        entries[_key(topic)] = _Entry(frozenset(), filler=False)

    fuzzy: dict[str, list[str]] = {}
    for key, entry in entries.items():
        if entry.concepts and len(key) >= _FUZZY_MIN_CHARS:
            fuzzy.setdefault(key[0], []).append(key)
    split_words = frozenset(k for k in entries if len(k) >= 2 and _is_thai(k))
    word_tokenize("สวัสดีครับ ขอสมัครอบรม")  # loads the newmm trie now, not on the first message
    return _Lexicon(entries, split_words, fuzzy, frozenset(thai_words()))


def _spellings(word: str) -> set[str]:
    """Return a listed phrase and its common chat spellings ("ไม่ได้ไป" -> "มะได้ไป")."""
    found = {word}
    for standard, variants in _SPELLINGS.items():
        found |= {w.replace(standard, v) for w in list(found) if standard in w for v in variants}
    return found


def warm_up() -> None:
    """Load pythainlp's dictionary and build the word tables; later calls are free."""
    _lexicon()


# --- text handling -----------------------------------------------------------------------------


def _key(text: str) -> str:
    """Return the lookup key of a word: lower case, no spaces."""
    return text.lower().replace(" ", "")


def _is_thai(text: str) -> bool:
    """Tell whether a word is written in Thai script."""
    return all("\u0e00" <= ch <= "\u0e7f" for ch in text)


def normalize_text(text: str) -> str:
    """Clean typed text for matching: NFC, Arabic digits, Thai spelling fixes, no stretched letters.

    Letter case is kept so that search words come back as typed ("e-GP").
    """
    from pythainlp.util import normalize as thai_normalize

    text = unicodedata.normalize("NFC", _INVISIBLE_RE.sub("", text))
    text = thai_normalize(to_arabic_digits(text))  # also fixes "ํา" typed as two characters
    text = text.replace("ๆ", " ")  # the repeat mark adds nothing to the meaning here
    return _REPEAT_RE.sub(r"\1", text)


class _Token(NamedTuple):
    text: str  # as typed (after normalisation), for the query
    key: str
    gap: bool  # whitespace came before it


@functools.lru_cache(maxsize=8192)
def _split_glued(key: str) -> tuple[str, ...]:
    """Split a dictionary compound into listed words ("รับสมัคร" -> "รับ", "สมัคร") if it fully is."""
    words = _lexicon().split_words
    n = len(key)
    # best[i] = fewest listed words that spell key[:i]; only full spellings count.
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(2, n + 1):
        for start in range(0, end - 1):
            prefix = best[start]
            if prefix is not None and key[start:end] in words:
                candidate = (*prefix, key[start:end])
                if best[end] is None or len(candidate) < len(best[end]):  # type: ignore[arg-type]
                    best[end] = candidate
    found = best[n]
    return found if found is not None and len(found) > 1 else (key,)


def _meaningful(parts: tuple[str, ...]) -> bool:
    """Tell whether a split finds a command word; a real word cut into particles stays whole."""
    # "ออกแบบ" is not "ออก" + "แบบ" and "พอดี" is not "พอ" + "ดี": none of the pieces is a command.
    entries = _lexicon().entries
    return any(entries[p].concepts for p in parts if p in entries)


def _keeps_words(window: list[_Token], parts: tuple[str, ...]) -> bool:
    """Tell whether a re-split only joins newmm's pieces, or cuts a word to find a command word."""
    cuts = {sum(len(t.key) for t in window[:i]) for i in range(1, len(window))}
    bounds = {sum(len(p) for p in parts[:i]) for i in range(1, len(parts))}
    if bounds <= cuts:
        return True
    # A word was cut ("อบรม|ออกแบบ" -> "ออก", "แบบ"): only worth it when a new piece is a command.
    return _meaningful(tuple(p for p in parts if p not in {t.key for t in window}))


def _pieces(tokens: list[_Token], parts: tuple[str, ...]) -> list[_Token]:
    """Cut the text of glued tokens into the listed words it was split into."""
    text = "".join(t.text for t in tokens)
    out: list[_Token] = []
    offset = 0
    for i, part in enumerate(parts):
        out.append(_Token(text[offset : offset + len(part)], part, tokens[0].gap and i == 0))
        offset += len(part)
    return out


def _resplit(tokens: list[_Token]) -> list[_Token]:
    """Re-segment runs that newmm cut wrongly around a typo ("คอส|อบรม" read as "คอ|สอ|บรม")."""
    lexicon = _lexicon()
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        for length in range(min(4, len(tokens) - i), 1, -1):
            window = tokens[i : i + length]
            if any(t.gap for t in window[1:]) or not all(_is_thai(t.key) for t in window):
                continue
            # A run of listed words is matched as it is; only other runs may hide a glued typo.
            if all(t.key in lexicon.entries for t in window):
                continue
            joined = "".join(t.key for t in window)
            parts = _split_glued(joined)
            if len(parts) > 1 and joined not in lexicon.entries and _keeps_words(window, parts):
                out.extend(_pieces(window, parts))
                i += length
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _tokens(text: str) -> list[_Token]:
    """Segment a message into tokens, splitting glued command words apart."""
    from pythainlp.tokenize import word_tokenize

    lexicon = _lexicon()
    tokens: list[_Token] = []
    gap = False
    for piece in word_tokenize(text, engine="newmm", keep_whitespace=True):
        if piece.isspace():
            gap = True
            continue
        token = _Token(piece, piece.lower(), gap)
        gap = False
        # Dictionary compounds hide command words: "รับสมัคร" = "รับ" + "สมัคร".
        if token.key not in lexicon.entries and _is_thai(token.key) and len(token.key) >= 4:
            parts = _split_glued(token.key)
            if len(parts) > 1 and _meaningful(parts):
                tokens.extend(_pieces([token], parts))
                continue
        tokens.append(token)
    return _resplit(tokens)


@functools.lru_cache(maxsize=8192)
def _fuzzy_lookup(window: str) -> tuple[str, float] | None:
    """Return the listed phrase a misspelt word most likely meant, with its similarity."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    # A typo rarely hits the first letter, and requiring it keeps short words from drifting.
    choices = _lexicon().fuzzy_keys.get(window[0])
    if not choices:
        return None
    # Edit distance with transpositions (OSA) counts "cancle" or a swapped Thai vowel as one
    # slip, and unlike Indel ratio it does not favour longer phrases that merely contain the word.
    found = process.extractOne(window, choices, scorer=OSA.normalized_similarity, score_cutoff=_FUZZY_CUTOFF / 100)
    return (found[0], float(found[1]) * 100) if found else None


class _Match(NamedTuple):
    start: int
    stop: int
    entry: _Entry
    similarity: float  # 100 for an exact match


def _exact_matches(tokens: list[_Token]) -> list[_Match | None]:
    """Cover tokens with the longest listed phrases, left to right."""
    entries = _lexicon().entries
    covered: list[_Match | None] = [None] * len(tokens)
    i = 0
    while i < len(tokens):
        for length in range(min(_MAX_PHRASE_TOKENS, len(tokens) - i), 0, -1):
            entry = entries.get("".join(t.key for t in tokens[i : i + length]))
            if entry is not None:
                match = _Match(i, i + length, entry, 100.0)
                covered[i : i + length] = [match] * length
                i += length
                break
        else:
            i += 1
    return covered


def _free(match: _Match | None) -> bool:
    """Tell whether a token may still be reinterpreted as a misspelt command word."""
    # Particles and solo words may be part of a typo ("ส|วัด|ดี" is "สวัสดี"); topics may not.
    return match is None or (not match.entry.concepts and (match.entry.filler or bool(match.entry.solo)))


def _fuzzy_matches(tokens: list[_Token], covered: list[_Match | None]) -> None:
    """Cover remaining misspelt command words (1-3 tokens glued) with their closest phrase."""
    lexicon = _lexicon()
    candidates: list[tuple[float, int, int, int, str]] = []
    for i in range(len(tokens)):
        for length in range(1, _MAX_FUZZY_TOKENS + 1):
            span = range(i, i + length)
            if i + length > len(tokens) or not all(_free(covered[j]) for j in span):
                break
            if all(covered[j] is not None for j in span) or not _WORDLIKE_RE.search(tokens[i].key):
                continue  # only particles, or starts at punctuation: nothing was misspelt
            text = "".join(tokens[j].key for j in span)
            if len(text) < _FUZZY_MIN_CHARS or (length == 1 and text in lexicon.dictionary):
                continue  # too short to judge, or a real word that is not a typo of another
            hit = _fuzzy_lookup(text)
            if hit is not None:
                candidates.append((hit[1], -length, i, length, hit[0]))
    # Best similarity first; on a tie the shorter window, so neighbours stay available.
    for similarity, _, start, length, key in sorted(candidates, reverse=True):
        span = range(start, start + length)
        if all(_free(covered[j]) for j in span):
            match = _Match(start, start + length, lexicon.entries[key], similarity)
            for j in span:
                covered[j] = match


def _query(tokens: list[_Token], covered: list[_Match | None], keep: frozenset[str]) -> str:
    """Join the words that are not commands or particles, keeping how they were spaced."""
    parts: list[str] = []
    previous = -2
    for i, token in enumerate(tokens):
        match = covered[i]
        kept_topic = match is not None and bool(match.entry.concepts) and match.entry.concepts <= keep
        if (match is not None and match.entry.filler and not kept_topic) or not _WORDLIKE_RE.search(token.text):
            continue
        if parts and (previous != i - 1 or token.gap):
            parts.append(" ")
        parts.append(token.text)
        previous = i
    return "".join(parts).strip()


def _in_order(tokens: list[_Token], covered: list[_Match | None]) -> set[str]:
    """Collect the concepts of the matches as word order changes them: negation, done training."""
    concepts: set[str] = set()
    previous: _Match | None = None
    for match in sorted({m for m in covered if m is not None}, key=lambda m: m.start):
        found = match.entry.concepts
        # "เลิก|ส่งข่าว": the word right after a negator is switched off, not on.
        if previous is not None and previous.stop == match.start and found & (_NEGATED | {"NOTIFY"}):
            if "".join(t.key for t in tokens[previous.start : previous.stop]) in _NEGATORS:
                found = (found - _NEGATED) | {"OFF"}
        concepts |= found
        previous = match
    if _done_training(tokens, covered):
        concepts.add("DONE")
    return concepts


def _done_training(tokens: list[_Token], covered: list[_Match | None]) -> bool:
    """Tell whether a course word is told as done: "อบรมไป...", "อบรมมา", "ไปอบรม...มา"."""
    keys = [t.key for t in tokens]
    for i, match in enumerate(covered):
        if match is None or "TRAINING" not in match.entry.concepts or match.stop != i + 1:
            continue
        if i + 1 < len(keys) and keys[i + 1] in _DONE_AFTER:
            return True
        if match.start > 0 and keys[match.start - 1] == "ไป" and "มา" in keys[i + 1 :]:
            return True
    return False


def _concepts(tokens: list[_Token], covered: list[_Match | None]) -> set[str]:
    """Collect the concepts of all matches, counting solo words only when they stand alone."""
    matches = {m for m in covered if m is not None}
    concepts = _in_order(tokens, covered)
    solo = [m for m in matches if m.entry.solo]
    if len(solo) == 1:
        word = solo[0]
        alone = all(
            m is word or (m is not None and m.entry.plain) or not _WORDLIKE_RE.search(tokens[i].key)
            for i, m in enumerate(covered)
        )
        if alone:
            concepts |= word.entry.solo
            # It was the command, so it is not a search word.
            used = word._replace(entry=word.entry._replace(concepts=word.entry.concepts | word.entry.solo, filler=True))
            covered[:] = [used if m is word else m for m in covered]
    return concepts


def _runner_up(concepts: Iterable[str], winner: _Rule) -> float:
    """Return the weight of the best matching rule for any other intent (0 if none)."""
    found = frozenset(concepts)
    return max((r.weight for r in _RULES if r.intent != winner.intent and r.needs <= found), default=0.0)


def _best_rule(concepts: Iterable[str]) -> _Rule | None:
    """Return the heaviest rule whose concepts all occur in the message."""
    found = frozenset(concepts)
    best: _Rule | None = None
    for rule in _RULES:
        if rule.needs <= found and (best is None or rule.weight > best.weight):
            best = rule
    return best


def parse_intent(text: str) -> ParsedIntent:
    """Classify a chat message and extract the search words in it."""
    normalized = normalize_text(text[:MAX_CHARS])
    tokens = _tokens(normalized)
    covered = _exact_matches(tokens)
    if any(m is None for m in covered):
        _fuzzy_matches(tokens, covered)
    concepts = _concepts(tokens, covered)
    rule = _best_rule(concepts)
    # Content words that did not decide the intent stay searchable: in "อบรมการเขียนข่าว" the word
    # "ข่าว" (announcements) is the course topic.
    keep = _TOPICAL - rule.needs if rule is not None and rule.intent == Intent.COURSES else frozenset()
    query = _query(tokens, covered, keep)
    if rule is None:
        return ParsedIntent(Intent.UNKNOWN, query, 0.0)
    # Confidence drops with typos in the words that made the decision and when another intent
    # was nearly as likely ("ยกเลิก" next to "อบรม" could be either CANCEL or MY_REQUESTS).
    deciding = (m.similarity for m in covered if m is not None and m.entry.concepts & rule.needs)
    score = min(deciding, default=100.0) / 100.0
    if _runner_up(concepts, rule) > rule.weight - _CLOSE_CALL:
        score *= 0.8
    return ParsedIntent(rule.intent, query, round(score, 3))
