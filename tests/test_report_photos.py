"""A supervisor opens a submitted report's photos from the review card: a signed, expiring link."""
from __future__ import annotations

import io
import re
import time
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from PIL import Image
from sqlalchemy import select

from bot.documents.links import SALT
from models.org import set_setting
from models.report import Report
from tests.support import factories as f
from tests.support.chat import Chat, actions, button

BASE = "https://bot.example.go.th"


def _png(colour: str = "blue") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buf, "PNG")
    return buf.getvalue()


def _submit(chat: Chat, tx, *, base: str, photo: bytes | None, more: tuple[bytes, ...] = ()) -> tuple[str, str]:
    """Have a worker submit a report (with or without a photo); return the supervisor and the mark."""
    with tx() as s:
        set_setting(session=s, key="public_base_url", value=base)
        _top, boss, worker = f.chain(s, 2)
        f.finished_registration(s, worker, title="การพัฒนาบุคลากรเชิงกลยุทธ์", fee=Decimal("0"))
        users = worker.line_user_id, boss.line_user_id
    chat.say(users[0], "ส่งรายงาน")
    chat.say(users[0], "ได้เรียนรู้การจัดทำแผนพัฒนาบุคลากรสามปีและการประเมินผลการพัฒนา")
    chat.say(users[0], "นำไปปรับแผนพัฒนาบุคลากรของกองคลัง")
    for amount in ("0", "0", "0", "ไม่มี"):
        reply = chat.say(users[0], amount)
    if photo is not None:
        reply = chat.send_image(users[0], photo)
        for extra in more:
            reply = chat.send_image(users[0], extra)
        reply = chat.tap(users[0], button(reply, "เสร็จ")["data"])
    else:
        reply = chat.say(users[0], "ข้าม")
    mark = chat.mark()
    chat.tap(users[0], button(reply, "ยืนยัน")["data"])
    return users[1], mark


def _photo_links(card: list[dict]) -> list[str]:
    return [a["uri"] for a in actions(card) if a["type"] == "uri" and a.get("label") == "ดูรูปภาพ"]


def test_review_card_opens_the_photo_and_forged_or_expired_links_serve_nothing(
        chat: Chat, tx, bot, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    photo = _png()
    boss, mark = _submit(chat, tx, base=BASE, photo=photo)
    card = chat.inbox(boss, after=mark)
    assert button(card, "รับทราบ")
    [link] = _photo_links(card)
    assert link.startswith(f"{BASE}/documents/")
    served = client.get(link.removeprefix(BASE))
    assert served.status_code == 200 and served.data == photo and served.mimetype == "image/png"
    assert served.headers["Cache-Control"] == "private, no-store"

    assert client.get(link.removeprefix(BASE)[:-2] + "xx").status_code == 404
    with tx() as s:
        attachment_id = s.scalars(select(Report)).one().attachments[0].id
    forged = URLSafeTimedSerializer("not-the-secret", salt=SALT).dumps(["attachment", attachment_id])
    assert client.get(f"/documents/{forged}").status_code == 404
    signer = URLSafeTimedSerializer(bot.config.SECRET_KEY, salt=SALT)
    assert client.get(f"/documents/{signer.dumps(['attachment', attachment_id + 999])}").status_code == 404
    assert client.get(f"/documents/{signer.dumps(['attachment', '../../etc/passwd'])}").status_code == 404
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 8 * 86400)  # a link made eight days ago
    old = signer.dumps(["attachment", attachment_id])
    monkeypatch.undo()
    expired = client.get(f"/documents/{old}")
    assert expired.status_code == 404 and "หมดอายุ" in expired.get_data(as_text=True)


def test_a_report_with_several_photos_opens_a_page_of_all_of_them(chat: Chat, tx, client: FlaskClient) -> None:
    photos = (_png("blue"), _png("red"), _png("green"))
    boss, mark = _submit(chat, tx, base=BASE, photo=photos[0], more=photos[1:])
    [link] = _photo_links(chat.inbox(boss, after=mark))
    page = client.get(link.removeprefix(BASE))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html" and 'lang="th"' in html
    assert "การพัฒนาบุคลากรเชิงกลยุทธ์" in html and "รูปที่ 3 จาก 3" in html
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert [client.get(src).data for src in sources] == list(photos)  # each through its own signed link
    assert page.headers["Cache-Control"] == "private, no-store"


def test_no_button_without_photos_or_without_a_public_address(chat: Chat, tx) -> None:
    boss, mark = _submit(chat, tx, base=BASE, photo=None)
    card = chat.inbox(boss, after=mark)
    assert button(card, "รับทราบ") and _photo_links(card) == []


def test_no_button_when_public_base_url_is_empty(chat: Chat, tx) -> None:
    boss, mark = _submit(chat, tx, base="", photo=_png())
    card = chat.inbox(boss, after=mark)
    assert button(card, "รับทราบ") and _photo_links(card) == []
