"""Reading first: the chat runs without a write transaction unless it writes, then once more with one."""
from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.db import WriteNeeded
from handlers.kit.postback import Action
from models.org import Unit
from models.registration import Registration
from tests.support import factories as f
from tests.support.chat import Chat, texts


def _units(bot, name: str) -> int:
    with bot.db.reading() as s:
        return s.scalar(select(func.count()).select_from(Unit).where(Unit.name == name)) or 0


def test_work_that_only_reads_runs_and_leaves_nothing(bot) -> None:
    with bot.db.read_first() as s:
        assert s.scalar(select(func.count()).select_from(Unit)) is not None


def test_a_flush_is_refused_before_it_reaches_the_database(bot) -> None:
    with pytest.raises(WriteNeeded), bot.db.read_first() as s:
        s.add(Unit(name="หน่วยใหม่"))
        s.flush()
    assert _units(bot, "หน่วยใหม่") == 0


def test_a_refusal_the_work_swallowed_still_sends_it_back(bot) -> None:
    # A handler's own `except Exception` must not turn a refused write into a wrong answer.
    with pytest.raises(WriteNeeded), bot.db.read_first() as s:
        s.add(Unit(name="หน่วยกลืน"))
        try:
            s.flush()
        except Exception:  # noqa: BLE001 - what a careless handler might do
            pass
    assert _units(bot, "หน่วยกลืน") == 0


def test_changes_left_unflushed_send_it_back(bot) -> None:
    with pytest.raises(WriteNeeded), bot.db.read_first() as s:
        s.add(Unit(name="หน่วยค้าง"))
    assert _units(bot, "หน่วยค้าง") == 0


def test_a_raw_update_is_refused(bot) -> None:
    with pytest.raises(WriteNeeded), bot.db.read_first() as s:
        s.execute(text("UPDATE units SET name = name"))


def test_other_errors_pass_through(bot) -> None:
    with pytest.raises(ZeroDivisionError), bot.db.read_first() as s:
        s.scalar(select(func.count()).select_from(Unit))
        _ = 1 / 0


# --- the chat ------------------------------------------------------------------------------------

def _lock_free(database_url: str) -> bool:
    """True when another connection could take SQLite's write lock at once."""
    conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


@pytest.fixture
def watched(bot, database_url, monkeypatch) -> list[bool]:
    """Each time the chat runs, whether the webhook could have stored an event meanwhile."""
    if not database_url.startswith("sqlite"):
        pytest.skip("only SQLite locks the whole database for one writer")
    seen: list[bool] = []
    dispatch = bot.dispatcher.dispatch

    def watching(event: Any, ctx: Any) -> list[Any]:
        messages = dispatch(event, ctx)
        ctx.session.flush()  # what the commit would write, written now, while we look
        seen.append(_lock_free(database_url))
        return messages

    monkeypatch.setattr(bot.dispatcher, "dispatch", watching)
    return seen


def test_a_status_question_is_answered_without_the_write_lock(chat: Chat, tx, watched) -> None:
    with tx() as s:
        *_, worker = f.chain(s, 2)
    said = texts(chat.say(worker.line_user_id, "สถานะ"))
    assert said  # answered, once
    assert watched == [True]


def test_typed_words_that_write_run_again_under_the_lock_and_taps_run_once(chat: Chat, bot, tx, watched) -> None:
    with tx() as s:
        *_, worker = f.chain(s, 2)
        course = f.course(s, title="หลักสูตรอ่านก่อน")
    codec, user = bot.services.codec, worker.line_user_id
    chat.tap(user, codec.pack(Action.REGISTER, course.id))  # a tap: under the lock at once
    assert watched == [False]
    # The reason, typed: reading first it tried to move the flow on and was sent back; the
    # second run held the lock throughout, and the flow moved on once.
    asked = texts(chat.say(user, "เพื่อพัฒนางานในหน้าที่"))
    assert watched == [False, False] and "เพื่อพัฒนางานในหน้าที่" in asked
    answer = texts(chat.tap(user, codec.pack(Action.REGISTER_CONFIRM, course.id)))
    assert watched == [False, False, False] and "ส่งคำขอแล้ว" in answer
    with tx() as s:
        regs = s.scalars(select(Registration).where(Registration.course_id == course.id)).all()
    assert len(regs) == 1 and regs[0].staff_id == worker.id and regs[0].reason == "เพื่อพัฒนางานในหน้าที่"
