"""ขอเกียรติบัตร: the person's certificates as signed, expiring links served by the app."""
from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from bot.documents.links import SALT
from models.attendance import store_certificate
from models.base import utcnow
from models.org import set_setting
from tests.support import factories as f
from tests.support.chat import Chat, actions, texts

PDF = b"%PDF-1.4\n% a certificate\n%%EOF\n"


@pytest.fixture(autouse=True)
def public_address(tx) -> None:
    """The app's public address, so certificate links can be made."""
    with tx() as s:
        set_setting(session=s, key="public_base_url", value="https://bot.example.go.th")


def _certified(tx, bot, user: str = "Ualice") -> int:
    with tx() as s:
        person = f.staff(s, line_user_id=user)
        reg = f.finished_registration(s, person, title="การจัดซื้อจัดจ้างภาครัฐ")
        cert = store_certificate(session=s, registration_id=reg.id, data=PDF, source="uploaded",
                                 upload_dir=bot.config.UPLOAD_DIR, now=utcnow())
        return cert.id


def _path(url: str) -> str:
    return url.removeprefix("https://bot.example.go.th")


@pytest.mark.parametrize("typed", ["ขอเกียรติบัตร", "เกียรติบัตรของฉันอยู่ไหนคะ"])
def test_typed_request_gives_a_working_link(chat: Chat, tx, bot, client: FlaskClient, typed: str) -> None:
    _certified(tx, bot)
    reply = chat.say("Ualice", typed)
    assert "การจัดซื้อจัดจ้างภาครัฐ" in texts(reply)
    link = next(a for a in actions(reply) if a["type"] == "uri")["uri"]
    assert link.startswith("https://bot.example.go.th/documents/")
    response = client.get(_path(link))
    assert response.status_code == 200 and response.data == PDF and response.mimetype == "application/pdf"


def test_no_certificate_yet_says_so(chat: Chat, tx) -> None:
    with tx() as s:
        f.staff(s, line_user_id="Ubob")
    assert "ยังไม่มีเกียรติบัตร" in texts(chat.say("Ubob", "ขอเกียรติบัตร"))


def test_altered_and_expired_links_serve_nothing(chat: Chat, tx, bot, client: FlaskClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cert_id = _certified(tx, bot)
    link = next(a for a in actions(chat.say("Ualice", "ขอเกียรติบัตร")) if a["type"] == "uri")["uri"]
    assert client.get(_path(link)[:-2] + "xx").status_code == 404
    signer = URLSafeTimedSerializer(bot.config.SECRET_KEY, salt=SALT)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 8 * 86400)  # a link made eight days ago
    token = signer.dumps(["certificate", cert_id])
    monkeypatch.undo()
    expired = client.get(f"/documents/{token}")
    assert expired.status_code == 410 and "หมดอายุ" in expired.get_data(as_text=True)


def test_sending_a_certificate_stays_a_report(chat: Chat, tx, bot) -> None:
    _certified(tx, bot)
    reply = chat.say("Ualice", "ส่งเกียรติบัตร")
    assert "รายงาน" in texts(reply)


def test_an_image_certificate_also_shows_as_an_image(chat: Chat, tx, bot, client: FlaskClient) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with tx() as s:
        person = f.staff(s, line_user_id="Ucara")
        reg = f.finished_registration(s, person, title="การใช้งานระบบสารบรรณอิเล็กทรอนิกส์")
        store_certificate(session=s, registration_id=reg.id, data=png, source="uploaded",
                          upload_dir=bot.config.UPLOAD_DIR, now=utcnow())
    reply = chat.say("Ucara", "ขอเกียรติบัตร")
    image = next(m for m in reply if m["type"] == "image")
    assert image["originalContentUrl"].startswith("https://bot.example.go.th/documents/")
    served = client.get(_path(image["originalContentUrl"]))
    assert served.mimetype == "image/png" and served.data == png


def test_without_a_public_address_the_person_is_told_where_to_get_it(chat: Chat, tx, bot) -> None:
    _certified(tx, bot)
    with tx() as s:
        set_setting(session=s, key="public_base_url", value="")
    reply = chat.say("Ualice", "ขอเกียรติบัตร")
    assert "ขอรับจากเจ้าหน้าที่การเจ้าหน้าที่" in texts(reply)
    assert not [a for a in actions(reply) if a["type"] == "uri"]
