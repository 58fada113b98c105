"""A lean fake Messaging API for the benchmarks: asyncio HTTP/1.1 with keep-alive, one process.

The suite's stand-in (bot/standin.py, Flask on werkzeug's dev server) spends more CPU per call
than the bot does, so at LINE's rate it, not the sender, would be measured. This one does only
what the figures need: bearer-token check, X-Line-Retry-Key dedup (409 for a repeat, as
LINE does), recipients counted per accepted call, an optional 429 with Retry-After for the
first N calls, the quota endpoints. Replies accept any token.

Run: python bench/fast_fake.py PORT_FILE  (writes its port there, serves until killed);
GET /stats answers the counts as JSON, POST /reset clears them.
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

TOKEN = b"Bearer test-access-token"


class State:
    """What the fake has seen."""

    def __init__(self) -> None:
        self.reset()

    def reset(self, throttle: int = 0, retry_after: int = 1) -> None:
        """Forget everything; answer the next `throttle` message calls with 429."""
        self.keys: set[str] = set()
        self.calls = 0
        self.accepted = 0
        self.duplicates = 0
        self.throttled = 0
        self.throttle = throttle
        self.retry_after = retry_after
        self.recipients: Counter[str] = Counter()
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.early_after_429 = 0  # calls that came before Retry-After had passed
        self._quiet_until = 0.0

    def stats(self) -> dict[str, Any]:
        """Return the counts."""
        return {"calls": self.calls, "accepted": self.accepted, "duplicates": self.duplicates,
                "throttled": self.throttled, "people": len(self.recipients),
                "max_per_person": max(self.recipients.values(), default=0),
                "first_at": self.first_at, "last_at": self.last_at, "early_after_429": self.early_after_429,
                "clock": time.time()}

    def message(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Answer one message call."""
        now = time.time()
        self.calls += 1
        self.first_at = self.first_at or now
        self.last_at = now
        if now < self._quiet_until:
            self.early_after_429 += 1
        if self.throttle > 0:
            self.throttle -= 1
            self.throttled += 1
            self._quiet_until = now + self.retry_after - 0.05
            return 429, {"Retry-After": str(self.retry_after)}, b'{"message":"rate limited"}'
        key = headers.get("x-line-retry-key")
        if key:
            if key in self.keys:
                self.duplicates += 1
                return 409, {}, b'{"message":"The retry key is already accepted"}'
            self.keys.add(key)
        data = json.loads(body or b"{}")
        to = data.get("to") or ["(reply)"]
        for user in [to] if isinstance(to, str) else to:
            self.recipients[user] += 1
        self.accepted += 1
        sent = ",".join('{"id":"1"}' for _ in data.get("messages") or [])
        return 200, {}, f'{{"sentMessages":[{sent}]}}'.encode()


async def handle(state: State, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Serve one keep-alive connection."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length") or 0))
            status, extra, payload = route(state, method, path, headers, body)
            reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 409: "Conflict", 429: "Too Many Requests"}
            out = [f"HTTP/1.1 {status} {reason.get(status, 'OK')}", "Content-Type: application/json",
                   f"Content-Length: {len(payload)}"] + [f"{k}: {v}" for k, v in extra.items()]
            writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + payload)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


def route(state: State, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    """Dispatch one request."""
    if path == "/stats":
        return 200, {}, json.dumps(state.stats()).encode()
    if path.startswith("/reset"):
        query = dict(p.split("=") for p in path.partition("?")[2].split("&") if "=" in p)
        state.reset(int(query.get("throttle", 0)), int(query.get("retry_after", 1)))
        return 200, {}, b"{}"
    if headers.get("authorization", "").encode() != TOKEN:
        return 401, {}, b'{"message":"invalid token"}'
    if path.startswith("/v2/bot/message/quota/consumption"):
        return 200, {}, json.dumps({"totalUsage": sum(state.recipients.values())}).encode()
    if path.startswith("/v2/bot/message/quota"):
        return 200, {}, b'{"type":"limited","value":100000}'
    if method == "POST" and path.rsplit("/", 1)[-1] in ("push", "multicast", "reply"):
        return state.message(path, headers, body)
    return 200, {}, b"{}"


async def main(port_file: Path) -> None:
    """Serve on a free loopback port until killed."""
    state = State()
    server = await asyncio.start_server(lambda r, w: handle(state, r, w), "127.0.0.1", 0, backlog=512)
    port = server.sockets[0].getsockname()[1]
    port_file.write_text(str(port))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
