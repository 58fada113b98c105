"""The fiscal-year dashboard (viewers see it too) and the documents' download buttons."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from bot.console.auth import login_required
from bot.console.charts import bars
from bot.console.shown import requested_fiscal_year
from bot.documents import exports
from bot.documents.render import Document, to_pdf, to_xlsx
from bot.state import state
from models.figures import share, year_figures
from models.plan import plan_years
from thai.dates import fiscal_year, today_bangkok

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
NAV = ("console.dashboard.index", "ภาพรวมปีงบประมาณ")
MIMES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


class T:
    """The dashboard's Thai words."""

    ALLOCATED, APPROVED, SPENT = "งบที่ได้รับจัดสรร", "ค่าใช้จ่ายที่อนุมัติ", "เบิกจ่ายจริง"
    BY_AREA = "งบประมาณตามนโยบายด้าน"
    BY_UNIT = "งบประมาณตามหน่วยงาน"
    BY_QUARTER = "งบประมาณตามไตรมาส"
    COVERAGE = "สัดส่วนบุคลากรแต่ละประเภทที่เข้ารับการอบรมอย่างน้อย ๑ หลักสูตร"
    SHARE = "ร้อยละที่เข้ารับการอบรม"


@bp.get("/")
@login_required
def index() -> str:
    """One fiscal year's figures: tiles, charts with their tables, the lists, the downloads."""
    year = requested_fiscal_year()
    with state().db.transaction() as db:
        fig = year_figures(session=db, fiscal_year=year, today=today_bangkok())
        years = sorted(set(plan_years(session=db)) | {year, fiscal_year(today_bangkok())}, reverse=True)
        charts = {
            "area": bars([(r.label, (r.allocated, r.approved, r.spent)) for r in fig.by_area],
                         (T.ALLOCATED, T.APPROVED, T.SPENT), title=T.BY_AREA),
            "unit": bars([(r.label, (r.allocated, r.approved, r.spent)) for r in fig.by_unit],
                         (T.ALLOCATED, T.APPROVED, T.SPENT), title=T.BY_UNIT),
            "quarter": bars([(r.label, (r.allocated, r.approved, r.spent)) for r in fig.by_quarter],
                            (T.ALLOCATED, T.APPROVED, T.SPENT), title=T.BY_QUARTER),
            "coverage": bars([(c.name, (c.share,)) for c in fig.coverage], (T.SHARE,), title=T.COVERAGE,
                             percent=True),
        }
        return render_template("console/dashboard.html", fig=fig, year=year, years=years, charts=charts,
                               totals=fig.totals(), share=share, T=T)


def _send(doc: Document, ext: str, name: str) -> Response:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)  # the header stays ASCII whatever a code holds
    data = to_xlsx(doc) if ext == "xlsx" else to_pdf(doc)
    return Response(data, mimetype=MIMES[ext],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'})


def _download(ext: str, name: str, build: Callable[..., Document], **kwargs: Any) -> Response:
    if ext not in MIMES:
        abort(404)
    digits = request.args.get("digits") != "arabic"
    try:
        with state().db.transaction() as db:
            return _send(build(session=db, thai_digits=digits, **kwargs), ext, name)
    except exports.ExportError as exc:
        return Response(render_template("console/error.html", title="ไม่มีข้อมูล", message=str(exc)), status=404)


@bp.get("/export/hr-report.<ext>")
@login_required
def hr_report(ext: str) -> Response:
    """The fiscal-year HR report (seed 002's layout)."""
    year = requested_fiscal_year()
    return _download(ext, f"hr-report-{year}", exports.hr_report_doc, fiscal_year=year, today=today_bangkok())


@bp.get("/export/hr-plan.<ext>")
@login_required
def hr_plan(ext: str) -> Response:
    """The HR plan (seed 001's layout)."""
    year = requested_fiscal_year()
    return _download(ext, f"hr-plan-{year}", exports.hr_plan_doc, fiscal_year=year)


@bp.get("/export/plan-amendments.<ext>")
@login_required
def amendments(ext: str) -> Response:
    """The year's plan amendments (seed 003's layout)."""
    year = requested_fiscal_year()
    return _download(ext, f"plan-amendments-{year}", exports.amendments_doc, fiscal_year=year)


@bp.get("/export/quarter-<int:quarter>.<ext>")
@login_required
def quarterly(quarter: int, ext: str) -> Response:
    """The quarterly progress report."""
    year = requested_fiscal_year()
    return _download(ext, f"quarter-{quarter}-{year}", exports.quarterly_doc, fiscal_year=year, quarter=quarter,
                     today=today_bangkok())


@bp.get("/export/followup.<ext>")
@login_required
def followup(ext: str) -> Response:
    """The monthly follow-up list of owed reports."""
    return _download(ext, f"followup-{today_bangkok():%Y-%m-%d}", exports.followup_doc, today=today_bangkok())


@bp.get("/export/record/<employee_id>.<ext>")
@login_required
def record(employee_id: str, ext: str) -> Response:
    """A person's training record."""
    return _download(ext, f"training-record-{employee_id}", exports.training_record_doc, employee_id=employee_id,
                     today=today_bangkok())


@bp.get("/export/participants/<code>.<ext>")
@login_required
def participants(code: str, ext: str) -> Response:
    """A course's participant list."""
    return _download(ext, f"participants-{code}", exports.participants_doc, course_code=code, today=today_bangkok())
