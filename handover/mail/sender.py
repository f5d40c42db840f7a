"""Delivering the outbox: each message at most once, and every message either sent, retried,
failed (for a person to act on) or in doubt (for a person to check). Never silently dropped.

One message at a time is exposed to the crash window: it is marked ``sending`` in its own committed
transaction before the SMTP transaction starts and ``sent`` right after the server accepts it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Row, bindparam, or_, update
from sqlmodel import select

from handover import clock
from handover.db import commit_without_waiting, session_scope
from handover.errors import HandoverError, NotFound
from handover.mail.liveness import SenderRun, is_alive
from handover.mail.message import Recipient
from handover.mail.outbox import enqueue
from handover.mail.transport import InDoubt, NotSent, Rejected, Transport, Unavailable, open_transport
from handover.settings import get_settings
from models.audit import AuditEntry
from models.case import OffboardingCase
from models.outbox import OutboxMessage, OutboxStatus
from models.people import Employee

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
NOTIFY_KIND = "task_delivery_failed"


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4 ... minutes, at most six hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def file_name(row: OutboxMessage) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in row.idempotency_key)
    return f"{row.id:07d}-{safe}"[:180]


def flag_in_doubt() -> int:
    """Rows left ``sending`` by a run that is no longer alive become ``in_doubt``; returns how many."""
    home = get_settings().home
    with session_scope() as session:
        rows = session.exec(select(OutboxMessage.id, OutboxMessage.claimed_by)
                            .where(OutboxMessage.status == OutboxStatus.sending)).all()
        dead = [row_id for row_id, token in rows if not is_alive(home, token)]
        for row_id in dead:
            session.execute(update(OutboxMessage)
                            .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.sending)
                            .values(status=OutboxStatus.in_doubt,
                                    last_error="in doubt: the sender stopped while sending it; the server may or "
                                               "may not have accepted it. Check, then `handover outbox resend`."))
    for row_id in dead:
        log.warning("outbox message %s is in doubt (sender stopped mid-delivery)", row_id)
    return len(dead)


_T = OutboxMessage.__table__
_DUE = (select(_T.c.id)
        .where(_T.c.status == OutboxStatus.pending,
               or_(_T.c.next_attempt_at.is_(None), _T.c.next_attempt_at <= bindparam("due_by")))
        .order_by(_T.c.next_attempt_at, _T.c.id))
_MESSAGES = (select(_T.c.id, _T.c.idempotency_key, _T.c.kind, _T.c.case_id, _T.c.customer_id, _T.c.recipient,
                    _T.c.mime)
             .where(_T.c.id.in_(bindparam("ids", expanding=True))))
# The claim: atomic (status checked in the WHERE, so two senders never both get a row) and it
# returns the attempt count it just raised; no row back means another sender has it or it is not due.
_TAKE = (update(_T)
         .where(_T.c.id == bindparam("row_id"), _T.c.status == OutboxStatus.pending,
                or_(_T.c.next_attempt_at.is_(None), _T.c.next_attempt_at <= bindparam("due_by")))
         .values(status=OutboxStatus.sending, claimed_by=bindparam("token"), claimed_at=bindparam("due_by"),
                 attempts=_T.c.attempts + 1)
         .returning(_T.c.attempts))
PAGE = 200  # messages read from the database at a time (each is a complete MIME text)
# Every this many steps a commit waits for the disk; the others do not (they survive a crash of the
# process, not of the machine). So a power loss can undo the claims of at most this many messages,
# which could then be sent a second time (with the same Message-ID); see docs/mail.md.
DURABLE_EVERY = 100


@lru_cache(maxsize=8)
def _mark(columns: tuple[str, ...]):
    """UPDATE recording an outcome in ``columns``, only on our own claim (a row flagged in doubt
    meanwhile is settled too: we know its outcome). Built once per set of columns."""
    return (update(_T)
            .where(_T.c.id == bindparam("row_id"), _T.c.claimed_by == bindparam("token"),
                   _T.c.status.in_([OutboxStatus.sending, OutboxStatus.in_doubt]))
            .values({name: bindparam(f"new_{name}") for name in columns}))


@dataclass(frozen=True)
class Claimed:
    """A message this run holds (status ``sending``), with the attempt count its claim raised."""

    message: Row
    attempts: int


def _due_ids(now: datetime, limit: int | None) -> list[int]:
    with session_scope() as session:
        query = _DUE.limit(limit) if limit is not None else _DUE
        return list(session.execute(query, {"due_by": now}).scalars())


def _pages(ids: list[int]):
    """The due messages in order, read a page at a time (their text never changes after enqueue)."""
    for first in range(0, len(ids), PAGE):
        page = ids[first:first + PAGE]
        with session_scope() as session:
            found = {row.id: row for row in session.execute(_MESSAGES, {"ids": page})}
        yield from (found[row_id] for row_id in page if row_id in found)


def _take(session, message: Row, token: str) -> Claimed | None:
    """Atomically take a pending, due row; None if another sender has it (the UPDATE matched nothing)."""
    attempts = session.execute(_TAKE, {"row_id": message.id, "token": token, "due_by": clock.now()}).scalar()
    return None if attempts is None else Claimed(message, attempts)


def _record(session, claimed: Claimed, token: str, values: dict) -> None:
    """Record the outcome of our own claim; a message that failed for good is told to the case's manager."""
    params = {f"new_{name}": value for name, value in values.items()}
    session.execute(_mark(tuple(sorted(values))), {"row_id": claimed.message.id, "token": token, **params})
    if values["status"] == OutboxStatus.failed:
        _notify_manager(session, claimed.message, values["last_error"])


def _step(token: str, outcome: tuple[Claimed, dict] | None, following: Row | None, *,
          wait_for_disk: bool = True) -> Claimed | None:
    """One committed transaction: record the previous message's outcome, then claim the next message.

    Both happen before any SMTP traffic for the next message, so at most one message (the one
    being transmitted) is ever ``sending``; doing both in one commit makes it one commit per message.
    The statements are plain Core UPDATEs built once, so a step costs little beyond its commit.
    Without ``wait_for_disk`` the commit survives a crash of this process but not of the machine
    (see ``commit_without_waiting`` and docs/mail.md).
    """
    with session_scope() as session:
        if not wait_for_disk:
            commit_without_waiting(session)
        if outcome is not None:
            _record(session, outcome[0], token, outcome[1])
        return _take(session, following, token) if following is not None else None


def _claim(row_id: int, token: str) -> Claimed | None:
    """Claim one row by id outside a delivery run."""
    [message] = _pages([row_id])
    return _step(token, None, message)


def _notify_manager(session, row: Row, error: str) -> None:
    """Tell the case's manager that a message failed for good (in the transaction that marks it failed)."""
    if row.kind == NOTIFY_KIND or row.case_id is None:
        return
    case = session.get(OffboardingCase, row.case_id)
    departing = session.get(Employee, case.employee_id) if case else None
    manager = session.get(Employee, departing.manager_id) if departing and departing.manager_id else None
    if manager is None:
        log.warning("outbox message %s failed and case %s has no manager to tell", row.id, row.case_id)
        return
    try:
        enqueue(session, kind=NOTIFY_KIND, key=f"{row.idempotency_key}:{NOTIFY_KIND}",
                to=Recipient(manager.email, manager.name, manager.locale), case_id=row.case_id,
                customer_id=row.customer_id,
                context={"message": {"kind": row.kind, "recipient": row.recipient, "error": error}})
    except HandoverError as exc:
        log.error("cannot tell manager %s that outbox message %s failed: %s", manager.id, row.id, exc)


def _attempt(transport: Transport, claimed: Claimed, sender: str) -> tuple[str, dict]:
    """Send one claimed row; returns the count it adds to (sent | retry | failed | in_doubt | unavailable)
    and the column values that record the outcome."""
    row, attempts = claimed.message, claimed.attempts
    try:
        transport.send(name=file_name(row), sender=sender, recipient=row.recipient, mime=row.mime)
    except InDoubt as exc:
        return "in_doubt", {"status": OutboxStatus.in_doubt, "last_error": f"in doubt: {exc}"}
    except Rejected as exc:
        return "failed", {"status": OutboxStatus.failed, "last_error": str(exc)}
    except NotSent as exc:
        if attempts >= MAX_ATTEMPTS:
            return "failed", {"status": OutboxStatus.failed, "last_error": f"gave up after {attempts} attempts: {exc}"}
        retry = {"status": OutboxStatus.pending, "last_error": str(exc),
                 "next_attempt_at": clock.now() + backoff(attempts)}
        return ("unavailable" if isinstance(exc, Unavailable) else "retry"), retry
    return "sent", {"status": OutboxStatus.sent, "sent_at": clock.now(), "last_error": ""}


def deliver_pending(*, limit: int | None = None, transport: Transport | None = None) -> dict[str, int]:
    """Send the due pending messages (at most ``limit``) over one connection; returns counts
    {sent, retry, failed, in_doubt}. Rows found ``sending`` from a dead run are flagged in doubt first.
    When the server cannot be reached the rest of the batch waits for the next run."""
    settings = get_settings()
    counts = {"sent": 0, "retry": 0, "failed": 0, "in_doubt": 0}
    with SenderRun(settings.home) as run:
        counts["in_doubt"] += flag_in_doubt()
        due = _due_ids(clock.now(), limit)
        if not due:
            return counts
        transport = transport or open_transport(settings.smtp_url, settings.outbox_dir)
        outcome: tuple[Claimed, dict] | None = None
        try:
            for number, message in enumerate(_pages(due), start=1):
                waits = number % DURABLE_EVERY == 0
                claimed, outcome = _step(run.token, outcome, message, wait_for_disk=waits), None
                if claimed is None:
                    continue
                label, values = _attempt(transport, claimed, settings.sender)
                outcome = (claimed, values)
                if label == "unavailable":
                    counts["retry"] += 1
                    log.warning("mail server unavailable, the rest of the batch waits: %s", values["last_error"])
                    break
                counts[label] += 1
        finally:
            transport.close()
            _step(run.token, outcome, None)
    return counts


def resend(message_id: int, *, by: str, reason: str = "") -> OutboxMessage:
    """An admin who checked an in-doubt (or failed) message queues it again; audited.

    The resent message keeps its Message-ID, so a receiving system that did get the first copy can
    recognise the second as a duplicate.
    """
    from handover.acting import acting

    with session_scope() as session:
        by = acting(session, by, "resend outbox messages", frozenset({"admin"})).id
        row = session.get(OutboxMessage, message_id)
        if row is None:
            raise NotFound(f"outbox message {message_id}: no such message")
        if row.status not in (OutboxStatus.in_doubt, OutboxStatus.failed):
            raise HandoverError(f"outbox message {message_id} is {row.status.value}; only in_doubt or failed "
                                "messages can be resent")
        before = {"status": row.status.value, "attempts": row.attempts, "last_error": row.last_error}
        row.status, row.next_attempt_at, row.claimed_by = OutboxStatus.pending, clock.now(), ""
        row.last_error = f"resent by {by}" + (f": {reason}" if reason else "")
        session.add(row)
        session.add(AuditEntry(at=clock.now(), actor_id=by, action="outbox.resend", subject_type="outbox_message",
                               subject_id=str(row.id), case_id=row.case_id, before=before,
                               after={"status": "pending"}, reason=reason))
    return row
