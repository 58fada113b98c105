"""The month's message budget: LINE's quota and the organisation's cap on optional announcements.

LINE bills every push per recipient against the channel's monthly quota (replies are free).
Before an optional announcement goes, the sender asks the budget: when it would pass the
setting announcement_monthly_cap, or LINE's remaining quota, it waits for the next month and
HR is told once. Follow-ups of owed work and approval cards always go.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.db import Database
from bot.line import LineGateway
from models.base import utcnow
from models.org import get_settings, hr_officers
from models.outbox import OPTIONAL_SOURCES, enqueue_multicast, pushes_since, source_of
from thai.dates import BANGKOK

log = logging.getLogger(__name__)

class T:
    """What HR is told."""

    HELD = ("ประกาศหลักสูตรบางรายการยังไม่ได้ส่งค่ะ เพราะจะเกินโควตาข้อความ LINE ของเดือนนี้ "
            "ระบบจะส่งให้เมื่อขึ้นเดือนใหม่ ส่วนการติดตามรายงานและคำขออนุมัติยังส่งตามปกติค่ะ")


LIMITED, UNLIMITED = "limited", "none"  # LINE's quota types
UNREACHABLE, NOT_CONNECTED = "unreachable", "not_connected"  # no figures: LINE did not answer, or no channel


@dataclass(frozen=True)
class Quota:
    """LINE's figures for this month: the limit (None: unlimited or unknown) and what was used."""

    limit: int | None
    used: int | None
    kind: str = UNREACHABLE

    @property
    def known(self) -> bool:
        """Tell whether LINE answered."""
        return self.kind in (LIMITED, UNLIMITED)

    @property
    def remaining(self) -> int | None:
        """Return what is left, or None when there is no known limit."""
        if self.limit is None or self.used is None:
            return None
        return max(0, self.limit - self.used)


def read_quota(gateway: LineGateway | None, timeout: float | None = None) -> Quota:
    """Ask LINE for the quota and consumption; unknown (None) when LINE cannot be reached."""
    if gateway is None:
        return Quota(None, None, NOT_CONNECTED)
    try:
        kind, limit = gateway.quota(timeout)
        used = gateway.quota_consumption(timeout)
    except Exception as exc:  # noqa: BLE001 - an unknown quota must not stop delivery
        log.warning("LINE's message quota could not be read: %s", type(exc).__name__)
        return Quota(None, None, UNREACHABLE)
    if kind == LIMITED:
        return Quota(limit, used, LIMITED)
    return Quota(None, used, UNLIMITED)


def month_start(now: datetime) -> datetime:
    """Return the start of now's month in Bangkok, as UTC."""
    local = now.astimezone(BANGKOK)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def next_month(now: datetime) -> datetime:
    """Return the start of the next month in Bangkok, as UTC."""
    local = now.astimezone(BANGKOK)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return local.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


class Budget:
    """Answers, for each optional announcement, whether it may go now (figures cached a minute)."""

    def __init__(self, db: Database, gateway: LineGateway | None, ttl: float = 60.0) -> None:
        self.db, self.gateway, self.ttl = db, gateway, ttl
        self._lock = threading.Lock()
        self._read_at = -1e9
        self._optional_sent = 0
        self._remaining: int | None = None
        self._cap: int | None = None

    def allows(self, row: Any) -> bool:
        """Tell whether this row may be sent now; counts it if so."""
        if source_of(row.source, row.dedup_key) not in OPTIONAL_SOURCES:
            return True
        n = len(row.recipients or [])
        with self._lock:
            self._refresh()
            if self._cap is not None and self._optional_sent + n > self._cap:
                return False
            if self._remaining is not None and n > self._remaining:
                return False
            self._optional_sent += n
            if self._remaining is not None:
                self._remaining -= n
            return True

    def _refresh(self) -> None:
        if time.monotonic() - self._read_at < self.ttl:
            return
        now = utcnow()
        with self.db.transaction() as session:
            cap = get_settings(session=session).get("announcement_monthly_cap")
            sent = pushes_since(session=session, since=month_start(now))
        self._cap = None if cap in (None, "") else int(cap)  # 0: no announcements this month
        self._optional_sent = sum(v for k, v in sent.items() if k in OPTIONAL_SOURCES)
        self._remaining = read_quota(self.gateway).remaining
        self._read_at = time.monotonic()


def tell_hr_held(db: Database, now: datetime) -> None:
    """Tell HR, once a month, that announcements wait for the budget."""
    with db.transaction() as session:
        people = [p.line_user_id for p in hr_officers(session=session) if p.line_user_id]
        if people:
            month = now.astimezone(BANGKOK).strftime("%Y-%m")
            enqueue_multicast(session=session, to=people, messages=[{"type": "text", "text": T.HELD}],
                              dedup_key=f"budget:held:{month}", source="budget")
