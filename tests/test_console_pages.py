"""Every console page, whichever area added it: a session is needed, and viewers change nothing.

The routes are read from the app itself, so a page added later is checked without a new test.
"""
from __future__ import annotations

import re

from flask import Flask

from tests.support.console import ConsoleClient

OPEN = {"console.auth.login", "console.static", "console.font"}
ARGS = {"int": "1", "default": "staff", "string": "staff", "path": "x"}


def _urls(app: Flask, method: str) -> list[tuple[str, str]]:
    """Return (endpoint, url) of every console route taking a method, with placeholder arguments."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint in OPEN or method not in (rule.methods or ()):
            continue
        url = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", lambda m: ARGS.get(m.group(1) or "default", "x"), rule.rule)
        found.append((rule.endpoint, url))
    return sorted(found)


def test_every_page_sends_a_stranger_to_the_login(app: Flask, console_anon: ConsoleClient) -> None:
    pages = _urls(app, "GET")
    assert len(pages) >= 8
    for endpoint, url in pages:
        response = console_anon.get(url)
        assert response.status_code == 302, (endpoint, url, response.status_code)
        assert "/admin/login" in response.headers["Location"], endpoint


def test_every_form_refuses_a_stranger_and_a_missing_token(app: Flask, console_anon: ConsoleClient) -> None:
    for endpoint, url in _urls(app, "POST"):
        without = console_anon.post(url, csrf=False)
        assert without.status_code == 400, (endpoint, url, without.status_code)
        with_token = console_anon.post(url)
        assert with_token.status_code == 302 and "/admin/login" in with_token.headers["Location"], endpoint


def test_a_viewer_can_post_nothing_but_sign_out(app: Flask, viewer_console: ConsoleClient) -> None:
    for endpoint, url in _urls(app, "POST"):
        if endpoint == "console.auth.logout":
            continue
        response = viewer_console.post(url)
        assert response.status_code == 403, (endpoint, url, response.status_code)
        assert "ดูข้อมูลได้อย่างเดียว" in response.get_data(as_text=True)


def test_pages_read_in_thai_for_a_viewer(app: Flask, viewer_console: ConsoleClient) -> None:
    for endpoint, url in _urls(app, "GET"):
        response = viewer_console.get(url)
        response.close()
        # A page that needs a record that is not there says so in Thai; none fails with a 500.
        assert response.status_code in (200, 302, 403, 404), (endpoint, url, response.status_code)
        if response.status_code == 404:
            assert "ไม่พบข้อมูล" in response.get_data(as_text=True), endpoint


def test_a_missing_record_is_a_thai_404(hr_console: ConsoleClient) -> None:
    response = hr_console.get("/admin/staff/99999")
    assert response.status_code == 404 and "ไม่พบข้อมูลที่ต้องการ" in response.get_data(as_text=True)
    assert hr_console.get("/admin/uploads/nothing/preview").status_code == 404
