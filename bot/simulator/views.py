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
from typing import Any

from flask import Response, abort, current_app, jsonify, render_template, request, send_from_directory, url_for
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from bot import richmenu
from bot.simulator import bp
from bot.simulator.clock import clock_shortcuts, simulated_now
from bot.simulator.plumbing import T, fail, request_payload, stand_in_of
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
from models.linking import create_link_code, normalise_code, redeem_code
from models.org import ROLE_APPROVER, ROLE_HR, Staff, decides_approvals, get_settings
from thai.dates import THAI_MONTHS_SHORT, format_datetime

log = logging.getLogger(__name__)

GUEST = re.compile(r"^guest-[0-9a-f]{6,16}$")
MAX_IMAGE_BYTES = 10 * 1024 * 1024  # LINE's own limit for an image a user sends
MAX_TEXT = 5000
FONT_FILES = {"regular": "Sarabun-Regular.ttf", "bold": "Sarabun-Bold.ttf"}
BOT_NAME = "ผู้ช่วยงานพัฒนาบุคลากร"

# The plain menu shown until the bot gives this person a rich menu: (label, text it sends).
FALLBACK_MENU = (
    ("หลักสูตร", "อบรม"),
    ("คำขอของฉัน", "คำขอของฉัน"),
    ("ส่งรายงาน", "ส่งรายงาน"),
    ("ประวัติการอบรม", "ประวัติการอบรม"),
    ("ช่วยเหลือ", "ช่วยเหลือ"),
)
APPROVER_ITEM = ("รออนุมัติ", "รออนุมัติ")


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

def _transcript() -> Transcript:
    return current_app.extensions["simulator_transcript"]  # type: ignore[no-any-return]


@bp.record_once
def _setup(setup_state: Any) -> None:
    setup_state.app.extensions["simulator_transcript"] = Transcript()


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response | HTTPException:
    # The page shows `error` to the person; never Werkzeug's English HTML.
    if request.path.startswith(url_for("simulator.page") + "/api/"):
        message = {404: T.UNKNOWN_PERSON, 413: T.IMAGE_TOO_LARGE}.get(exc.code or 400, T.BAD_REQUEST)
        return fail(message, exc.code or 400)
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


def _person_orfail(s: BotState, who: str | None) -> Person:
    person = _person(s, who)
    if person is None:
        abort(404)
    return person


# --- the page ---------------------------------------------------------------------------------

@bp.get("")
def page() -> str:
    """Serve the chat page; ?as=<employee id or guest-…> says who this tab is."""
    s = state()
    stand_in_of(s)
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
                           shortcuts=clock_shortcuts(s), now=simulated_now(s),
                           now_text=format_datetime(simulated_now(s)), months=THAI_MONTHS_SHORT)


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
    standin = stand_in_of(s)
    person = _person_orfail(s, request_payload().get("as"))
    _ensure_rich_menus(s)
    steps: list[dict[str, str]] = []
    first = _transcript().first_follow(person.user_id)
    if first and not standin.inbox(person.user_id):
        steps.append({"type": "follow"})
    if person.staff_id is not None:
        with s.db.transaction() as session:
            staff = session.get(Staff, person.staff_id)
            if staff is not None and staff.line_user_id != person.user_id:
                code, _ = create_link_code(session=session, staff=staff)
                steps.append({"type": "text", "text": code})
    _link_everyone_else(s, person)
    notice = T.PRELINKED if first and _transcript().was_prelinked(person.user_id) else None
    return jsonify({"ok": True, "person": person.as_json(), "steps": steps, "notice": notice})


def _link_everyone_else(s: BotState, person: Person) -> None:
    """Link every other demo person to their simulated LINE user, so pushes to them wait in their tab.

    On LINE a person who never added the bot receives nothing; in the simulator everyone is
    treated as having added it, so what the bot pushes to someone whose tab is not open yet
    (an approver's new request, a reminder after เลื่อนเวลา) is there when that tab opens.
    """
    with s.db.transaction() as session:
        others = list(session.scalars(select(Staff).where(
            Staff.active.is_(True), Staff.line_user_id.is_(None), Staff.id != (person.staff_id or 0))))
        for staff in others:
            user_id = simulated_user_id(staff.employee_id)
            if session.scalar(select(Staff.id).where(Staff.line_user_id == user_id)) is not None:
                continue
            code, _ = create_link_code(session=session, staff=staff, now=s.now())
            outcome = redeem_code(session=session, line_user_id=user_id, code=normalise_code(code) or "", now=s.now())
            if outcome.staff is None:
                continue
            _transcript().note_prelinked(user_id)
            if s.services.on_menu_change:
                s.services.on_menu_change(session, staff)


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
    standin = stand_in_of(s)
    data = request_payload()
    person = _person_orfail(s, data.get("as"))
    kind = data.get("type")
    token = standin.issue_reply_token(person.user_id)
    if kind == "follow":
        built = follow_event(person.user_id, token)
    elif kind == "text":
        body = str(data.get("text") or "").strip()
        if not body:
            return fail(T.EMPTY_TEXT)
        body = body[:MAX_TEXT]
        _transcript().record(standin, person.user_id, {"type": "text", "text": body})
        built = text_event(person.user_id, body, token)
    elif kind == "postback":
        postback_data = data.get("data")
        params = data.get("params")
        if not isinstance(postback_data, str) or not postback_data or len(postback_data) > 300:
            return fail(T.BAD_REQUEST)
        if params is not None and not (isinstance(params, dict)
                                       and all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())):
            return fail(T.BAD_REQUEST)
        display = data.get("displayText")
        if isinstance(display, str) and display.strip():
            # As on LINE: a postback shows in the chat only through its displayText.
            _transcript().record(standin, person.user_id, {"type": "text", "text": display.strip()[:300]})
        built = postback_event(person.user_id, postback_data, token, params)
    else:
        return fail(T.BAD_REQUEST)
    return jsonify({"ok": True, **signed(built, s.channel_secret, standin.clock_offset)})


@bp.post("/api/image")
def image() -> Response:
    """Hold an uploaded image in the stand-in's content API and sign an image event for it."""
    s = state()
    standin = stand_in_of(s)
    person = _person_orfail(s, request.form.get("as"))
    upload = request.files.get("file")
    if upload is None:
        return fail(T.NOT_IMAGE)
    data = upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        return fail(T.IMAGE_TOO_LARGE)
    content_type = _image_type(data)
    if content_type is None:
        return fail(T.NOT_IMAGE)
    message_id = new_message_id()
    standin.add_content(message_id, data, content_type)
    _transcript().keep_image(message_id, data, content_type)
    url = url_for("simulator.sent_image", message_id=message_id)
    _transcript().record(standin, person.user_id, {"type": "image", "originalContentUrl": url, "previewImageUrl": url})
    built = image_event(person.user_id, message_id, standin.issue_reply_token(person.user_id))
    return jsonify({"ok": True, **signed(built, s.channel_secret, standin.clock_offset)})


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
    standin = stand_in_of(s)
    person = _person_orfail(s, request.args.get("as"))
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
    data = stand_in_of(state()).rich_menu_images.get(menu_id)
    if data is None:
        abort(404)
    mimetype = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, mimetype=mimetype, headers={"Cache-Control": "max-age=3600"})
