"""The clock process: APScheduler wiring, restarts, two clocks at once, a crash mid-batch, the CLI."""
from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select, text

import bot.sender as sender
from bot.clock import clock_of, run_due_jobs
from handlers import clock_jobs
from models.org import get_settings, set_setting
from models.outbox import SENDING, SENT, OutboxMessage, enqueue_push
from scheduler import clock
from scheduler.clock import OUTBOX_JOB_ID, build_scheduler, sync_triggers
from tests.support import factories as f
from tests.test_scheduler_jobs import bkk, inbox, message_calls, outbox_count, owed, person
from thai.dates import BANGKOK

AT = bkk(2027, 1, 5, 9, 0)
# Every feature's clock job, as handlers.FEATURES registers them, and one of the working-day ones.
JOB_IDS = {"monthly-followup", "reports-deadlines", "courses-closing", "courses-starting", "courses-announce",
           "approvals-waiting", "privacy-retention", "attendance-evaluations", "executive-monthly"}
DAILY = "reports-deadlines"


@pytest.fixture
def schedulers(bot) -> Iterator[list[BaseScheduler]]:
    """Built schedulers, shut down and forgotten afterwards, with APScheduler's table dropped."""
    built: list[BaseScheduler] = []
    yield built
    for scheduler in built:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        for store in scheduler._jobstores.values():
            store.shutdown()
    clock._clock = clock._scheduler = None
    with bot.db.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {clock.JOBSTORE_TABLE}"))


def build(bot, schedulers: list[BaseScheduler], cls: type[BaseScheduler] = BackgroundScheduler,
          **kwargs: Any) -> BaseScheduler:
    scheduler = build_scheduler(clock_of(bot), cls, **kwargs)
    schedulers.append(scheduler)
    return scheduler


def staff_with_owed_reports(tx, count: int) -> list[Any]:
    with tx() as s:
        people = [person(s) for _ in range(count)]
        for p in people:
            owed(s, p, end=date(2026, 12, 10), due=date(2026, 12, 25))
        f.hr(s)
    return people


# --- wiring ---------------------------------------------------------------------------------


def test_the_clock_has_fixed_jobs_triggers_and_its_store_in_the_app_database(bot, schedulers) -> None:
    scheduler = build(bot, schedulers, BlockingScheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == JOB_IDS | {OUTBOX_JOB_ID}
    monthly, daily, retry = jobs["monthly-followup"], jobs[DAILY], jobs[OUTBOX_JOB_ID]
    assert monthly.func_ref == "scheduler.clock:fire" and monthly.args == ("monthly-followup",)
    assert daily.func_ref == "scheduler.clock:fire" and daily.args == (DAILY,)
    assert retry.func_ref == "scheduler.clock:tick"
    for job in jobs.values():
        assert job.coalesce is True and job.misfire_grace_time > 0
    assert monthly.misfire_grace_time == 6 * 3600 and daily.misfire_grace_time == 4 * 3600
    assert monthly.trigger.get_next_fire_time(None, bkk(2026, 11, 20)) == bkk(2026, 12, 8, 9, 0)
    assert daily.trigger.get_next_fire_time(None, bkk(2026, 12, 5)) == bkk(2026, 12, 8, 8, 30)
    assert retry.trigger.get_next_fire_time(None, bkk(2027, 1, 5, 9, 0).replace(second=5)) == bkk(2027, 1, 5, 9, 1)
    assert str(scheduler.timezone) == "Asia/Bangkok"
    store = scheduler._jobstores["default"]
    assert isinstance(store, SQLAlchemyJobStore)
    assert store.engine.url.render_as_string(hide_password=False) == bot.config.DATABASE_URL
    assert store.jobs_t.name == "apscheduler_jobs"
    assert scheduler.state == 0  # built, not started: web workers never start it


def test_started_briefly_it_stores_its_jobs_and_the_minute_job_delivers_the_outbox(bot, tx, fake_line, schedulers) -> None:
    with tx() as s:
        enqueue_push(session=s, to="Uretry1", messages=[{"type": "text", "text": "ข้อความค้างส่ง"}])
    scheduler = build(bot, schedulers)
    ran = threading.Event()
    scheduler.add_listener(lambda event: ran.set() if event.job_id == OUTBOX_JOB_ID else None,
                           EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    with bot.db.transaction() as s:
        stored = set(s.scalars(text(f"SELECT id FROM {clock.JOBSTORE_TABLE}")))
    assert stored == JOB_IDS | {OUTBOX_JOB_ID}
    scheduler.modify_job(OUTBOX_JOB_ID, next_run_time=datetime.now(UTC))
    assert ran.wait(10)
    scheduler.shutdown(wait=True)
    assert [m["text"] for m in fake_line.standin.messages_to("Uretry1")] == ["ข้อความค้างส่ง"]

    # A restart replaces the jobs by id: still one row each.
    again = build(bot, schedulers)
    again.start()
    assert len(again.get_jobs()) == len(JOB_IDS) + 1
    again.shutdown(wait=True)


def test_a_run_missed_while_down_is_caught_up_within_the_grace_window_only(bot, schedulers) -> None:
    # The daily jobs' own time is put half a day away, so no regular run of theirs falls inside
    # the five hours this test pretends the clock was down (at 08:50 the 08:30 run would, and
    # APScheduler would run that one, 20 minutes late).
    with bot.db.transaction() as s:
        set_setting(session=s, key="daily_reminders_time",
                    value=(datetime.now(BANGKOK) - timedelta(hours=12)).strftime("%H:%M"))
    first = build(bot, schedulers)
    first.start()
    first.shutdown(wait=True)
    store = clock.make_jobstore(bot.config.DATABASE_URL)
    now = datetime.now(UTC)
    for job_id, late in (("monthly-followup", timedelta(minutes=10)), (DAILY, timedelta(hours=5))):
        job = store.lookup_job(job_id)
        job._scheduler = first  # for its time zone
        job._modify(next_run_time=now - late)
        store.update_job(job)
    store.shutdown()

    events: dict[str, int] = {}
    both = threading.Event()

    def seen(event: Any) -> None:
        events[event.job_id] = event.code
        if {"monthly-followup", DAILY} <= set(events):
            both.set()

    restarted = build(bot, schedulers, now=now)
    pending = {job.id: job for job in restarted.get_jobs()}
    assert pending["monthly-followup"].next_run_time == now - timedelta(minutes=10)
    restarted.add_listener(seen, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    restarted.start()
    assert both.wait(10)
    restarted.shutdown(wait=True)
    assert events["monthly-followup"] == EVENT_JOB_EXECUTED  # 10 minutes late: inside 6 hours
    assert events[DAILY] == EVENT_JOB_MISSED  # 5 hours late: outside 4 hours


def test_a_stored_job_no_feature_registers_any_more_is_dropped_on_start(bot, schedulers) -> None:
    first = build(bot, schedulers)
    first.add_job(f"{clock.__name__}:fire", trigger="date", run_date=datetime(2099, 1, 1, tzinfo=UTC),
                  args=["daily_reminders"], id="daily-reminders")  # the job of an older version
    first.start()
    first.shutdown(wait=True)
    restarted = build(bot, schedulers)
    assert {job.id for job in restarted.get_jobs()} == JOB_IDS | {OUTBOX_JOB_ID}


def test_settings_changes_reschedule_the_jobs(bot, tx, schedulers) -> None:
    scheduler = build(bot, schedulers)
    scheduler.start()
    with tx() as s:
        settings = get_settings(session=s)
    assert sync_triggers(scheduler, clock_jobs(), settings) == []
    with tx() as s:
        set_setting(session=s, key="monthly_followup_time", value="10:15")
    with tx() as s:
        settings = get_settings(session=s)
    assert sync_triggers(scheduler, clock_jobs(), settings) == ["monthly-followup", "executive-monthly"]
    job = scheduler.get_job("monthly-followup")
    assert job.trigger.get_next_fire_time(None, bkk(2027, 1, 1)) == bkk(2027, 1, 5, 10, 15)
    assert job.next_run_time.astimezone(BANGKOK).time().strftime("%H:%M") == "10:15"
    scheduler.shutdown(wait=True)


def test_the_clock_fires_the_follow_up_at_nine_on_the_5th(bot, tx, fake_line, schedulers) -> None:
    [p] = staff_with_owed_reports(tx, 1)
    build(bot, schedulers)  # the clock process's state, as `flask clock` sets it
    with time_machine.travel(AT, tick=True):
        counts = clock.fire("monthly-followup")
    assert counts["followup_staff"] == 1
    assert len(inbox(fake_line, p)) == 1
    with time_machine.travel(AT + timedelta(minutes=1), tick=True):
        clock.fire("monthly-followup")  # a second clock or a rerun: nothing new
    assert len(inbox(fake_line, p)) == 1


def test_jobs_refuse_to_run_outside_the_clock_process() -> None:
    clock._clock = None
    with pytest.raises(RuntimeError):
        clock.fire("monthly-followup")


# --- nothing twice, nothing lost ------------------------------------------------------------


def test_two_clocks_at_once_send_each_message_once(bot, tx, fake_line) -> None:
    people = staff_with_owed_reports(tx, 40)
    start = threading.Barrier(3)
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def one_clock() -> None:
        try:
            start.wait()
            results.append(run_due_jobs(bot, AT))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_clock) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and len(results) == 3
    assert sum(r["jobs"]["monthly-followup"]["written"] for r in results) == 41
    assert sum(r["delivered"].get("sent", 0) for r in results) == 41
    for p in people:
        assert len(inbox(fake_line, p)) == 1
    assert len(message_calls(fake_line)) == 41
    assert not [c for c in fake_line.standin.calls if c.status == 409]


def test_a_clock_killed_mid_batch_finishes_on_its_next_run_and_sends_none_twice(bot, tx, fake_line, monkeypatch) -> None:
    people = staff_with_owed_reports(tx, 6)
    real_call, calls = sender.Sender._call, itertools.count(1)

    def dies_on_the_third(self: Any, *args: Any) -> Any:
        outcome = real_call(self, *args)  # LINE has the message ...
        if next(calls) == 3:
            raise RuntimeError("clock process killed")  # ... but the clock dies before recording it
        return outcome

    monkeypatch.setattr(sender.Sender, "_call", dies_on_the_third)
    with pytest.raises(RuntimeError):
        run_due_jobs(bot, AT)
    monkeypatch.setattr(sender.Sender, "_call", real_call)
    assert sum(len(inbox(fake_line, p)) for p in people) == 3

    # What was sent before the crash is recorded; the rest of the batch stays held by the dead
    # clock (one of them sent, unrecorded), so the next run writes nothing and sends nothing.
    again = run_due_jobs(bot, AT)
    assert again["jobs"]["monthly-followup"]["written"] == 0 and again["delivered"] == {}
    with bot.db.transaction() as s:
        stuck = s.scalars(select(OutboxMessage).where(OutboxMessage.status == SENDING)).all()
    assert len(stuck) == 5
    # The rows the dead clock held are retried once their claim expires; LINE answers 409 for
    # the retry key it already had, which counts as delivered.
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6), tick=True):
        later = run_due_jobs(bot, datetime.now(UTC))
    assert later["delivered"] == {"sent": 5}
    for p in people:
        assert len(inbox(fake_line, p)) == 1
    duplicates = [c for c in fake_line.standin.calls if c.status == 409]
    assert len(duplicates) == 1 and duplicates[0].retry_key in {r.retry_key for r in stuck}
    with bot.db.transaction() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {SENT}


# --- the command line ---------------------------------------------------------------------


def test_run_due_jobs_command_twice_sends_once(app, bot, tx, fake_line) -> None:
    [p] = staff_with_owed_reports(tx, 1)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["run-due-jobs", "--at", "2027-01-05T09:00:00+07:00"])
    assert first.exit_code == 0, first.output
    assert "ทำงานตามกำหนด ณ 5 ม.ค. 2570 09:00 น." in first.output, first.output
    assert "งานติดตามรายงานประจำเดือน: รายงานที่ค้างส่ง 1, บุคลากรที่ค้างส่งรายงาน 1" in first.output
    assert "ส่งสำเร็จ 2" in first.output
    assert "[monthly-followup]" in first.output and "followup_staff=1" in first.output
    rows = outbox_count(bot)
    second = runner.invoke(args=["run-due-jobs", "--at", "2027-01-05T09:00:00+07:00"])
    assert second.exit_code == 0, second.output
    assert "written=0" in second.output and "ไม่มีข้อความที่ต้องส่ง" in second.output
    assert outbox_count(bot) == rows and len(inbox(fake_line, p)) == 1

    quiet = runner.invoke(args=["run-due-jobs", "--at", "6 ม.ค. 2570 09:00"])  # a BE date
    assert quiet.exit_code == 0 and "ไม่มีงานที่ถึงกำหนด" in quiet.output and "6 ม.ค. 2570" in quiet.output
    bad = runner.invoke(args=["run-due-jobs", "--at", "5 ม.ค. 2570"])
    assert bad.exit_code == 1 and "กรุณาระบุเวลาด้วยค่ะ" in bad.output and "Traceback" not in bad.output
