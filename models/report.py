"""Post-training reports (รายงานผลการอบรม), their images, and the draft the wizard fills in."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, StrEnumType, utcnow
from models.registration import Registration


class ReportStatus(StrEnumType):
    """Where a submitted report stands with the supervisor."""

    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    REVISION_REQUESTED = "revision_requested"


class Report(Base):
    """The report owed by one approved registration (one per registration)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), unique=True)
    learned: Mapped[str] = mapped_column(Text, default="")
    application: Mapped[str] = mapped_column(Text, default="")
    expense_registration: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    expense_travel: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    expense_accommodation: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    expense_per_diem: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    expense_total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(24), default=ReportStatus.SUBMITTED, index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime | None]
    review_reason: Mapped[str | None] = mapped_column(Text)

    registration: Mapped[Registration] = relationship(lazy="joined")
    attachments: Mapped[list[ReportAttachment]] = relationship(
        back_populates="report", order_by="ReportAttachment.id", lazy="selectin"
    )


class ReportAttachment(Base):
    """A certificate or photo sent in the chat, stored under a random file name."""

    __tablename__ = "report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    # Set while the wizard runs and no report exists yet.
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(60), default="image/jpeg")
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[Report | None] = relationship(back_populates="attachments")


EXPENSE_FIELDS = ("registration", "travel", "accommodation", "per_diem")
ZERO = Decimal("0")


# --- the draft the wizard builds -------------------------------------------------------------


@dataclass
class ReportDraft:
    """What the wizard collected; expenses are items, or one total when total_only."""

    learned: str = ""
    application: str = ""
    expenses: dict[str, Decimal] = field(default_factory=lambda: {k: ZERO for k in EXPENSE_FIELDS})
    total_only: bool = False
    total: Decimal = ZERO

    @property
    def expense_total(self) -> Decimal:
        """Return the total of actual expenses."""
        if self.total_only:
            return self.total
        return sum((self.expenses.get(k, ZERO) for k in EXPENSE_FIELDS), ZERO)

    def to_data(self) -> dict[str, Any]:
        """Return a JSON-safe dict (for the conversation row)."""
        return {
            "learned": self.learned,
            "application": self.application,
            "expenses": {k: str(self.expenses.get(k, ZERO)) for k in EXPENSE_FIELDS},
            "total_only": self.total_only,
            "total": str(self.total),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ReportDraft:
        """Rebuild a draft from to_data's dict (missing keys take defaults)."""
        raw = data.get("expenses") or {}
        return cls(
            learned=str(data.get("learned") or ""),
            application=str(data.get("application") or ""),
            expenses={k: _decimal(raw.get(k)) for k in EXPENSE_FIELDS},
            total_only=bool(data.get("total_only")),
            total=_decimal(data.get("total")),
        )

    @classmethod
    def from_report(cls, report: Report) -> ReportDraft:
        """Return a draft holding a stored report (to resubmit after a revision request)."""
        items = {
            "registration": report.expense_registration, "travel": report.expense_travel,
            "accommodation": report.expense_accommodation, "per_diem": report.expense_per_diem,
        }
        items = {k: Decimal(v or 0) for k, v in items.items()}
        total = Decimal(report.expense_total or 0)
        total_only = sum(items.values(), ZERO) == 0 and total > 0
        return cls(learned=report.learned, application=report.application, expenses=items,
                   total_only=total_only, total=total if total_only else ZERO)


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else ZERO
    except InvalidOperation:
        return ZERO
