"""Console test helpers: accounts, a signed-in client that sends CSRF tokens like the pages do.

Use the fixtures (registered for every test by tests/conftest.py):

    def test_x(hr_console, viewer_console, console_anon): ...
    hr_console.get("/admin/staff/")             # signed in as role hr
    hr_console.post("/admin/settings/", data={...})   # the page's CSRF token is added
    hr_console.post(url, data, csrf=False)      # a form without its token
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from models.admin import ADMIN_HR, ADMIN_VIEWER, create_admin

PASSWORD = "test-password-123"
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_n = itertools.count(1)


class ConsoleClient:
    """A Flask test client of the console that keeps one session and its CSRF token."""

    def __init__(self, client: FlaskClient, username: str | None = None) -> None:
        self.client = client
        self.username = username
        self._token: str | None = None

    def csrf_token(self, refresh: bool = False) -> str:
        """Return the session's CSRF token, read from a console page as a browser would."""
        if self._token is None or refresh:
            page = self.client.get("/admin/login")
            if page.status_code == 302:
                page = self.client.get("/admin/")
            match = _CSRF_META.search(page.get_data(as_text=True))
            assert match, "no CSRF token on the page"
            self._token = match.group(1)
        return self._token

    def sign_in(self, username: str, password: str = PASSWORD) -> TestResponse:
        """Submit the login form."""
        self._token = None
        response = self.client.post("/admin/login", data={"username": username, "password": password,
                                                           "csrf_token": self.csrf_token()})
        self._token = None  # a new session after signing in carries a new token
        return response

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        """GET a page."""
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any) -> TestResponse:
        """POST a form, with the CSRF token unless csrf=False."""
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(url, data=data, **kwargs)

    def text(self, url: str, **kwargs: Any) -> str:
        """GET a page and return its HTML, asserting it answered 200."""
        response = self.client.get(url, **kwargs)
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data(as_text=True)


def make_admin(tx: Callable[[], AbstractContextManager[Session]], role: str = ADMIN_HR,
               username: str | None = None, password: str = PASSWORD, staff_id: int | None = None) -> str:
    """Create a console account and return its username."""
    name = username or f"{role}-{next(_n)}"
    with tx() as session:
        create_admin(session=session, username=name, password=password, role=role, staff_id=staff_id)
    return name


def signed_in(app: Flask, tx: Callable[[], AbstractContextManager[Session]], role: str) -> ConsoleClient:
    """Return a client signed in with a new account of a role."""
    console = ConsoleClient(app.test_client())
    console.username = make_admin(tx, role)
    response = console.sign_in(console.username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return console


@pytest.fixture
def hr_console(app: Flask, tx: Callable[[], AbstractContextManager[Session]]) -> ConsoleClient:
    """A console client signed in as HR (role hr: may change data)."""
    return signed_in(app, tx, ADMIN_HR)


@pytest.fixture
def viewer_console(app: Flask, tx: Callable[[], AbstractContextManager[Session]]) -> ConsoleClient:
    """A console client signed in as a viewer (reads only)."""
    return signed_in(app, tx, ADMIN_VIEWER)


@pytest.fixture
def console_anon(app: Flask) -> ConsoleClient:
    """A console client without a session."""
    return ConsoleClient(app.test_client())
