"""The log scan itself: it must recognise what it is there to catch, and pass what we log."""
from __future__ import annotations

import logging

import pytest

from tests.support.logscan import _Collector, leak_in


@pytest.mark.parametrize("line", [
    "event for นางสาวพิมพ์ชนก ใจงาม failed",
    "pushed to U" + "0123456789abcdef" * 2,
    "reply token 4f0c1e9a8b7d6c5e4f3a2b1c0d9e8f7a refused",
    "link code 1234-5678 typed",
    "Authorization: Bearer abc",
    "secret test-channel-secret",
])
def test_personal_data_and_secrets_are_recognised(line: str) -> None:
    assert leak_in(line)


@pytest.mark.parametrize("line", [
    "webhook event refused: webhookEventId longer than 64",
    "outbox row 12 given up after 12 attempts (400)",
    "skipping redelivered event 01HZX3K4M5N6P7Q8R9S0T1V2W3",
    "job reports-deadlines at 2027-01-05T02:00:00+00:00 wrote 3 outbox rows",
])
def test_what_we_log_passes(line: str) -> None:
    assert leak_in(line) is None


def test_the_collector_sees_exception_summaries() -> None:
    collector = _Collector()
    try:
        raise ValueError("ชื่อ สมชาย")
    except ValueError as exc:
        record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "failed", (), (type(exc), exc, None))
    collector.emit(record)
    assert collector.leaks and "Thai" in collector.leaks[0]
