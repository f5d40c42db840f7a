"""Claiming customers from the pool: first come first served, within the rep's limits, race-safe.

Two guards make it safe under concurrency:
- the owner changes only through ``UPDATE customer ... WHERE in_pool AND owner_id IS NULL``; of many
  simultaneous claims exactly one updates a row, the rest see rowcount 0 and are refused;
- the rep's limits are counted while holding a lock on the rep's employee row, so parallel claims by
  one rep are counted one after another and never exceed a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from handover import audit
from handover.acting import check_standing
from handover.domain.pool import ClaimFacts, claim_is_conflict, claim_refusal, cooldown_until
from handover.errors import HandoverError, NotAllowed
from handover.pool._common import company_day, lock_employee
from handover.pool._common import customer as load_customer
from handover.pool.conflicts import record_conflict
from handover.pool.entries import open_entry
from handover.pool.suspensions import is_suspended
from handover.settings import get_settings
from models import Customer, Employee
from models.pool import PoolEntry, PoolEntryKind

CLAIM_WINDOW_DAYS = 30


@dataclass(frozen=True)
class ClaimResult:
    """A granted claim, or a refusal that recorded an ownership conflict for the manager."""

    granted: bool
    customer_id: str
    owner_id: str
    message: str
    conflict_id: int | None = None


def claim(session: Session, *, customer_id: str, rep_id: str, now: datetime, actor_id: str | None = None,
          record_conflicts: bool = True) -> ClaimResult:
    """Give a pool customer to the rep, or refuse with a clear reason (HandoverError, nothing changed).

    Claiming a customer another rep owns never changes the owner: when the claimant has a standing (it
    registered the customer first, or the owner did not take it from the pool) an OwnershipConflict is
    recorded and the result says so; a rep who merely lost the race to the pool is refused.
    """
    load_customer(session, customer_id)
    rep = lock_employee(session, rep_id)
    customer = load_customer(session, customer_id)
    if customer.owner_id == rep.id:
        raise HandoverError(f"customer {customer_id}: {rep.id} already owns it")
    if customer.owner_id is not None:
        check_standing(rep)  # a departing rep records no conflicts either
        return _claim_of_owned(session, customer, rep, now, record_conflicts)
    if not customer.in_pool:
        raise HandoverError(f"customer {customer_id}: is not in the public pool")
    refusal = claim_refusal(claim_facts(session, rep, customer_id, now), company_day(now))
    if refusal:
        raise NotAllowed(f"claim of customer {customer_id} refused: {refusal}")
    if not _take_from_pool(session, customer_id, rep.id, now):
        winner = session.exec(select(Customer.owner_id).where(Customer.id == customer_id)).first()
        raise HandoverError(f"customer {customer_id}: already claimed by {winner}; first come, first served")
    entry = open_entry(session, customer_id) or PoolEntry(
        customer_id=customer_id, kind=PoolEntryKind.imported, entered_at=customer.created_at or now,
        reason="in the pool with no recorded entry (imported without an owner)")
    entry.claimed_by, entry.claimed_at = rep.id, now
    session.add(entry)
    audit.record(session, actor_id=actor_id or rep.id, action="pool.claim", subject_type="customer",
                 subject_id=customer_id, at=now, before={"owner_id": None, "in_pool": True},
                 after={"owner_id": rep.id, "in_pool": False}, reason=f"claimed from the pool by {rep.id}")
    session.flush()
    return ClaimResult(True, customer_id, rep.id, f"customer {customer_id} now belongs to {rep.id}")


def _take_from_pool(session: Session, customer_id: str, rep_id: str, now: datetime) -> bool:
    taken = session.execute(
        update(Customer)
        .where(Customer.id == customer_id, col(Customer.in_pool).is_(True), col(Customer.owner_id).is_(None))
        .values(owner_id=rep_id, in_pool=False, owner_since=now).execution_options(synchronize_session=False))
    return taken.rowcount == 1


def _claim_of_owned(session: Session, customer: Customer, rep: Employee, now: datetime,
                    record_conflicts: bool) -> ClaimResult:
    last = session.exec(select(PoolEntry).where(PoolEntry.customer_id == customer.id)
                        .order_by(col(PoolEntry.entered_at).desc(), col(PoolEntry.id).desc())).first()
    from_pool = last is not None and last.claimed_by == customer.owner_id
    if not record_conflicts or not claim_is_conflict(rep.id, customer.first_registered_by, from_pool):
        raise HandoverError(f"customer {customer.id}: already owned by {customer.owner_id}; "
                            "it is not in the public pool")
    conflict = record_conflict(session, customer_id=customer.id, claimant_id=rep.id, source="claim", now=now)
    return ClaimResult(False, customer.id, customer.owner_id,
                       f"customer {customer.id} is owned by {customer.owner_id}; the owner is unchanged and "
                       f"ownership conflict {conflict.id} was recorded for the manager", conflict.id)


def claim_facts(session: Session, rep: Employee, customer_id: str, now: datetime) -> ClaimFacts:
    """The rep's standing for one more claim, counted now (call with the rep's row locked)."""
    rules = get_settings().pool
    owned = session.exec(select(func.count()).select_from(Customer).where(Customer.owner_id == rep.id)).one()
    window_start = now - timedelta(days=CLAIM_WINDOW_DAYS)
    claims = session.exec(select(func.count()).select_from(PoolEntry).where(
        PoolEntry.claimed_by == rep.id, PoolEntry.claimed_at > window_start)).one()
    lost_at = session.exec(select(func.max(PoolEntry.entered_at)).where(
        PoolEntry.customer_id == customer_id, PoolEntry.previous_owner_id == rep.id)).one()
    return ClaimFacts(
        rep_id=rep.id, role=rep.role.value, status=rep.status.value,
        suspended_until=is_suspended(session, rep.id, company_day(now)), owned=owned, capacity=rep.capacity,
        claims_in_window=claims, claims_limit=rules.claims_per_30_days,
        cooldown_until=cooldown_until(rep.id, rep.id if lost_at else None,
                                      company_day(lost_at) if lost_at else None, rules.claim_back_cooldown_days))

