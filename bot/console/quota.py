"""LINE's message quota beside the bot's own count of pushes this month, per job and feature.

LINE's figures (GET /v2/bot/message/quota and /quota/consumption) are read on page load with a
short timeout and kept a minute, so a slow or unreachable LINE costs one wait, not one per visit.
The bot's count comes from the outbox rows sent this month (models.outbox.sends_since).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from flask import Blueprint, render_template

from bot.budget import LIMITED, NOT_CONNECTED, UNLIMITED, Quota, month_start, read_quota
from bot.clocktext import JOB_NAMES
from bot.console.auth import login_required
from bot.state import state
from models.base import utcnow
from models.org import get_settings
from models.outbox import (
    OPTIONAL_SOURCES, SOURCE_APPROVALS, SOURCE_BUDGET, SOURCE_CHAT, SOURCE_CONSOLE, Held, Tally, held_for_budget,
    sends_since,
)
from thai.dates import THAI_MONTHS_LONG, be_year, to_bangkok

bp = Blueprint("quota", __name__, url_prefix="/quota")
NAV = ("console.quota.index", "โควตาข้อความ LINE")

QUOTA_TTL = 60.0  # seconds LINE's figures are kept between page loads
QUOTA_TIMEOUT = 3.0  # seconds the page waits for LINE
_CACHE = "console_quota"  # key in the app's BotState.extras

# Rows written before every row carried its job name their reminder kind (the head of the
# dedup key): counted with the job that writes them now.
LEGACY_SOURCES = {
    "followup": "monthly-followup", "due_soon": "reports-deadlines", "overdue": "reports-deadlines",
    "closing": "courses-closing", "starting": "courses-starting", "announce": "courses-announce",
    "waiting": "approvals-waiting", "evaluation": "attendance-evaluations",
    "evaluation-reminder": "attendance-evaluations", "executive": "executive-monthly",
    "withdrawn": SOURCE_CONSOLE, "certificate": SOURCE_CONSOLE,
}


class T:
    """The quota page's Thai text."""

    TITLE = "โควตาข้อความ LINE"
    HEADING = "โควตาข้อความ LINE เดือน{month}"
    LINE_HEADING = "ตัวเลขจาก LINE"
    KIND = "ประเภทโควตา"
    KINDS = {LIMITED: "จำกัดจำนวนต่อเดือน", UNLIMITED: "ไม่จำกัดจำนวน"}
    LIMIT = "โควตาต่อเดือน"
    USED = "ใช้ไปแล้วเดือนนี้"
    LEFT = "คงเหลือ"
    NO_LIMIT = "ไม่จำกัด"
    READ_AT = "อ่านจาก LINE เมื่อ {at} (อ่านใหม่ทุก 1 นาที)"
    UNREACHABLE = ("ขณะนี้อ่านโควตาจาก LINE ไม่ได้ (LINE ไม่ตอบหรือตอบช้า) "
                   "ตัวเลขที่ระบบนับเองด้านล่างยังถูกต้อง กรุณาเปิดหน้านี้ใหม่อีกครั้งภายหลังค่ะ")
    NOT_CONNECTED = ("ระบบยังไม่ได้เชื่อมต่อกับช่องทาง LINE (ยังไม่ได้ตั้งค่า LINE_CHANNEL_ACCESS_TOKEN) "
                     "จึงไม่มีตัวเลขจาก LINE ค่ะ")
    LINE_NOTE = ("LINE นับข้อความแบบ push ตามจำนวนผู้รับ ข้อความตอบกลับ (reply) ไม่นับโควตา "
                 "ตัวเลขของ LINE รวมข้อความที่ส่งจาก LINE Official Account Manager ด้วย จึงอาจมากกว่าที่ระบบนับได้")
    CAP_HEADING = "เพดานประกาศหลักสูตรต่อเดือน"
    CAP = "เพดานที่ตั้งไว้ (ผู้รับ)"
    CAP_NONE = "ไม่กำหนด"
    CAP_USED = "ประกาศที่ส่งแล้วเดือนนี้ (ผู้รับ)"
    CAP_LEFT = "ส่งได้อีก (ผู้รับ)"
    CAP_NOTE = ("ประกาศหลักสูตรใหม่และประกาศใกล้ปิดรับสมัครจะรอส่งเดือนถัดไปเมื่อจะเกินเพดานนี้หรือเกินโควตาที่ LINE "
                "เหลือ และแจ้งเจ้าหน้าที่งานบุคคลให้ทราบ ส่วนการติดตามรายงานและการ์ดขออนุมัติส่งเสมอ")
    CAP_SET = "ตั้งเพดานได้ที่หน้าตั้งค่า"
    SENT_HEADING = "ข้อความที่ระบบส่งเดือนนี้ (นับเอง)"
    SOURCE = "งานหรือส่วนที่ส่ง"
    PRIORITY = "ประเภท"
    OPTIONAL = "ประกาศ (รอโควตาได้)"
    ALWAYS = "ส่งเสมอ"
    CALLS = "จำนวนครั้งที่ส่ง"
    MESSAGES = "จำนวนข้อความ"
    RECIPIENTS = "จำนวนผู้รับ (ที่ LINE นับโควตา)"
    TOTAL = "รวม"
    NOTHING_SENT = "เดือนนี้ยังไม่มีข้อความแบบ push ค่ะ"
    REPLIES = "นอกจากนี้ตอบกลับในแชต (reply ไม่นับโควตา) {calls} ครั้ง {messages} ข้อความ"
    HELD_HEADING = "ประกาศที่รอโควตา"
    HELD_ROWS = "จำนวนรายการที่รอ"
    HELD_RECIPIENTS = "จำนวนผู้รับ"
    NEXT_TRY = "จะส่งเมื่อ"
    NOTHING_HELD = "ไม่มีประกาศที่รอโควตาค่ะ"
    # Features that send besides the clock's jobs (the jobs' names are bot.clocktext.JOB_NAMES).
    SOURCES = {
        SOURCE_CHAT: "แจ้งจากการสนทนาในแชต",
        SOURCE_CONSOLE: "แจ้งจากหน้าจัดการระบบ",
        SOURCE_APPROVALS: "การ์ดขออนุมัติถึงผู้อนุมัติ",
        SOURCE_BUDGET: "แจ้งเจ้าหน้าที่งานบุคคลเรื่องโควตา",
    }


def source_name(source: str) -> str:
    """Return a source's Thai name (its id when it has none)."""
    return JOB_NAMES.get(source) or T.SOURCES.get(source) or source


@dataclass(frozen=True)
class Line:
    """One row of a table: a source, its Thai name, whether it may wait, and its tally."""

    source: str
    name: str
    optional: bool
    tally: Tally
    next_try: datetime | None = None


def _plus(a: Tally | None, b: Tally) -> Tally:
    if a is None:
        return b
    return Tally(a.calls + b.calls, a.messages + b.messages, a.recipients + b.recipients)


def _fold(tallies: dict[str, Tally]) -> dict[str, Tally]:
    """Count rows named by their old reminder kind with the job that writes them now."""
    out: dict[str, Tally] = {}
    for source, tally in tallies.items():
        key = LEGACY_SOURCES.get(source, source)
        out[key] = _plus(out.get(key), tally)
    return out


def push_lines(tallies: dict[str, Tally]) -> list[Line]:
    """Return the month's pushes per job or feature, named in Thai, most recipients first (page and CLI)."""
    lines = [Line(k, source_name(k), k in OPTIONAL_SOURCES, t) for k, t in _fold(tallies).items()]
    return sorted(lines, key=lambda line: (-line.tally.recipients, line.name))


def _held(held: dict[str, Held]) -> list[Line]:
    folded: dict[str, Line] = {}
    for source, h in held.items():
        key = LEGACY_SOURCES.get(source, source)
        before = folded.get(key)
        folded[key] = Line(key, source_name(key), True, _plus(before.tally if before else None, h.tally),
                           min(h.next_try, before.next_try) if before and before.next_try else h.next_try)
    return sorted(folded.values(), key=lambda line: line.name)


def line_quota() -> tuple[Quota, datetime | None]:
    """Return LINE's figures and when they were read, kept a minute per app."""
    s = state()
    cached = s.extras.get(_CACHE)
    if cached is not None and time.monotonic() - cached[0] < QUOTA_TTL:
        return cached[1], cached[2]
    quota = read_quota(s.gateway, timeout=QUOTA_TIMEOUT)
    read_at = utcnow() if quota.known else None
    if quota.kind != NOT_CONNECTED:
        s.extras[_CACHE] = (time.monotonic(), quota, read_at)
    return quota, read_at


def month_name(now: datetime) -> str:
    """Return now's month in Bangkok as Thai readers write it ("พฤศจิกายน 2569")."""
    local = to_bangkok(now)
    return f"{THAI_MONTHS_LONG[local.month - 1]} {be_year(local)}"


@bp.get("/")
@login_required
def index() -> str:
    """LINE's quota, the announcement cap, this month's pushes per source, and what waits."""
    now = utcnow()
    with state().db.transaction() as db:
        sends = sends_since(session=db, since=month_start(now))
        held = held_for_budget(session=db)
        cap = get_settings(session=db).get("announcement_monthly_cap")
    quota, read_at = line_quota()
    cap_value = int(cap) if cap not in (None, "") else None
    optional_sent = sum(t.recipients for k, t in _fold(sends.pushes).items() if k in OPTIONAL_SOURCES)
    return render_template(
        "console/quota.html", T=T, month=month_name(now), quota=quota, read_at=read_at,
        cap=cap_value, optional_sent=optional_sent,
        cap_left=None if cap_value is None else max(0, cap_value - optional_sent),
        lines=push_lines(sends.pushes), total=sends.total, replies=sends.replies, held=_held(held),
    )
