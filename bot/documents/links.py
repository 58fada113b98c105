"""Signed, expiring links to documents the app serves (certificates, report photos): LINE bots cannot
send files.

A link is /documents/<token>, the token naming the kind and the record, signed with SECRET_KEY and
dated, so it cannot be guessed or altered and stops working after LINK_DAYS; the chat hands out a
fresh one whenever the person asks (ขอเกียรติบัตร).
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, render_template_string
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bot.state import state
from models.attendance import Certificate, certificate_path
from models.report import Report
from models.report_overview import attachment_file

log = logging.getLogger(__name__)

LINK_DAYS = 7
SALT = "document-link"
KINDS = ("certificate", "attachment", "report-photos")

bp = Blueprint("documents", __name__)

EXPIRED = ("ลิงก์นี้หมดอายุแล้วค่ะ พิมพ์ ขอเกียรติบัตร ในแชตเพื่อรับลิงก์ใหม่ค่ะ", 410)
NOT_FOUND = ("ไม่พบเอกสารนี้ค่ะ", 404)
# A photo link is not handed out again on request, so an old one is simply gone.
PHOTO_EXPIRED = ("ลิงก์รูปภาพนี้หมดอายุแล้วค่ะ", 404)

# A report's photos on one page (ดูรูปภาพ on a review card of a report with more than one photo).
PHOTOS_PAGE = """<!doctype html>
<html lang="th"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>รูปภาพประกอบรายงานผลการอบรม</title>
<style>body{font-family:sans-serif;margin:1rem;max-width:48rem}img{max-width:100%;height:auto;display:block}
figure{margin:0 0 1.5rem}figcaption{color:#555;margin-top:.25rem}</style></head>
<body><h1>รูปภาพประกอบรายงานผลการอบรม</h1><p>{{ course }}</p>
{% for src in photos %}<figure><img src="{{ src }}" alt="รูปที่ {{ loop.index }}">
<figcaption>รูปที่ {{ loop.index }} จาก {{ photos|length }}</figcaption></figure>{% endfor %}
</body></html>"""


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def url_builder(secret_key: str, fallback_base: str = "") -> Callable[[str, int, str], str | None]:
    """Return (kind, id, public_base_url) -> the signed link; None when there is no address to link to."""
    signer = _serializer(secret_key)

    def build(kind: str, record_id: int, base_url: str) -> str | None:
        base = (base_url or fallback_base).strip().rstrip("/")
        if not base or kind not in KINDS:
            return None
        return f"{base}/documents/{signer.dumps([kind, int(record_id)])}"

    return build


def _kind_of(old: SignatureExpired) -> str:
    """Return the kind an expired (but genuinely signed) token named."""
    try:
        return str(_serializer(state().config.SECRET_KEY).load_payload(old.payload)[0])
    except (BadSignature, ValueError, TypeError, IndexError):
        return ""


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/plain; charset=utf-8")


@bp.get("/documents/<token>")
def open_document(token: str) -> Response:
    """Serve the document a signed link names, while the link is fresh."""
    s = state()
    try:
        kind, record_id = _serializer(s.config.SECRET_KEY).loads(token, max_age=LINK_DAYS * 86400)
    except SignatureExpired as old:
        return _text(*(EXPIRED if _kind_of(old) == "certificate" else PHOTO_EXPIRED))
    except (BadSignature, ValueError, TypeError):
        return _text(*NOT_FOUND)
    if kind not in KINDS or not isinstance(record_id, int):
        return _text(*NOT_FOUND)
    if kind == "attachment":
        return _attachment(record_id)
    if kind == "report-photos":
        return _photos_page(record_id)
    with s.db.transaction() as session:
        cert = session.get(Certificate, record_id)
        if cert is None:
            return _text(*NOT_FOUND)
        path, mimetype = certificate_path(s.config.UPLOAD_DIR, cert), cert.content_type
        extension = {"application/pdf": "pdf", "image/png": "png"}.get(mimetype, "jpg")
    try:
        with open(path, "rb") as f:  # at most 10 MB (models.attendance.certificates)
            data = f.read()
    except OSError:
        log.warning("certificate %s has no file", record_id)
        return _text(*NOT_FOUND)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="certificate-{record_id}.{extension}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _attachment(attachment_id: int) -> Response:
    """Serve a submitted report's photo; the path comes from the stored row, never the request."""
    s = state()
    with s.db.transaction() as session:
        found = attachment_file(session=session, attachment_id=attachment_id, upload_dir=s.config.UPLOAD_DIR)
    if found is None:
        return _text(*NOT_FOUND)
    try:
        with open(found.path, "rb") as f:  # at most the wizard's upload limit
            data = f.read()
    except OSError:
        log.warning("attachment %s has no file", attachment_id)
        return _text(*NOT_FOUND)
    response = Response(data, mimetype=found.content_type)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _photos_page(report_id: int) -> Response:
    """Serve a page of a submitted report's photos, each through its own signed link."""
    s = state()
    signer = _serializer(s.config.SECRET_KEY)
    with s.db.transaction() as session:
        report = session.get(Report, report_id)
        if report is None or not report.attachments:
            return _text(*NOT_FOUND)
        course = report.registration.course.title
        photos = [f"/documents/{signer.dumps(['attachment', a.id])}" for a in report.attachments]
    response = Response(render_template_string(PHOTOS_PAGE, course=course, photos=photos),
                        mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    return response
