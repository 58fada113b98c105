"""The console in a real browser: HR opens a course's participants and decides a stalled step on
the approver's behalf; the next approver's card arrives in the simulator's stand-in.

Headless Debian Chromium through Playwright (executable_path /usr/bin/chromium, as in
tests/test_simulator_browser.py), the real app served threaded on a real port with the demo
organisation. Screenshots are kept in test-artifacts/.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from models.admin import ADMIN_HR, create_admin
from models.course import Course
from models.org import Staff, get_settings
from models.registration import Acting, Registration, StepDecision, register
from tests.test_simulator import simulator_server
from thai.dates import today_bangkok

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
TIMEOUT_MS = 20_000
PASSWORD = "browser-test-password"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium) to run this test"),
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[object, str, object]]:
    """The demo app served on a port, a stalled request (its approver never linked LINE), a browser page."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with simulator_server(tmp_path) as (app, base), sync_playwright() as playwright:
        state = app.extensions["bot"]
        with state.db.transaction() as db:
            create_admin(session=db, username="hr-browser", password=PASSWORD, role=ADMIN_HR)
            worker = db.scalar(select(Staff).where(Staff.employee_id == "D008"))
            course = db.scalar(select(Course).where(Course.code == "DEMO-01"))
            register(session=db, staff=worker, course=course, reason="ใช้ในงานพัสดุและการเงิน",
                     today=today_bangkok(), settings=get_settings(session=db))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="th-TH",
                                      timezone_id="Asia/Bangkok")
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context.new_page(), base, state
        finally:
            context.close()
            browser.close()


def shot(page: object, name: str) -> None:
    """Keep a screenshot as a test artefact."""
    page.screenshot(path=str(ARTIFACTS / f"console-courses-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_hr_opens_participants_and_decides_a_stalled_step(served: tuple[object, str, object]) -> None:
    page, base, state = served
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))  # type: ignore[attr-defined]

    page.goto(f"{base}/admin/courses/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", "hr-browser")  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="เข้าสู่ระบบ").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="หลักสูตร ปีงบประมาณ").wait_for()  # type: ignore[attr-defined]
    shot(page, "01-courses")

    page.get_by_role("link", name="การจัดซื้อจัดจ้างภาครัฐด้วยระบบ e-GP").click()  # type: ignore[attr-defined]
    row = page.locator("table.participants tr", has_text="กนกวรรณ")  # type: ignore[attr-defined]
    row.wait_for()
    assert "ขั้นที่ 1/2" in row.inner_text() and "อรุณี" in row.inner_text()
    shot(page, "02-participants")

    row.get_by_role("link", name="กนกวรรณ").click()
    page.get_by_role("heading", name="พิจารณาแทนผู้อนุมัติ").wait_for()  # type: ignore[attr-defined]
    shot(page, "03-request")
    page.fill("textarea[name=reason]", "ผู้อำนวยการกองคลังไปราชการ ติดต่อไม่ได้")  # type: ignore[attr-defined]
    page.get_by_role("button", name="อนุมัติแทน", exact=True).click()  # type: ignore[attr-defined]
    page.locator(".flash", has_text="บันทึกผลการพิจารณาแทน").wait_for()  # type: ignore[attr-defined]
    steps = page.locator("table.steps").inner_text()  # type: ignore[attr-defined]
    assert "เจ้าหน้าที่งานบุคคลพิจารณาแทน" in steps
    assert "ผู้อำนวยการกองคลังไปราชการ" in page.locator("table.trail").inner_text()  # type: ignore[attr-defined]
    shot(page, "04-decided")

    with state.db.transaction() as db:  # type: ignore[attr-defined]
        reg = db.scalar(select(Registration).join(Staff, Staff.id == Registration.staff_id)
                        .where(Staff.employee_id == "D008", Registration.status == "pending"))
        assert reg is not None and reg.current_step == 2
        first = reg.steps[0]
        assert (first.decision, first.acting) == (StepDecision.APPROVED, Acting.HR)
    assert errors == []
