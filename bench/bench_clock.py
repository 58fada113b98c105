"""Benchmark the monthly follow-up: 1,000 and 10,000 staff with owed reports.

Run from the project root: .venv/bin/python bench/bench_clock.py [--full]

For each size, on SQLite (and on PostgreSQL when 127.0.0.1:5432 answers, in a schema of its
own): the time to plan the run (one job transaction writing every outbox row) and to hand all
messages to the fake Messaging API over HTTP, the HTTP calls made, the database statements of
each phase (counted with a before_cursor_execute listener) and peak memory. Planning statements
stay the same whatever the number of staff; delivery records each call's outcome, so it costs
a fixed handful of statements per message. The fake API runs in a child process so serving it
does not compete with the clock for the interpreter lock. On PostgreSQL the 10,000 delivery runs
only with --full (it is the same sender code; about 1.5 minutes on two CPUs). Prints figures;
asserts nothing.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import shutil
import socket
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, insert, text  # noqa: E402

from bot import create_app  # noqa: E402
from bot.clock import deliver_outbox, run_job  # noqa: E402
from bot.config import test_config  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.state import BotState  # noqa: E402
from handlers.reports.reminders import monthly_followup  # noqa: E402
from models.course import Course  # noqa: E402
from models.org import ROLE_HR, ROLE_STAFF, Staff, StaffType, Unit, get_settings  # noqa: E402
from models.registration import Registration, RegStatus  # noqa: E402
from tests.support.fake_line import FakeLineServer  # noqa: E402
from thai.dates import BANGKOK  # noqa: E402

SIZES = (1_000, 10_000)
AT = datetime(2027, 1, 5, 9, 0, tzinfo=BANGKOK)
UNITS = ("สำนักปลัด", "กองคลัง", "กองช่าง", "กองการศึกษา", "กองสาธารณสุข", "หน่วยตรวจสอบภายใน")
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class Counter:
    """Count the statements an engine sends."""

    def __init__(self, engine: Any) -> None:
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.n += 1


def populate(state: BotState, staff_count: int) -> None:
    """Create staff_count linked staff, each owing one report (a third overdue), and 3 HR officers."""
    with state.db.transaction() as s:
        s.execute(insert(Unit), [{"name": name} for name in UNITS])
        s.execute(insert(StaffType), [{"name": "พนักงานส่วนตำบล"}])
        type_id = s.scalar(text("SELECT id FROM staff_types"))
        unit_ids = list(s.scalars(text("SELECT id FROM units ORDER BY id")))
        people = [
            {"employee_id": f"B{i:06d}", "title": "นางสาว", "first_name": f"ทดสอบ{i}", "last_name": "ใจดี",
             "staff_type_id": type_id, "unit_id": unit_ids[i % len(unit_ids)], "roles": [ROLE_STAFF],
             "line_user_id": f"Ubench{i:06d}", "reachable": True, "announcements": True, "active": True}
            for i in range(staff_count)
        ]
        people += [
            {"employee_id": f"H{i}", "title": "นาย", "first_name": f"งานบุคคล{i}", "last_name": "ใจดี",
             "staff_type_id": type_id, "unit_id": unit_ids[0], "roles": [ROLE_STAFF, ROLE_HR],
             "line_user_id": f"Uhr{i}", "reachable": True, "announcements": True, "active": True}
            for i in range(3)
        ]
        s.execute(insert(Staff), people)
        courses = []
        for i in range(50):
            end = date(2026, 12, 1) + timedelta(days=i % 30)
            courses.append({"code": f"BC{i:03d}", "title": f"หลักสูตรพัฒนาบุคลากร รุ่นที่ {i + 1}", "kind": "ฝึกอบรม",
                            "venue": "ห้องประชุม", "start_date": end - timedelta(days=1), "end_date": end,
                            "registration_deadline": end - timedelta(days=14), "active": True})
        s.execute(insert(Course), courses)
        course_ids = list(s.scalars(text("SELECT id FROM courses ORDER BY id")))
        staff_ids = list(s.scalars(text("SELECT id FROM staff WHERE employee_id LIKE 'B%' ORDER BY id")))
        regs = []
        for n, staff_id in enumerate(staff_ids):
            due = date(2026, 12, 20) + timedelta(days=n % 30)  # from 16 days overdue to 14 days ahead
            regs.append({"staff_id": staff_id, "course_id": course_ids[n % len(course_ids)],
                         "status": RegStatus.APPROVED, "reason": "", "approval_levels": 1, "current_step": 1,
                         "attendance": "unknown", "report_due_on": due})
        s.execute(insert(Registration), regs)


def run_size(backend: str, url: str, staff_count: int, fake: RemoteFakeLine, tmp: Path,
             *, deliver: bool = True) -> dict[str, Any]:
    """Migrate a fresh database, fill it, and run the monthly follow-up once (delivery optional)."""
    upgrade(url)
    fake.ask("reset")
    app = create_app(test_config(url, tmp, LINE_API_BASE_URL=fake.url, LINE_DATA_API_BASE_URL=fake.url))
    state: BotState = app.extensions["bot"]
    try:
        populate(state, staff_count)
        queries = Counter(state.db.engine)

        started = time.perf_counter()
        counts, ids = run_job(state, "monthly-followup", AT)
        planned_at = time.perf_counter()
        plan_queries = queries.n
        delivered = deliver_outbox(state, ids) if deliver else {}
        done = time.perf_counter()
        deliver_queries = queries.n - plan_queries
        stats = fake.ask("stats")
        calls, received = stats["calls"], stats["recipients"]

        # Planning memory, measured on a second plan in a transaction that is rolled back.
        tracemalloc.start()
        with state.db.Session() as session, session.begin():
            monthly_followup(session=session, now=AT, codec=state.services.codec,
                                  settings=get_settings(session=session))
            session.rollback()
        plan_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        if state.gateway is not None:
            state.gateway.close()
        state.db.dispose()
    return {
        "backend": backend, "staff": staff_count, "written": counts["written"], "delivered": deliver,
        "plan_s": planned_at - started, "deliver_s": done - planned_at, "total_s": done - started,
        "calls": calls, "recipients": received, "sent": delivered.get("sent", 0),
        "plan_queries": plan_queries, "deliver_queries": deliver_queries,
        "plan_peak_mb": plan_peak / 1e6,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


class RemoteFakeLine:
    """The fake Messaging API in a child process, so serving it does not compete for our GIL."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve_fake_line, args=(child,), daemon=True)
        self._process.start()
        self.url = self._conn.recv()

    def ask(self, command: str) -> Any:
        """Send a command to the child and return its answer."""
        self._conn.send(command)
        return self._conn.recv()

    def stop(self) -> None:
        """Stop the child."""
        self.ask("stop")
        self._process.join(10)


def _serve_fake_line(conn: Any) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = FakeLineServer().start()
    conn.send(server.url)
    while True:
        command = conn.recv()
        standin = server.standin
        if command == "reset":
            standin.reset()
            conn.send(True)
        elif command == "stats":
            with standin._lock:
                conn.send({"calls": len(standin.calls), "recipients": len({d.to for d in standin.deliveries}),
                           "statuses": sorted({c.status for c in standin.calls})})
        else:
            server.stop()
            conn.send(True)
            return


def postgres_answers() -> bool:
    """Tell whether PostgreSQL listens on 127.0.0.1:5432."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


def show(row: dict[str, Any]) -> None:
    """Print one run's figures."""
    head = (f"{row['backend']:<10} {row['staff']:>6} staff: {row['written']:>6} rows planned in "
            f"{row['plan_s']:5.2f} s with {row['plan_queries']} statements")
    if row["delivered"]:
        per_message = row["deliver_queries"] / max(1, row["calls"])
        rate = row["calls"] / max(row["deliver_s"], 1e-9)
        tail = (f"; handed to the fake API in {row['deliver_s']:6.2f} s ({row['calls']} HTTP calls, {rate:.0f}/s, "
                f"{row['sent']} sent, {row['recipients']} people reached, {row['deliver_queries']} statements = "
                f"{per_message:.1f} a call); total {row['total_s']:6.2f} s")
    else:
        tail = " (delivery not run: --full runs it)"
    print(f"{head}{tail}; planning peak {row['plan_peak_mb']:.1f} MB, process peak RSS {row['rss_mb']:.0f} MB",
          flush=True)


def main(argv: list[str]) -> int:
    """Run every size on every backend that answers and print the figures."""
    full = "--full" in argv
    fake = RemoteFakeLine()
    tmp = Path(tempfile.mkdtemp(prefix="bench_clock_"))
    rows = []
    try:
        print(f"monthly follow-up at {AT.isoformat()}: one push per person with owed reports, "
              "one multicast to HR; fake Messaging API over HTTP", flush=True)
        for n in SIZES:
            row = run_size("sqlite", f"sqlite:///{tmp / f'bench_{n}.sqlite3'}", n, fake, tmp)
            show(row)
            rows.append(row)
        if postgres_answers():
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            for n in SIZES:
                schema = f"bench_clock_{uuid.uuid4().hex[:8]}"
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                try:
                    # The sender is the same code as on SQLite; delivering 10,000 again mostly
                    # measures this machine's CPUs, so it runs only with --full.
                    deliver = full or n < max(SIZES)
                    row = run_size("postgresql", f"{PG_URL}?options=-csearch_path%3D{schema}", n, fake, tmp,
                                   deliver=deliver)
                    show(row)
                    rows.append(row)
                finally:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
        else:
            print("postgresql: not answering on 127.0.0.1:5432, skipped", flush=True)
        for backend in sorted({r["backend"] for r in rows}):
            plan = [f"{r['staff']:,} staff -> {r['plan_queries']}" for r in rows if r["backend"] == backend]
            print(f"{backend}: planning statements per run: " + ", ".join(plan), flush=True)
    finally:
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
