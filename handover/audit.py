"""Writing and reading the audit trail. Rows are only ever added: the database refuses UPDATE and DELETE
on auditentry (triggers of migration 0002)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from models import AuditEntry

LOOKS = ("view", "export")  # a look at customer data lists the customer ids in after["customer_ids"]


def record(session: Session, *, actor_id: str | None, action: str, subject_type: str, subject_id: str,
           at: datetime, case_id: int | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, reason: str = "") -> AuditEntry:
    entry = AuditEntry(at=at, actor_id=actor_id, action=action, subject_type=subject_type, subject_id=subject_id,
                       case_id=case_id, before=before, after=after, reason=reason)
    session.add(entry)
    return entry


def entries(session: Session, *, customer_id: str | None = None, actor_id: str | None = None,
            since: datetime | None = None, case_id: int | None = None) -> list[dict[str, Any]]:
    """Audit rows, oldest first; ``customer_id`` also finds the views and exports that listed the customer."""
    statement = select(AuditEntry).order_by(col(AuditEntry.at), col(AuditEntry.id))
    if actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == actor_id)
    if since is not None:
        statement = statement.where(AuditEntry.at >= since)
    if case_id is not None:
        statement = statement.where(AuditEntry.case_id == case_id)
    if customer_id is not None:
        statement = statement.where(or_(AuditEntry.subject_id == customer_id, col(AuditEntry.action).in_(LOOKS)))
    return [_row(e) for e in session.exec(statement).all() if customer_id is None or _about(e, customer_id)]


def _about(entry: AuditEntry, customer_id: str) -> bool:
    if entry.subject_type == "customer":
        return entry.subject_id == customer_id
    return entry.action in LOOKS and customer_id in (entry.after or {}).get("customer_ids", [])


def _row(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at, "actor_id": entry.actor_id, "action": entry.action,
            "subject_type": entry.subject_type, "subject_id": entry.subject_id, "case_id": entry.case_id,
            "before": entry.before, "after": entry.after, "reason": entry.reason}
