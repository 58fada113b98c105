"""The feature's messages; built from a codec (not a Ctx), so the clock's jobs use them too."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from handlers.attendance.text import T
from handlers.kit.messages import Message, bubble, button, carousel, flex, postback_action, row, text, uri_action
from handlers.attendance.base import AttendanceAction as Action
from handlers.kit.postback import Action as KitAction
from handlers.kit.postback import PostbackCodec
from models.attendance import Certificate, EvaluationResponse, QuizQuestion
from models.course import Course
from thai.dates import format_date_range


LINK_DAYS = 7  # how long a certificate link works (bot.documents.links says the same)
UrlBuilder = Callable[[str, int, str], str | None]


def certificate_link(urls: UrlBuilder | None, settings: Mapping[str, Any], certificate: Certificate) -> str | None:
    """Return the signed link to a certificate on the public_base_url setting, or None."""
    return urls("certificate", certificate.id, str(settings.get("public_base_url") or "")) if urls else None


def cancel_action(codec: PostbackCodec) -> dict[str, Any]:
    """Return the quick reply that ends the flow (the global ยกเลิก)."""
    return postback_action(T.CANCEL, codec.pack(KitAction.CANCEL_FLOW), T.CANCEL)


def dates_of(course: Course) -> str:
    """Return a course's dates in BE."""
    return format_date_range(course.start_date, course.end_date)


# --- the tests before and after ---------------------------------------------------------------


def quiz_question(codec: PostbackCodec, *, registration_id: int, phase: str, question: QuizQuestion,
                  number: int, total: int) -> Message:
    """Return one question, its choices numbered in the text and as quick replies."""
    choices = "\n".join(f"{i + 1}) {c}" for i, c in enumerate(question.choices))
    body = T.QUIZ_QUESTION.format(phase=T.PHASE[phase], number=number, total=total, question=question.text,
                                  choices=choices)
    quick = [postback_action(f"{i + 1}) {c}", codec.pack(Action.QUIZ_ANSWER, registration_id,
                                                         f"{phase}:{question.id}:{i}"), f"{i + 1}) {c}")
             for i, c in enumerate(question.choices)]
    return text(body, quick + [cancel_action(codec)])


def quiz_start_button(codec: PostbackCodec, registration_id: int, phase: str, label_text: str) -> dict[str, Any]:
    """Return the quick reply that starts (or resumes) a test."""
    return postback_action(label_text, codec.pack(Action.QUIZ_START, registration_id, phase), label_text)


# --- the evaluation ---------------------------------------------------------------------------


def eval_question(codec: PostbackCodec, response: EvaluationResponse, position: int) -> Message:
    """Return evaluation question `position` with the ratings 5..1 as quick replies."""
    body = T.EVAL_QUESTION.format(number=position + 1, total=len(response.questions),
                                  question=response.questions[position])
    quick = [postback_action(str(r), codec.pack(Action.EVAL_RATE, response.id, f"{position}:{r}"), str(r))
             for r in (5, 4, 3, 2, 1)]
    return text(body, quick)


def eval_skip(codec: PostbackCodec, response: EvaluationResponse) -> dict[str, Any]:
    """Return the ข้าม quick reply of the comment step."""
    return postback_action(T.SKIP, codec.pack(Action.EVAL_SKIP_COMMENT, response.id), T.SKIP)


def eval_comment(codec: PostbackCodec, response: EvaluationResponse, body: str = T.EVAL_ASK_COMMENT) -> Message:
    """Ask for the optional comment, with ข้าม."""
    return text(body, [eval_skip(codec, response)])


def eval_continue(codec: PostbackCodec, response: EvaluationResponse) -> dict[str, Any]:
    """Return the quick reply that resumes an evaluation."""
    return postback_action(T.EVAL_CONTINUE, codec.pack(Action.EVAL_START, response.id), T.EVAL_CONTINUE)


def eval_reminder(codec: PostbackCodec, response: EvaluationResponse, course: Course) -> Message:
    """Return the one reminder of an unfinished evaluation."""
    return text(T.EVAL_REMINDER.format(course=course.title), [eval_continue(codec, response)])


# --- certificates ----------------------------------------------------------------------------


def certificate_bubble(certificate: Certificate, url: str) -> dict[str, Any]:
    """Return one certificate as a bubble with a link button."""
    course = certificate.registration.course
    return bubble(T.CERT_TITLE, [row(T.L_COURSE, course.title), row(T.L_DATES, dates_of(course))],
                  [button(uri_action(T.CERT_OPEN, url))])


def certificate_image(certificate: Certificate, url: str) -> Message | None:
    """Return an uploaded image certificate as an image message (LINE shows only https images)."""
    if not certificate.content_type.startswith("image/") or not url.startswith("https://"):
        return None
    return {"type": "image", "originalContentUrl": url, "previewImageUrl": url}


def certificates_message(certificates: list[Certificate], urls: UrlBuilder | None,
                         settings: Mapping[str, Any]) -> list[Message]:
    """Return a person's certificates as link cards (a plain text where no link can be made)."""
    cards, plain, images = [], [], []
    for cert in certificates[:12]:
        url = certificate_link(urls, settings, cert)
        if url:
            cards.append(certificate_bubble(cert, url))
            image = certificate_image(cert, url)
            if image:
                images.append(image)
        else:
            plain.append(text(T.CERT_NO_LINK.format(course=cert.registration.course.title)))
    messages: list[Message] = []
    if cards:
        contents = cards[0] if len(cards) == 1 else carousel(cards)
        messages.append(flex(T.CERT_LIST.format(count=len(cards), days=LINK_DAYS), contents))
    # A reply holds at most 5 messages: the card first, then images, then what has no link.
    return (messages + images + plain)[:5]


def certificate_ready(certificate: Certificate, urls: UrlBuilder | None,
                      settings: Mapping[str, Any]) -> list[Message]:
    """Return the message that hands a new certificate to its owner."""
    course = certificate.registration.course
    url = certificate_link(urls, settings, certificate)
    if not url:
        return [text(T.CERT_NO_LINK.format(course=course.title))]
    image = certificate_image(certificate, url)
    return [text(T.CERT_READY.format(course=course.title, days=LINK_DAYS)),
            flex(T.CERT_TITLE + " " + course.title, certificate_bubble(certificate, url)), *([image] if image else [])]
