"""The report feature's cards: ส่งรายงาน / ไม่ได้เข้าร่วม buttons, owed reports, the reviewer's card."""
from __future__ import annotations

from typing import Any

from handlers.kit.messages import (
    ACCENT,
    RED,
    Message,
    bubble,
    button,
    carousel,
    flex,
    message_action,
    postback_action,
    row,
    uri_action,
    separator,
    text,
)
from handlers.kit.postback import Action, PostbackCodec
from handlers.reports.common import (
    cut,
)
from handlers.reports.text import T
from models.registration import Registration
from models.report import Report
from models.reports import (
    due_date,
)
from thai.dates import format_date, format_date_range, format_datetime
from thai.numbers import format_baht


def report_button(codec: PostbackCodec, registration_id: int | None, label_text: str = T.BTN_SEND) -> dict[str, Any]:
    """Return a ส่งรายงาน postback action: the wizard for one registration (None: choose from the owed ones)."""
    return postback_action(label_text, codec.pack(Action.REPORT, registration_id), display_text=label_text)


def not_attended_button(codec: PostbackCodec, registration_id: int) -> dict[str, Any]:
    """Return a ไม่ได้เข้าร่วม postback action for one registration."""
    return postback_action(T.BTN_ABSENT, codec.pack(Action.NOT_ATTENDED, registration_id), display_text=T.BTN_ABSENT)


def owed_report_bubble(codec: PostbackCodec, reg: Registration, *, today: Any, settings: dict[str, Any],
                       number: int | None = None) -> dict[str, Any]:
    """Return a bubble for one owed report with ส่งรายงาน and ไม่ได้เข้าร่วม buttons."""
    due = due_date(reg, settings)
    title = reg.course.title if number is None else f"{number}. {reg.course.title}"
    rows = [row(T.L_DATES, format_date_range(reg.course.start_date, reg.course.end_date)),
            row(T.L_DUE, format_date(due) + (f" ({T.OVERDUE_TAG})" if today > due else ""))]
    buttons = [button(report_button(codec, reg.id))]
    if reg.attendance != "attended":
        buttons.append(button(not_attended_button(codec, reg.id), style="secondary"))
    return bubble(title, rows, buttons, header_color=RED if today > due else ACCENT)


def owed_reports_message(codec: PostbackCodec, regs: list[Registration], *, today: Any, settings: dict[str, Any],
                         intro: str | None = None) -> list[Message]:
    """Return the owed reports as a text (with one quick reply per course) and a carousel of cards."""
    numbered = len(regs) > 1
    bubbles = [owed_report_bubble(codec, reg, today=today, settings=settings, number=i + 1 if numbered else None)
               for i, reg in enumerate(regs)]
    quick = [report_button(codec, reg.id, f"{i + 1}. {reg.course.title}") for i, reg in enumerate(regs[:12])]
    quick.append(message_action(T.BTN_CANCEL))
    intro = intro or T.CHOOSE.format(n=len(regs))
    # Quick replies show only under the last message, so the cards come last.
    return [text(intro), flex(intro, carousel(bubbles), quick)]


def review_card(codec: PostbackCodec, report: Report, *, buttons: bool, photos_url: str | None = None) -> Message:
    """Return the summary card a supervisor (with buttons) or HR (without) receives.

    photos_url, a signed link to the report's photo (or a page of them), adds a ดูรูปภาพ button.
    """
    reg = report.registration
    title = T.REVIEW_TITLE if report.revision <= 1 else T.REVIEW_TITLE_AGAIN.format(n=report.revision - 1)
    rows = [
        row(T.L_STAFF, reg.staff.name),
        row(T.L_COURSE, reg.course.title),
        row(T.L_DATES, format_date_range(reg.course.start_date, reg.course.end_date)),
        separator(),
        row(T.L_LEARNED, cut(report.learned)),
        row(T.L_APPLICATION, cut(report.application)),
        row(T.L_EXPENSE, format_baht(report.expense_total)),
        row(T.L_IMAGES, T.IMAGES_N.format(n=len(report.attachments))),
        row(T.L_SUBMITTED, format_datetime(report.submitted_at)),
    ]
    actions: list[dict[str, Any]] | None = None
    if buttons:
        actions = [
            button(postback_action(T.BTN_ACK, codec.pack(Action.REPORT_ACK, report.id, report.revision),
                                   display_text=T.BTN_ACK)),
            button(postback_action(T.BTN_REVISE, codec.pack(Action.REPORT_REVISE, report.id, report.revision),
                                   display_text=T.BTN_REVISE), style="secondary"),
        ]
    if photos_url and report.attachments:
        actions = (actions or []) + [button(uri_action(T.BTN_PHOTOS, photos_url), style="link")]
    alt = T.REVIEW_ALT.format(name=reg.staff.name, course=reg.course.title)
    return flex(alt, bubble(title, rows, actions, subtitle=reg.staff.position or None))

