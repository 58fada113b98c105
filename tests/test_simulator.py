"""The simulator page and its API: off with real credentials; every event through the signed /callback.

The simulator is not a database-backend feature, so these tests build their own app in simulator
mode on a temporary SQLite file (not the per-backend `app` fixture), served on a real port: the
bot's line-bot-sdk calls reach the stand-in mounted in that same app over HTTP.
"""
from __future__ import annotations

import io
import json
import re
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from linebot.v3 import SignatureValidator
from PIL import Image
from sqlalchemy import select
from werkzeug.serving import make_server

from bot import create_app
from bot.config import test_config
from bot.demo import load_demo
from bot.migrate import upgrade
from bot.worker import start_in_background
from bot.simulator.transcript import simulated_user_id
from bot.standin import StandIn
from bot.state import BotState
from handlers.kit.postback import Action
from models.org import Staff
from models.outbox import enqueue_push
from thai.dates import BANGKOK


@contextmanager
def simulator_server(tmp_path: Path, *, worker: bool = True, **overrides: object) -> Iterator[tuple[Flask, str]]:
    """Serve the real app in simulator mode (demo data, migrated SQLite) on a free port.

    With worker, its worker runs in background threads as under `make run` (a browser's events
    are handled there); without, the test client handles what it posts and tests deliver pushes.
    """
    url = f"sqlite:///{tmp_path / 'simulator.sqlite3'}"
    upgrade(url)
    holder: dict[str, Flask] = {}

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        return holder["app"](environ, start_response)

    # Bind first: the gateway points at http://127.0.0.1:{PORT}/simulator/line, so the config's
    # PORT must be the port really served.
    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    port = server.server_port
    config = test_config(url, tmp_path, LINE_CHANNEL_SECRET="", LINE_CHANNEL_ACCESS_TOKEN="",
                         SIMULATOR=True, PORT=port, **overrides)
    app = create_app(config)
    holder["app"] = app
    state: BotState = app.extensions["bot"]
    with state.db.transaction() as session:
        load_demo(session=session)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stop_worker = start_in_background(state) if worker else None  # as `make run` does (bot/serve.py)
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        if stop_worker is not None:
            stop_worker()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        if state.gateway is not None:
            state.gateway.close()
        state.db.dispose()


@dataclass
class Sim:
    """The served simulator app, a test client of it, and its stand-in."""

    app: Flask
    client: FlaskClient
    state: BotState
    standin: StandIn

    def api(self, path: str, **body: Any) -> Any:
        """POST JSON to the simulator's API, as the page does."""
        return self.client.post(f"/simulator/api{path}", json=body)

    def callback(self, signed: dict[str, str]) -> Any:
        """POST a signed body to /callback, as the page does."""
        return self.client.post("/callback", data=signed["body"].encode("utf-8"), headers={
            "X-Line-Signature": signed["signature"], "Content-Type": "application/json"})

    def open(self, who: str) -> dict[str, Any]:
        """Open a tab as someone and post the events the page would post."""
        response = self.api("/open", **{"as": who})
        assert response.status_code == 200, response.data
        data = response.get_json()
        data["events"] = []
        for step in data["steps"]:
            signed = self.api("/event", **{"as": who, **step}).get_json()
            assert signed["ok"], signed
            assert self.callback(signed).status_code == 200
            data["events"].append(signed)
        return data

    def inbox(self, who: str, after: int = 0, echo: int = 0) -> dict[str, Any]:
        """Read the page's inbox JSON."""
        response = self.client.get("/simulator/api/inbox", query_string={"as": who, "after": after, "echo": echo})
        assert response.status_code == 200, response.data
        return response.get_json()

    def say(self, who: str, text: str) -> dict[str, str]:
        """Send text through the page's path; return the signed body that was posted."""
        signed = self.api("/event", **{"as": who, "type": "text", "text": text}).get_json()
        assert signed["ok"], signed
        assert self.callback(signed).status_code == 200
        return signed


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """One simulator app for the module (each test plays different people)."""
    with simulator_server(tmp_path_factory.mktemp("simulator"), worker=False) as (app, _base):
        state: BotState = app.extensions["bot"]
        assert state.standin is not None
        yield Sim(app, app.test_client(), state, state.standin)


@pytest.fixture
def travel_back(sim: Sim) -> Iterator[None]:
    """Bring the shared simulator back to real time after a test that travels."""
    yield
    assert sim.api("/clock/reset").status_code == 200


def bot_texts(items: list[dict[str, Any]]) -> str:
    """Return the texts and alt texts of the bot's messages among inbox items."""
    return "\n".join(str(i["message"].get("text") or i["message"].get("altText") or "")
                     for i in items if i["from"] == "bot")


def png_bytes() -> bytes:
    """Return a small real PNG."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (6, 199, 85)).save(out, format="PNG")
    return out.getvalue()


# --- on and off ------------------------------------------------------------------------------

@pytest.mark.parametrize("simulator", [False, None])
def test_real_credentials_turn_the_simulator_off(tmp_path: Path, simulator: bool | None) -> None:
    app = create_app(test_config(f"sqlite:///{tmp_path / 'off.sqlite3'}", tmp_path, SIMULATOR=simulator))
    try:
        client = app.test_client()
        for path in ("/simulator", "/simulator?as=D008", "/simulator/api/inbox?as=D008",
                     "/simulator/static/simulator.js", "/simulator/line/v2/bot/profile/U1"):
            assert client.get(path).status_code == 404, path
        assert client.post("/simulator/api/open", json={"as": "D008"}).status_code == 404
        assert app.extensions["bot"].standin is None
    finally:
        app.extensions["bot"].gateway.close()
        app.extensions["bot"].db.dispose()


# --- the page ----------------------------------------------------------------------------------

def test_the_page_lists_the_demo_people_and_serves_its_own_files(sim: Sim) -> None:
    page = sim.client.get("/simulator")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ตัวจำลอง LINE" in html and "เลื่อนเวลา" in html
    assert "นางสาวกนกวรรณ มีสุข" in html and "ผู้ใช้ใหม่ (ยังไม่ผูกบัญชี)" in html
    # Everything is served locally: no CDN, no external font.
    assert "https://" not in html and "http://" not in html
    for path in ("/simulator/static/simulator.js", "/simulator/static/flex.js", "/simulator/static/simulator.css",
                 "/simulator/font/regular.ttf", "/simulator/font/bold.ttf"):
        response = sim.client.get(path)
        assert response.status_code == 200, path
        response.close()
    assert sim.client.get("/simulator/font/../../secret.ttf").status_code == 404


def test_the_page_remembers_who_the_tab_is(sim: Sim) -> None:
    html = sim.client.get("/simulator?as=D009").get_data(as_text=True)
    assert "<title>นายอนุชา บุญมา · ตัวจำลอง LINE</title>" in html
    config = json.loads(html.split('id="sim-config">', 1)[1].split("</script>", 1)[0])
    assert config["person"]["as"] == "D009"
    assert config["callback"] == "/callback"
    unknown = sim.client.get("/simulator?as=NOBODY").get_data(as_text=True)
    assert "ไม่พบบุคลากรรหัสนี้" in unknown


def test_names_are_escaped_in_the_page(sim: Sim) -> None:
    with sim.state.db.transaction() as session:
        session.add(Staff(employee_id="X<1>", title="นาย", first_name="<script>alert(1)</script>",
                          last_name="</script><b>", position="ทดสอบ"))
    html = sim.client.get("/simulator?as=X<1>").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "</script><b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- linking ------------------------------------------------------------------------------------

def test_picking_a_staff_member_links_them_through_the_chat(sim: Sim) -> None:
    user = simulated_user_id("D011")
    data = sim.open("D011")
    assert data["person"]["userId"] == user
    kinds = [json.loads(e["body"])["events"][0]["type"] for e in data["events"]]
    assert kinds == ["follow", "message"]
    code = json.loads(data["events"][1]["body"])["events"][0]["message"]["text"]
    assert len(code.replace("-", "")) == 8
    with sim.state.db.transaction() as session:
        staff = session.scalar(select(Staff).where(Staff.employee_id == "D011"))
        assert staff is not None and staff.line_user_id == user
    inbox = sim.inbox("D011")
    said = bot_texts(inbox["items"])
    assert "ยินดีต้อนรับ" in said and "ผูกบัญชีเรียบร้อยแล้วค่ะ" in said and "นายสมศักดิ์ ดวงดี" in said
    # The person's own bubble shows the code they "typed", before the bot's answer to it.
    froms = [(i["from"], i["message"].get("text")) for i in inbox["items"]]
    code_at = froms.index(("user", code))
    assert any(f == "bot" and "ผูกบัญชีเรียบร้อย" in (t or "") for f, t in froms[code_at + 1:])
    assert inbox["linked"] == "นายสมศักดิ์ ดวงดี"
    # The person's bubbles and the bot's answers keep the order they happened in.
    texts_in_order = [i["message"].get("text", "") for i in inbox["items"]]
    assert "ยินดีต้อนรับ" in texts_in_order[0] and texts_in_order.index(code) > 0
    # Opening the tab again links nothing twice and greets nobody twice.
    assert sim.open("D011")["steps"] == []


def test_a_new_user_is_greeted_and_not_linked(sim: Sim) -> None:
    data = sim.open("guest-0a1b2c3d")
    assert [json.loads(e["body"])["events"][0]["type"] for e in data["events"]] == ["follow"]
    inbox = sim.inbox("guest-0a1b2c3d")
    assert "รหัสผูกบัญชี" in bot_texts(inbox["items"])
    assert inbox["linked"] is None
    assert sim.api("/open", **{"as": "guest-ZZ"}).status_code == 404
    assert sim.api("/open", **{"as": "NOBODY"}).get_json() == {"ok": False, "error": "ไม่พบบุคลากรรหัสนี้ในระบบค่ะ กรุณาเลือกใหม่"}


# --- text, postbacks, images -----------------------------------------------------------------------

def test_text_goes_through_the_signed_callback_and_the_reply_shows_in_the_inbox(sim: Sim) -> None:
    sim.open("D010")
    before = sim.inbox("D010")
    signed = sim.api("/event", **{"as": "D010", "type": "text", "text": "ช่วยเหลือ"}).get_json()
    # The body is what LINE would send: signed with the channel secret the webhook checks.
    assert SignatureValidator(sim.state.channel_secret).validate(signed["body"], signed["signature"])
    event = json.loads(signed["body"])["events"][0]
    assert event["source"]["userId"] == simulated_user_id("D010")
    assert event["message"] == {**event["message"], "type": "text", "text": "ช่วยเหลือ"}
    assert event["replyToken"] and event["webhookEventId"]
    tampered = dict(signed, body=signed["body"].replace("ช่วยเหลือ", "รออนุมัติ"))
    assert sim.callback(tampered).status_code == 400
    calls_before = len(sim.standin.calls)
    assert sim.callback(signed).status_code == 200
    # The answer went through line-bot-sdk to the mounted stand-in as a reply with that token.
    replies = [c for c in sim.standin.calls[calls_before:] if c.path.endswith("/v2/bot/message/reply")]
    assert replies and replies[0].status == 200 and replies[0].body["replyToken"] == event["replyToken"]
    new = sim.inbox("D010", after=before["after"], echo=before["echo"])
    assert [i["from"] for i in new["items"]][:2] == ["user", "bot"]
    assert new["items"][0]["message"] == {"type": "text", "text": "ช่วยเหลือ"}
    assert "อบรม" in bot_texts(new["items"]) and new["items"][1]["via"] == "reply"
    # The cursors move on: asking again returns nothing new.
    assert sim.inbox("D010", after=new["after"], echo=new["echo"])["items"] == []


def test_empty_or_odd_events_are_refused_in_thai(sim: Sim) -> None:
    assert sim.api("/event", **{"as": "D010", "type": "text", "text": "   "}).get_json()["error"] == "กรุณาพิมพ์ข้อความก่อนส่งค่ะ"
    assert sim.api("/event", **{"as": "D010", "type": "sticker"}).status_code == 400
    assert sim.api("/event", **{"as": "D010", "type": "postback", "data": ""}).status_code == 400
    assert sim.api("/event", **{"as": "D010", "type": "postback", "data": "x", "params": {"date": 5}}).status_code == 400
    bad = sim.client.post("/simulator/api/event", data="not json", content_type="application/json")
    assert bad.status_code == 400 and bad.get_json()["ok"] is False


def test_a_postback_sends_its_data_and_shows_its_display_text(sim: Sim) -> None:
    sim.open("D012")
    before = sim.inbox("D012")
    data = sim.state.services.codec.pack(Action.HELP)
    signed = sim.api("/event", **{"as": "D012", "type": "postback", "data": data, "displayText": "ช่วยเหลือ",
                                  "params": {"date": "2026-12-01"}}).get_json()
    event = json.loads(signed["body"])["events"][0]
    assert event["type"] == "postback" and event["postback"] == {"data": data, "params": {"date": "2026-12-01"}}
    assert sim.callback(signed).status_code == 200
    new = sim.inbox("D012", after=before["after"], echo=before["echo"])
    assert new["items"][0] == {**new["items"][0], "from": "user", "message": {"type": "text", "text": "ช่วยเหลือ"}}
    assert "คำขอของฉัน" in bot_texts(new["items"])


def test_an_uploaded_image_reaches_the_bot_through_the_content_api(sim: Sim) -> None:
    sim.open("D013")
    before = sim.inbox("D013")
    image = png_bytes()
    response = sim.client.post("/simulator/api/image", data={"as": "D013", "file": (io.BytesIO(image), "cert.png")},
                               content_type="multipart/form-data")
    signed = response.get_json()
    event = json.loads(signed["body"])["events"][0]
    assert event["message"]["type"] == "image"
    assert sim.callback(signed).status_code == 200
    new = sim.inbox("D013", after=before["after"], echo=before["echo"])
    mine = new["items"][0]
    assert mine["from"] == "user" and mine["message"]["type"] == "image"
    shown = sim.client.get(mine["message"]["originalContentUrl"])
    assert shown.data == image and shown.mimetype == "image/png"
    assert any(i["from"] == "bot" for i in new["items"][1:]), "the bot answers an image"
    # The stand-in's content API holds the bytes, where the bot's gateway (line-bot-sdk) fetches them.
    assert sim.state.gateway is not None
    assert sim.state.gateway.get_content(event["message"]["id"], max_bytes=1_000_000) == (image, "image/png")


def test_only_images_are_accepted(sim: Sim) -> None:
    response = sim.client.post("/simulator/api/image", data={"as": "D013", "file": (io.BytesIO(b"%PDF-1.4 x"), "a.png")},
                               content_type="multipart/form-data")
    assert response.status_code == 400 and response.get_json()["error"] == "กรุณาเลือกไฟล์รูปภาพ (JPG หรือ PNG) ค่ะ"
    missing = sim.client.post("/simulator/api/image", data={"as": "D013"}, content_type="multipart/form-data")
    assert missing.status_code == 400


# --- pushes and menus ---------------------------------------------------------------------------

def test_messages_pushed_later_arrive_in_the_inbox(sim: Sim) -> None:
    sim.open("D014")
    before = sim.inbox("D014")
    with sim.state.db.transaction() as session:
        enqueue_push(session=session, to=simulated_user_id("D014"), messages=[{"type": "text", "text": "แจ้งเตือนทดสอบ"}])
    from bot.sender import deliver

    deliver(sim.state.db, sim.state.gateway)
    new = sim.inbox("D014", after=before["after"], echo=before["echo"])
    assert [(i["from"], i["via"], i["message"]["text"]) for i in new["items"]] == [("bot", "push", "แจ้งเตือนทดสอบ")]


def test_opening_a_chat_gives_the_person_the_rich_menu_of_their_role(sim: Sim) -> None:
    sim.open("D005")  # an approver
    menus = {m["name"].split(":")[1]: m for m in sim.standin.rich_menus.values()}
    assert set(menus) == {"staff", "approver", "hr"}
    menu = sim.inbox("D005")["menu"]
    assert menu["id"] == menus["approver"]["richMenuId"]
    assert sim.client.get(menu["image"]).data[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_menu_falls_back_to_the_main_commands_until_the_bot_sets_one(sim: Sim) -> None:
    sim.open("D005")  # an approver
    sim.standin.user_menus.pop(simulated_user_id("D005"), None)  # as if no menu were linked
    menu = sim.inbox("D005")["menu"]
    assert menu["id"] is None
    assert [i["label"] for i in menu["fallback"]] == ["หลักสูตร", "คำขอของฉัน", "ส่งรายงาน", "ประวัติการอบรม",
                                                      "รออนุมัติ", "ช่วยเหลือ"]
    assert "รออนุมัติ" not in [i["label"] for i in sim.inbox("guest-00aa11bb")["menu"]["fallback"]]


def test_a_linked_rich_menu_is_shown_with_its_image_and_areas(sim: Sim) -> None:
    user = simulated_user_id("D006")
    area = {"bounds": {"x": 0, "y": 0, "width": 1250, "height": 843}, "action": {"type": "message", "text": "อบรม"}}
    sim.standin.rich_menus["richmenu-test"] = {"richMenuId": "richmenu-test", "size": {"width": 2500, "height": 843},
                                               "selected": True, "name": "staff", "chatBarText": "เมนูหลัก",
                                               "areas": [area]}
    sim.standin.rich_menu_images["richmenu-test"] = png_bytes()
    sim.standin.user_menus[user] = "richmenu-test"
    try:
        menu = sim.inbox("D006")["menu"]
        assert menu["id"] == "richmenu-test" and menu["chatBarText"] == "เมนูหลัก" and menu["areas"] == [area]
        image = sim.client.get(menu["image"])
        assert image.status_code == 200 and image.data == png_bytes()
        assert sim.client.get("/simulator/api/richmenu/nothing/image").status_code == 404
    finally:
        sim.standin.user_menus.pop(user, None)
        sim.standin.rich_menus.pop("richmenu-test", None)
        sim.standin.rich_menu_images.pop("richmenu-test", None)


# --- เลื่อนเวลา -----------------------------------------------------------------------------------

def test_the_clock_control_runs_the_due_jobs_at_a_bangkok_instant(sim: Sim, monkeypatch: pytest.MonkeyPatch,
                                                                   travel_back: None) -> None:
    sim.open("D003")
    seen: list[tuple[BotState, datetime]] = []

    def run_due_jobs(state: BotState, at: datetime) -> dict[str, int]:
        seen.append((state, at))
        with state.db.transaction() as session:
            enqueue_push(session=session, to=simulated_user_id("D003"),
                         messages=[{"type": "text", "text": "ติดตามรายงานประจำเดือน"}])
        return {"monthly-followup": 1}

    clock = types.ModuleType("bot.clock")
    clock.run_due_jobs = run_due_jobs  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.clock", clock)
    before = sim.inbox("D003")
    response = sim.api("/clock", at="2027-01-05T09:00")
    data = response.get_json()
    assert response.status_code == 200, data
    assert seen == [(sim.state, datetime(2027, 1, 5, 9, 0, tzinfo=BANGKOK))]
    assert seen[0][1].utcoffset() == timedelta(hours=7)
    assert data["message"] == "เลื่อนเวลาไปที่ 5 ม.ค. 2570 09:00 น. แล้วค่ะ ทำงานที่ถึงกำหนดครบแล้ว มีข้อความส่งออก 1 ข้อความ"
    assert data["result"] == {"monthly-followup": 1}
    new = sim.inbox("D003", after=before["after"], echo=before["echo"])
    assert bot_texts(new["items"]) == "ติดตามรายงานประจำเดือน"


def test_the_clock_control_says_so_when_the_clock_is_missing(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "bot.clock", None)  # import fails as if the module did not exist
    response = sim.api("/clock", at="2027-01-05T09:00")
    assert response.status_code == 503
    assert response.get_json()["error"].startswith("ระบบนาฬิกาสำหรับงานตามกำหนดเวลายังไม่พร้อมใช้งาน")


def test_the_clock_control_refuses_a_bad_time(sim: Sim) -> None:
    for at in ("", "2027-01-05", "พรุ่งนี้", "2027-13-40T09:00"):
        response = sim.api("/clock", at=at)
        assert response.status_code == 400 and response.get_json()["error"] == "กรุณาเลือกวันและเวลาให้ครบค่ะ"


def test_a_failing_clock_gets_a_thai_answer(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    def run_due_jobs(state: BotState, at: datetime) -> dict[str, int]:
        raise RuntimeError("boom")

    clock = types.ModuleType("bot.clock")
    clock.run_due_jobs = run_due_jobs  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.clock", clock)
    response = sim.api("/clock", at="2027-01-05T09:00")
    assert response.status_code == 500 and "เลื่อนเวลาไม่สำเร็จ" in response.get_json()["error"]


def test_the_monthly_follow_up_can_be_seen_without_waiting(sim: Sim, travel_back: None) -> None:
    pytest.importorskip("bot.clock", reason="the clock (bot.clock) is not there yet")
    sim.open("D008")  # owes a report for the finished demo course
    html = sim.client.get("/simulator?as=D008").get_data(as_text=True)
    # The page offers the next run of the monthly follow-up as a one-tap shortcut.
    found = re.search(r'class="shortcut" data-date="([0-9-]+)" data-time="([0-9:]+)">ติดตามรายงานประจำเดือน', html)
    assert found, "no shortcut for the monthly follow-up"
    date, time_ = found.groups()
    before = sim.inbox("D008")
    response = sim.api("/clock", at=f"{date}T{time_}")
    data = response.get_json()
    assert response.status_code == 200, data
    assert "monthly-followup" in json.dumps(data["result"])
    assert "ทำงานที่ถึงกำหนดครบแล้ว" in data["message"]
    new = sim.inbox("D008", after=before["after"], echo=before["echo"])
    assert [i["via"] for i in new["items"]] and all(i["via"] != "reply" for i in new["items"])
    assert "รายงาน" in bot_texts(new["items"])
    # Running the same instant again sends nothing twice.
    again = sim.api("/clock", at=f"{date}T{time_}").get_json()
    assert sim.inbox("D008", after=new["after"], echo=new["echo"])["items"] == []
    assert "ข้อความส่งออก 0 ข้อความ" in again["message"]


def test_an_image_over_the_app_limit_gets_a_thai_answer(sim: Sim) -> None:
    huge = b"\x89PNG\r\n\x1a\n" + b"0" * (16 * 1024 * 1024 + 10)
    # A hand-built body: the test client would spool a dict of this size to a temporary file.
    body = (b'--b\r\nContent-Disposition: form-data; name="as"\r\n\r\nD013\r\n'
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
            b"Content-Type: image/png\r\n\r\n" + huge + b"\r\n--b--\r\n")
    response = sim.client.post("/simulator/api/image", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413 and response.get_json()["error"] == "รูปภาพใหญ่เกิน 10 MB ค่ะ"


# --- the simulated time (issue 16) ------------------------------------------------------------------

def _fake_clock(monkeypatch: pytest.MonkeyPatch, result: dict[str, Any]) -> None:
    clock = types.ModuleType("bot.clock")
    clock.run_due_jobs = lambda state, at: result  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.clock", clock)


def test_after_time_travel_the_chat_runs_at_the_simulated_time(
        sim: Sim, monkeypatch: pytest.MonkeyPatch, travel_back: None) -> None:
    from models.course import Course
    from models.registration import Registration, RegStatus

    sim.open("D009")
    with sim.state.db.transaction() as session:
        staff = session.scalar(select(Staff).where(Staff.employee_id == "D009"))
        course = session.scalar(select(Course).where(Course.code == "DEMO-05"))  # starts in 10 days
        assert staff is not None and course is not None
        session.add(Registration(staff=staff, course=course, status=RegStatus.APPROVED, approval_levels=1,
                                 current_step=1, report_due_on=course.end_date + timedelta(days=15)))
        end = course.end_date
    before = sim.inbox("D009")
    sim.say("D009", "ส่งรายงาน")
    now_text = bot_texts(sim.inbox("D009", after=before["after"], echo=before["echo"])["items"])
    assert "ไม่มีรายงานผลการอบรมที่ต้องส่ง" in now_text  # the course has not been held yet
    _fake_clock(monkeypatch, {"at": "", "jobs": {}, "delivered": {}})
    later = end + timedelta(days=3)
    data = sim.api("/clock", at=f"{later:%Y-%m-%d}T10:00").get_json()
    assert data["ok"], data
    mark = sim.inbox("D009")
    signed = sim.say("D009", "ส่งรายงาน")
    # The event LINE would send carries the simulated time, and the bot answers as of that day.
    stamp = json.loads(signed["body"])["events"][0]["timestamp"] / 1000
    assert abs(stamp - datetime(later.year, later.month, later.day, 10, tzinfo=BANGKOK).timestamp()) < 120
    new = sim.inbox("D009", after=mark["after"], echo=mark["echo"])
    assert "ขั้นที่ 1/5" in bot_texts(new["items"])
    # The chat's own timestamps are at the simulated time too.
    assert all(abs(i["at"] - stamp) < 120 for i in new["items"])
    sim.say("D009", "ยกเลิก")


def test_the_time_travel_details_are_thai_and_the_shortcuts_move_on(
        sim: Sim, monkeypatch: pytest.MonkeyPatch, travel_back: None) -> None:
    _fake_clock(monkeypatch, {"at": "2027-01-05T09:00:00+07:00",
                              "jobs": {"daily_reminders": {"due_soon": 2, "written": 3}},
                              "delivered": {"sent": 3}})
    data = sim.api("/clock", at="2027-01-05T09:00").get_json()
    assert data["details"] == ["งานแจ้งเตือนประจำวัน: รายงานที่ใกล้ครบกำหนดส่ง 2, ข้อความที่เตรียมส่ง 3",
                               "การส่งข้อความ: ส่งสำเร็จ 3"]
    assert data["now"].startswith("5 ม.ค. 2570 09:0")
    html = sim.client.get("/simulator?as=D009").get_data(as_text=True)
    assert "5 ม.ค. 2570 09:0" in html  # the page's clock shows the simulated time in BE
    assert '<option value="2027" selected>2570</option>' in html
    reset = sim.api("/clock/reset").get_json()
    assert reset["ok"] and "กลับมาใช้เวลาจริงแล้ว" in reset["message"]


def test_the_shortcuts_count_from_the_simulated_time(sim: Sim, travel_back: None) -> None:
    pytest.importorskip("bot.clock", reason="the clock (bot.clock) is not there yet")
    first = re.findall(r'class="shortcut" data-date="([0-9-]+)"', sim.client.get("/simulator").get_data(as_text=True))
    assert first
    data = sim.api("/clock", at=f"{first[0]}T23:55").get_json()
    assert data["ok"], data
    moved = [sc["date"] for sc in data["shortcuts"]]
    assert moved and all(d > first[0] for d in moved[:1]), (first, moved)


def test_pushes_to_someone_whose_tab_was_never_opened_wait_for_them(sim: Sim) -> None:
    sim.open("D011")  # any tab: everyone else becomes reachable, as if they had added the bot
    with sim.state.db.transaction() as session:
        approver = session.scalar(select(Staff).where(Staff.employee_id == "D007"))
        assert approver is not None and approver.line_user_id == simulated_user_id("D007")
        enqueue_push(session=session, to=approver.line_user_id, messages=[{"type": "text", "text": "มีคำขอรออนุมัติ"}])
    from bot.sender import deliver

    deliver(sim.state.db, sim.state.gateway)
    opened = sim.open("D007")
    assert opened["notice"] and "ผูกบัญชีของท่านไว้ให้" in opened["notice"]
    assert "มีคำขอรออนุมัติ" in bot_texts(sim.inbox("D007")["items"])


def test_the_person_picker_is_drawn_in_the_page_font(sim: Sim) -> None:
    html = sim.client.get("/simulator?as=D009").get_data(as_text=True)
    # No native <select> for people: its popup uses the system font, which drops ์ from names.
    picker = html.split('id="who-picker"', 1)[1].split("</details>", 1)[0]
    assert "<select" not in picker and "นายอนุชา บุญมา" in picker
