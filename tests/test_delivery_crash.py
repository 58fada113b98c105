"""SIGKILL mid-flight: the Procfile's web process in a burst, the worker in a batch.

Real processes (gunicorn from the Procfile, `flask --app bot worker`) on the suite's database
and fake Messaging API. After the kill a new process starts, LINE redelivers every event,
and the test counts what each person received: nothing lost, nothing twice.
"""
from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from models.events import InboundEvent
from models.outbox import SENT, OutboxMessage, enqueue_push
from tests.support import events as ev

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(database_url: str, fake_url: str, **extra: str) -> dict[str, str]:
    return dict(os.environ, DATABASE_URL=database_url, LINE_CHANNEL_SECRET="test-channel-secret",
                LINE_CHANNEL_ACCESS_TOKEN="test-access-token", LINE_API_BASE_URL=fake_url,
                LINE_DATA_API_BASE_URL=fake_url, SECRET_KEY="test-secret-key", PATH=f"{BIN}:{os.environ['PATH']}",
                OUTBOX_LEASE="2", OUTBOX_REPLY_LEASE="2", OUTBOX_BACKOFF="0.2", **extra)


def _procfile(name: str) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return shlex.split(line.split(":", 1)[1])
    raise AssertionError(f"no {name}: in the Procfile")


@contextmanager
def _process(argv: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        _kill(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    # The whole group: gunicorn's master and its workers die at once, as in a crash.
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(30)


def _web(env: dict[str, str], port: int) -> list[str]:
    argv = [part.replace("$PORT", str(port)).replace("0.0.0.0", "127.0.0.1") for part in _procfile("web")]
    return argv


def _wait_healthy(port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    raise AssertionError("the web process did not start")


def _post(port: int, body: bytes, signature: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/callback", data=body, method="POST",
                                     headers={"X-Line-Signature": signature, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0  # the process died under the request: LINE will redeliver


def _wait_all_sent(bot, timeout: float = 120.0, at_least: int = 1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with bot.db.transaction() as s:
            statuses = Counter(s.scalars(select(OutboxMessage.status)))
        if sum(statuses.values()) >= at_least and set(statuses) <= {SENT}:
            return
        time.sleep(0.3)
    raise AssertionError(f"not everything was sent: {statuses}")


def _expected_and_received(bot, standin) -> tuple[Counter, Counter]:
    with bot.db.transaction() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        expected = Counter((to, json.dumps(m, sort_keys=True)) for r in rows for to in r.recipients for m in r.messages)
    received = Counter((d.to, json.dumps(d.message, sort_keys=True)) for d in standin.deliveries)
    return expected, received


def test_web_process_killed_mid_burst_loses_nothing_and_doubles_nothing(app, bot, database_url, fake_line) -> None:
    standin = fake_line.standin
    standin.delay = 0.05  # calls take a while, so some are in flight at the kill
    users = [f"Ukill{i:02d}" for i in range(40)]
    bodies = []
    for user in users:
        body = ev.payload(ev.text_event(user, "สวัสดีค่ะ", standin.issue_reply_token(user)))
        bodies.append((body, ev.sign(body, bot.channel_secret)))
    env = _env(database_url, fake_line.url)
    port = _free_port()
    statuses: list[int] = []
    with _process(_web(env, port), env) as web:
        _wait_healthy(port)

        def burst(part: list[tuple[bytes, str]]) -> None:
            for body, signature in part:
                statuses.append(_post(port, body, signature))

        threads = [threading.Thread(target=burst, args=(bodies[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        while len(statuses) < 15:
            time.sleep(0.01)
        _kill(web)  # SIGKILL in the middle of the burst
        for t in threads:
            t.join(30)
    with bot.db.transaction() as s:
        handled_before = s.scalar(select(func.count()).select_from(InboundEvent))
    assert handled_before < len(users)  # the kill came in the middle of the burst

    # A new web process; LINE redelivers (here: every event, the ones answered too).
    with _process(_web(env, port), env), _process(_procfile("worker"), env):
        _wait_healthy(port)
        again = [_post(port, body, signature) for body, signature in bodies]
        assert again == [200] * len(bodies)
        _wait_all_sent(bot, at_least=len(users))
    expected, received = _expected_and_received(bot, standin)
    doubled = received - expected
    lost = expected - received
    assert not lost, f"lost {sum(lost.values())} messages"
    assert not doubled, f"{sum(doubled.values())} messages arrived twice"
    assert {user for user, _ in received} == set(users)
    with bot.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(InboundEvent)) == len(users)


def test_worker_killed_mid_batch_finishes_after_restart_and_sends_each_once(app, bot, tx, database_url,
                                                                          fake_line) -> None:
    standin = fake_line.standin
    standin.delay = 0.01
    hello = [{"type": "text", "text": "สวัสดีค่ะ"}]
    with tx() as s:
        for i in range(400):
            enqueue_push(session=s, to=f"Ubatch{i:03d}", messages=hello, dedup_key=f"test:batch:{i}")
    env = _env(database_url, fake_line.url)
    with _process(_procfile("worker"), env) as worker:
        deadline = time.monotonic() + 90
        while len(standin.deliveries) < 60 and time.monotonic() < deadline:
            time.sleep(0.02)
        _kill(worker)  # SIGKILL with batches held and calls in flight
    sent_before = len(standin.deliveries)
    assert 0 < sent_before < 400
    with _process(_procfile("worker"), env):
        _wait_all_sent(bot, at_least=400)
    per_person = Counter(d.to for d in standin.deliveries)
    assert len(per_person) == 400 and set(per_person.values()) == {1}
    accepted = Counter(standin.accepted_keys())
    assert len(accepted) == 400 and set(accepted.values()) == {1}
    # Rows held by the dead worker went again under their key: LINE's 409s, never a second message.
    repeats = [c for c in standin.calls if c.status == 409]
    assert len(repeats) <= 8 * 50  # at most the rows it held (lanes x batch)


def test_sigusr1_prints_every_lane_of_a_running_worker_and_the_worker_goes_on(database_url, fake_line,
                                                                             tmp_path) -> None:
    # How an operator sees where a stuck worker waits, without stopping it.
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(_procfile("worker"), cwd=ROOT, env=_env(database_url, fake_line.url),
                                start_new_session=True, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 90
        while "worker started" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGUSR1)
        # 4 inbox lanes, 8 outbox lanes, the main thread (the outbox listener), and on PostgreSQL the inbox's
        wanted = [f"stacks of {13 if database_url.startswith('sqlite') else 14} threads", "thread inbox-lane-3:",
                  "thread outbox-lane-7:", "thread MainThread:", "bot/inbox.py", "bot/worker.py", "bot/notify.py"]
        # stderr is line-buffered: the dump lands line by line, and on a loaded machine slowly.
        missing = wanted
        while missing and time.monotonic() < deadline:
            time.sleep(0.1)
            dump = log.read_text()
            missing = [w for w in wanted if w not in dump]
        assert not missing, dump[-4000:]
        time.sleep(0.5)
        assert proc.poll() is None  # still delivering
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert "worker stopped" in log.read_text()
    finally:
        _kill(proc)
