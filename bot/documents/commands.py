"""Operator commands for the documents: flask --app bot export-hr-report --fiscal-year 2570 --out FILE.xlsx."""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from bot.documents import exports
from bot.documents.render import Document, to_pdf, to_xlsx
from bot.state import state
from thai.dates import today_bangkok


class T:
    """The commands' one-line answers."""

    SUFFIX = "ไฟล์ต้องลงท้ายด้วย .xlsx หรือ .pdf ค่ะ"
    WRITE = "บันทึกไฟล์ {path} ไม่ได้ค่ะ (ไม่มีโฟลเดอร์นี้ หรือไม่มีสิทธิ์เขียน)"
    DONE = "บันทึก {path} แล้วค่ะ"


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _export(out: str, build: Callable[..., Document], digits: str, **kwargs: object) -> None:
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        _fail(T.SUFFIX)
    try:
        with state().db.transaction() as session:
            doc = build(session=session, thai_digits=digits != "arabic", **kwargs)
            data = to_xlsx(doc) if suffix == ".xlsx" else to_pdf(doc)
    except exports.ExportError as exc:
        _fail(str(exc))
    try:
        path.write_bytes(data)
    except OSError:
        _fail(T.WRITE.format(path=out))
    click.echo(T.DONE.format(path=out))


OUT = click.option("--out", required=True, help="FILE.xlsx or FILE.pdf")
DIGITS = click.option("--digits", type=click.Choice(["thai", "arabic"]), default="thai", show_default=True,
                      help="Thai digits as official documents use, or Arabic")
YEAR = click.option("--fiscal-year", "year", type=int, required=True, help="BE fiscal year, e.g. 2570")


@click.command("export-hr-report")
@YEAR
@OUT
@DIGITS
def export_hr_report(year: int, out: str, digits: str) -> None:
    """The fiscal-year HR report (policy areas, results, budget, status, problems)."""
    _export(out, exports.hr_report_doc, digits, fiscal_year=year, today=today_bangkok())


@click.command("export-hr-plan")
@YEAR
@OUT
@DIGITS
def export_hr_plan(year: int, out: str, digits: str) -> None:
    """The year's HR plan (policy area, activity, budget, quarters)."""
    _export(out, exports.hr_plan_doc, digits, fiscal_year=year)


@click.command("export-plan-amendments")
@YEAR
@OUT
@DIGITS
def export_plan_amendments(year: int, out: str, digits: str) -> None:
    """The year's plan amendments: old and new details, reason, date (seed 003's layout)."""
    _export(out, exports.amendments_doc, digits, fiscal_year=year)


@click.command("export-training-record")
@click.option("--employee-id", required=True)
@OUT
@DIGITS
def export_training_record(employee_id: str, out: str, digits: str) -> None:
    """A person's training record (courses, organisers, BE dates, hours, certificates)."""
    _export(out, exports.training_record_doc, digits, employee_id=employee_id, today=today_bangkok())


@click.command("export-participants")
@click.option("--course", "code", required=True, help="course code")
@OUT
@DIGITS
def export_participants(code: str, out: str, digits: str) -> None:
    """A course's participant list."""
    _export(out, exports.participants_doc, digits, course_code=code, today=today_bangkok())


@click.command("export-followup")
@OUT
@DIGITS
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="as of (default today)")
def export_followup(out: str, digits: str, on: object) -> None:
    """The monthly follow-up list of reports still owed."""
    today = on.date() if on is not None else today_bangkok()  # type: ignore[attr-defined]
    _export(out, exports.followup_doc, digits, today=today)


@click.command("export-quarterly")
@YEAR
@click.option("--quarter", type=int, required=True, help="1-4 (Q1 = Oct-Dec)")
@OUT
@DIGITS
def export_quarterly(year: int, quarter: int, out: str, digits: str) -> None:
    """The quarterly progress report."""
    _export(out, exports.quarterly_doc, digits, fiscal_year=year, quarter=quarter, today=today_bangkok())


COMMANDS = (export_hr_report, export_hr_plan, export_plan_amendments, export_training_record, export_participants, export_followup,
            export_quarterly)
