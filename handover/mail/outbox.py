"""Writing messages: render now, store the complete message in the caller's transaction.

The outbox row commits or rolls back with the state change that causes it, so a message exists
exactly when its cause does. Its idempotency key (case, customer, kind[, n]) makes a second
enqueue of the same message a no-op, also between concurrent transactions (INSERT ... ON CONFLICT
DO NOTHING on the unique key).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from handover import clock
from handover.errors import HandoverError
from handover.mail.ics import build_ics
from handover.mail.message import CalendarEvent, Recipient, normalise_locale
from handover.mail.mime import build_mime, message_id_for
from handover.mail.render import render
from handover.settings import get_settings
from models.outbox import OutboxMessage, OutboxStatus

CALENDAR_KINDS = ("meeting_invitation",)


_TABLE = OutboxMessage.__table__
_EXISTS = select(_TABLE.c.id).where(_TABLE.c.idempotency_key == bindparam("key"))


@lru_cache(maxsize=4)
def _insert(dialect: str):
    """INSERT ... ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, built once per dialect."""
    dialects = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    if dialect not in dialects:
        raise HandoverError(f"database {dialect!r} is not supported by the outbox (use SQLite or PostgreSQL)")
    return dialects[dialect](_TABLE).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(_TABLE.c.id)


def exists(session: Session, key: str) -> bool:
    return session.execute(_EXISTS, {"key": key}).first() is not None


def enqueue(session: Session, *, kind: str, key: str, to: Recipient, context: dict[str, Any],
            case_id: int | None = None, customer_id: str | None = None,
            calendar: CalendarEvent | None = None) -> OutboxMessage | None:
    """Render now and add an outbox row in the caller's transaction (session from handover.db.session_scope()).

    Returns the stored row (a detached copy) or None when a row with this idempotency key already exists
    (nothing added). The Message-ID is derived from the key. A template error or a bad address raises
    HandoverError and adds nothing.
    """
    if not key or key != key.strip():
        raise HandoverError(f"email {kind}: idempotency key {key!r} must be non-empty without surrounding spaces")
    if (kind in CALENDAR_KINDS) != (calendar is not None):
        need = "needs" if kind in CALENDAR_KINDS else "does not take"
        raise HandoverError(f"email {kind} (key {key}): {need} a calendar event")
    if exists(session, key):
        return None
    settings = get_settings()
    now = clock.now()
    locale = normalise_locale(to.locale)
    rendered = render(kind, to, context)
    message_id = message_id_for(key, settings.sender)
    ics = build_ics(calendar, zone=settings.timezone, stamp=now) if calendar is not None else None
    mime = build_mime(rendered, to=to, sender=settings.sender, sender_name=settings.company_name, date=now,
                      message_id=message_id, locale=locale, ics=ics)
    values = dict(idempotency_key=key, kind=kind, case_id=case_id, customer_id=customer_id, recipient=to.email,
                  locale=locale, subject=rendered.subject, message_id=message_id, mime=mime,
                  status=OutboxStatus.pending, created_at=now, attempts=0, next_attempt_at=now, last_error="")
    values.update(claimed_at=None, claimed_by="", sent_at=None)
    new_id = session.execute(_insert(session.get_bind().dialect.name), values).scalar_one_or_none()
    return None if new_id is None else OutboxMessage(id=new_id, **values)  # what was stored, without reading it back
