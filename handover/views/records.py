"""The outbox and the audit trail as the acting person may see them."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from handover import access, audit
from handover.acting import acting, allow, record_view
from handover.db import session_scope
from handover.errors import HandoverError, NotFound
from handover.settings import get_settings
from handover.views.cases import case_parties
from models import Customer, Employee
from models.outbox import OutboxMessage, OutboxStatus

OUTBOX_FIELDS = ("id", "status", "kind", "recipient", "idempotency_key", "case_id", "customer_id", "attempts",
                 "created_at", "next_attempt_at", "sent_at", "subject", "last_error")
AUDIT_READERS = frozenset({access.HR, access.ADMIN, access.MANAGER})


def outbox(by: str | None, status: str | None, limit: int, exported: bool) -> list[dict[str, Any]]:
    """Outgoing mail, newest first: admins only (it holds customers' addresses); each look is audited."""
    if status is not None and status not in OutboxStatus.__members__:
        raise HandoverError(f"--status {status!r}: choose one of {', '.join(OutboxStatus.__members__)}")
    with session_scope() as session:
        actor = acting(session, by, "list the outbox", frozenset({access.ADMIN}))
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if status is not None:
            query = query.where(OutboxMessage.status == OutboxStatus(status))
        rows = [{name: getattr(row, name) for name in OUTBOX_FIELDS} for row in session.exec(query)]
        record_view(session, actor, exported=exported, subject_type="outbox", subject_id=status or "all",
                    customer_ids=sorted({r["customer_id"] for r in rows if r["customer_id"]}),
                    details={"messages": len(rows)})
    return rows


def audit_trail(by: str | None, *, customer_id: str | None = None, actor_id: str | None = None,
                since: date | None = None, case_id: int | None = None) -> list[dict[str, Any]]:
    """hr and admins read the whole audit; a manager one customer or case of their team (--customer, --case)."""
    with session_scope() as session:
        reader = acting(session, by, "read the audit", AUDIT_READERS)
        owner = _owner(session, customer_id) if customer_id is not None else None
        case_manager = case_parties(session, case_id)[1] if case_id is not None else None
        if actor_id is not None and session.get(Employee, actor_id) is None:
            raise NotFound(f"--actor {actor_id!r}: no such employee")
        allow(access.audit_refusal(reader, owner, case_manager, customer_id is not None, case_id is not None))
        start = None if since is None else datetime.combine(since, time(), ZoneInfo(get_settings().timezone))
        return audit.entries(session, customer_id=customer_id, actor_id=actor_id, since=start, case_id=case_id)


def _owner(session, customer_id: str) -> str | None:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"--customer {customer_id!r}: no such customer")
    return customer.owner_id
