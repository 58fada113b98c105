"""The simulator's page and the small JSON API the page drives.

Nothing here handles a chat event itself: every event is built and signed here, then the page
posts it to /callback, the same door LINE uses. What the bot answers arrives at the stand-in
(through line-bot-sdk) and the page reads it from /simulator/api/inbox.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, abort, current_app, jsonify, render_template, request, send_from_directory, url_for
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from bot import richmenu
from bot.sender import deliver
from bot.simulator import bp
from bot.simulator.transcript import (
    Transcript,
    follow_event,
    image_event,
    new_message_id,
    postback_event,
    signed,
    simulated_user_id,
    text_event,
)
from bot.standin import StandIn
from bot.state import BotState, state
from handlers import clock_jobs
from models.linking import create_link_code
from models.org import ROLE_APPROVER, ROLE_HR, Staff, decides_approvals, get_settings
from scheduler.triggers import MonthlyTrigger, WorkingDayTrigger
from thai.dates import BANGKOK, format_datetime

log = logging.getLogger(__name__)

GUEST = re.compile(r"^guest-[0-9a-f]{6,16}$")
MAX_IMAGE_BYTES = 10 * 1024 * 1024  # LINE's own limit for an image a user sends
MAX_TEXT = 5000
FONT_FILES = {"regular": "Sarabun-Regular.ttf", "bold": "Sarabun-Bold.ttf"}
BOT_NAME = "ผู้ช่วยงานพัฒนาบุคลากร"

# The clock's jobs by their kind of trigger, as the เลื่อนเวลา shortcuts say them (the working-day
# jobs of every feature fire together, so they share one shortcut).
TRIGGER_NAMES = {MonthlyTrigger: "ติดตามรายงานประจำเดือน", WorkingDayTrigger: "แจ้งเตือนประจำวัน"}

# The plain menu shown until the bot gives this person a rich menu: (label, text it sends).
FALLBACK_MENU = (
    ("หลักสูตร", "อบรม"),
    ("คำขอของฉัน", "คำขอของฉัน"),
    ("ส่งรายงาน", "ส่งรายงาน"),
    ("ประวัติการอบรม", "ประวัติการอบรม"),
    ("ช่วยเหลือ", "ช่วยเหลือ"),
)
APPROVER_ITEM = ("รออนุมัติ", "รออนุมัติ")


class T:
    """What the simulator says (to developers and newcomers trying the product)."""

    UNKNOWN_PERSON = "ไม่พบบุคลากรรหัสนี้ในระบบค่ะ กรุณาเลือกใหม่"
    EMPTY_TEXT = "กรุณาพิมพ์ข้อความก่อนส่งค่ะ"
    BAD_REQUEST = "คำขอไม่ถูกต้องค่ะ"
    NOT_IMAGE = "กรุณาเลือกไฟล์รูปภาพ (JPG หรือ PNG) ค่ะ"
    IMAGE_TOO_LARGE = "รูปภาพใหญ่เกิน 10 MB ค่ะ"
    BAD_TIME = "กรุณาเลือกวันและเวลาให้ครบค่ะ"
    CLOCK_MISSING = "ระบบนาฬิกาสำหรับงานตามกำหนดเวลายังไม่พร้อมใช้งานค่ะ จึงยังเลื่อนเวลาไม่ได้"
    CLOCK_FAILED = "เลื่อนเวลาไม่สำเร็จค่ะ ระบบขัดข้อง ดูรายละเอียดในบันทึกของเซิร์ฟเวอร์"
    CLOCK_DONE = "เลื่อนเวลาไปที่ {at} แล้วค่ะ ทำงานที่ถึงกำหนดครบแล้ว มีข้อความส่งออก {sent} ข้อความ"
    CLOCK_NOTHING = "เลื่อนเวลาไปที่ {at} แล้วค่ะ ไม่มีงานที่ถึงกำหนด ณ เวลานั้น (ดูวันเวลาที่ระบบทำงานได้จากปุ่มด้านบน)"
    ROLE_APPROVER = "ผู้อนุมัติ"
    ROLE_HR = "งานบุคคล"
    GUEST_NAME = "ผู้ใช้ใหม่ (ยังไม่ผูกบัญชี)"


@dataclass(frozen=True)
class Person:
    """Who a tab plays: a demo staff member or a new unlinked LINE user."""

    who: str
    user_id: str
    staff_id: int | None
    name: str
    detail: str

    def as_json(self) -> dict[str, Any]:
        """Return what the page needs to know about this person."""
        return {"as": self.who, "userId": self.user_id, "name": self.name, "detail": self.detail,
                "staff": self.staff_id is not None}


# --- plumbing --------------------------------------------------------------------------------

def _standin(s: BotState) -> StandIn:
    # The blueprint is registered only when the stand-in exists; this narrows the type.
    if s.standin is None:
        abort(404)
    return s.standin


def _transcript() -> Transcript:
    return current_app.extensions["simulator_transcript"]  # type: ignore[no-any-return]


@bp.record_once
def _setup(setup_state: Any) -> None:
    setup_state.app.extensions["simulator_transcript"] = Transcript()


def _fail(message: str, status: int = 400) -> Response:
    response = jsonify({"ok": False, "error": message})
    response.status_code = status
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response | HTTPException:
    # The page shows `error` to the person; never Werkzeug's English HTML.
    if request.path.startswith(url_for("simulator.page") + "/api/"):
        message = {404: T.UNKNOWN_PERSON, 413: T.IMAGE_TOO_LARGE}.get(exc.code or 400, T.BAD_REQUEST)
        return _fail(message, exc.code or 400)
    return exc


def _roles_text(staff: Staff) -> str:
    roles = [label for role, label in ((ROLE_APPROVER, T.ROLE_APPROVER), (ROLE_HR, T.ROLE_HR)) if staff.has_role(role)]
    return f" · {', '.join(roles)}" if roles else ""


def _person(s: BotState, who: str | None) -> Person | None:
    """Resolve the `as` of a request to a person, or None if it names nobody."""
    who = (who or "").strip()
    if GUEST.match(who):
        return Person(who, simulated_user_id(who), None, T.GUEST_NAME, "")
    if not who or len(who) > 40:
        return None
    with s.db.transaction() as session:
        staff = session.scalar(select(Staff).where(Staff.employee_id == who, Staff.active.is_(True)))
        if staff is None:
            return None
        return Person(who, simulated_user_id(who), staff.id, staff.name,
                      f"{staff.position or '-'}{_roles_text(staff)}")


def _person_or_fail(s: BotState, who: str | None) -> Person:
    person = _person(s, who)
    if person is None:
        abort(404)
    return person


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


# --- the page ---------------------------------------------------------------------------------

@bp.get("")
def page() -> str:
    """Serve the chat page; ?as=<employee id or guest-…> says who this tab is."""
    s = state()
    _standin(s)
    person = _person(s, request.args.get("as"))
    with s.db.transaction() as session:
        people = [
            {"as": p.employee_id, "name": p.name, "detail": f"{p.position or '-'}{_roles_text(p)}",
             "linked": p.line_user_id == simulated_user_id(p.employee_id)}
            for p in session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.employee_id))
        ]
        org_name = str(get_settings(session=session).get("org_name") or "")
    config = {
        "person": person.as_json() if person else None,
        "botName": BOT_NAME,
        "orgName": org_name,
        "callback": url_for("webhook.callback"),
        "api": url_for("simulator.page") + "/api",
        "page": url_for("simulator.page"),
    }
    unknown = request.args.get("as") if request.args.get("as") and person is None else None
    return render_template("simulator/page.html", config=config, people=people, person=person,
                           unknown=unknown, bot_name=BOT_NAME, org_name=org_name, t=T,
                           shortcuts=_clock_shortcuts(s))


def _clock_shortcuts(s: BotState) -> list[dict[str, str]]:
    """Return the next run of each clock job (label, date, time in Bangkok), to fill เลื่อนเวลา in one tap."""
    try:
        with s.db.transaction() as session:
            settings = get_settings(session=session)
        now = datetime.now(BANGKOK)
        shortcuts, seen = [], set()
        for job in clock_jobs():
            trigger = job.trigger(settings)
            label = TRIGGER_NAMES.get(type(trigger))
            when = trigger.get_next_fire_time(None, now) if label and label not in seen else None
            if label and when is not None:
                seen.add(label)
                local = when.astimezone(BANGKOK)
                shortcuts.append({"label": f"{label}: {format_datetime(local)}",
                                  "date": local.strftime("%Y-%m-%d"), "time": local.strftime("%H:%M")})
        return shortcuts
    except Exception:  # noqa: BLE001 - a convenience only: the control works without it
        log.info("no เลื่อนเวลา shortcuts: the clock's jobs could not be read", exc_info=True)
        return []


@bp.get("/font/<weight>.ttf")
def font(weight: str) -> Response:
    """Serve Sarabun (a Thai font), so Thai reads well on machines without one."""
    import fontpkg_sarabun

    filename = FONT_FILES.get(weight)
    if filename is None:
        abort(404)
    response = send_from_directory(fontpkg_sarabun.ROOT / "files", filename, mimetype="font/ttf", max_age=86400)
    return response


# --- the API the page drives -------------------------------------------------------------------

@bp.post("/api/open")
def open_chat() -> Response:
    """Start a tab's chat: the steps that make this person a friend and, for staff, link them.

    Linking goes through the product's own path: a one-time code from create_link_code, typed
    into the chat as a text event, so the person sees the same reply as on LINE. The page sends
    each step through /api/event in turn, so each is signed (and shown) after the one before it
    was answered.
    """
    s = state()
    standin = _standin(s)
    person = _person_or_fail(s, _payload().get("as"))
    _ensure_rich_menus(s)
    steps: list[dict[str, str]] = []
    if _transcript().first_follow(person.user_id) and not standin.inbox(person.user_id):
        steps.append({"type": "follow"})
    if person.staff_id is not None:
        with s.db.transaction() as session:
            staff = session.get(Staff, person.staff_id)
            if staff is not None and staff.line_user_id != person.user_id:
                code, _ = create_link_code(session=session, staff=staff)
                steps.append({"type": "text", "text": code})
    return jsonify({"ok": True, "person": person.as_json(), "steps": steps})


_menus_lock = threading.Lock()


def _ensure_rich_menus(s: BotState) -> None:
    # On LINE an operator runs `richmenu-sync` once; the stand-in starts empty on every
    # `make run`, so the first chat opened creates the menus the real way (drawn, uploaded
    # through line-bot-sdk). The lock keeps two tabs opening at once from making two sets.
    assert s.gateway is not None
    with _menus_lock:
        if not richmenu.our_menus(s.gateway):
            richmenu.sync(s.db, s.gateway)


@bp.post("/api/event")
def event() -> Response:
    """Build and sign a follow, text or postback event from this person, for the page to post to /callback."""
    s = state()
    standin = _standin(s)
    data = _payload()
    person = _person_or_fail(s, data.get("as"))
    kind = data.get("type")
    token = standin.issue_reply_token(person.user_id)
    if kind == "follow":
        built = follow_event(person.user_id, token)
    elif kind == "text":
        body = str(data.get("text") or "").strip()
        if not body:
            return _fail(T.EMPTY_TEXT)
        body = body[:MAX_TEXT]
        _transcript().record(standin, person.user_id, {"type": "text", "text": body})
        built = text_event(person.user_id, body, token)
    elif kind == "postback":
        postback_data = data.get("data")
        params = data.get("params")
        if not isinstance(postback_data, str) or not postback_data or len(postback_data) > 300:
            return _fail(T.BAD_REQUEST)
        if params is not None and not (isinstance(params, dict)
                                       and all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())):
            return _fail(T.BAD_REQUEST)
        display = data.get("displayText")
        if isinstance(display, str) and display.strip():
            # As on LINE: a postback shows in the chat only through its displayText.
            _transcript().record(standin, person.user_id, {"type": "text", "text": display.strip()[:300]})
        built = postback_event(person.user_id, postback_data, token, params)
    else:
        return _fail(T.BAD_REQUEST)
    return jsonify({"ok": True, **signed(built, s.channel_secret)})


@bp.post("/api/image")
def image() -> Response:
    """Hold an uploaded image in the stand-in's content API and sign an image event for it."""
    s = state()
    standin = _standin(s)
    person = _person_or_fail(s, request.form.get("as"))
    upload = request.files.get("file")
    if upload is None:
        return _fail(T.NOT_IMAGE)
    data = upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        return _fail(T.IMAGE_TOO_LARGE)
    content_type = _image_type(data)
    if content_type is None:
        return _fail(T.NOT_IMAGE)
    message_id = new_message_id()
    standin.add_content(message_id, data, content_type)
    _transcript().keep_image(message_id, data, content_type)
    url = url_for("simulator.sent_image", message_id=message_id)
    _transcript().record(standin, person.user_id, {"type": "image", "originalContentUrl": url, "previewImageUrl": url})
    built = image_event(person.user_id, message_id, standin.issue_reply_token(person.user_id))
    return jsonify({"ok": True, **signed(built, s.channel_secret)})


def _image_type(data: bytes) -> str | None:
    # Judge by the bytes, not the browser's claim: the bot will open this file.
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@bp.get("/api/sent/<message_id>")
def sent_image(message_id: str) -> Response:
    """Serve an image a simulated user sent (for their own bubble)."""
    kept = _transcript().image(message_id)
    if kept is None:
        abort(404)
    return Response(kept[0], mimetype=kept[1])


@bp.get("/api/inbox")
def inbox() -> Response:
    """Return what this person's chat gained after the given cursors, oldest first, and their menu."""
    s = state()
    standin = _standin(s)
    person = _person_or_fail(s, request.args.get("as"))
    after = request.args.get("after", 0, type=int)
    echo_after = request.args.get("echo", 0, type=int)
    items: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
    for d in standin.inbox(person.user_id, after=after):
        items.append(((d.seq, 0, 0), {"from": "bot", "seq": d.seq, "via": d.via, "at": d.at, "message": d.message}))
        after = max(after, d.seq)
    for e in _transcript().after(person.user_id, echo_after):
        # A user's message sits after every delivery that existed when it was sent.
        items.append(((e.mark, 1, e.id), {"from": "user", "echo": e.id, "at": e.at, "message": e.message}))
        echo_after = max(echo_after, e.id)
    items.sort(key=lambda pair: pair[0])
    linked, approver = _linked(s, person)
    return jsonify({
        "ok": True, "items": [item for _, item in items], "after": after, "echo": echo_after,
        "linked": linked, "menu": _menu(standin, person.user_id, approver),
    })


def _linked(s: BotState, person: Person) -> tuple[str | None, bool]:
    """Return the name of the staff member this LINE user is linked to (if any) and whether they approve."""
    with s.db.transaction() as session:
        staff = session.scalar(select(Staff).where(Staff.line_user_id == person.user_id, Staff.active.is_(True)))
        if staff is None:
            return None, False
        return staff.name, decides_approvals(session=session, staff=staff)


def _menu(standin: StandIn, user_id: str, approver: bool) -> dict[str, Any]:
    """Return the rich menu this user sees, or the simulator's plain menu when the bot gave none."""
    menu_id = standin.user_menus.get(user_id) or standin.default_menu
    menu = standin.rich_menus.get(menu_id) if menu_id else None
    if menu is not None and menu_id is not None:
        has_image = menu_id in standin.rich_menu_images
        return {
            "id": menu_id,
            "size": menu.get("size"),
            "areas": menu.get("areas") or [],
            "chatBarText": menu.get("chatBarText") or "เมนู",
            "selected": bool(menu.get("selected")),
            "image": url_for("simulator.rich_menu_image", menu_id=menu_id) if has_image else None,
        }
    items = list(FALLBACK_MENU)
    if approver:
        items.insert(4, APPROVER_ITEM)
    return {
        "id": None, "chatBarText": "เมนู", "selected": True,
        "fallback": [{"type": "message", "label": label, "text": sent} for label, sent in items],
    }


@bp.get("/api/richmenu/<menu_id>/image")
def rich_menu_image(menu_id: str) -> Response:
    """Serve a rich menu's image as the bot uploaded it."""
    data = _standin(state()).rich_menu_images.get(menu_id)
    if data is None:
        abort(404)
    mimetype = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, mimetype=mimetype, headers={"Cache-Control": "max-age=3600"})


@bp.post("/api/clock")
def clock() -> Response:
    """Run the jobs due at a chosen Bangkok date and time (the เลื่อนเวลา control)."""
    s = state()
    raw = str(_payload().get("at") or "").strip()
    try:
        at = datetime.strptime(raw, "%Y-%m-%dT%H:%M").replace(tzinfo=BANGKOK)
    except ValueError:
        return _fail(T.BAD_TIME)
    try:
        from bot.clock import run_due_jobs  # imported here, so a broken clock leaves the chat page working
    except ImportError as exc:
        # Only "the clock is not there" is expected; a broken clock module is a bug to log.
        if exc.name != "bot.clock":
            log.exception("the scheduler's clock failed to import")
            return _fail(T.CLOCK_FAILED, 500)
        return _fail(T.CLOCK_MISSING, 503)
    standin = _standin(s)
    before = len(standin.deliveries)
    try:
        result = run_due_jobs(s, at)
    except Exception:
        log.exception("run_due_jobs failed for the simulator")
        return _fail(T.CLOCK_FAILED, 500)
    # Whatever the jobs queued goes out now, as the clock's sender would send it.
    deliver(s.db, s.gateway)
    sent = len(standin.deliveries) - before
    jobs = result.get("jobs") if isinstance(result, dict) else None
    template = T.CLOCK_NOTHING if isinstance(jobs, dict) and not jobs and not sent else T.CLOCK_DONE
    return jsonify({
        "ok": True, "at": at.isoformat(),
        "message": template.format(at=format_datetime(at), sent=sent),
        "result": _jsonable(result),
    })


def _jsonable(value: Any) -> Any:
    # The clock's result is for showing; anything JSON cannot hold is shown as text.
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
