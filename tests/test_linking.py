"""Linking a LINE account: follow, code, lock-out, relinking, unfollow."""
from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from models.audit import AuditLog
from models.linking import LOCK_DURATION, create_link_code, normalise_code
from models.org import Staff
from tests.support import events as ev
from tests.support import factories as f
from tests.support.chat import Chat, texts
from thai.numbers import to_thai_digits


def _issue(tx, **fields) -> tuple[int, str]:
    with tx() as s:
        person = f.staff(s, title="นางสาว", first_name="พิมพ์ชนก", last_name="ใจงาม", **fields)
        code, _ = create_link_code(session=s, staff=person)
        return person.id, code


def test_new_follower_gets_greeting_how_to_link_and_privacy(chat: Chat) -> None:
    reply = texts(chat.follow("Unew"))
    assert "ยินดีต้อนรับ" in reply
    assert "รหัส" in reply
    assert "ข้อมูลส่วนบุคคล" in reply


def test_code_links_and_greets_by_thai_name(chat: Chat, tx) -> None:
    staff_id, code = _issue(tx)
    reply = texts(chat.say("Upim", code))
    assert "นางสาวพิมพ์ชนก ใจงาม" in reply
    with tx() as s:
        assert s.get(Staff, staff_id).line_user_id == "Upim"
        assert s.scalar(select(AuditLog).where(AuditLog.action == "line.linked")) is not None


def test_code_accepts_thai_digits_and_spaces(chat: Chat, tx) -> None:
    staff_id, code = _issue(tx)
    typed = to_thai_digits(code.replace("-", " "))
    assert "ผูกบัญชีเรียบร้อย" in texts(chat.say("Upim", typed))


def test_code_inside_a_sentence_links(chat: Chat, tx) -> None:
    staff_id, code = _issue(tx)
    assert "ผูกบัญชีเรียบร้อย" in texts(chat.say("Upim", f"รหัสค่ะ {code} ขอบคุณค่ะ"))
    with tx() as s:
        assert s.get(Staff, staff_id).line_user_id == "Upim"


def test_code_is_single_use(chat: Chat, tx) -> None:
    _, code = _issue(tx)
    chat.say("Ufirst", code)
    assert "ไม่ถูกต้อง" in texts(chat.say("Usecond", code))


def test_expired_code_is_refused(chat: Chat, tx) -> None:
    _, code = _issue(tx)
    with time_machine.travel(timedelta(days=7, minutes=1)):
        assert "ไม่ถูกต้องหรือหมดอายุ" in texts(chat.say("Upim", code))


def test_unlinked_user_sees_nobodys_data(chat: Chat, tx) -> None:
    _issue(tx)
    for message in ("คำขอของฉัน", "ประวัติการอบรม", "รออนุมัติ", "ส่งรายงาน", "อบรม"):
        reply = texts(chat.say("Ustranger", message))
        assert "ยังไม่ได้ผูก" in reply
        assert "พิมพ์ชนก" not in reply


def test_five_wrong_codes_lock_out_even_a_valid_code(chat: Chat, tx) -> None:
    _, code = _issue(tx)
    for _ in range(4):
        assert "ไม่ถูกต้อง" in texts(chat.say("Uguess", "0000-0000"))
    assert "ระงับ" in texts(chat.say("Uguess", "0000-0001"))
    assert "ระงับ" in texts(chat.say("Uguess", code))
    with time_machine.travel(LOCK_DURATION + timedelta(minutes=1)):
        assert "ผูกบัญชีเรียบร้อย" in texts(chat.say("Uguess", code))


def test_wrong_codes_spread_over_more_than_15_minutes_do_not_lock(chat: Chat, tx) -> None:
    _, code = _issue(tx)
    for i in range(6):
        with time_machine.travel(timedelta(minutes=4 * i)):
            chat.say("Uslow", "1111-2222")
    with time_machine.travel(timedelta(minutes=4 * 5 + 1)):
        # Only four failures fall within any 15 minutes... the fifth and sixth were 4 minutes apart,
        # so failures 3..6 span 12 minutes: 4 in a window, no lock.
        assert "ผูกบัญชีเรียบร้อย" in texts(chat.say("Uslow", code))


def test_relinking_moves_the_account_and_is_audited(chat: Chat, tx) -> None:
    staff_id, code = _issue(tx)
    chat.say("Uold", code)
    with tx() as s:
        code2, _ = create_link_code(session=s, staff=s.get(Staff, staff_id))
    assert "บัญชี LINE เดิม" in texts(chat.say("Unew", code2))
    with tx() as s:
        assert s.get(Staff, staff_id).line_user_id == "Unew"
        assert s.scalar(select(AuditLog).where(AuditLog.action == "line.relinked")) is not None
    # The old account is a stranger now.
    assert "ยังไม่ได้ผูก" in texts(chat.say("Uold", "คำขอของฉัน"))


def test_one_line_account_links_one_person(chat: Chat, tx) -> None:
    first_id, code1 = _issue(tx)
    second_id, code2 = _issue(tx)
    chat.say("Ushared", code1)
    chat.say("Ushared", code2)
    with tx() as s:
        assert s.get(Staff, first_id).line_user_id is None
        assert s.get(Staff, second_id).line_user_id == "Ushared"


def test_a_new_code_voids_the_older_one(chat: Chat, tx) -> None:
    staff_id, old = _issue(tx)
    with tx() as s:
        create_link_code(session=s, staff=s.get(Staff, staff_id))
    assert "ไม่ถูกต้อง" in texts(chat.say("Upim", old))


def test_unfollow_marks_unreachable_and_follow_again_restores(chat: Chat, tx) -> None:
    staff_id, code = _issue(tx)
    chat.say("Upim", code)
    assert chat.post(ev.unfollow_event("Upim")).status_code == 200
    with tx() as s:
        assert s.get(Staff, staff_id).reachable is False
    assert "ยินดีต้อนรับกลับ" in texts(chat.follow("Upim"))
    with tx() as s:
        assert s.get(Staff, staff_id).reachable is True


def test_inactive_staff_code_is_refused(chat: Chat, tx) -> None:
    staff_id, code = _issue(tx)
    with tx() as s:
        s.get(Staff, staff_id).active = False
    assert "ไม่ถูกต้อง" in texts(chat.say("Upim", code))


def test_normalise_code() -> None:
    assert normalise_code("1234-5678") == "12345678"
    assert normalise_code("๑๒๓๔ ๕๖๗๘") == "12345678"
    assert normalise_code("1234567") is None
    assert normalise_code("abcd-efgh") is None
    assert normalise_code("รหัสค่ะ ๑๒๓๔-๕๖๗๘") == "12345678"
    # Another number in the sentence means it is not a code: a phone number, a date.
    assert normalise_code("โทร 081 234 5678") is None
    assert normalise_code("อบรม 20/03/2566 รหัส 1234-5678") is None


def test_link_code_cli_prints_code_last(app, tx) -> None:
    with tx() as s:
        f.staff(s, employee_id="E100")
    result = app.test_cli_runner().invoke(args=["link-code", "E100"])
    assert result.exit_code == 0
    assert normalise_code(result.output.strip().splitlines()[-1]) is not None
    missing = app.test_cli_runner().invoke(args=["link-code", "NOPE"])
    assert missing.exit_code != 0


def test_a_code_typed_by_two_people_at_once_links_one(app, bot, fake_line, tx) -> None:
    import threading

    staff_id, code = _issue(tx)
    barrier = threading.Barrier(3)
    statuses: list[int] = []

    def type_code(user: str) -> None:
        body = ev.payload(ev.text_event(user, code, fake_line.standin.issue_reply_token(user)))
        signature = ev.sign(body, bot.channel_secret)
        client = app.test_client()
        barrier.wait(timeout=10)
        statuses.append(client.post("/callback", data=body, headers={"X-Line-Signature": signature}).status_code)

    threads = [threading.Thread(target=type_code, args=(f"Urace{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert statuses == [200] * 3
    linked = [u for u in ("Urace0", "Urace1", "Urace2") if "ผูกบัญชีเรียบร้อย" in texts(fake_line.standin.messages_to(u))]
    assert len(linked) == 1
    with tx() as s:
        assert s.get(Staff, staff_id).line_user_id == linked[0]


def test_staff_who_left_are_not_welcomed_back_by_name(chat: Chat, tx) -> None:
    staff_id, code = _issue(tx)
    chat.say("Upim", code)
    chat.post(ev.unfollow_event("Upim"))
    with tx() as s:
        s.get(Staff, staff_id).active = False
    reply = texts(chat.follow("Upim"))
    assert "พิมพ์ชนก" not in reply and "ยินดีต้อนรับสู่" in reply
