"""Requests (คำขอ): waiting approvals by approver and age, a request's audit trail, HR deciding a
stalled step on the approver's behalf, and stand-ins (รักษาราชการแทน)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console.auth import actor, current_admin, hr_required, login_required
from bot.console.sending import chat_context, deliver_now
from bot.console.shown import helpers, typed_date
from bot.state import state
from handlers.kit.messages import message_action, text
from models.request_overview import request_trail, waiting_overview
from models.delegation import DelegationError, revoke_stand_in, set_stand_in, stand_ins
from models.org import Staff, decides_approvals, get_settings
from models.outbox import queued_ids
from models.approval import DecisionRefused, decide_on_behalf
from models.registration import Registration, current_step
from scheduler.calendar import WorkCalendar
from thai import ThaiParseError
from thai.dates import format_date, to_bangkok, today_bangkok

bp = Blueprint("requests", __name__, url_prefix="/requests")
bp.context_processor(helpers)
NAV = ("console.requests.index", "คำขอและการอนุมัติ")


class T:
    """What these pages and their chat messages say."""

    DECIDED = "บันทึกผลการพิจารณาแทน {approver} แล้ว ({decision}) และแจ้งผู้เกี่ยวข้องแล้วค่ะ"
    NEED_REASON = "กรุณาระบุเหตุผลที่ไม่อนุมัติค่ะ"
    BAD_DECISION = "กรุณาเลือกอนุมัติหรือไม่อนุมัติค่ะ"
    STAND_IN_SET = "บันทึกผู้รักษาราชการแทนแล้ว และแจ้งทั้งสองท่านแล้วค่ะ"
    STAND_IN_REVOKED = "ยกเลิกผู้รักษาราชการแทนแล้วค่ะ"
    PICK = "กรุณาเลือกผู้อนุมัติและผู้รักษาราชการแทนค่ะ"
    NO_EMPLOYEE = "ไม่พบรหัสบุคลากร {code} ค่ะ"
    APPROVE, REJECT = "อนุมัติ", "ไม่อนุมัติ"
    # to the approver, in the chat
    TOLD_APPROVER = ("{hr} พิจารณาคำขอเข้ารับการอบรมของ {staff} (\"{course}\") ขั้นที่ {step} แทนท่านแล้ว "
                     "เนื่องจากติดต่อท่านไม่ได้: {decision}{reason} ค่ะ")
    TOLD_REASON = " เหตุผล: {reason}"
    TOLD_STAND_IN = ("ท่านได้รับมอบหมายให้รักษาราชการแทน {approver} ตั้งแต่ {start} ถึง {end} ค่ะ "
                     "ในช่วงนี้คำขอเข้ารับการอบรมที่รอ {approver} พิจารณาจะส่งถึงท่าน แตะ \"รออนุมัติ\" เพื่อดูคำขอค่ะ")
    TOLD_DELEGATOR = ("{stand_in} รักษาราชการแทนท่านตั้งแต่ {start} ถึง {end} ค่ะ "
                      "คำขอเข้ารับการอบรมในช่วงนี้จะส่งถึง {stand_in} ส่วนท่านยังพิจารณาเองได้ค่ะ")
    WAITING = "รออนุมัติ"


def _age(calendar: WorkCalendar, since: datetime, today: date) -> int:
    """Return how many working days a step has waited."""
    return calendar.working_days_between(to_bangkok(since).date(), today)


@bp.get("/")
@login_required
def index() -> str:
    """Every step waiting for a decision, grouped by approver, with its age in working days."""
    today = today_bangkok()
    with state().db.transaction() as db:
        calendar = WorkCalendar.from_settings(get_settings(session=db))
        groups: dict[int, dict[str, Any]] = {}
        for w in waiting_overview(session=db, today=today):
            group = groups.setdefault(w.approver.id, {"approver": w.approver, "rows": []})
            group["rows"].append({"w": w, "age": _age(calendar, w.since, today)})
        delegations = stand_ins(session=db, today=today)
        return render_template("console/requests/index.html", groups=list(groups.values()),
                               delegations=delegations, today=today)


@bp.get("/<int:registration_id>")
@login_required
def show(registration_id: int) -> str:
    """One request: its steps, its full audit trail, and (for HR) deciding its stalled step."""
    with state().db.transaction() as db:
        reg = db.get(Registration, registration_id)
        if reg is None:
            abort(404)
        trail = request_trail(session=db, registration_id=reg.id)
        ids = {r.actor_id for r in trail if r.actor_id} | {
            r.detail.get("on_behalf_of") for r in trail if isinstance(r.detail.get("on_behalf_of"), int)}
        names = {p.id: p.name for p in db.scalars(select(Staff).where(Staff.id.in_(ids)))}
        step = current_step(reg)
        decidable = step is not None and today_bangkok() < reg.course.start_date
        return render_template("console/requests/show.html", reg=reg, trail=trail, names=names, step=step,
                               decidable=decidable)


@bp.post("/<int:registration_id>/decide")
@hr_required
def decide(registration_id: int) -> Any:
    """Decide the waiting step for an approver who cannot be reached; they and the next are told."""
    choice, reason = request.form.get("decision"), request.form.get("reason", "").strip()
    step = request.form.get("step", "")
    back = redirect(url_for(".show", registration_id=registration_id))
    if choice not in ("approve", "reject") or not step.isdigit():
        flash(T.BAD_DECISION, "err")
        return back
    if choice == "reject" and not reason:
        flash(T.NEED_REASON, "err")
        return back
    user = current_admin()
    with state().db.transaction() as db:
        ctx = chat_context(db)
        try:
            decision = decide_on_behalf(session=db, registration_id=registration_id, step=int(step),
                                        approve=choice == "approve", reason=reason or None, now=ctx.now,
                                        by=user.username, settings=ctx.settings, **actor())
        except DecisionRefused as refused:
            flash(str(refused), "err")
            return back
        hr = ctx.settings.get("hr_unit_name") or "เจ้าหน้าที่การเจ้าหน้าที่ (งานบุคคล)"
        reg, approver = decision.registration, decision.step.approver
        ctx.push(approver, [text(T.TOLD_APPROVER.format(
            hr=hr, staff=reg.staff.name, course=reg.course.title, step=decision.step.step,
            decision=T.APPROVE if decision.approved else T.REJECT,
            reason=T.TOLD_REASON.format(reason=decision.step.reason) if decision.step.reason else ""))])
        from handlers import approvals  # the chat feature: loaded when HR first decides, not with the console

        approvals.announce(ctx, decision)
        approver_name = approver.name
    deliver_now(queued_ids(db))
    flash(T.DECIDED.format(approver=approver_name, decision=T.APPROVE if choice == "approve" else T.REJECT), "ok")
    return back


def _people(db: Any) -> list[Staff]:
    people = db.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.first_name, Staff.last_name))
    return [p for p in people if decides_approvals(session=db, staff=p)]


@bp.get("/stand-ins/new")
@hr_required
def new_stand_in() -> str:
    """The form naming a stand-in for an approver over BE dates."""
    with state().db.transaction() as db:
        return render_template("console/requests/stand_in.html", people=_people(db), form={}, error=None)


@bp.post("/stand-ins")
@hr_required
def create_stand_in() -> Any:
    """Name a stand-in; both people are told in the chat."""
    form = request.form
    today = today_bangkok()
    with state().db.transaction() as db:
        error = None
        try:
            approver_id, stand_in_id = _chosen(db, form)
            start, end = typed_date(form.get("starts_on", ""), today), typed_date(form.get("ends_on", ""), today)
            ctx = chat_context(db)
            row = set_stand_in(session=db, approver_id=approver_id, stand_in_id=stand_in_id, starts_on=start,
                               ends_on=end, reason=form.get("reason", ""), by=current_admin().username,
                               now=ctx.now, today=today, **actor())
        except (ThaiParseError, DelegationError) as problem:
            error = str(problem)
        if error is not None:
            return render_template("console/requests/stand_in.html", people=_people(db), form=form,
                                   error=error), 400
        dates = dict(start=format_date(row.starts_on), end=format_date(row.ends_on))
        ctx.push(row.stand_in, [text(T.TOLD_STAND_IN.format(approver=row.approver.name, **dates),
                                     [message_action(T.WAITING)])])
        ctx.push(row.approver, [text(T.TOLD_DELEGATOR.format(stand_in=row.stand_in.name, **dates))])
    deliver_now(queued_ids(db))
    flash(T.STAND_IN_SET, "ok")
    return redirect(url_for(".index"))


def _chosen(db: Any, form: Any) -> tuple[int, int]:
    """Return the approver and stand-in ids the form names (a list pick, or an employee id typed)."""
    approver = form.get("approver_id", "")
    stand_in = form.get("stand_in_id", "")
    code = form.get("stand_in_employee_id", "").strip()
    if code:
        found = db.scalar(select(Staff.id).where(Staff.employee_id == code, Staff.active.is_(True)))
        if found is None:
            raise DelegationError(T.NO_EMPLOYEE.format(code=code))
        stand_in = str(found)
    if not approver.isdigit() or not stand_in.isdigit():
        raise DelegationError(T.PICK)
    return int(approver), int(stand_in)


@bp.post("/stand-ins/<int:delegation_id>/revoke")
@hr_required
def revoke(delegation_id: int) -> Any:
    """End a stand-in now."""
    with state().db.transaction() as db:
        try:
            revoke_stand_in(session=db, delegation_id=delegation_id, by=current_admin().username,
                            now=chat_context(db).now, **actor())
            flash(T.STAND_IN_REVOKED, "ok")
        except DelegationError as problem:
            flash(str(problem), "err")
    return redirect(url_for(".index"))
