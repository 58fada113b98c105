"""Two deliveries of one event at the same instant are handled once, on every backend."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from models.events import InboundEvent
from tests.support import events as ev


def test_simultaneous_redeliveries_reply_once(app, fake_line, bot) -> None:
    token = fake_line.standin.issue_reply_token("Urace")
    event = ev.text_event("Urace", "สวัสดีค่ะ", token)
    body = ev.payload(event)
    signature = ev.sign(body, bot.channel_secret)
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def deliver_once() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/callback", data=body, headers={"X-Line-Signature": signature})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=deliver_once) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert statuses == [200] * 4
    assert len(fake_line.standin.messages_to("Urace")) == 1
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == 1
