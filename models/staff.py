"""Staff as HR manages them: finding, counting, adding, editing and deactivating people."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, cast, func, or_, select, update
from sqlalchemy.orm import Session

from models.admin import AdminUser
from models.audit import audit
from models.base import utcnow
from models.course import Course
from models.org import ROLE_STAFF, ROLES, Staff, StaffType, Unit, get_settings
from models.outbox import enqueue_push
from models.registration import ApprovalStep, Registration, RegStatus, StepDecision
from thai.dates import today_bangkok
from thai.numbers import to_arabic_digits

PAGE_SIZE = 50
ROLE_NAMES = {"staff": "บุคลากร", "approver": "ผู้อนุมัติ", "hr": "งานบุคคล"}
EDITABLE = ("employee_id", "title", "first_name", "last_name", "position", "unit_id", "staff_type_id",
            "supervisor_id", "roles")


class T:
    """What HR and the people concerned are told."""

    EMP_REQUIRED = "กรุณากรอกรหัสพนักงาน"
    EMP_TAKEN = "รหัสพนักงาน {emp} มีอยู่แล้ว ({name})"
    EMP_LONG = "รหัสพนักงานยาวเกิน 40 ตัวอักษร"
    FIRST_REQUIRED = "กรุณากรอกชื่อ"
    LAST_REQUIRED = "กรุณากรอกนามสกุล"
    TOO_LONG = "ยาวเกิน {n} ตัวอักษร"
    NO_SUCH = "ไม่พบรายการที่เลือก กรุณาเลือกใหม่"
    SELF_BOSS = "ผู้บังคับบัญชาต้องไม่ใช่ตัวเอง"
    CYCLE = "เลือกผู้บังคับบัญชานี้ไม่ได้ เพราะเป็นผู้ใต้บังคับบัญชาของบุคคลนี้ (สายบังคับบัญชาจะวนกัน)"
    BOSS_INACTIVE = "ผู้บังคับบัญชาที่เลือกพ้นจากการปฏิบัติงานแล้ว"
    WITHDRAWN_TO_HOLDER = ("คำขอเข้ารับการอบรมของ {name} หลักสูตร “{course}” ถูกถอนโดย{hr} "
                           "เนื่องจากผู้ขอพ้นจากการปฏิบัติงานแล้ว ท่านไม่ต้องพิจารณาคำขอนี้ต่อค่ะ")


class StaffError(ValueError):
    """A staff form with problems: ``errors`` maps each field to a Thai sentence."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


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


@dataclass(frozen=True)
class StaffFilter:
    """What HR searches for: words (names, employee id, position) and the list's filters."""

    q: str = ""
    unit_id: int | None = None
    staff_type_id: int | None = None
    role: str | None = None
    linked: bool | None = None
    active: bool | None = True

    def where(self) -> list[object]:
        """Return the SQL conditions of this filter (one rule for the list, the count and bulk codes)."""
        conds: list[object] = []
        for word in to_arabic_digits(self.q).split():
            like = f"%{word}%"
            conds.append(or_(Staff.first_name.ilike(like), Staff.last_name.ilike(like), Staff.title.ilike(like),
                             Staff.employee_id.ilike(like), Staff.position.ilike(like)))
        if self.unit_id is not None:
            conds.append(Staff.unit_id == self.unit_id)
        if self.staff_type_id is not None:
            conds.append(Staff.staff_type_id == self.staff_type_id)
        if self.role in ROLES:
            # roles is a JSON list; as text it reads ["staff", "hr"] on SQLite and PostgreSQL alike.
            conds.append(cast(Staff.roles, String).like(f'%"{self.role}"%'))
        if self.linked is not None:
            conds.append(Staff.line_user_id.is_not(None) if self.linked else Staff.line_user_id.is_(None))
        if self.active is not None:
            conds.append(Staff.active.is_(self.active))
        return conds


@dataclass
class StaffPage:
    """One page of a staff list and how many match in all."""

    people: list[Staff]
    total: int
    page: int
    pages: int


def search_staff(*, session: Session, filter: StaffFilter, page: int = 1, per_page: int = PAGE_SIZE) -> StaffPage:
    """Return the staff matching a filter, by employee id, one page at a time."""
    conds = filter.where()
    total = session.scalar(select(func.count(Staff.id)).where(*conds)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    people = list(session.scalars(select(Staff).where(*conds).order_by(Staff.employee_id)
                                  .limit(per_page).offset((page - 1) * per_page)))
    return StaffPage(people, total, page, pages)


def matching_staff(*, session: Session, filter: StaffFilter) -> list[Staff]:
    """Return every person a filter matches (for bulk link codes), by unit then employee id."""
    return list(session.scalars(select(Staff).where(*filter.where()).order_by(Staff.unit_id, Staff.employee_id)))


def units(*, session: Session) -> list[Unit]:
    """Return the units by name."""
    return list(session.scalars(select(Unit).order_by(Unit.name)))


def staff_types(*, session: Session) -> list[StaffType]:
    """Return the staff types by name."""
    return list(session.scalars(select(StaffType).order_by(StaffType.name)))


def possible_supervisors(*, session: Session, exclude_id: int | None = None) -> list[Staff]:
    """Return the active staff one may report to, by first name."""
    stmt = select(Staff).where(Staff.active.is_(True)).order_by(Staff.first_name, Staff.last_name)
    if exclude_id is not None:
        stmt = stmt.where(Staff.id != exclude_id)
    return list(session.scalars(stmt))


@dataclass
class StaffInput:
    """A staff form as typed; new_unit / new_staff_type create one when given."""

    employee_id: str = ""
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    position: str = ""
    unit_id: int | None = None
    new_unit: str = ""
    staff_type_id: int | None = None
    new_staff_type: str = ""
    supervisor_id: int | None = None
    roles: list[str] = field(default_factory=lambda: [ROLE_STAFF])


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _check_text(data: StaffInput, errors: dict[str, str]) -> None:
    data.employee_id = to_arabic_digits(_clean(data.employee_id))
    for name in ("title", "first_name", "last_name", "position", "new_unit", "new_staff_type"):
        setattr(data, name, _clean(getattr(data, name)))
    limits = {"title": 60, "first_name": 120, "last_name": 120, "position": 200, "new_unit": 200,
              "new_staff_type": 120}
    for name, limit in limits.items():
        if len(getattr(data, name)) > limit:
            errors[name] = T.TOO_LONG.format(n=limit)
    if not data.employee_id:
        errors["employee_id"] = T.EMP_REQUIRED
    elif len(data.employee_id) > 40:
        errors["employee_id"] = T.EMP_LONG
    if not data.first_name:
        errors["first_name"] = T.FIRST_REQUIRED
    if not data.last_name:
        errors["last_name"] = T.LAST_REQUIRED


def _check_links(session: Session, person: Staff | None, data: StaffInput, errors: dict[str, str]) -> None:
    """Check the employee id is free and the unit, type and supervisor exist and make no loop."""
    if "employee_id" not in errors:
        other = session.scalar(select(Staff).where(Staff.employee_id == data.employee_id))
        if other is not None and (person is None or other.id != person.id):
            errors["employee_id"] = T.EMP_TAKEN.format(emp=data.employee_id, name=other.name)
    if data.unit_id is not None and session.get(Unit, data.unit_id) is None:
        errors["unit_id"] = T.NO_SUCH
    if data.staff_type_id is not None and session.get(StaffType, data.staff_type_id) is None:
        errors["staff_type_id"] = T.NO_SUCH
    if data.supervisor_id is None:
        return
    boss = session.get(Staff, data.supervisor_id)
    if boss is None:
        errors["supervisor_id"] = T.NO_SUCH
    elif person is not None and boss.id == person.id:
        errors["supervisor_id"] = T.SELF_BOSS
    elif not boss.active:
        errors["supervisor_id"] = T.BOSS_INACTIVE
    elif person is not None and _reports_to(boss, person.id):
        errors["supervisor_id"] = T.CYCLE


def _reports_to(boss: Staff, person_id: int) -> bool:
    """Tell whether the person already stands above boss in the chart (a loop if made boss's staff)."""
    seen: set[int] = set()
    current: Staff | None = boss
    while current is not None and current.id not in seen:
        if current.id == person_id:
            return True
        seen.add(current.id)
        current = current.supervisor
    return False


def _lookup(session: Session, model: type[Unit] | type[StaffType], name: str) -> int:
    found = session.scalar(select(model).where(model.name == name))
    if found is None:
        found = model(name=name)
        session.add(found)
        session.flush()
    return found.id


def save_staff(*, session: Session, data: StaffInput, staff_id: int | None = None,
               admin_id: int | None = None, actor_id: int | None = None) -> Staff:
    """Add a person (staff_id None) or change one; raise StaffError with every problem, saving nothing."""
    person = session.get(Staff, staff_id) if staff_id is not None else None
    if staff_id is not None and person is None:
        raise StaffError({"employee_id": T.NO_SUCH})
    errors: dict[str, str] = {}
    _check_text(data, errors)
    _check_links(session, person, data, errors)
    if errors:
        raise StaffError(errors)
    if data.new_unit:
        data.unit_id = _lookup(session, Unit, data.new_unit)
    if data.new_staff_type:
        data.staff_type_id = _lookup(session, StaffType, data.new_staff_type)
    roles = [r for r in ROLES if r in data.roles or r == ROLE_STAFF]
    values = {"employee_id": data.employee_id, "title": data.title, "first_name": data.first_name,
              "last_name": data.last_name, "position": data.position, "unit_id": data.unit_id,
              "staff_type_id": data.staff_type_id, "supervisor_id": data.supervisor_id, "roles": roles}
    if person is None:
        person = Staff(**values, active=True)
        session.add(person)
        session.flush()
        audit(session=session, action="staff.created", subject_type="staff", subject_id=person.id,
              admin_id=admin_id, actor_id=actor_id)
        return person
    changed = [k for k in EDITABLE if (set(getattr(person, k) or []) != set(values[k]) if k == "roles"
                                       else getattr(person, k) != values[k])]
    for name in changed:
        setattr(person, name, values[name])
    if changed:
        if {"roles", "supervisor_id"} & set(changed):
            person.rich_menu_id = None  # the menu follows roles: relinked after commit
        session.flush()
        session.expire(person, ["unit", "staff_type", "supervisor"])
        # Field names only: names and positions are personal data and stay out of the trail.
        audit(session=session, action="staff.updated", subject_type="staff", subject_id=person.id,
              admin_id=admin_id, actor_id=actor_id, fields=changed)
    return person


@dataclass
class Deactivation:
    """What deactivating a person did: requests withdrawn, approvers told, decisions left waiting on them."""

    staff: Staff
    withdrawn: int = 0
    told: int = 0
    waiting_on_them: int = 0
    accounts_closed: int = 0  # their HR console accounts: someone who left signs in no more


def open_requests(*, session: Session, staff: Staff, today: object | None = None) -> list[Registration]:
    """Return a person's requests that are still open: pending, or approved for a course not yet begun."""
    today = today or today_bangkok()
    return list(session.scalars(
        select(Registration).join(Course, Course.id == Registration.course_id)
        .where(Registration.staff_id == staff.id,
               or_(Registration.status == RegStatus.PENDING,
                   (Registration.status == RegStatus.APPROVED) & (Course.start_date > today)))
        .order_by(Registration.id)
    ))


def decisions_waiting_on(*, session: Session, staff: Staff) -> int:
    """Count the requests whose current step waits for this person's decision."""
    return session.scalar(
        select(func.count(ApprovalStep.id)).join(Registration, Registration.id == ApprovalStep.registration_id)
        .where(ApprovalStep.approver_id == staff.id, ApprovalStep.decision == StepDecision.WAITING,
               Registration.status == RegStatus.PENDING)
    ) or 0


def deactivate_staff(*, session: Session, staff_id: int, now: datetime | None = None,
                     admin_id: int | None = None, actor_id: int | None = None) -> Deactivation:
    """Mark a person as left: withdraw their open requests and tell each approver who held one."""
    now = now or utcnow()
    person = session.get(Staff, staff_id)
    if person is None:
        raise StaffError({"employee_id": T.NO_SUCH})
    done = Deactivation(person)
    # Before the early return: one who left earlier (or is being erased) keeps no open account.
    # A closed account's signed-in sessions end at their next page (admin_for_token reads active);
    # bringing the person back does not reopen it: HR reopens an account on purpose.
    done.accounts_closed = session.execute(
        update(AdminUser).where(AdminUser.staff_id == person.id, AdminUser.active.is_(True)).values(active=False)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not person.active:
        return done
    hr_unit = get_settings(session=session)["hr_unit_name"]
    for reg in open_requests(session=session, staff=person, today=today_bangkok(now)):
        won = session.execute(
            update(Registration).where(Registration.id == reg.id, Registration.status == reg.status)
            .values(status=RegStatus.CANCELLED, cancelled_at=now, report_due_on=None)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        if not won:
            continue  # decided or cancelled a moment ago: nothing of ours to withdraw
        holder = session.scalar(select(ApprovalStep).where(ApprovalStep.registration_id == reg.id,
                                                           ApprovalStep.decision == StepDecision.WAITING))
        session.execute(
            update(ApprovalStep).where(ApprovalStep.registration_id == reg.id,
                                       ApprovalStep.decision.in_((StepDecision.WAITING, StepDecision.QUEUED)))
            .values(decision=StepDecision.VOID).execution_options(synchronize_session=False)
        )
        done.withdrawn += 1
        audit(session=session, action="registration.withdrawn", subject_type="registration", subject_id=reg.id,
              admin_id=admin_id, actor_id=actor_id, reason="staff deactivated",
              holder_id=holder.approver_id if holder else None)
        if holder is not None and holder.approver.can_receive and holder.approver.line_user_id:
            text = T.WITHDRAWN_TO_HOLDER.format(name=person.name, course=reg.course.title, hr=hr_unit)
            if enqueue_push(session=session, to=holder.approver.line_user_id, messages=[{"type": "text", "text": text}],
                            dedup_key=f"withdrawn:{reg.id}") is not None:
                done.told += 1
    person.active = False
    person.rich_menu_id = None
    done.waiting_on_them = decisions_waiting_on(session=session, staff=person)
    audit(session=session, action="staff.deactivated", subject_type="staff", subject_id=person.id,
          admin_id=admin_id, actor_id=actor_id, withdrawn=done.withdrawn,
          waiting_on_them=done.waiting_on_them, accounts_closed=done.accounts_closed)
    session.expire_all()
    return done


def reactivate_staff(*, session: Session, staff_id: int, admin_id: int | None = None,
                     actor_id: int | None = None) -> Staff:
    """Bring a person back (their withdrawn requests stay withdrawn)."""
    person = session.get(Staff, staff_id)
    if person is None:
        raise StaffError({"employee_id": T.NO_SUCH})
    if not person.active:
        person.active = True
        person.rich_menu_id = None
        audit(session=session, action="staff.reactivated", subject_type="staff", subject_id=person.id,
              admin_id=admin_id, actor_id=actor_id)
    return person
