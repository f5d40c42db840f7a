"""The customer satisfaction survey: issue a link, look it up, answer it once, remind.

A survey link carries a random token (``secrets.token_urlsafe(32)``, 256 bits). Only its SHA-256 is
stored, so the database alone cannot produce a working link. A reminder therefore cannot repeat the
first link: ``remind_survey`` issues a fresh token and the earlier link stops working.

Every function takes the caller's session (``handover.db.session_scope()``) and an explicit ``now``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from handover.errors import HandoverError
from handover.settings import get_settings
from models import Customer, Employee, OffboardingCase, Survey

log = logging.getLogger(__name__)

LOCALES = ("zh-CN", "en")
CSAT_RANGE = range(1, 6)
NPS_RANGE = range(0, 11)
COMMENT_MAX_CHARS = 2000
LOW_SCORE_KIND = "task_survey_low_score"


class Unavailable(StrEnum):
    """Why a token does not lead to an open survey."""

    unknown = "unknown"
    answered = "answered"
    expired = "expired"


class SurveyClosed(HandoverError):
    """The token names no open survey (unknown, already answered or expired)."""

    def __init__(self, reason: Unavailable):
        super().__init__(f"survey link: {reason.value}")
        self.reason = reason


@dataclass(frozen=True)
class SurveyParties:
    """The names a survey page shows: who the customer is and who now looks after it."""

    customer_name: str
    successor_name: str


def new_token() -> str:
    """A fresh link token: 32 random bytes (256 bits), URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def survey_link(token: str) -> str:
    """The link a customer opens (base URL from the ``web_url`` setting)."""
    return f"{get_settings().web_url.rstrip('/')}/survey/{token}"


def issue_survey(
    session: Session, *, case_id: int, customer_id: str, successor_id: str | None, locale: str, now: datetime
) -> tuple[Survey, str] | None:
    """Create the survey of one customer in one case and return it with its token.

    Idempotent: None when the case already has a survey for this customer (also under a concurrent
    issue, which the unique (case_id, customer_id) constraint settles without an error).
    """
    if locale not in LOCALES:
        raise HandoverError(f"survey for case {case_id}, customer {customer_id}: locale {locale!r} "
                            f"is not one of {', '.join(LOCALES)}")
    token = new_token()
    values = dict(case_id=case_id, customer_id=customer_id, successor_id=successor_id, locale=locale,
                  token_hash=hash_token(token), sent_at=now,
                  expires_at=now + timedelta(days=get_settings().survey_expiry_days), comment="")
    survey_id = session.execute(_insert_once(session, values)).scalar_one_or_none()
    if survey_id is None:
        return None
    return session.get(Survey, survey_id), token


def _insert_once(session: Session, values: dict):
    """INSERT ... ON CONFLICT (case_id, customer_id) DO NOTHING RETURNING id, per dialect."""
    builders = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
    statement = builders[session.get_bind().dialect.name](Survey).values(**values)
    return statement.on_conflict_do_nothing(index_elements=["case_id", "customer_id"]).returning(Survey.id)


def find_by_token(session: Session, token: str, now: datetime) -> Survey | Unavailable:
    """The open survey the token names, or why there is none (answered wins over expired)."""
    survey = session.exec(select(Survey).where(Survey.token_hash == hash_token(token))).first()
    if survey is None:
        return Unavailable.unknown
    if survey.answered_at is not None:
        return Unavailable.answered
    if now >= survey.expires_at:
        return Unavailable.expired
    return survey


def parties(session: Session, survey: Survey) -> SurveyParties:
    customer = session.get(Customer, survey.customer_id)
    successor = session.get(Employee, survey.successor_id) if survey.successor_id else None
    return SurveyParties(customer_name=customer.name if customer else "",
                         successor_name=successor.name if successor else "")


def validate_answer(csat: object, nps: object, comment: object) -> list[str]:
    """What is wrong with an answer, one message per field (empty when valid)."""
    problems = []
    if not _int_in(csat, CSAT_RANGE):
        problems.append(f"csat: must be a whole number from 1 to 5, got {csat!r}")
    if not _int_in(nps, NPS_RANGE):
        problems.append(f"nps: must be a whole number from 0 to 10, got {nps!r}")
    if not isinstance(comment, str):
        problems.append(f"comment: must be text, got {type(comment).__name__}")
    elif len(comment) > COMMENT_MAX_CHARS:
        problems.append(f"comment: at most {COMMENT_MAX_CHARS} characters, got {len(comment)}")
    return problems


def _int_in(value: object, allowed: range) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in allowed


def answer_survey(session: Session, token: str, csat: int, nps: int, comment: str, now: datetime) -> Survey:
    """Store the customer's answer; a token answers once.

    The single conditional UPDATE (``answered_at IS NULL`` and not expired) decides which of two
    concurrent posts counts; the other gets ``SurveyClosed(answered)``. A CSAT at or below the
    ``survey_low_score`` setting queues a message to the successor's manager in the same transaction.
    """
    problems = validate_answer(csat, nps, comment)
    if problems:
        raise HandoverError("survey answer: " + "; ".join(problems))
    found = find_by_token(session, token, now)
    if isinstance(found, Unavailable):
        raise SurveyClosed(found)
    claimed = session.execute(
        update(Survey)
        .where(Survey.id == found.id, Survey.answered_at.is_(None), Survey.expires_at > now)
        .values(answered_at=now, csat=csat, nps=nps, comment=comment.strip())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise SurveyClosed(Unavailable.answered)
    session.refresh(found)
    if csat <= get_settings().survey_low_score:
        _notify_low_score(session, found)
    return found


def _notify_low_score(session: Session, survey: Survey) -> None:
    """Queue the low-score task to the successor's manager.

    Logged and skipped when there is no manager or the message cannot be built (e.g. a bad address):
    the customer's answer is kept either way.
    """
    successor = session.get(Employee, survey.successor_id) if survey.successor_id else None
    manager = session.get(Employee, successor.manager_id) if successor and successor.manager_id else None
    if manager is None:
        log.warning("survey %s: low score but no manager of successor %s to notify", survey.id, survey.successor_id)
        return
    try:
        _enqueue_low_score(session, survey, manager)
    except HandoverError as exc:  # enqueue adds nothing when it fails: keep the customer's answer
        log.error("survey %s: low-score task to the manager not queued: %s", survey.id, exc)


def _enqueue_low_score(session: Session, survey: Survey, manager: Employee) -> None:
    from handover import mail  # imported where used: the mail package loads templates and MIME tools

    case = session.get(OffboardingCase, survey.case_id)
    departing = session.get(Employee, case.employee_id)
    customer = session.get(Customer, survey.customer_id)
    mail.enqueue(
        session,
        kind=LOW_SCORE_KIND,
        key=f"{survey.case_id}:{survey.customer_id}:survey_low_score",
        to=mail.Recipient(email=manager.email, name=manager.name, locale=manager.locale),
        context={
            "case": {"id": case.id, "employee_name": departing.name if departing else case.employee_id},
            "customer": {"name": customer.name},
            "survey": {"csat": survey.csat, "nps": survey.nps, "comment": survey.comment},
        },
        case_id=survey.case_id,
        customer_id=survey.customer_id,
    )


def due_reminders(session: Session, now: datetime) -> list[Survey]:
    """Open surveys sent at least ``survey_reminder_days`` ago and not yet reminded."""
    sent_before = now - timedelta(days=get_settings().survey_reminder_days)
    query = (
        select(Survey)
        .where(Survey.answered_at.is_(None), Survey.reminded_at.is_(None),
               Survey.sent_at <= sent_before, Survey.expires_at > now)
        .order_by(Survey.id)
    )
    return list(session.exec(query).all())


def remind_survey(session: Session, survey_id: int, now: datetime) -> tuple[Survey, str] | None:
    """Mark a survey reminded and give it a fresh token for the reminder's link.

    The old link stops working (only hashes are stored, so it cannot be repeated). None when the
    survey is answered, expired or already reminded, so calling twice sends one reminder.
    """
    token = new_token()
    claimed = session.execute(
        update(Survey)
        .where(Survey.id == survey_id, Survey.answered_at.is_(None), Survey.reminded_at.is_(None),
               Survey.expires_at > now)
        .values(reminded_at=now, token_hash=hash_token(token))
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    survey = session.get(Survey, survey_id)
    session.refresh(survey)
    return survey, token
