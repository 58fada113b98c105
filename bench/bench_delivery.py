"""Benchmark delivery: the monthly follow-up for 10,000 staff handed to a fake Messaging API.

Run from the project root: .venv/bin/python bench/bench_delivery.py [--staff N] [--workers W] [--lanes L]
[--backend sqlite|postgresql]

Production's shape: W `flask --app bot worker` processes (the Procfile's worker:) are running;
the clock's job plans the run (one transaction writes every outbox row); the figure is the
time from the start of the run until the fake API has accepted every message. The fake
(bench/fast_fake.py) runs in its own process and counts recipients and retry keys, so the
run also shows each row was accepted once (no 409s, one message per person). A second run
answers the first calls with 429 Retry-After: 1 and counts the calls that came before the
pause was over. On SQLite, and on PostgreSQL when 127.0.0.1:5432 answers. Prints figures;
asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.bench_clock import AT, PG_URL, populate, postgres_answers  # noqa: E402
from bot import create_app  # noqa: E402
from bot.config import test_config  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.state import BotState  # noqa: E402

FLASK = str(Path(sys.executable).with_name("flask"))


class FastFake:
    """bench/fast_fake.py in a child process."""

    def __init__(self, tmp: Path) -> None:
        port_file = tmp / "fake.port"
        self.process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fast_fake.py"), str(port_file)])
        for _ in range(200):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port_file.read_text()}"

    def get(self, path: str) -> dict[str, Any]:
        """GET a control path and return its JSON."""
        with urllib.request.urlopen(self.url + path, timeout=10) as response:  # noqa: S310 - loopback
            return json.loads(response.read())  # type: ignore[no-any-return]

    def stop(self) -> None:
        """Stop the child."""
        self.process.terminate()
        self.process.wait(10)


def start_workers(url: str, fake: FastFake, count: int, lanes: int) -> list[subprocess.Popen[bytes]]:
    """Start `count` worker processes, as the Procfile would, and wait until they run."""
    env = dict(os.environ, DATABASE_URL=url, LINE_CHANNEL_SECRET="bench-secret", SECRET_KEY="bench",
               LINE_CHANNEL_ACCESS_TOKEN="test-access-token", LINE_API_BASE_URL=fake.url,
               LINE_DATA_API_BASE_URL=fake.url, WORKER_LANES=str(lanes))
    workers = [subprocess.Popen([FLASK, "--app", "bot", "worker"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(count)]
    for n, w in enumerate(workers):
        assert w.stderr is not None
        for line in iter(w.stderr.readline, b""):
            if b"worker started" in line:
                break
        # Keep reading its log: a full pipe would block the worker at its next log line.
        threading.Thread(target=_keep_log, args=(w.stderr, LOG_DIR / f"worker{n}.log"), daemon=True).start()
    return workers


LOG_DIR = Path(tempfile.gettempdir())


def _keep_log(stream: Any, path: Path) -> None:
    with open(path, "ab") as out:
        for line in iter(stream.readline, b""):
            out.write(line)


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every worker and reap it."""
    for w in workers:
        w.send_signal(signal.SIGTERM)
    for w in workers:
        try:
            w.wait(15)
        except subprocess.TimeoutExpired:
            w.kill()


def run(backend: str, url: str, staff: int, workers: int, lanes: int, fake: FastFake, tmp: Path,
        *, throttle: int = 0) -> dict[str, Any]:
    """Fill a fresh database, start the workers, run the follow-up and time its delivery."""
    from bot.clock import run_job

    upgrade(url)
    app = create_app(test_config(url, tmp, LINE_API_BASE_URL=fake.url, LINE_DATA_API_BASE_URL=fake.url))
    state: BotState = app.extensions["bot"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        populate(state, staff)
        fake.get(f"/reset?throttle={throttle}&retry_after=1")
        procs = start_workers(url, fake, workers, lanes)
        cpu_before = sum(cpu_seconds(p.pid) for p in procs)
        fake_before = cpu_seconds(fake.process.pid)
        started = time.time()
        counts, ids = run_job(state, "monthly-followup", AT)
        planned = time.time() - started
        deadline = time.time() + 180
        stats = fake.get("/stats")
        while stats["accepted"] < len(ids) and time.time() < deadline:
            time.sleep(0.05)
            stats = fake.get("/stats")
        done = (stats["last_at"] or time.time()) - started
        # CPU is what a loaded machine cannot hide: the workers' and the fake's, per call.
        worker_cpu = sum(cpu_seconds(p.pid) for p in procs) - cpu_before
        fake_cpu = cpu_seconds(fake.process.pid) - fake_before
    finally:
        stop_workers(procs)
        if state.gateway is not None:
            state.gateway.close()
        state.db.dispose()
    return {"backend": backend, "staff": staff, "rows": len(ids), "plan_s": planned, "handed_s": done,
            "workers": workers, "lanes": lanes, "worker_cpu": worker_cpu, "fake_cpu": fake_cpu, **stats}


def show(r: dict[str, Any]) -> None:
    """Print one run."""
    rate = r["accepted"] / max(1e-9, r["handed_s"] - r["plan_s"])
    line = (f"{r['backend']:<10} {r['staff']:>6} staff, {r['workers']} workers x {r['lanes']} lanes: "
            f"{r['rows']} rows planned in {r['plan_s']:.2f} s; all handed to the fake API {r['handed_s']:.2f} s "
            f"after the start ({rate:,.0f} calls/s after planning); accepted {r['accepted']}, "
            f"409s {r['duplicates']}, people {r['people']}, most messages to one person {r['max_per_person']}; "
            f"worker CPU {r['worker_cpu']:.2f} s ({r['worker_cpu'] / max(1, r['calls']) * 1e6:.0f} us a call), "
            f"fake API CPU {r['fake_cpu']:.2f} s")
    if r["throttled"]:
        line += f"; 429s {r['throttled']}, calls before Retry-After had passed {r['early_after_429']}"
    print(line, flush=True)


def main(argv: list[str]) -> int:
    """Run on every backend that answers and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lanes", type=int, default=8)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), help="run on this one only")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench_delivery_"))
    fake = FastFake(tmp)
    try:
        print(f"monthly follow-up for {args.staff:,} staff at {AT.isoformat()}, delivered by "
              f"{args.workers} worker processes (fake Messaging API over HTTP on loopback); "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        targets = [("sqlite", lambda: f"sqlite:///{tmp / f'bench_{uuid.uuid4().hex[:6]}.sqlite3'}", None)]
        if postgres_answers():
            targets.append(("postgresql", None, PG_URL))
        for backend, sqlite_url, pg in targets:
            if args.backend and backend != args.backend:
                continue
            for throttle in (0, 2 * args.workers):
                schema = None
                if pg is None:
                    url = sqlite_url()  # type: ignore[misc]
                else:
                    schema = f"bench_dlv_{uuid.uuid4().hex[:8]}"
                    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
                    with admin.connect() as conn:
                        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                    url = f"{pg}?options=-csearch_path%3D{schema}"
                staff = args.staff if not throttle else min(args.staff, 2_000)
                try:
                    show(run(backend, url, staff, args.workers, args.lanes, fake, tmp, throttle=throttle))
                finally:
                    if schema is not None:
                        with admin.connect() as conn:
                            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                        admin.dispose()
    finally:
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
