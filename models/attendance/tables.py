"""Tables of the day and after: check-in codes and check-ins, attendance records, pre/post tests,
evaluations and certificates."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, StrEnumType, utcnow
from models.registration import Registration


class AttendanceSource(StrEnumType):
    """Who recorded a person's attendance; HR's record wins over a check-in."""

    CHECKIN = "checkin"  # the person sent the day's check-in code
    HR = "hr"  # HR ticked it in the console


class QuizPhase(StrEnumType):
    """Before or after the course."""

    PRE = "pre"
    POST = "post"


class CertificateSource(StrEnumType):
    """Where a certificate file came from."""

    UPLOADED = "uploaded"
    GENERATED = "generated"


class CheckinCode(Base):
    """The code of one course day; renewing it makes the old one stale (replaced_at set)."""

    __tablename__ = "checkin_codes"
    __table_args__ = (
        # One live code per course day; stale ones stay, so a stale code can be told apart.
        Index("uq_checkin_codes_live", "course_id", "day", unique=True,
              sqlite_where=text("replaced_at IS NULL"), postgresql_where=text("replaced_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    code: Mapped[str] = mapped_column(String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]


class Checkin(Base):
    """One person checked in on one course day."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("registration_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_codes.id", ondelete="SET NULL"))


class AttendanceRecord(Base):
    """Who last recorded a registration's attendance (Registration.attendance holds the value)."""

    __tablename__ = "attendance_records"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))
    by: Mapped[str] = mapped_column(String(80), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuizQuestion(Base):
    """One multiple-choice question of a course's test (the same before and after)."""

    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[Any]] = mapped_column(default=list)  # 2 to 4 short texts
    correct: Mapped[int] = mapped_column(Integer, default=0)  # index into choices
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuizAnswer(Base):
    """A person's answer to one question in one phase (once: a double tap changes nothing)."""

    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("registration_id", "phase", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(8))
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id", ondelete="CASCADE"))
    choice: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationResponse(Base):
    """One attendee's evaluation of one course; the questions are frozen when it is sent."""

    __tablename__ = "evaluation_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    questions: Mapped[list[Any]] = mapped_column(default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    registration: Mapped[Registration] = relationship(lazy="joined")
    ratings: Mapped[list[EvaluationRating]] = relationship(order_by="EvaluationRating.position", lazy="selectin")


class EvaluationRating(Base):
    """A rating 1-5 of question `position` (0-based) of a response."""

    __tablename__ = "evaluation_ratings"
    __table_args__ = (UniqueConstraint("response_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("evaluation_responses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    rating: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Certificate(Base):
    """A person's certificate (เกียรติบัตร) of one course, a PDF or image stored under a random name."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    source: Mapped[str] = mapped_column(String(12))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(60), default="application/pdf")
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    registration: Mapped[Registration] = relationship(lazy="joined")
