"""The whole story in a real browser: two tabs of the simulator, a request and its approval.

Headless Debian Chromium driven by Playwright (never `playwright install`: `make browser` puts
Chromium at /usr/bin/chromium). The app is the real one in simulator mode, served threaded on
a real port, so every tap goes page -> signed POST /callback -> handlers -> line-bot-sdk ->
the mounted stand-in -> the page's inbox poll. Screenshots are kept in test-artifacts/.
"""
from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from bot.config import PROJECT_ROOT
from tests.test_simulator import simulator_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
TIMEOUT_MS = 20_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium) to run this test"),
]


@pytest.fixture
def browser_context(tmp_path: Path) -> Iterator[tuple[object, str]]:
    """A served simulator app and a fresh browser context (Thai locale, Bangkok time)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with simulator_server(tmp_path) as (_app, base), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="th-TH",
                                      timezone_id="Asia/Bangkok")
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context, base
        finally:
            context.close()
            browser.close()


def shot(page: object, name: str) -> None:
    """Keep a screenshot of a page as a test artefact."""
    page.screenshot(path=str(ARTIFACTS / f"simulator-{name}.png"))  # type: ignore[attr-defined]


def open_tab(context: object, base: str, who: str, errors: list[str]) -> object:
    """Open the simulator as someone and wait until the bot has linked them.

    The first tab links through the chat; people opened later were linked by the simulator when
    the first tab opened (so pushes to them wait), and are welcomed back instead.
    """
    page = context.new_page()  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: errors.append(f"{who}: {exc}"))
    page.goto(f"{base}/simulator?as={who}")
    page.wait_for_selector("body[data-ready='1']")
    page.locator(".row.bot", has_text=re.compile("ผูกบัญชีเรียบร้อยแล้ว|ยินดีต้อนรับกลับ")).first.wait_for()
    return page


def say(page: object, text: str) -> None:
    """Type a message and press Enter, as a person would."""
    page.fill("#text-input", text)  # type: ignore[attr-defined]
    page.press("#text-input", "Enter")  # type: ignore[attr-defined]
    page.locator(".row.user", has_text=text).last.wait_for()  # type: ignore[attr-defined]


def test_a_request_registered_in_one_tab_is_approved_in_another(browser_context: tuple[object, str]) -> None:
    context, base = browser_context
    errors: list[str] = []

    # The approver opens the simulator first, so the request card can reach them (D004 heads
    # กองคลัง and is the supervisor of D008).
    approver = open_tab(context, base, "D004", errors)
    shot(approver, "01-approver-linked")

    staff = open_tab(context, base, "D008", errors)
    staff.bring_to_front()
    shot(staff, "02-staff-linked")
    # Until the bot gives a rich menu, the simulator shows the main commands.
    assert staff.locator("#richmenu").get_by_role("button", name="คำขอของฉัน").is_visible()

    say(staff, "อบรม")
    course = staff.locator(".flex-bubble", has_text="จริยธรรม").last
    course.get_by_role("button", name="สมัคร", exact=True).click()
    # The bot asks why; the quick replies sit under its question.
    staff.locator("#quick .chip", has_text="ข้าม").wait_for()
    shot(staff, "03-staff-reason")
    say(staff, "นำความรู้มาใช้ในงานการเงินและบัญชี")
    confirm = staff.get_by_role("button", name="ยืนยัน", exact=True).last
    confirm.wait_for()
    shot(staff, "04-staff-confirm")
    confirm.click()
    staff.locator(".row.user", has_text="ยืนยัน").last.wait_for()
    staff.locator(".row.bot", has_text="รอการอนุมัติ").last.wait_for()
    shot(staff, "05-staff-sent")

    # The approver's tab lights up with the request, without a reload.
    approve = approver.get_by_role("button", name="อนุมัติ", exact=True).last
    approve.wait_for()
    approver.locator("#new-badge").wait_for(state="visible")
    assert approver.title().startswith("(")
    assert approver.locator(".row.bot", has_text="กนกวรรณ").count() > 0
    shot(approver, "06-approver-card")
    approver.bring_to_front()
    approve.click()
    approver.locator("#new-badge").wait_for(state="hidden")
    approver.locator(".row.user", has_text="อนุมัติ").last.wait_for()
    approver.locator(".row.bot", has_text="อนุมัติ").last.wait_for()
    shot(approver, "07-approver-done")

    # The staff member's tab shows the result.
    staff.bring_to_front()
    result = staff.locator(".row.bot", has_text="ได้รับอนุมัติ").last
    result.wait_for()
    assert "จริยธรรม" in result.inner_text()
    shot(staff, "08-staff-approved")

    # เลื่อนเวลา: jump to the next monthly follow-up; the report D008 owes for the finished demo
    # course is asked for, in the chat, without waiting for the 5th.
    shortcut = staff.locator(".shortcut", has_text="ติดตามรายงานประจำเดือน")
    shortcut_text = shortcut.inner_text()
    bot_rows = staff.locator(".row.bot").count()
    shortcut.click()
    staff.click("#clock-run")
    staff.locator("#clock-result.ok").wait_for()
    staff.wait_for_function("n => document.querySelectorAll('.row.bot').length > n", arg=bot_rows)
    staff.locator("#new-badge").wait_for(state="visible")
    assert "รายงาน" in staff.locator(".row.bot").last.inner_text()
    # What ran is told in Thai, not as raw JSON; the page's clock and the chat's times moved there.
    staff.locator("#clock-result summary").click()
    details = staff.locator("#clock-result .clock-details").inner_text()
    assert "งานติดตามรายงานประจำเดือน" in details and "{" not in details
    chosen = "-".join(staff.eval_on_selector(f"#clock-{part}", "s => s.value") for part in ("year", "month", "day"))
    assert staff.locator("#clock-now").inner_text().endswith(f"{staff.locator('#clock-hour').input_value()}:"
                                                          f"{staff.locator('#clock-minute').input_value()} น.")
    assert str(int(chosen.split("-")[0]) + 543) in staff.locator("#clock-now").inner_text()
    # The monthly shortcut now offers the month after.
    assert staff.locator(".shortcut", has_text="ติดตามรายงานประจำเดือน").inner_text() != shortcut_text
    shot(staff, "09-staff-monthly-followup")

    for page in (staff, approver):
        assert page.locator(".notice.err").count() == 0, page.locator(".notice.err").all_inner_texts()
    assert errors == []


def _rich_messages(help_data: str, picture: str) -> list[dict[str, object]]:
    """Return messages using most of what Flex offers, plus kinds the renderer must fall back on."""
    first = {
        "type": "bubble",
        "hero": {"type": "image", "url": picture, "size": "full", "aspectRatio": "20:13", "aspectMode": "cover"},
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": [
            {"type": "text", "text": "หลักสูตรทดสอบการแสดงผล", "size": "xl", "weight": "bold", "wrap": True},
            {"type": "box", "layout": "baseline", "spacing": "sm", "contents": [
                {"type": "icon", "url": picture, "size": "sm"},
                {"type": "text", "text": "สถานที่", "color": "#8C8C8C", "size": "sm", "flex": 1},
                {"type": "text", "text": "ห้องประชุม อบต.", "size": "sm", "flex": 3, "wrap": True}]},
            {"type": "separator", "margin": "lg"},
            {"type": "box", "layout": "horizontal", "margin": "lg", "contents": [
                {"type": "text", "text": "<b>not bold</b>", "flex": 1, "size": "xs"},
                {"type": "filler"},
                {"type": "text", "text": "ขวา", "align": "end", "color": "#E5484D", "flex": 2}]},
            {"type": "filler"}]},
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": [
            {"type": "button", "style": "primary", "color": "#06C755", "height": "sm",
             "action": {"type": "message", "label": "ช่วยเหลือ", "text": "ช่วยเหลือ"}},
            {"type": "button", "style": "secondary", "height": "sm",
             "action": {"type": "uri", "label": "เว็บไซต์", "uri": "https://example.org/"}},
            {"type": "button", "style": "link", "height": "sm",
             "action": {"type": "message", "label": "ลิงก์", "text": "ลิงก์"}}]},
        "styles": {"footer": {"separator": True}},
    }
    second = {
        "type": "bubble", "size": "kilo",
        "body": {"type": "box", "layout": "vertical", "backgroundColor": "#E6F4EA", "contents": [
            {"type": "text", "text": "ข้อความยาวมากที่ไม่ตัดบรรทัด " * 6, "wrap": False},
            {"type": "button", "style": "primary",
             "action": {"type": "postback", "label": "รายละเอียด", "data": help_data, "displayText": "ขอดูรายละเอียด"}}]},
    }
    return [
        {"type": "flex", "altText": "การ์ดทดสอบ", "contents": {"type": "carousel", "contents": [first, second]}},
        {"type": "text", "text": "เลือกได้เลยค่ะ", "quickReply": {"items": [
            {"type": "action", "action": {"type": "message", "label": "ช่วยเหลือ", "text": "ช่วยเหลือ"}},
            {"type": "action", "action": {"type": "postback", "label": "เมนู", "data": help_data, "displayText": "เมนู"}},
            {"type": "action", "action": {"type": "uri", "label": "เว็บ", "uri": "https://example.org/"}},
            {"type": "action", "action": {"type": "datetimepicker", "label": "เลือกวัน", "data": help_data,
                                          "mode": "date"}}]}},
    ]


def _odd_messages() -> list[dict[str, object]]:
    """Return messages line-bot-sdk would not build, which the stand-in may still hold."""
    return [
        {"type": "imagemap", "baseUrl": "https://example.org/map", "altText": "แผนที่ทดสอบ",
         "baseSize": {"width": 1040, "height": 1040}, "actions": []},
        {"type": "flex", "altText": "แผนภูมิ", "contents": {"type": "bubble", "body": {
            "type": "box", "layout": "vertical", "contents": [
                {"type": "spacer", "size": "md"}, {"type": "chart", "data": [1, 2, 3]}]}}},
    ]


def _push_to_standin(base: str, token: str, to: str, messages: list[dict[str, object]]) -> None:
    """Push straight to the stand-in's Messaging API, as any LINE client could."""
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{base}/simulator/line/v2/bot/message/push", method="POST",
        data=json.dumps({"to": to, "messages": messages}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_flex_messages_render_and_their_buttons_work(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from bot.simulator.transcript import simulated_user_id
    from handlers.kit.postback import Action
    from models.outbox import enqueue_push
    from tests.test_simulator import png_bytes

    ARTIFACTS.mkdir(exist_ok=True)
    with simulator_server(tmp_path) as (app, base), sync_playwright() as playwright:
        state = app.extensions["bot"]
        state.standin.rich_menu_images["richmenu-picture"] = png_bytes()
        picture = "/simulator/api/richmenu/richmenu-picture/image"
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="th-TH")
            # No internet here: links out are answered locally, so a popup shows where it went.
            page.context.route("https://example.org/**", lambda route: route.fulfill(body="example", content_type="text/plain"))
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{base}/simulator?as=D009")
            page.wait_for_selector("body[data-ready='1']")
            page.locator(".row.bot", has_text="ผูกบัญชีเรียบร้อยแล้ว").first.wait_for()

            with state.db.transaction() as session:
                enqueue_push(session=session, to=simulated_user_id("D009"),
                             messages=_rich_messages(state.services.codec.pack(Action.HELP), picture))
            # The simulator's own worker (as under `make run`) delivers it within a second.
            page.locator(".flex-carousel").last.wait_for()
            page.locator(".row.bot", has_text="เลือกได้เลยค่ะ").wait_for()
            shot(page, "10-flex-carousel")
            _push_to_standin(base, state.standin.access_token, simulated_user_id("D009"), _odd_messages())

            carousel = page.locator(".flex-carousel").last
            carousel.wait_for()
            assert carousel.locator(".flex-bubble").count() == 2
            assert carousel.locator(".flex-sep").count() >= 1
            assert carousel.locator(".flex-image img").first.evaluate("img => img.naturalWidth") == 8
            # Bot text is data: markup in it shows as characters and makes no element.
            assert carousel.get_by_text("<b>not bold</b>").count() == 1
            assert page.locator("#messages b").count() == 0
            # What the renderer does not know is shown, not dropped.
            page.locator(".fallback", has_text="แผนที่ทดสอบ").wait_for()
            assert page.locator(".flex-bubble .fallback", has_text="chart").count() == 1
            # The odd messages came last and carry no quick reply; push the chips again on their own.
            with state.db.transaction() as session:
                enqueue_push(session=session, to=simulated_user_id("D009"),
                             messages=_rich_messages(state.services.codec.pack(Action.HELP), picture)[-1:])
            chips = page.locator("#quick .chip")
            chips.first.wait_for()
            assert chips.all_inner_texts() == ["ช่วยเหลือ", "เมนู", "เว็บ", "เลือกวัน"]
            page.locator("#new-badge").wait_for(state="visible")
            shot(page, "11-flex-fallbacks")

            carousel.get_by_role("button", name="รายละเอียด").click()
            page.locator(".row.user", has_text="ขอดูรายละเอียด").wait_for()
            page.locator(".row.bot", has_text="คำขอของฉัน").last.wait_for()
            assert page.locator("#quick").is_visible()  # the help answer brings its own quick replies

            # A rich menu the bot links to this person replaces the simulator's plain one; its areas tap.
            menu_png = io.BytesIO()
            picture_menu = Image.new("RGB", (2500, 843), (6, 199, 85))
            picture_menu.paste((11, 110, 79), (1250, 0, 2500, 843))
            picture_menu.save(menu_png, format="PNG")
            state.standin.rich_menus["richmenu-browser"] = {
                "richMenuId": "richmenu-browser", "size": {"width": 2500, "height": 843}, "selected": True,
                "name": "staff", "chatBarText": "เมนูหลัก", "areas": [
                    {"bounds": {"x": 0, "y": 0, "width": 1250, "height": 843},
                     "action": {"type": "message", "label": "คำขอของฉัน", "text": "คำขอของฉัน"}},
                    {"bounds": {"x": 1250, "y": 0, "width": 1250, "height": 843},
                     "action": {"type": "postback", "label": "ช่วยเหลือ", "data": state.services.codec.pack(Action.HELP),
                                "displayText": "ช่วยเหลือ"}}]}
            state.standin.rich_menu_images["richmenu-browser"] = menu_png.getvalue()
            state.standin.user_menus[simulated_user_id("D009")] = "richmenu-browser"
            # The page polls: wait until it shows this menu instead of the one the bot linked first.
            page.locator("#chatbar", has_text="เมนูหลัก").wait_for()
            page.get_by_role("button", name="คำขอของฉัน", exact=True).and_(page.locator(".rm-area")).click()
            page.locator(".row.user", has_text="คำขอของฉัน").last.wait_for()
            page.locator("#richmenu .rm-area").last.click()
            page.locator(".row.user", has_text="ช่วยเหลือ").last.wait_for()

            with page.expect_popup() as popup:
                carousel.get_by_role("button", name="เว็บไซต์").click()
            assert popup.value.url == "https://example.org/"
            popup.value.close()
            shot(page, "12-flex-tapped")
            assert page.locator(".notice.err").count() == 0
            assert errors == []
        finally:
            browser.close()


def test_images_refused_files_and_the_person_picker(browser_context: tuple[object, str]) -> None:
    context, base = browser_context
    errors: list[str] = []
    page = open_tab(context, base, "D011", errors)
    # The picker is drawn in the page's Thai font (a native select popup drops ์ from names).
    page.click("#who-picker summary")
    item = page.locator(".who-item", has_text="สมศักดิ์").first
    assert item.is_visible()
    assert item.evaluate("e => getComputedStyle(e).fontFamily").strip('"').startswith("SimThai")
    assert page.evaluate("document.fonts.check('16px SimThai', 'สมศักดิ์')")
    page.click("#who-picker summary")

    say(page, "ช่วยเหลือ")
    chips = page.locator("#quick .chip")
    chips.first.wait_for()
    before = chips.all_inner_texts()
    # A file the simulator refuses leaves the quick replies where they were.
    page.set_input_files("#image-input", files=[{"name": "a.png", "mimeType": "image/png", "buffer": b"%PDF-1.4"}])
    page.locator(".notice.err", has_text="กรุณาเลือกไฟล์รูปภาพ").wait_for()
    assert page.locator("#quick").is_visible() and chips.all_inner_texts() == before

    # After a tall image the chat scrolls to the bot's answer once the picture has loaded.
    tall = io.BytesIO()
    Image.new("RGB", (300, 1400), (6, 199, 85)).save(tall, format="PNG")
    rows = page.locator(".row.bot").count()
    page.set_input_files("#image-input", files=[{"name": "tall.png", "mimeType": "image/png", "buffer": tall.getvalue()}])
    page.locator(".row.user img").last.wait_for()
    page.wait_for_function("n => document.querySelectorAll('.row.bot').length > n", arg=rows)
    page.wait_for_function("() => [...document.querySelectorAll('.row.user img')].every(i => i.complete)")
    page.wait_for_function("() => { const m = document.getElementById('messages');"
                           " return m.scrollHeight - m.scrollTop - m.clientHeight < 8; }")
    shot(page, "13-image-scrolled")
    assert page.locator(".notice.err").count() == 1  # only the refused file
    assert errors == []
