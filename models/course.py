"""Courses (หลักสูตร) that staff may register for."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Boolean, Column, ForeignKey, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.org import StaffType
from thai.dates import fiscal_year

COURSE_KINDS = ("ฝึกอบรม", "สัมมนา", "ศึกษาดูงาน", "ประชุมเชิงปฏิบัติการ", "e-learning")

# The 10 HR policy areas of the อบต. plan (THAI.md); a course names one of them.
POLICY_AREAS = (
    "อัตรากำลังและการบริหารอัตรากำลัง",
    "การสรรหาและเลือกสรร",
    "การบรรจุและแต่งตั้ง",
    "การพัฒนาทรัพยากรบุคคล",
    "การบริหารผลการปฏิบัติราชการ",
    "สวัสดิการและค่าตอบแทน",
    "การส่งเสริมคุณธรรมจริยธรรมและรักษาวินัย",
    "การส่งเสริมความก้าวหน้าในสายอาชีพ",
    "ความปลอดภัย อาชีวอนามัยและสภาพแวดล้อมในการทำงาน",
    "การพัฒนาคุณภาพชีวิต",
)

course_target_types = Table(
    "course_target_types",
    Base.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_type_id", ForeignKey("staff_types.id", ondelete="CASCADE"), primary_key=True),
)


class Course(Base):
    """A course or one cohort of it; no target types means open to everyone."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(60), default="ฝึกอบรม")
    organizer: Mapped[str] = mapped_column(String(200), default="")
    venue: Mapped[str] = mapped_column(String(300), default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    start_time: Mapped[time | None]
    registration_deadline: Mapped[date]
    seats: Mapped[int] = mapped_column(default=0)
    fee: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    # The course's approved budget as a whole (an in-house course); when 0, the approved amount is
    # fee x approved participants (models/figures.py). Spent comes from the reports.
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    policy_area: Mapped[str] = mapped_column(String(200), default="การพัฒนาทรัพยากรบุคคล")
    # The HR-plan activity the course carries out (models/plan.py); its policy area wins.
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("plan_activities.id", ondelete="SET NULL"), index=True)
    # Training hours (ชั่วโมง) a participant gets; None = not recorded.
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    approval_levels: Mapped[int | None]
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the staff it targets were told it is open (the clock's new-course announcement).
    announced_at: Mapped[datetime | None]

    target_types: Mapped[list[StaffType]] = relationship(
        secondary=course_target_types, lazy="selectin", order_by=StaffType.name
    )

    @property
    def fiscal_year(self) -> int:
        """Return the Buddhist-era fiscal year the course starts in."""
        return fiscal_year(self.start_date)

    def is_for(self, staff_type_id: int | None) -> bool:
        """Tell whether a staff type is among the targets (no targets = everyone)."""
        if not self.target_types:
            return True
        return staff_type_id in {t.id for t in self.target_types}
