"""Typed postback data: the one module that packs and unpacks what buttons carry.

Data comes back from the phone, so it is compact (LINE allows 300 characters) and signed
with the app's secret: an altered or forged value unpacks to None and changes nothing. The
signature says only that we made the button; handlers still check on every tap that this
user may do this to this record now.
"""
from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from dataclasses import dataclass

MAX_DATA = 300
_SEP = "|"


class Action(enum.StrEnum):
    """Every button action of the bot; values are short because they travel in the data."""

    # help and menus
    HELP = "help"
    MENU = "menu"
    CANCEL_FLOW = "cxf"
    # courses and registration
    COURSES = "crs"  # arg: page number, query after ":"
    REGISTER = "reg"  # id: course
    REGISTER_CONFIRM = "regok"  # id: course
    SKIP_REASON = "skip"  # id: course
    # requests and approvals
    MY_REQUESTS = "mine"
    CANCEL_REQUEST = "cxr"  # id: registration
    CANCEL_REQUEST_CONFIRM = "cxrok"  # id: registration
    APPROVALS = "wait"
    APPROVE = "ok"  # id: registration, arg: step
    REJECT = "no"  # id: registration, arg: step
    REJECT_REASON = "nor"  # id: registration, arg: step:index of a common reason
    # reports
    REPORT = "rpt"  # id: registration (optional)
    REPORT_CONFIRM = "rptok"
    REPORT_EDIT = "rpted"  # arg: step to redo
    REPORT_DONE_IMAGES = "rptimg"
    NOT_ATTENDED = "absent"  # id: registration
    REPORT_ACK = "ack"  # id: report, arg: revision
    REPORT_REVISE = "rev"  # id: report, arg: revision
    HISTORY = "hist"
    # settings
    NOTIFY_OFF = "noff"
    NOTIFY_ON = "non"
    # documents: not a button; signs the address of the executives' chart image (bot/charts.py)
    EXECUTIVE_CHART = "exc"  # id: fiscal year, arg: ISO date the figures are as of


@dataclass(frozen=True)
class Postback:
    """What a button asks for: an action, maybe a record id, maybe an argument.

    A feature may keep its own actions in its own StrEnum (say FeedbackAction.ASK = "fbk") rather
    than add members to Action: such a value unpacks as its plain string, which equals the member,
    so the router finds the handler and the dispatcher refuses two features claiming one value.
    """

    action: Action | str
    id: int | None = None
    arg: str = ""


class PostbackCodec:
    """Pack and unpack signed postback data with the app's secret."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(("postback:" + secret).encode()).digest()

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")

    def pack(self, action: enum.StrEnum, id: int | None = None, arg: str | int = "") -> str:
        """Return the data string for a button."""
        arg = str(arg)
        if _SEP in arg:
            raise ValueError("postback argument must not contain '|'")
        payload = _SEP.join((action.value, "" if id is None else str(id), arg))
        data = f"{payload}{_SEP}{self._sign(payload)}"
        if len(data) > MAX_DATA:
            raise ValueError("postback data longer than LINE allows")
        return data

    def unpack(self, data: str) -> Postback | None:
        """Return the postback, or None if the data is not one we signed."""
        if not data or len(data) > MAX_DATA:
            return None
        payload, _, signature = data.rpartition(_SEP)
        # Bytes, not str: compare_digest refuses non-ASCII text, and forged data may contain any.
        if not payload or not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        parts = payload.split(_SEP)
        if len(parts) != 3:
            return None
        action_value, id_text, arg = parts
        try:
            record_id = int(id_text) if id_text else None
        except ValueError:
            return None
        if not action_value:
            return None
        action: Action | str = Action(action_value) if action_value in Action._value2member_map_ else action_value
        return Postback(action, record_id, arg)
