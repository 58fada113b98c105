"""The HR console in a real browser: sign in, upload a staff sheet through its preview, print slips.

Headless Debian Chromium driven by Playwright (never `playwright install`: `make browser` puts
Chromium at /usr/bin/chromium), against the real app served on a real port with the demo
organisation. Every request the page makes must stay on the app (no CDN). Screenshots and the
printed sheet (PDF) are kept in test-artifacts/.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.state import BotState
from models.admin import ADMIN_HR, create_admin
from models.linking import LinkCode
from models.org import Staff
from tests.test_simulator import simulator_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
TIMEOUT_MS = 20_000
PASSWORD = "browser-pass-2569"
SHEET = """รหัสพนักงาน,คำนำหน้า,ชื่อ,นามสกุล,ตำแหน่ง,ประเภทบุคลากร,สังกัด,รหัสผู้บังคับบัญชา
D009,นาย,อนุชา,บุญมา,นายช่างโยธาอาวุโส,พนักงานส่วนตำบล,กองช่าง,D005
N001,นางสาว,ชุติมา,แก้วประเสริฐ,นักวิชาการศึกษา,พนักงานส่วนตำบล,กองการศึกษา,D006
N002,นาย,กิตติพงษ์,ศรีสุข,ผู้ช่วยนักวิชาการคลัง,พนักงานจ้างตามภารกิจ,กองคลัง,D004
"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium) to run this test"),
]


def shot(page: object, name: str) -> None:
    """Keep a screenshot of a page as a test artefact."""
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_hr_signs_in_uploads_staff_and_prints_link_codes(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    sheet = tmp_path / "staff.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    with simulator_server(tmp_path) as (app, base), sync_playwright() as playwright:
        state: BotState = app.extensions["bot"]
        with state.db.transaction() as session:
            create_admin(session=session, username="somsri", password=PASSWORD, role=ADMIN_HR)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="th-TH",
                                          timezone_id="Asia/Bangkok")
            context.set_default_timeout(TIMEOUT_MS)
            outside: list[str] = []
            host = urlsplit(base).netloc

            def only_the_app(route: object) -> None:
                url = route.request.url  # type: ignore[attr-defined]
                if urlsplit(url).netloc != host:
                    outside.append(url)
                    route.abort()  # type: ignore[attr-defined]
                else:
                    route.continue_()  # type: ignore[attr-defined]

            context.route("**/*", only_the_app)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            # Signing in: the console sends a stranger to the login first.
            page.goto(f"{base}/admin/staff/")
            page.get_by_label("ชื่อผู้ใช้").fill("somsri")
            page.get_by_label("รหัสผ่าน").fill("wrong-password")
            page.get_by_role("button", name="เข้าสู่ระบบ").click()
            page.get_by_text("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง").wait_for()
            shot(page, "01-login-wrong")
            page.get_by_label("รหัสผ่าน").fill(PASSWORD)
            page.get_by_role("button", name="เข้าสู่ระบบ").click()
            page.get_by_role("heading", name="บุคลากร").wait_for()
            # Sarabun comes from the app (the route below refuses anything else) and loads.
            assert page.evaluate("document.fonts.load('16px Sarabun').then(faces => faces.length)") >= 1
            assert page.evaluate("getComputedStyle(document.body).fontFamily").strip('"').startswith("Sarabun")
            shot(page, "02-staff-list")

            # The add-friend link, set once in the settings, becomes the slips' QR code.
            page.get_by_role("link", name="ตั้งค่า").click()
            page.get_by_label("ลิงก์เพิ่มเพื่อนบอท LINE").fill("https://line.me/R/ti/p/@123abcde")
            page.get_by_role("button", name="บันทึกการตั้งค่า").click()
            page.get_by_text("บันทึกการตั้งค่าแล้ว 1 รายการ").wait_for()
            assert page.locator("td", has_text="https://line.me/R/ti/p/@123abcde").count() == 1
            shot(page, "02b-settings")

            # A staff sheet: preview first, nothing saved until confirmed.
            page.get_by_role("link", name="นำเข้าไฟล์").click()
            page.locator("#upload-staff input[type=file]").set_input_files(str(sheet))
            page.locator("#upload-staff").get_by_role("button", name="ตรวจไฟล์").click()
            page.get_by_role("button", name="ยืนยันนำเข้า").wait_for()
            assert page.locator("tr.add").count() == 2 and page.locator("tr.change").count() == 1
            page.get_by_text("ตำแหน่ง: นายช่างโยธาชำนาญงาน → นายช่างโยธาอาวุโส").wait_for()
            shot(page, "03-upload-preview")
            with state.db.transaction() as session:
                assert session.scalar(select(Staff).where(Staff.employee_id == "N001")) is None
            page.get_by_role("button", name="ยืนยันนำเข้า").click()
            page.get_by_text("นำเข้าบุคลากรสำเร็จ: เพิ่มใหม่ 2 คน ปรับปรุง 1 คน").wait_for()
            shot(page, "04-imported")

            # Link codes for everyone not yet linked, as a printable A4 sheet of slips.
            page.get_by_label("บัญชี LINE").select_option("0")
            page.get_by_role("button", name="ค้นหา").click()
            page.get_by_text("ชุติมา แก้วประเสริฐ").wait_for()
            page.get_by_role("button", name="พิมพ์รหัสผูกบัญชีให้ทุกคนที่ยังไม่ผูก").click()
            page.get_by_role("button", name="พิมพ์ (A4)").wait_for()
            slips = page.locator("article.slip")
            with state.db.transaction() as session:
                unlinked = session.scalars(select(Staff).where(Staff.active.is_(True),
                                                               Staff.line_user_id.is_(None))).all()
                assert slips.count() == len(unlinked) >= 2
                assert session.scalar(select(LinkCode.id).limit(1)) is not None
            first = slips.filter(has_text="ชุติมา แก้วประเสริฐ")
            assert first.locator(".slip-code").inner_text().replace("-", "").isdigit()
            assert "25" in first.locator(".slip-exp").inner_text()  # the expiry in BE
            assert first.locator("svg").count() == 1
            shot(page, "05-link-slips")
            page.emulate_media(media="print")
            assert page.locator(".topbar").is_hidden()
            pdf = page.pdf(format="A4", print_background=True)
            (ARTIFACTS / "console-05-link-slips.pdf").write_bytes(pdf)
            assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
            page.emulate_media(media="screen")

            # On a phone the menu folds and tables become cards.
            phone = context.new_page()
            phone.set_viewport_size({"width": 390, "height": 800})
            phone.goto(f"{base}/admin/staff/")
            assert phone.locator("nav.nav").is_hidden()
            phone.locator(".nav-button").click()
            assert phone.locator("nav.nav").is_visible()
            assert phone.evaluate("document.documentElement.scrollWidth") <= 400
            shot(phone, "06-phone-staff")

            assert outside == [], f"the console asked for something outside the app: {outside}"
            assert errors == []
        finally:
            browser.close()
