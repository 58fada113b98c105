"""Every log line the suite produces is scanned for personal data and secrets (PDPA).

An autouse fixture (imported by tests/conftest.py) listens on the root logger at INFO, the level
production runs at, for the whole of each test. A test fails if any line holds a secret or token,
a LINE user id, a link code, or Thai script: our log messages are English with ids and counts,
so Thai in a log line is a name, a course title or what someone typed. Only the message and the
exception's one-line summary are scanned, not traceback source lines (those are our code).
"""
from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator

import pytest

SECRETS = ("test-channel-secret", "test-access-token", "test-secret-key", "Bearer ")
PATTERNS = {
    "a Thai text (name, course or message body)": re.compile(r"[\u0e00-\u0e7f]"),
    "a LINE user id": re.compile(r"\bU[0-9a-f]{32}\b|\bU(?:worker|boss|hr|seat|dbl|race|stranger|linked)[\w-]*"),
    "a reply token": re.compile(r"\b[0-9a-f]{32}\b"),
    "a link code": re.compile(r"\b\d{4}-\d{4}\b"),
}
# The fake LINE server's access log is test machinery (production has no such server).
IGNORED_LOGGERS = ("werkzeug",)


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(IGNORED_LOGGERS):
            return
        try:
            line = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is a finding too
            line = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            line += " | " + "".join(traceback.format_exception_only(record.exc_info[1])).strip()
        problem = leak_in(line)
        if problem:
            self.leaks.append(f"{record.name}: {problem}: {line[:200]!r}")


def leak_in(line: str) -> str | None:
    """Return what personal data or secret a log line holds, or None."""
    for secret in SECRETS:
        if secret in line:
            return "a secret"
    for what, pattern in PATTERNS.items():
        if pattern.search(line):
            return what
    return None


@pytest.fixture(autouse=True)
def scan_logs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test when anything it logged holds personal data or a secret."""
    root = logging.getLogger()
    collector = _Collector()
    old_level = root.level
    root.addHandler(collector)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    yield
    root.removeHandler(collector)
    root.setLevel(old_level)
    if collector.leaks and not request.node.get_closest_marker("logs_may_leak"):
        pytest.fail("personal data or a secret in the logs:\n" + "\n".join(collector.leaks[:10]), pytrace=False)
