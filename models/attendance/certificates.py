"""Certificates (เกียรติบัตร): one file per registration, uploaded by HR or generated, kept by random name."""
from __future__ import annotations

import logging
import os
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.attendance.tables import Certificate, CertificateSource
from models.audit import audit
from models.course import Course
from models.registration import Registration, RegStatus

log = logging.getLogger(__name__)

MAX_CERTIFICATE_BYTES = 10 * 1024 * 1024
CERTIFICATE_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class CertificateError(ValueError):
    """A certificate cannot be stored for this registration or file."""


def _write(upload_dir: str, data: bytes, extension: str) -> str:
    os.makedirs(upload_dir, exist_ok=True)
    name = "cert-" + secrets.token_hex(16) + extension
    # O_EXCL: never overwrite another file, even on a clash of random names.
    fd = os.open(os.path.join(upload_dir, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return name


def sniff_type(data: bytes) -> str | None:
    """Return the content type of a certificate file from its first bytes (never trust the name)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def store_certificate(
    *, session: Session, registration_id: int, data: bytes, source: str, upload_dir: str, now: datetime,
    actor_id: int | None = None,
) -> Certificate:
    """Keep a certificate file for an approved registration, replacing an earlier one."""
    source = CertificateSource(source)
    reg = session.get(Registration, registration_id)
    if reg is None or reg.status != RegStatus.APPROVED:
        raise CertificateError("only an approved participant gets a certificate")
    content_type = sniff_type(data)
    if content_type is None:
        raise CertificateError("a certificate is a PDF, PNG or JPEG file")
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise CertificateError("file too large")
    name = _write(upload_dir, data, CERTIFICATE_TYPES[content_type])
    row = session.scalar(select(Certificate).where(Certificate.registration_id == registration_id))
    old_name = None
    if row is None:
        row = Certificate(registration_id=registration_id)
        session.add(row)
    else:
        old_name = row.stored_name
    row.source, row.stored_name, row.content_type, row.size = source, name, content_type, len(data)
    row.created_at, row.created_by_id = now, actor_id
    session.flush()
    if old_name:
        try:
            os.remove(os.path.join(upload_dir, old_name))
        except OSError:
            pass  # already gone: nothing to free
    audit(session=session, action=f"certificate.{source.value}", subject_type="registration",
          subject_id=registration_id, actor_id=actor_id)
    log.info("stored certificate %s for registration %s", row.id, registration_id)
    return row


def certificates_of(*, session: Session, staff_id: int) -> list[Certificate]:
    """Return a person's certificates, newest course first."""
    return list(session.scalars(
        select(Certificate).join(Registration, Registration.id == Certificate.registration_id)
        .join(Course, Course.id == Registration.course_id)
        .where(Registration.staff_id == staff_id)
        .order_by(Course.start_date.desc(), Certificate.id.desc())).unique())


def certificate_path(upload_dir: str, certificate: Certificate) -> str:
    """Return where a certificate's file lives."""
    return os.path.join(upload_dir, certificate.stored_name)
