"""The feature's router and its own button actions, shared by its modules."""
from __future__ import annotations

import enum

from handlers.kit.router import Router

router = Router("attendance")


class AttendanceAction(enum.StrEnum):
    """This feature's buttons (values travel in postback data; the dispatcher refuses clashes)."""

    QUIZ_START = "qzs"  # id: registration, arg: phase
    QUIZ_ANSWER = "qza"  # id: registration, arg: phase:question id:choice
    EVAL_START = "evs"  # id: evaluation response (start or resume)
    EVAL_RATE = "evr"  # id: evaluation response, arg: position:rating
    EVAL_SKIP_COMMENT = "evx"  # id: evaluation response
    CERTIFICATES = "cert"
