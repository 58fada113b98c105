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
)
from models.attendance.quiz import (
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

__all__ = [name for name in dir() if not name.startswith("_")]
