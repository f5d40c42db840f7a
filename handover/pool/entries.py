"""Customers entering the pool (from a plan, by reclaim, by release) and the pool listing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from handover import audit
from handover.acting import check_standing
from handover.errors import HandoverError, NotAllowed
from handover.pool._common import customer as load_customer
from handover.pool._common import employee, tier
from models import Customer, Revisit, Role
from models.pool import RECLAIM_KINDS, PoolEntry, PoolEntryKind


def _audit_action(kind: PoolEntryKind) -> str:
    if kind in RECLAIM_KINDS:
        return "pool.reclaim"
    return "pool.release" if kind == PoolEntryKind.release else "pool.put"


def take_into_pool(session: Session, *, customer_id: str, expected_owner: str | None, kind: PoolEntryKind,
                   reason: str, now: datetime, actor_id: str | None = None,
                   case_id: int | None = None) -> PoolEntry | None:
    """Move the customer into the pool if it is still owned by ``expected_owner``; None when it moved on.

    A conditional UPDATE, so a concurrent claim or reclaim of the same customer can never be overwritten.
    """
    owner_test = Customer.owner_id.is_(None) if expected_owner is None else Customer.owner_id == expected_owner
    moved = session.execute(
        update(Customer).where(Customer.id == customer_id, owner_test, col(Customer.in_pool).is_(False))
        .values(owner_id=None, in_pool=True, owner_since=None).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        return None
    entry = PoolEntry(customer_id=customer_id, kind=kind, reason=reason, entered_at=now,
                      previous_owner_id=expected_owner, actor_id=actor_id, case_id=case_id)
    session.add(entry)
    _close_revisits(session, customer_id, now)
    audit.record(session, actor_id=actor_id, action=_audit_action(kind), subject_type="customer",
                 subject_id=customer_id, at=now, case_id=case_id,
                 before={"owner_id": expected_owner, "in_pool": False},
                 after={"owner_id": None, "in_pool": True, "pool_entry": kind.value}, reason=reason)
    session.flush()
    return entry


def _close_revisits(session: Session, customer_id: str, now: datetime) -> None:
    """Follow-ups still owed to a customer that leaves its owner for the pool are closed: nobody owes them
    any more. Open, they would be reminded, escalated and counted as overdue in the case's evaluation.
    Closed without a visit = ``done_at`` set, no ``outcome`` (handover.domain.evaluation counts them apart)."""
    session.execute(update(Revisit).where(Revisit.customer_id == customer_id, col(Revisit.done_at).is_(None))
                    .values(done_at=now, note="closed: the customer went to the public pool")
                    .execution_options(synchronize_session=False))


def put_in_pool(session: Session, *, customer_id: str, reason: str, now: datetime, actor_id: str | None = None,
                case_id: int | None = None, kind: str | None = None) -> None:
    """The customer leaves its owner for the pool, with why and when (a PoolEntry and an audit row).

    ``kind`` defaults to "plan" when a case put it there, else "manual". Putting a customer that is
    already in the pool changes nothing, so a retried procedure step is harmless.
    """
    if not reason.strip():
        raise HandoverError(f"customer {customer_id}: a reason is required to put a customer in the pool")
    entry_kind = _entry_kind(kind, case_id)
    current = load_customer(session, customer_id)
    if current.in_pool and current.owner_id is None:
        return
    if current.in_pool:
        raise HandoverError(f"customer {customer_id}: marked in the pool but owned by {current.owner_id}; fix the data")
    if take_into_pool(session, customer_id=customer_id, expected_owner=current.owner_id, kind=entry_kind,
                      reason=reason, now=now, actor_id=actor_id, case_id=case_id) is None:
        raise HandoverError(f"customer {customer_id}: its owner changed while it was being put in the pool; retry")


def _entry_kind(kind: str | None, case_id: int | None) -> PoolEntryKind:
    if kind is None:
        return PoolEntryKind.plan if case_id is not None else PoolEntryKind.manual
    try:
        return PoolEntryKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in PoolEntryKind)
        raise HandoverError(f"pool entry kind {kind!r}: expected one of {allowed}") from None


def release(session: Session, *, customer_id: str, by: str, reason: str, now: datetime) -> PoolEntry:
    """The owner (or their manager, or an admin) gives the customer up to the pool."""
    if not reason.strip():
        raise HandoverError(f"customer {customer_id}: --reason is required to release a customer")
    current = load_customer(session, customer_id)
    actor = employee(session, by)
    check_standing(actor)
    if current.owner_id is None:
        raise HandoverError(f"customer {customer_id}: has no owner (in the pool: {current.in_pool}); nothing to release")
    if actor.id != current.owner_id and actor.role != Role.admin:
        owner = employee(session, current.owner_id)
        if not (actor.role == Role.manager and owner.manager_id == actor.id):
            raise NotAllowed(f"{actor.id} may not release customer {customer_id}: it is owned by {owner.id}, and "
                             "only the owner, their manager or an admin may release it")
    entry = take_into_pool(session, customer_id=customer_id, expected_owner=current.owner_id,
                           kind=PoolEntryKind.release, reason=reason, now=now, actor_id=actor.id)
    if entry is None:
        raise HandoverError(f"customer {customer_id}: its owner changed while it was being released; retry")
    return entry


def open_entry(session: Session, customer_id: str) -> PoolEntry | None:
    """The customer's current stay in the pool (not yet claimed), if any."""
    statement = (select(PoolEntry).where(PoolEntry.customer_id == customer_id, col(PoolEntry.claimed_by).is_(None))
                 .order_by(col(PoolEntry.entered_at).desc(), col(PoolEntry.id).desc()))
    return session.exec(statement).first()


def list_pool(session: Session, *, region: str | None = None, industry: str | None = None) -> list[dict[str, Any]]:
    """Customers in the pool, longest waiting first, with why and when they entered."""
    statement = select(Customer).where(col(Customer.in_pool).is_(True), col(Customer.owner_id).is_(None))
    if region:
        statement = statement.where(Customer.region == region)
    if industry:
        statement = statement.where(Customer.industry == industry)
    rows = []
    for item in session.exec(statement.order_by(Customer.id)).all():
        entry = open_entry(session, item.id)
        rows.append({
            "id": item.id, "name": item.name, "region": item.region, "industry": item.industry,
            "tier": tier(item.expected_amount), "expected_amount": item.expected_amount, "status": item.status.value,
            "entered_at": entry.entered_at if entry else None, "kind": entry.kind.value if entry else None,
            "reason": entry.reason if entry else "",
            "previous_owner_id": entry.previous_owner_id if entry else None,
        })
    rows.sort(key=lambda r: (r["entered_at"] is None, r["entered_at"] or datetime.min, r["id"]))
    return rows
