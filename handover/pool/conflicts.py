"""Ownership conflicts: two reps claim one customer. The owner never changes silently; the conflict waits
for a manager, who keeps the current owner or gives the customer to the claimant, on the record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from handover import audit
from handover.acting import check_standing
from handover.domain.pool import rightful_owner
from handover.errors import HandoverError, NotAllowed, NotFound
from handover.pool._common import company_day, employee
from handover.pool._common import customer as load_customer
from models import Customer, Employee, EmployeeStatus, Role
from models.pool import CONFLICT_SOURCES, ConflictResolution, OwnershipConflict


def record_conflict(session: Session, *, customer_id: str, claimant_id: str, source: str,
                    now: datetime) -> OwnershipConflict:
    """Record that ``claimant_id`` also claims the customer; the stored owner keeps it for now.

    Idempotent: an open conflict between the same owner and claimant is returned, not repeated (a
    re-run import records nothing new).
    """
    if source not in CONFLICT_SOURCES:
        raise HandoverError(f"conflict source {source!r}: expected one of {', '.join(CONFLICT_SOURCES)}")
    customer = load_customer(session, customer_id)
    claimant = employee(session, claimant_id)
    if customer.owner_id is None:
        raise HandoverError(f"customer {customer_id}: has no owner, so there is no conflict to record")
    if customer.owner_id == claimant.id:
        raise HandoverError(f"customer {customer_id}: {claimant.id} already owns it, so there is no conflict")
    existing = session.exec(select(OwnershipConflict).where(
        OwnershipConflict.customer_id == customer_id, OwnershipConflict.current_owner == customer.owner_id,
        OwnershipConflict.claimant == claimant.id, col(OwnershipConflict.resolution).is_(None))).first()
    if existing is not None:
        return existing
    conflict = OwnershipConflict(customer_id=customer_id, current_owner=customer.owner_id, claimant=claimant.id,
                                 first_registered_by=customer.first_registered_by, source=source, at=now)
    session.add(conflict)
    session.flush()
    audit.record(session, actor_id=claimant.id, action="conflict.record", subject_type="customer",
                 subject_id=customer_id, at=now,
                 after={"conflict_id": conflict.id, "current_owner": customer.owner_id, "claimant": claimant.id,
                        "source": source}, reason=f"{source}: {claimant.id} claims a customer owned by {customer.owner_id}")
    return conflict


def resolve_conflict(session: Session, *, conflict_id: int, by: str, keep: bool, now: datetime,
                     reason: str = "") -> OwnershipConflict:
    """The manager's decision: keep the current owner, or give the customer to the claimant."""
    conflict = session.get(OwnershipConflict, conflict_id, populate_existing=True)
    if conflict is None:
        raise NotFound(f"conflict {conflict_id}: no such ownership conflict")
    if conflict.resolution is not None:
        raise HandoverError(f"conflict {conflict_id}: already resolved ({conflict.resolution.value} by {conflict.resolved_by})")
    manager = _deciding_manager(session, by, conflict)
    if not keep:
        _give(session, conflict, now)
    conflict.resolution = ConflictResolution.keep if keep else ConflictResolution.give
    conflict.resolved_by, conflict.resolved_at, conflict.reason = manager.id, now, reason
    session.add(conflict)
    owner_after = conflict.current_owner if keep else conflict.claimant
    audit.record(session, actor_id=manager.id, action="conflict.resolve", subject_type="customer",
                 subject_id=conflict.customer_id, at=now,
                 before={"owner_id": conflict.current_owner, "conflict_id": conflict.id},
                 after={"owner_id": owner_after, "resolution": conflict.resolution.value},
                 reason=reason or f"conflict {conflict.id}: {conflict.resolution.value}")
    return conflict


def _deciding_manager(session: Session, by: str, conflict: OwnershipConflict) -> Employee:
    actor = employee(session, by)
    check_standing(actor)
    if actor.role == Role.admin:
        return actor
    managers = {employee(session, conflict.current_owner).manager_id, employee(session, conflict.claimant).manager_id}
    if actor.role == Role.manager and actor.id in managers:
        return actor
    raise NotAllowed(f"{actor.id} ({actor.role.value}) may not resolve conflict {conflict.id}: only the manager of "
                     f"{conflict.current_owner} or {conflict.claimant}, or an admin, may")


def _give(session: Session, conflict: OwnershipConflict, now: datetime) -> None:
    from handover.pool.suspensions import is_suspended

    claimant = employee(session, conflict.claimant)
    if claimant.role != Role.rep or claimant.status != EmployeeStatus.active:
        raise HandoverError(f"conflict {conflict.id}: {claimant.id} is a {claimant.status.value} "
                            f"{claimant.role.value} and cannot take the customer; keep the current owner")
    until = is_suspended(session, claimant.id, company_day(now))
    if until is not None:
        raise HandoverError(f"conflict {conflict.id}: {claimant.id} is suspended from new customers through "
                            f"{until.isoformat()}")
    moved = session.execute(
        update(Customer).where(Customer.id == conflict.customer_id, Customer.owner_id == conflict.current_owner)
        .values(owner_id=claimant.id, in_pool=False, owner_since=now).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        current = load_customer(session, conflict.customer_id).owner_id
        raise HandoverError(f"conflict {conflict.id}: customer {conflict.customer_id} is now owned by {current}, "
                            f"not {conflict.current_owner}; record a new conflict if it is still contested")


def list_conflicts(session: Session, *, open_only: bool = False) -> list[dict[str, Any]]:
    statement = select(OwnershipConflict).order_by(col(OwnershipConflict.at), col(OwnershipConflict.id))
    if open_only:
        statement = statement.where(col(OwnershipConflict.resolution).is_(None))
    return [{"id": c.id, "customer_id": c.customer_id, "current_owner": c.current_owner, "claimant": c.claimant,
             "first_registered_by": c.first_registered_by,
             "rule_says": rightful_owner(c.current_owner, c.claimant, c.first_registered_by),
             "source": c.source, "at": c.at, "resolved_by": c.resolved_by, "resolved_at": c.resolved_at,
             "resolution": c.resolution.value if c.resolution else None, "reason": c.reason}
            for c in session.exec(statement).all()]
