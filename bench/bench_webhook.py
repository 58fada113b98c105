"""Benchmark the webhook: the Procfile's web process against a bare echo bot, driven by wrk.

Run from the project root: .venv/bin/python bench/bench_webhook.py [--seconds 8] [--connections 32]
(needs Debian's wrk: `make bench` installs it).

Both servers answer pre-signed webhooks (bench/wrk_webhook.lua) on loopback; both reply
through line-bot-sdk to a lean fake Messaging API (bench/fast_fake.py). The bot runs exactly
as the Procfile says (web: gunicorn gthread 2x8, storing events; worker: inbox lanes handling
them and outbox lanes); the echo bot is
Flask + the SDK's signature check + one reply, gunicorn sync x2. The mix, over 2,000 linked
staff and 40 supervisors: 40% "สถานะ", 30% "หลักสูตร", 15% register then confirm (two taps),
15% a supervisor approving a pending request. Rounds alternate bot, echo, bot, echo; every bot
event is new (its own webhookEventId); after each bot round the worker finishes the round's
events before the echo round starts. Printed per backend: requests a second, p50 and p99 for
both, the ratio, errors; the worker's handling rate and how long events waited in the inbox;
peak memory per web worker and of the worker; where one event's time goes (webhook, worker).
Figures, not assertions.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from bench.bench_clock import PG_URL, postgres_answers  # noqa: E402
from bench.bench_delivery import FastFake  # noqa: E402
from bot import create_app, inbox  # noqa: E402
from bot import line as line_api  # noqa: E402
from bot.config import test_config  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.simulator.transcript import base_event  # noqa: E402
from bot.state import BotState  # noqa: E402
from handlers.kit.postback import Action, PostbackCodec  # noqa: E402
from models.course import Course  # noqa: E402
from models.org import ROLE_APPROVER, ROLE_STAFF, Staff, StaffType, Unit, get_settings  # noqa: E402
from models.registration import register  # noqa: E402
from tests.support.events import sign  # noqa: E402

SECRET, TOKEN, KEY = "bench-channel-secret", "test-access-token", "bench-secret-key"
BIN = Path(sys.executable).parent
STAFF, SUPERVISORS, PENDING, COURSES = 2_000, 40, 1_500, 30
WRK_THREADS = 2


def build_org(state: BotState) -> dict[str, Any]:
    """Create the organisation: staff with supervisors, open courses, pending requests."""
    today = date.today()
    with state.db.transaction() as s:
        s.execute(insert(Unit), [{"name": f"กอง {i}"} for i in range(6)])
        s.execute(insert(StaffType), [{"name": "พนักงานส่วนตำบล"}])
        type_id = s.scalar(text("SELECT id FROM staff_types"))
        unit_ids = list(s.scalars(text("SELECT id FROM units ORDER BY id")))

        def person(i: int, prefix: str, roles: list[str], supervisor: int | None) -> dict[str, Any]:
            return {"employee_id": f"{prefix}{i:05d}", "title": "นาง", "first_name": f"ทดสอบ{prefix}{i}",
                    "last_name": "ใจดี", "staff_type_id": type_id, "unit_id": unit_ids[i % 6], "roles": roles,
                    "line_user_id": f"U{prefix}{i:05d}" + "0" * 20, "reachable": True, "announcements": True,
                    "active": True, "supervisor_id": supervisor}

        s.execute(insert(Staff), [person(i, "S", [ROLE_STAFF, ROLE_APPROVER], None) for i in range(SUPERVISORS)])
        sup_ids = list(s.scalars(text("SELECT id FROM staff ORDER BY id")))
        s.execute(insert(Staff), [person(i, "W", [ROLE_STAFF], sup_ids[i % SUPERVISORS]) for i in range(STAFF)])
        s.execute(insert(Course), [
            {"code": f"WB{i:03d}", "title": f"หลักสูตรพัฒนาบุคลากร รุ่นที่ {i + 1}", "kind": "ฝึกอบรม",
             "venue": "ห้องประชุม", "start_date": today + timedelta(days=40 + i), "end_date": today + timedelta(days=41 + i),
             "registration_deadline": today + timedelta(days=30), "active": True, "approval_levels": 1}
            for i in range(COURSES)])
    with state.db.transaction() as s:
        courses = list(s.scalars(select(Course).order_by(Course.id)))
        workers = list(s.scalars(select(Staff).where(Staff.employee_id.like("W%")).order_by(Staff.id)))
        settings = get_settings(session=s)
        pending = []
        for n, staff in enumerate(workers[:PENDING]):
            reg = register(session=s, staff=staff, course=courses[-1 - n % 5], reason="", today=today, settings=settings)
            pending.append((reg.id, staff.supervisor.line_user_id))
        return {"workers": [w.line_user_id for w in workers], "courses": [c.id for c in courses[:-5]],
                "pending": pending}


def events(org: dict[str, Any], codec: PostbackCodec, count: int, rng: random.Random) -> list[list[dict[str, Any]]]:
    """Return `count` events for each wrk thread, in the mix; a register and its confirm stay in order."""
    pending = list(org["pending"])
    rng.shuffle(pending)
    per_thread: list[list[dict[str, Any]]] = [[] for _ in range(WRK_THREADS)]

    def text_event(user: str, said: str) -> dict[str, Any]:
        return base_event("message", user, secrets.token_hex(16),
                          message={"type": "text", "id": str(rng.randrange(10**15)), "quoteToken": "q", "text": said})

    def tap(user: str, data: str) -> dict[str, Any]:
        return base_event("postback", user, secrets.token_hex(16), postback={"data": data})

    for thread in per_thread:
        while len(thread) < count:
            user, roll = rng.choice(org["workers"]), rng.random()
            if roll < 0.40:
                thread.append(text_event(user, "สถานะ"))
            elif roll < 0.70:
                thread.append(text_event(user, "หลักสูตร"))
            elif roll < 0.85 or not pending:
                course = rng.choice(org["courses"])
                thread += [tap(user, codec.pack(Action.REGISTER, course)), tap(user, codec.pack(Action.REGISTER_CONFIRM, course))]
            else:
                reg_id, supervisor = pending.pop()
                thread.append(tap(supervisor, codec.pack(Action.APPROVE, reg_id, 1)))
    return per_thread


def write_bodies(per_thread: list[list[dict[str, Any]]], prefix: Path) -> None:
    """Write one file per wrk thread: signature TAB body, one event per body."""
    import json

    for n, items in enumerate(per_thread):
        with open(f"{prefix}{n}.txt", "w", encoding="utf-8") as f:
            for event in items:
                body = json.dumps({"destination": "Ubench", "events": [event]}, ensure_ascii=False,
                                  separators=(",", ":"))
                f.write(f"{sign(body.encode(), SECRET)}\t{body}\n")


def free_port() -> int:
    """Return a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def procfile(name: str, port: int) -> list[str]:
    """Return a Procfile line's command, on loopback and the given port."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            cmd = line.split(":", 1)[1].replace("$PORT", str(port)).replace("0.0.0.0", "127.0.0.1")
            return [p if p != "--access-logfile" else "--access-logfile" for p in shlex.split(cmd)]
    raise SystemExit(f"no {name}: in the Procfile")


LOGS: Path | None = None  # --logs: where the servers' output goes (the run's temporary folder by default)


def start(argv: list[str], env: dict[str, str], port: int | None, log: Path | None = None,
          ready: str | None = None) -> subprocess.Popen[bytes]:
    """Start a server (its own process group) and wait until it answers, or until its log says `ready`."""
    out: Any = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out)
    if log is not None:
        out.close()  # the child has its own copy
    if ready is not None and log is not None:
        # The worker loads the Thai dictionaries and the LINE SDK first (seconds of CPU): a round
        # measured meanwhile would measure a deploy, not the webhook beside a running worker.
        deadline = time.time() + 120
        while ready not in log.read_text(errors="replace") and proc.poll() is None and time.time() < deadline:
            time.sleep(0.2)
    deadline = time.time() + 120
    while port is not None and time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    if port is not None:
        # gunicorn accepts before its workers finish create_app: let one request through.
        request = urllib.request.Request(f"http://127.0.0.1:{port}/callback", data=b"{}", method="POST")
        try:
            urllib.request.urlopen(request, timeout=60)  # noqa: S310 - loopback
        except Exception:  # noqa: BLE001 - a 400 is the expected answer
            pass
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def peak_memory_mb(master: int, own: bool = False) -> list[float]:
    """Return the peak resident memory (VmHWM) of each child of a gunicorn master (or of the process), in MB."""
    peaks = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == master or (own and int(stat.parent.name) == master):
                status = (stat.parent / "status").read_text()
                peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024)  # type: ignore[union-attr]
        except (OSError, ValueError, AttributeError):
            continue
    return sorted(peaks)


def cpu_seconds(groups: dict[str, int]) -> dict[str, float]:
    """Return CPU seconds used so far by each named process group (pid of its leader), postgres and wrk."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {name: 0.0 for name in [*groups, "postgres", "wrk"]}
    leaders = {pid: name for name, pid in groups.items()}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
            fields = raw.rsplit(")", 1)[1].split()
            used = (int(fields[11]) + int(fields[12])) / tick
            pid, parent, session = int(stat.parent.name), int(fields[1]), int(fields[3])
        except (OSError, ValueError, IndexError):
            continue
        name = leaders.get(session) or leaders.get(parent) or leaders.get(pid)
        if name is None and "(postgres)" in raw[:40]:
            name = "postgres"
        if name is not None:
            out[name] += used
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk: the children that have exited
    out["wrk"] = children.ru_utime + children.ru_stime
    return out


def wrk(port: int, bodies: Path, seconds: int, connections: int) -> dict[str, float]:
    """Run wrk once and return requests a second, p50, p99 (ms) and errors."""
    env = dict(os.environ, BODIES=str(bodies))
    out = subprocess.run(["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                          "-s", str(ROOT / "bench" / "wrk_webhook.lua"), f"http://127.0.0.1:{port}/callback"],
                         env=env, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout

    def latency(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m is None:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return {"rps": rate, "p50": latency("50"), "p99": latency("99"), "errors": errors}


def profile_one_event(url: str, tmp: Path, fake: FastFake, org: dict[str, Any]) -> str:
    """Return where one "สถานะ" event's time goes, in-process: the webhook's part, then the worker's."""
    import json

    app = create_app(test_config(url, tmp, LINE_CHANNEL_SECRET=SECRET, SECRET_KEY=KEY,
                                 LINE_API_BASE_URL=fake.url, LINE_DATA_API_BASE_URL=fake.url), warm=True)
    state = app.extensions["bot"]
    client = app.test_client()
    line_api.warm()

    def post() -> None:
        event = base_event("message", org["workers"][7], secrets.token_hex(16),
                           message={"type": "text", "id": "1", "quoteToken": "q", "text": "สถานะ"})
        body = json.dumps({"destination": "U", "events": [event]}, ensure_ascii=False).encode()
        client.post("/callback", data=body, headers={"X-Line-Signature": sign(body, SECRET)})

    for _ in range(20):  # warm caches, as a running process's are
        post()
        inbox.drain(state)
    out = []
    for part in ("webhook: verify, check, store", "worker: handle and reply"):
        profiler = cProfile.Profile()
        for _ in range(50):
            if part.startswith("webhook"):
                profiler.runcall(post)
                inbox.drain(state)
            else:
                post()
                profiler.runcall(inbox.drain, state)
        text_out = io.StringIO()
        stats = pstats.Stats(profiler, stream=text_out)
        total = stats.total_tt  # type: ignore[attr-defined]
        stats.sort_stats("cumulative").print_stats(r"(bot|handlers|models|thai|sqlalchemy/orm/session)", 10)
        lines = [line for line in text_out.getvalue().splitlines() if re.match(r"\s+\d", line)]
        out.append(f"  {part}: {1000 * total / 50:.1f} ms an event (under the profiler)")
        out += ["    ncalls  tottime  percall  cumtime  percall"] + ["  " + line for line in lines[:10]]
    return "\n".join(out)


def drained(url: str, since: int, timeout: float = 600) -> dict[str, float]:
    """Wait until the worker has handled every stored event; return the round's handling figures."""
    engine = create_engine(url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            with engine.connect() as conn:
                left = conn.execute(text("SELECT count(*) FROM inbound_events WHERE done_at IS NULL")).scalar()
            if not left:
                break
            time.sleep(0.2)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT received_at, done_at FROM inbound_events WHERE id > :since "
                                     "AND done_at IS NOT NULL"), {"since": since}).all()
            last = conn.execute(text("SELECT coalesce(max(id), 0) FROM inbound_events")).scalar()
            kinds = dict(conn.execute(text("SELECT kind, count(*) FROM outbox WHERE source = 'chat' "
                                           "GROUP BY kind")).all())
    finally:
        engine.dispose()

    def seconds(v: Any) -> float:
        return v.timestamp() if hasattr(v, "timestamp") else datetime.fromisoformat(str(v)).timestamp()

    waits = sorted(seconds(done) - seconds(received) for received, done in rows)
    first = min((seconds(r) for r, _ in rows), default=0.0)
    end = max((seconds(d) for _, d in rows), default=0.0)

    def pct(p: float) -> float:
        return waits[min(len(waits) - 1, int(p * len(waits)))] * 1000 if waits else float("nan")

    return {"events": len(rows), "span": end - first, "rate": len(rows) / (end - first) if end > first else 0.0,
            "p50": pct(0.50), "p99": pct(0.99), "last": float(last or 0),
            "replies": float(kinds.get("reply", 0)), "pushes": float(kinds.get("push", 0))}


def run_backend(backend: str, url: str, tmp: Path, fake: FastFake, seconds: int, connections: int,
                echo_port: int, echo_bodies: Path) -> None:
    """Measure the bot on one database against the echo bot, alternating, and print the figures."""
    upgrade(url)
    state = create_app(test_config(url, tmp, LINE_CHANNEL_SECRET=SECRET, SECRET_KEY=KEY,
                                   LINE_API_BASE_URL=fake.url, LINE_DATA_API_BASE_URL=fake.url)).extensions["bot"]
    org = build_org(state)
    codec = PostbackCodec(KEY)
    rng = random.Random(14)
    env = dict(os.environ, DATABASE_URL=url, LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN=TOKEN,
               LINE_API_BASE_URL=fake.url, LINE_DATA_API_BASE_URL=fake.url, SECRET_KEY=KEY,
               PATH=f"{BIN}:{os.environ['PATH']}")
    port = free_port()
    web = start(procfile("web", port), env, port, LOGS / f"{backend}_web.log" if LOGS else None)
    worker = start(procfile("worker", port), env, None, (LOGS or tmp) / f"{backend}_worker.log",
                   ready="worker started")
    results: dict[str, list[dict[str, float]]] = {"bot": [], "echo": []}
    handled: list[dict[str, float]] = []
    cpu: list[dict[str, float]] = []
    since = 0
    try:
        for round_ in range(2):
            bodies = tmp / f"{backend}_bot_{round_}_"
            write_bodies(events(org, codec, 6_000, rng), bodies)
            before = cpu_seconds({"web": web.pid, "worker": worker.pid})
            results["bot"].append(wrk(port, bodies, seconds, connections))
            after = cpu_seconds({"web": web.pid, "worker": worker.pid})
            cpu.append({k: after[k] - before[k] for k in after})
            # The worker finishes the round's events before the echo bot's round starts.
            drain_started = time.perf_counter()
            handled.append(drained(url, since))
            handled[-1]["drain_wall"] = time.perf_counter() - drain_started
            handled[-1]["drain_cpu"] = cpu_seconds({"worker": worker.pid})["worker"] - after["worker"]
            since = int(handled[-1]["last"])
            results["echo"].append(wrk(echo_port, echo_bodies, seconds, connections))
        memory = peak_memory_mb(web.pid)
        worker_memory = peak_memory_mb(worker.pid, own=True)
    finally:
        stop(web)
        stop(worker)
        state.db.dispose()
    for name in ("bot", "echo"):
        for n, r in enumerate(results[name]):
            print(f"{backend:<10} {name:<4} round {n + 1}: {r['rps']:7.0f} req/s  p50 {r['p50']:6.1f} ms  "
                  f"p99 {r['p99']:6.1f} ms  errors {r['errors']:.0f}", flush=True)
    for n, used in enumerate(cpu):
        print(f"{backend:<10} cpu during bot round {n + 1}: "
              + ", ".join(f"{k} {v:.1f} s" for k, v in used.items())
              + f" (of {2 * seconds} s on two cores; the worker runs at nice {os.environ.get('WORKER_NICE', '10')})", flush=True)
    for n, h in enumerate(handled):
        print(f"{backend:<10} worker round {n + 1}: {h['events']:.0f} events handled at {h['rate']:5.0f} a second "
              f"(the worker's own rate: the chat's throughput); stored to handled p50 {h['p50']:7.0f} ms, "
              f"p99 {h['p99']:7.0f} ms; alone after the round it used {h['drain_cpu']:.1f} s of CPU in "
              f"{h['drain_wall']:.1f} s", flush=True)
    last = handled[-1]
    print(f"{backend:<10} chat answers so far: {last['replies']:.0f} replies, {last['pushes']:.0f} pushes "
          "(a reply whose token died in the backlog goes as a push)", flush=True)
    bot_rps = sum(r["rps"] for r in results["bot"]) / 2
    echo_rps = sum(r["rps"] for r in results["echo"]) / 2
    print(f"{backend:<10} bot/echo rate ratio {bot_rps / echo_rps:.2f} ({bot_rps:.0f} / {echo_rps:.0f} req/s, "
          f"{connections} connections); bot p99 {max(r['p99'] for r in results['bot']):.1f} ms; "
          f"peak memory per web worker {', '.join(f'{m:.0f} MB' for m in memory)}; "
          f"worker process {', '.join(f'{m:.0f} MB' for m in worker_memory)}", flush=True)
    if backend == "sqlite":
        print("where one event's time goes (in-process, a linked person typing สถานะ):", flush=True)
        print(profile_one_event(url, tmp, fake, org), flush=True)


def main(argv: list[str]) -> int:
    """Start the fake API and the echo bot, then measure the bot on each backend."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--logs", type=Path, help="keep the web and worker processes' output in this folder")
    args = parser.parse_args(argv)
    global LOGS
    if args.logs is not None:
        args.logs.mkdir(parents=True, exist_ok=True)
        LOGS = args.logs
    if shutil.which("wrk") is None:
        print("wrk is not installed (make bench installs Debian's package): webhook figures skipped")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench_webhook_"))
    fake = FastFake(tmp)
    echo_port = free_port()
    echo_env = dict(os.environ, LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN=TOKEN, LINE_API_BASE_URL=fake.url)
    echo = start([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{echo_port}", "--workers", "2", "--worker-class", "sync",
                  "bench.echo_bot:create()"], echo_env, echo_port)
    try:
        org_for_echo = {"workers": [f"Uecho{i:05d}" for i in range(200)], "courses": [1], "pending": []}
        echo_bodies = tmp / "echo_"
        write_bodies(events(org_for_echo, PostbackCodec(KEY), 6_000, random.Random(1)), echo_bodies)
        print(f"webhook at {args.connections} connections, {args.seconds} s a round, wrk on loopback", flush=True)
        if args.backend in ("both", "sqlite"):
            run_backend("sqlite", f"sqlite:///{tmp / 'webhook.sqlite3'}", tmp, fake, args.seconds,
                        args.connections, echo_port, echo_bodies)
        if args.backend in ("both", "postgresql") and postgres_answers():
            schema = f"bench_wh_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                run_backend("postgresql", f"{PG_URL}?options=-csearch_path%3D{schema}", tmp, fake, args.seconds,
                            args.connections, echo_port, echo_bodies)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                admin.dispose()
    finally:
        stop(echo)
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
