"""Rich menus per role (staff, approver, HR): definitions, the image, creation and linking.

Every area sends a Thai command word as a message, so a tap and typing the same word take one
path through the intent parser (LINE for PC shows no rich menu; typing still works there).

The menus live in LINE, which is the source of truth for their ids: ours are named
"khonpattana:<role>:<version>" and found by listing, so nothing about them is kept in memory
or in the database besides Staff.rich_menu_id (the menu a person was last given; None = due).
"""
from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from bot.db import Database
from bot.line import LineGateway
from models.org import ROLE_APPROVER, ROLE_HR, ROLE_STAFF, Staff, decides_approvals

if TYPE_CHECKING:  # Pillow itself loads when a menu is drawn (richmenu-sync), not with the app
    from PIL import ImageDraw, ImageFont

log = logging.getLogger(__name__)

PREFIX = "khonpattana"
WIDTH, HEIGHT = 2500, 1686  # LINE's large rich menu size
PENDING_KEY = "richmenu_pending"
MAX_IMAGE_BYTES = 1024 * 1024  # LINE refuses rich menu images over 1 MB


@dataclass(frozen=True)
class Cell:
    """One tappable area: the big label, a caption, and the words it sends."""

    label: str
    caption: str
    sends: str


@dataclass(frozen=True)
class MenuSpec:
    """A role's menu: the chat-bar text, colours and rows of cells."""

    role: str
    chat_bar: str
    colour: str
    accent: str
    rows: tuple[tuple[Cell, ...], ...] = field(default_factory=tuple)


COURSES = Cell("หลักสูตรอบรม", "ดูหลักสูตรและสมัครอบรม", "อบรม")
MINE = Cell("คำขอของฉัน", "ติดตามสถานะคำขอ", "คำขอของฉัน")
WAITING = Cell("รออนุมัติ", "คำขอที่รอท่านพิจารณา", "รออนุมัติ")
REPORT = Cell("ส่งรายงาน", "รายงานผลการอบรม", "ส่งรายงาน")
HISTORY = Cell("ประวัติการอบรม", "แยกตามปีงบประมาณ", "ประวัติการอบรม")
HELP = Cell("ช่วยเหลือ", "วิธีใช้งาน", "ช่วยเหลือ")

MENUS: dict[str, MenuSpec] = {
    ROLE_STAFF: MenuSpec(ROLE_STAFF, "เมนู", "#0B6E4F", "#E6F4EA",
                         ((COURSES, MINE, REPORT), (HISTORY, HELP))),
    ROLE_APPROVER: MenuSpec(ROLE_APPROVER, "เมนูผู้อนุมัติ", "#1E4E8C", "#E3ECF8",
                            ((COURSES, MINE, WAITING), (REPORT, HISTORY, HELP))),
    # HR's own tools are in the admin console; in the chat they also approve for people who
    # have no supervisor, so their menu has รออนุมัติ too.
    ROLE_HR: MenuSpec(ROLE_HR, "เมนูงานบุคคล", "#7A3E9D", "#F1E6F7",
                      ((COURSES, MINE, WAITING), (REPORT, HISTORY, HELP))),
}


# --- definitions and the image --------------------------------------------------------------------


def _bounds(spec: MenuSpec) -> list[tuple[Cell, dict[str, int]]]:
    """Return each cell with its area: rows share the height, cells share their row's width."""
    result = []
    row_height = HEIGHT // len(spec.rows)
    for r, cells in enumerate(spec.rows):
        y = r * row_height
        height = HEIGHT - y if r == len(spec.rows) - 1 else row_height
        width = WIDTH // len(cells)
        for c, cell in enumerate(cells):
            x = c * width
            w = WIDTH - x if c == len(cells) - 1 else width
            result.append((cell, {"x": x, "y": y, "width": w, "height": height}))
    return result


def definition(role: str, version: str = "1") -> dict[str, Any]:
    """Return a role's rich menu object as LINE's create call takes it."""
    spec = MENUS[role]
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,
        "name": f"{PREFIX}:{role}:{version}",
        "chatBarText": spec.chat_bar,
        "areas": [
            {"bounds": bounds, "action": {"type": "message", "label": cell.label, "text": cell.sends}}
            for cell, bounds in _bounds(spec)
        ],
    }


def font_path(weight: str = "Regular") -> Path:
    """Return a Sarabun font file from the fontpkg-sarabun package (installed from PyPI)."""
    import fontpkg_sarabun

    path = Path(fontpkg_sarabun.ROOT) / "files" / f"Sarabun-{weight}.ttf"
    if not path.exists():
        raise FileNotFoundError(f"Sarabun font not found at {path}; is fontpkg-sarabun installed?")
    return path


@lru_cache(maxsize=8)
def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont, features

    # Raqm places Thai vowels and tone marks properly; basic layout is the fallback.
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(font_path(weight)), size, layout_engine=engine)


def _fitted(pen: ImageDraw.ImageDraw, text: str, weight: str, size: int, room: float) -> ImageFont.FreeTypeFont:
    """Return the largest font up to size in which text fits the room."""
    while size > 24 and pen.textlength(text, font=_font(weight, size)) > room:
        size -= 4
    return _font(weight, size)


@lru_cache(maxsize=len(MENUS))
def draw(role: str) -> bytes:
    """Draw a role's menu image (PNG, 2500x1686) with Thai labels in Sarabun."""
    from PIL import Image, ImageDraw

    spec = MENUS[role]
    image = Image.new("RGB", (WIDTH, HEIGHT), spec.colour)
    pen = ImageDraw.Draw(image)
    for cell, b in _bounds(spec):
        x, y, w, h = b["x"], b["y"], b["width"], b["height"]
        pen.rounded_rectangle((x + 24, y + 24, x + w - 24, y + h - 24), radius=48, fill=spec.accent)
        room = w - 160  # keep clear of the rounded edges
        cx, cy = x + w / 2, y + h / 2
        pen.text((cx, cy + 10), cell.label, font=_fitted(pen, cell.label, "Bold", 128, room),
                 fill=spec.colour, anchor="ms")
        pen.text((cx, cy + 130), cell.caption, font=_fitted(pen, cell.caption, "Regular", 72, room),
                 fill="#374151", anchor="ms")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- who gets which menu ----------------------------------------------------------------------------


def menu_role(session: Session, staff: Staff) -> str:
    """Return the menu a person gets: HR, approver (role or anyone's supervisor), else staff."""
    if staff.has_role(ROLE_HR):
        return ROLE_HR
    return ROLE_APPROVER if decides_approvals(session=session, staff=staff) else ROLE_STAFF


def our_menus(gateway: LineGateway) -> dict[str, str]:
    """Return role -> id of our newest menus in LINE (names "khonpattana:<role>:<version>")."""
    newest: dict[str, tuple[int, str]] = {}
    for menu in gateway.list_rich_menus():
        parts = str(menu.get("name", "")).split(":")
        if len(parts) != 3 or parts[0] != PREFIX or parts[1] not in MENUS:
            continue
        version = int(parts[2]) if parts[2].isdigit() else 0
        if parts[1] not in newest or version > newest[parts[1]][0]:
            newest[parts[1]] = (version, str(menu["richMenuId"]))
    return {role: menu_id for role, (_, menu_id) in newest.items()}


def link_people(db: Database, gateway: LineGateway, staff_ids: Iterable[int] | None,
                menus: dict[str, str] | None = None) -> tuple[int, int]:
    """Link each person (all linked staff when None) to their role's menu; return (linked, failed).

    No transaction is held while LINE answers: read who, call LINE, then record what was given.
    """
    menus = menus if menus is not None else our_menus(gateway)
    if not menus:
        log.info("no rich menus of ours in LINE yet; run `flask --app bot richmenu-sync`")
        return 0, 0
    with db.transaction() as session:
        stmt = select(Staff).where(Staff.active.is_(True), Staff.line_user_id.is_not(None))
        if staff_ids is not None:
            stmt = stmt.where(Staff.id.in_(list(staff_ids)))
        targets = [(p.id, p.line_user_id, menus.get(menu_role(session, p))) for p in session.scalars(stmt)]
    given: list[tuple[int, str, str]] = []
    failed = 0
    for staff_id, user_id, menu_id in targets:
        if not user_id or not menu_id:
            continue
        try:
            gateway.link_rich_menu(user_id, menu_id)
        except Exception:  # noqa: BLE001 - one person's failure must not stop the others
            log.warning("could not link a rich menu for staff %s", staff_id)
            failed += 1
            continue
        given.append((staff_id, user_id, menu_id))
    if given:
        with db.transaction() as session:
            for staff_id, user_id, menu_id in given:
                # Only if the account is still the one we linked (a relink meanwhile gets its own).
                session.execute(update(Staff).where(Staff.id == staff_id, Staff.line_user_id == user_id)
                                .values(rich_menu_id=menu_id).execution_options(synchronize_session=False))
    return len(given), failed


@dataclass
class MenuLinker:
    """The Services.on_menu_change hook: give a person the right menu once their change commits.

    The hook runs inside the event's transaction. Calling LINE there would hold the database
    (SQLite's write lock) while LINE answers, and would show a menu for a change that might still
    roll back. So the hook only marks the person (rich_menu_id = None: "menu due") and links after
    commit. If that call fails, or there is no gateway, the mark stays and richmenu-sync links them.
    Linking is idempotent, so a repeat is harmless.
    """

    db: Database
    gateway: LineGateway | None

    def __call__(self, session: Session, staff: Staff) -> None:
        staff.rich_menu_id = None
        if self.gateway is None:
            return
        pending: set[int] = session.info.setdefault(PENDING_KEY, set())
        if not pending:
            event.listen(session, "after_commit", self._after_commit, once=True)
        if staff.id is not None:
            pending.add(staff.id)

    def _after_commit(self, session: Session) -> None:
        ids = session.info.pop(PENDING_KEY, set())
        if not ids or self.gateway is None:
            return
        try:
            link_people(self.db, self.gateway, ids)
        except Exception:  # noqa: BLE001 - the person's change is committed; the menu can follow later
            log.exception("linking rich menus after commit failed; richmenu-sync will retry")


@dataclass(frozen=True)
class SyncResult:
    """What richmenu-sync did."""

    created: dict[str, str]
    linked: int
    failed: int
    deleted: int


def sync(db: Database, gateway: LineGateway, *, version: str | None = None) -> SyncResult:
    """Create the three menus, link every linked staff member, then delete our older menus.

    New menus are linked before the old ones go, so nobody is left without a menu meanwhile.
    """
    version = version or str(int(time.time()))
    old = [str(m["richMenuId"]) for m in gateway.list_rich_menus()
           if str(m.get("name", "")).startswith(PREFIX + ":")]
    created: dict[str, str] = {}
    try:
        for role in MENUS:
            created[role] = gateway.create_rich_menu(definition(role, version), draw(role))
    except Exception:
        for menu_id in created.values():
            gateway.delete_rich_menu(menu_id)
        raise
    linked, failed = link_people(db, gateway, None, created)
    for menu_id in old:
        gateway.delete_rich_menu(menu_id)
    return SyncResult(created, linked, failed, len(old))


@click.command("richmenu-sync")
def richmenu_sync_command() -> None:
    """Create the staff, approver and HR rich menus in LINE and link every linked staff member."""
    from bot.state import state

    s = state()
    if s.gateway is None:
        click.echo("ยังไม่ได้เชื่อมต่อ LINE: สร้างริชเมนูไม่ได้", err=True)
        raise SystemExit(1)
    result = sync(s.db, s.gateway)
    click.echo(f"สร้างริชเมนู {len(result.created)} ชุด ผูกกับบุคลากร {result.linked} คน "
               f"ไม่สำเร็จ {result.failed} คน ลบเมนูเดิม {result.deleted} ชุด")
