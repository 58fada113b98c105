"""Staff as HR manages them: finding, counting, adding, editing and deactivating people."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.org import Staff


@dataclass(frozen=True)
class StaffCounts:
    """How many staff are active, and how many of them have linked LINE."""

    active: int
    linked: int

    @property
    def unlinked(self) -> int:
        """Return the active staff not yet linked."""
        return self.active - self.linked


def staff_counts(*, session: Session) -> StaffCounts:
    """Count the active staff and the linked ones, in one query."""
    active, linked = session.execute(
        select(func.count(Staff.id), func.count(Staff.line_user_id)).where(Staff.active.is_(True))
    ).one()
    return StaffCounts(active=int(active), linked=int(linked))
