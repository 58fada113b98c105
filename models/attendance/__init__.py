"""The day and after: check-in, attendance, pre/post tests, evaluation, certificates and hours.

Tables in tables.py; domain operations fn(*, session, ...) in one module per part, re-exported here.
"""
from models.attendance.records import (
    AttendanceError,
    CheckinOutcome,
    CheckinResult,
    attendance_record,
    check_in,
    checkin_code,
    checkins_of,
    course_days,
    normalise_checkin_code,
    record_attendance,
    renew_checkin_code,
)
from models.attendance.tables import (
    AttendanceRecord,
    AttendanceSource,
    Certificate,
    CertificateSource,
    Checkin,
    CheckinCode,
    EvaluationRating,
    EvaluationResponse,
    QuizAnswer,
    QuizPhase,
    QuizQuestion,
)

__all__ = [
    "AttendanceError", "AttendanceRecord", "AttendanceSource", "Certificate", "CertificateSource", "Checkin",
    "CheckinCode", "CheckinOutcome", "CheckinResult", "EvaluationRating", "EvaluationResponse", "QuizAnswer",
    "QuizPhase", "QuizQuestion", "attendance_record", "check_in", "checkin_code", "checkins_of", "course_days",
    "normalise_checkin_code", "record_attendance", "renew_checkin_code",
]
