"""The approvals feature's clock job: nudge approvers about decisions left waiting too long.

Waiting decisions are few whatever the staff count; the card needs whole objects, loaded with
the request, its person, course and steps in a fixed handful of queries. The nudge goes to
whoever can receive it, whatever their announcement switch: it is owed work.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, aliased, joinedload

from handlers.kit.cards import approval_card
from handlers.kit.messages import Message, text
from handlers.kit.postback import PostbackCodec
from models.approval import waiting_steps
from models.delegation import acting_approver
from models.org import Staff
from models.registration import ApprovalStep, Registration
from scheduler import bulk
from scheduler.calendar import WorkCalendar
from scheduler.registry import Counts, Reminders, working_days_at
from thai.dates import to_bangkok, today_bangkok

reminders = Reminders("approvals")


class T:
    """What the nudge says."""

    WAITING_INTRO = "คำขอเข้ารับการอบรมนี้รอการอนุมัติจากท่านมา {days} วันทำการแล้วค่ะ"
    WAITING_INTRO_FOR = ("คำขอเข้ารับการอบรมนี้รอการอนุมัติจาก {approver} มา {days} วันทำการแล้วค่ะ "
                         "ท่านรักษาราชการแทนจึงพิจารณาได้ค่ะ")


def waiting_messages(codec: PostbackCodec, reg: Registration, step: ApprovalStep, waited: int,
                     acting_for: Staff | None = None) -> list[Message]:
    """Return the nudge to an approver (or their stand-in): a line of text and the request card."""
    intro = (T.WAITING_INTRO_FOR.format(days=waited, approver=acting_for.name) if acting_for is not None
             else T.WAITING_INTRO.format(days=waited))
    return [text(intro), approval_card(reg, step, codec, acting_for=acting_for)]


@reminders.job("approvals-waiting", trigger=working_days_at("daily_reminders_time"))
def waiting_decisions(*, session: Session, now: datetime, codec: PostbackCodec, settings: Mapping[str, Any]) -> Counts:
    """Nudge approvers about decisions waiting more than N working days, then every N working days."""
    today = today_bangkok(now)
    cal = WorkCalendar.from_settings(settings)
    every = max(1, int(settings.get("approval_waiting_working_days", 2)))
    # The nudge goes to whoever acts for the approver today (their stand-in within a range).
    holder = aliased(Staff)
    rows = session.execute(
        waiting_steps(today=today)
        .add_columns(holder.id, holder.line_user_id)
        .join(holder, holder.id == acting_approver(ApprovalStep.approver_id, today))
        .where(ApprovalStep.reached_at.is_not(None), holder.can_receive)
        .options(joinedload(ApprovalStep.registration))
        .order_by(ApprovalStep.id)
    ).unique().all()
    counts: Counter[str] = Counter()
    planned: list[bulk.Planned] = []
    for step, holder_id, line_id in rows:
        assert step.reached_at is not None and line_id is not None
        waited = cal.working_days_between(to_bangkok(step.reached_at).date(), today)
        if waited <= every:
            continue
        # Waited N+1..2N working days -> interval 1, 2N+1..3N -> 2, ...: one nudge per interval.
        interval = (waited - 1) // every
        acting_for = step.approver if holder_id != step.approver_id else None
        planned.append(bulk.push(line_id, waiting_messages(codec, step.registration, step, waited, acting_for),
                                 f"waiting:step{step.id}:{holder_id}:{interval}"))
        counts["waiting"] += 1
    counts["written"] = len(bulk.write(session, planned))
    return dict(counts)
