"""Post-training reports (รายงานผลการอบรม) and their images."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

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
