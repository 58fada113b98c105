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
from models.attendance.certificates import (
    CertificateError,
    certificate_path,
    certificates_of,
    sniff_type,
    store_certificate,
)
from models.attendance.evaluation import (
    DEFAULT_EVALUATION_QUESTIONS,
    RATINGS,
    EvaluationResults,
    Satisfaction,
    course_results,
    due_evaluations,
    evaluation_questions,
    next_position,
    open_evaluation,
    parse_questions,
    rate,
    response_of,
    satisfaction_by_course,
    set_comment,
    skip_comment,
)
from models.attendance.overview import Participant, attendance_courses, participants
from models.attendance.quiz import (
    MAX_CHOICES,
    Score,
    add_question,
    answer_question,
    course_scores,
    delete_question,
    has_quiz,
    next_question,
    questions_of,
    score,
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
    "RATINGS",
    "MAX_CHOICES",
    "Participant", "attendance_courses", "participants",
    "AttendanceError", "AttendanceRecord", "AttendanceSource", "Certificate", "CertificateError",
    "CertificateSource", "Checkin", "CheckinCode", "CheckinOutcome", "CheckinResult",
    "DEFAULT_EVALUATION_QUESTIONS", "EvaluationRating", "EvaluationResponse", "EvaluationResults",
    "QuizAnswer", "QuizPhase", "QuizQuestion", "Satisfaction", "Score", "add_question", "answer_question",
    "attendance_record", "certificate_path", "certificates_of", "check_in", "checkin_code", "checkins_of",
    "course_days", "course_results", "course_scores", "delete_question", "due_evaluations",
    "evaluation_questions", "has_quiz", "next_position", "next_question", "normalise_checkin_code",
    "open_evaluation", "parse_questions", "questions_of", "rate", "record_attendance", "renew_checkin_code",
    "response_of", "satisfaction_by_course", "score", "set_comment", "skip_comment", "sniff_type",
    "store_certificate",
]
