"""The wizard's steps: what each asks, the summary card, and which step follows which."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from handlers.kit.context import Ctx
from handlers.kit.messages import (
    GREY,
    Message,
    bubble,
    button,
    flex,
    message_action,
    postback_action,
    row,
    separator,
    text,
)
from handlers.kit.postback import Action
from handlers.reports.cards import (
    not_attended_button,
)
from handlers.reports.common import (
    BACK,
    cancel_action,
    cut,
)
from handlers.reports.text import T
from models.conversation import Conversation, advance
from models.registration import Registration
from models.report import EXPENSE_FIELDS, ReportDraft
from models.reports import MAX_ATTACHMENTS, attachment_count
from thai.dates import format_date_range
from thai.numbers import format_baht, format_number

# Wizard steps (stored in Conversation.step).
LEARNED = "learned"
APPLICATION = "application"
EXP_TOTAL = "exp_total"
IMAGES = "images"
CONFIRM = "confirm"
EXPENSE_STEPS = tuple(f"exp_{name}" for name in EXPENSE_FIELDS)
TEXT_STEPS = (LEARNED, APPLICATION, *EXPENSE_STEPS, EXP_TOTAL)
# REPORT_EDIT arguments: the part to redo, "" for the menu, "summary" to go back.
EDIT_TARGETS = {"learned": LEARNED, "application": APPLICATION, "expenses": EXPENSE_STEPS[0], "images": IMAGES}
MIN_LEARNED = 20
MIN_APPLICATION = 10
MAX_TEXT = 2000


# --- asking -----------------------------------------------------------------------------------


def draft_of(conv: Conversation) -> ReportDraft:
    return ReportDraft.from_data((conv.data or {}).get("draft") or {})


def back_action(ctx: Ctx, reg: Registration) -> dict[str, Any]:
    return postback_action(T.BTN_BACK, ctx.pack(Action.REPORT_EDIT, reg.id, BACK), display_text=T.BTN_BACK)


def ask(ctx: Ctx, conv: Conversation, reg: Registration) -> list[Message]:
    """Return the question (or summary) of the step the wizard is at."""
    step = conv.step
    editing = bool((conv.data or {}).get("editing"))
    quick: list[dict[str, Any]] = []
    if step == LEARNED:
        body = T.Q_LEARNED.format(n=MIN_LEARNED)
        if not editing and not (conv.data or {}).get("resubmit"):
            quick.append(not_attended_button(ctx.services.codec, reg.id))
    elif step == APPLICATION:
        body = T.Q_APPLICATION
    elif step in EXPENSE_STEPS:
        index = EXPENSE_STEPS.index(step)
        name = EXPENSE_FIELDS[index]
        body = T.Q_EXPENSE.format(i=index + 1, item=T.EXPENSE_NAMES[name])
        if name == "registration" and reg.course.fee:
            quick.append(message_action(_plain_amount(reg.course.fee)))
        quick.append(message_action(T.BTN_NONE))
        if index == 0:
            body += T.Q_EXPENSE_FIRST_HINT
            quick.append(message_action(T.BTN_TOTAL))
    elif step == EXP_TOTAL:
        body = T.Q_TOTAL
        quick += [message_action(T.BTN_NONE), message_action(T.BTN_ITEMS)]
    elif step == IMAGES:
        have = attachment_count(session=ctx.session, registration_id=reg.id)
        body = T.Q_IMAGES.format(max=MAX_ATTACHMENTS) + (T.Q_IMAGES_HAVE.format(n=have) if have else "")
        quick += image_quick(ctx, reg, have)
        if editing:
            quick.append(back_action(ctx, reg))
        quick.append(cancel_action(ctx))
        return [text(body, quick)]
    else:
        return [text(T.SUMMARY_INTRO), summary_card(ctx, reg, draft_of(conv))]
    if editing:
        quick.append(back_action(ctx, reg))
    quick.append(cancel_action(ctx))
    return [text(body, quick)]


def _plain_amount(value: Decimal) -> str:
    return format_number(value, decimals=0 if value == value.to_integral_value() else 2)


def image_quick(ctx: Ctx, reg: Registration, have: int) -> list[dict[str, Any]]:
    done = T.BTN_DONE if have else T.BTN_SKIP
    return [
        {"type": "cameraRoll", "label": T.BTN_CAMERA_ROLL},
        {"type": "camera", "label": T.BTN_CAMERA},
        postback_action(done, ctx.pack(Action.REPORT_DONE_IMAGES, reg.id), display_text=done),
    ]


def summary_card(ctx: Ctx, reg: Registration, draft: ReportDraft) -> Message:
    """Return the wizard's summary card with ยืนยัน / แก้ไข / ยกเลิก."""
    rows = [
        row(T.L_COURSE, reg.course.title),
        row(T.L_DATES, format_date_range(reg.course.start_date, reg.course.end_date)),
        separator(),
        row(T.L_LEARNED, cut(draft.learned)),
        row(T.L_APPLICATION, cut(draft.application)),
        separator(),
    ]
    if draft.total_only:
        rows.append(row(T.L_TOTAL_ONLY, format_baht(draft.total)))
    else:
        rows += [row(T.EXPENSE_NAMES[k], format_baht(draft.expenses[k])) for k in EXPENSE_FIELDS]
        rows.append(row(T.L_TOTAL, format_baht(draft.expense_total)))
    count = attachment_count(session=ctx.session, registration_id=reg.id)
    rows.append(row(T.L_IMAGES, T.IMAGES_N.format(n=count)))
    buttons = [
        button(postback_action(T.BTN_CONFIRM, ctx.pack(Action.REPORT_CONFIRM, reg.id), display_text=T.BTN_CONFIRM)),
        button(postback_action(T.BTN_EDIT, ctx.pack(Action.REPORT_EDIT, reg.id), display_text=T.BTN_EDIT),
               style="secondary"),
        button(cancel_action(ctx), style="link", color=GREY),
    ]
    return flex(T.SUMMARY_ALT.format(course=reg.course.title), bubble(T.SUMMARY_TITLE, rows, buttons))


def edit_menu(ctx: Ctx, reg: Registration) -> Message:
    quick = [postback_action(name, ctx.pack(Action.REPORT_EDIT, reg.id, key), display_text=T.EDIT_DISPLAY.format(part=name))
             for key, name in T.EDIT_NAMES.items()]
    quick += [back_action(ctx, reg), cancel_action(ctx)]
    return text(T.EDIT_WHICH, quick)


# --- moving through the steps -----------------------------------------------------------------


def next_step(step: str, editing: bool) -> str:
    if step == LEARNED:
        return CONFIRM if editing else APPLICATION
    if step == APPLICATION:
        return CONFIRM if editing else EXPENSE_STEPS[0]
    if step in EXPENSE_STEPS[:-1]:
        return EXPENSE_STEPS[EXPENSE_STEPS.index(step) + 1]
    if step in (EXPENSE_STEPS[-1], EXP_TOTAL):
        return CONFIRM if editing else IMAGES
    return CONFIRM


def go(ctx: Ctx, conv: Conversation, reg: Registration, step: str, draft: ReportDraft | None = None,
        **changes: Any) -> list[Message]:
    if draft is not None:
        changes["draft"] = draft.to_data()
    if step == CONFIRM:
        changes["editing"] = False
    advance(conv, step=step, **changes)
    return ask(ctx, conv, reg)


def repeat(ctx: Ctx, conv: Conversation, reg: Registration, note: str) -> list[Message]:
    """Say what was wrong and ask the same question again (the state does not move)."""
    return [text(note)] + ask(ctx, conv, reg)
