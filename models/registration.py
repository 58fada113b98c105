"""Training requests (คำขอเข้ารับการอบรม) and the approval steps they climb."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, StrEnumType, utcnow
from models.course import Course
from models.org import Staff


class RegStatus(StrEnumType):
    """Where a request stands in the approval chain."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Attendance(StrEnumType):
    """What the participant said about attending, once the course is over."""

    UNKNOWN = "unknown"
    ATTENDED = "attended"
    NOT_ATTENDED = "not_attended"


class StepDecision(StrEnumType):
    """One approver's decision on one step."""

    WAITING = "waiting"  # the current step, its approver has the card
    QUEUED = "queued"  # a later step, not yet reached
    APPROVED = "approved"
    REJECTED = "rejected"
    VOID = "void"  # never reached: rejected or cancelled earlier


class Registration(Base):
    """One staff member's request for one course (unique per pair)."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("staff_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=RegStatus.PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # Frozen when the request is made, so a later settings change does not move a request.
    approval_levels: Mapped[int] = mapped_column(Integer, default=2)
    current_step: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    attendance: Mapped[str] = mapped_column(String(16), default=Attendance.UNKNOWN)
    not_attended_reason: Mapped[str | None] = mapped_column(Text)
    # Set on final approval (course end + REPORT_DUE_DAYS); None = no report owed.
    report_due_on: Mapped[date | None]

    staff: Mapped[Staff] = relationship(lazy="joined")
    course: Mapped[Course] = relationship(lazy="joined")
    steps: Mapped[list[ApprovalStep]] = relationship(
        back_populates="registration", order_by="ApprovalStep.step", lazy="selectin"
    )


class ApprovalStep(Base):
    """Step n of a request: who decides it, what they decided, when and why."""

    __tablename__ = "approval_steps"
    __table_args__ = (UniqueConstraint("registration_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    approver_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16), default=StepDecision.QUEUED, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    reached_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]

    registration: Mapped[Registration] = relationship(back_populates="steps")
    approver: Mapped[Staff] = relationship(lazy="joined")
