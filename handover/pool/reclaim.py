"""The daily reclaim: notices a week before (setting) and reclaims on the due date (``handover tick``).

Idempotent: a notice is one row per customer, owner and due date; a reclaim is a conditional UPDATE on
the owner, so a second run at the same time finds nothing left to do. What is due is read first, then
applied in batches of ``BATCH`` customers, each deciding again on what is stored by then: a daily run
over a whole company commits batch by batch instead of holding its locks for minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from handover.domain.pool import ReclaimDue, ReclaimFacts, ReclaimRules, describe_reclaim, reclaim_due, reclaim_step
from handover.pool._common import company_day, reclaim_rules, tier
from handover.pool.entries import take_into_pool
from handover.pool.notices import send_reclaim_notice
from models import Customer, Employee, EmployeeStatus, Interaction
from models.pool import PoolEntryKind, ReclaimNotice

COUNTS = ("notices", "reclaimed", "inactive", "prospect", "no_order")
BATCH = 25  # customers per transaction in the daily task: a notice renders two emails
Due = tuple[ReclaimFacts, ReclaimDue]


def run_due(session: Session, *, now: datetime) -> dict:
    """Send the reclaim notices that are due and reclaim the customers whose day has come, in the
    caller's transaction (``tasks.pool.reclaim_to_pool`` commits each batch on its own instead)."""
    counts = dict.fromkeys(COUNTS, 0)
    for batch in batches(due_reclaims(session, now)):
        for key, count in apply_due(session, batch, now=now).items():
            counts[key] += count
    return counts


def batches(due: list[Due]) -> Iterator[list[Due]]:
    for start in range(0, len(due), BATCH):
        yield due[start:start + BATCH]


def due_reclaims(session: Session, now: datetime) -> list[Due]:
    """The customers whose reclaim notice or reclaim is due now; reads only."""
    today, rules = company_day(now), reclaim_rules()
    notices = _open_notices(session, None)
    due = []
    for facts in owned_customer_facts(session, now):
        when = reclaim_due(facts, rules)
        if when is None:
            continue
        notice = notices.get((facts.customer_id, facts.owner_id, when.due_on))
        step = reclaim_step(when.due_on, notice.reclaim_on if notice else None, today, rules.notice_days)
        if step.notify or step.reclaim:
            due.append((facts, when))
    return due


def apply_due(session: Session, due: list[Due], *, now: datetime) -> dict:
    """Send the notices and make the reclaims of ``due`` (from ``due_reclaims``) in the caller's transaction.

    Each step is decided again on what is stored now, so a part of ``due`` applied after another run
    sends nothing twice, and a customer that changed hands meanwhile (or whose owner is leaving) is left out.
    """
    today, rules = company_day(now), reclaim_rules()
    counts = dict.fromkeys(COUNTS, 0)
    ids = [facts.customer_id for facts, _ in due]
    notices = _open_notices(session, ids)
    owners = dict(session.exec(select(Customer.id, Customer.owner_id).join(Employee, Employee.id == Customer.owner_id)
                               .where(col(Customer.id).in_(ids), col(Customer.in_pool).is_(False),
                                      Employee.status == EmployeeStatus.active)).all())
    for facts, when in due:
        if owners.get(facts.customer_id) != facts.owner_id:
            continue
        notice = notices.get((facts.customer_id, facts.owner_id, when.due_on))
        step = reclaim_step(when.due_on, notice.reclaim_on if notice else None, today, rules.notice_days)
        if step.notify:
            notice = send_reclaim_notice(session, facts=facts, due=when, reclaim_on=step.reclaim_on, now=now)
            counts["notices"] += 1
        if step.reclaim and _reclaim(session, facts, when, notice, rules, now):
            counts["reclaimed"] += 1
            counts[when.kind] += 1
    return counts


def _open_notices(session: Session, customer_ids: list[str] | None) -> dict[tuple, ReclaimNotice]:
    """Notices not yet followed by a reclaim, of the given customers (None: of every customer)."""
    query = select(ReclaimNotice).where(col(ReclaimNotice.reclaimed_at).is_(None))
    if customer_ids is not None:
        query = query.where(col(ReclaimNotice.customer_id).in_(customer_ids))
    return {(n.customer_id, n.owner_id, n.due_on): n for n in session.exec(query).all()}


def _reclaim(session: Session, facts: ReclaimFacts, due: ReclaimDue, notice: ReclaimNotice,
             rules: ReclaimRules, now: datetime) -> bool:
    entry = take_into_pool(session, customer_id=facts.customer_id, expected_owner=facts.owner_id,
                           kind=PoolEntryKind(due.kind), reason=describe_reclaim(facts, due, rules), now=now)
    if entry is None:
        return False
    notice.reclaimed_at = now
    session.add(notice)
    return True


def owned_customer_facts(session: Session, now: datetime) -> Iterator[ReclaimFacts]:
    """Every customer owned by an active employee, with the dates its reclaim depends on.

    Customers of departing or departed employees are left to their offboarding case.
    """
    follow_ups = _last_follow_up_by_owner(session, now)
    orders = _last_order_interaction(session, now)
    # Columns, not Customer objects: the company's whole book passes here every day (with 200,000 objects a
    # pool-reclaim run took 35 s in bench/scale_postgres.py, with columns 26 s).
    statement = (select(Customer.id, Customer.owner_id, Customer.expected_amount, Customer.status,
                        Customer.owner_since, Customer.created_at, Customer.last_order_at)
                 .join(Employee, Employee.id == Customer.owner_id)
                 .where(col(Customer.in_pool).is_(False), Employee.status == EmployeeStatus.active)
                 .order_by(Customer.id))
    for item in session.exec(statement).all():
        last_order = max(filter(None, (item.last_order_at, orders.get(item.id))), default=None)
        yield ReclaimFacts(
            customer_id=item.id, owner_id=item.owner_id, tier=tier(item.expected_amount), status=item.status.value,
            owner_since=_day(item.owner_since), created_on=_day(item.created_at),
            last_follow_up_on=_day(follow_ups.get(item.id)), last_order_on=_day(last_order))


def _day(moment: datetime | None):
    return None if moment is None else company_day(moment)


def _last_follow_up_by_owner(session: Session, now: datetime) -> dict[str, datetime]:
    """Latest recorded (not merely planned) interaction per customer by the customer's current owner."""
    statement = (select(Interaction.customer_id, func.max(Interaction.at))
                 .join(Customer, and_(Customer.id == Interaction.customer_id,
                                      Customer.owner_id == Interaction.employee_id))
                 .where(col(Interaction.scheduled).is_(False), Interaction.at <= now)
                 .group_by(Interaction.customer_id))
    return dict(session.exec(statement).all())


def _last_order_interaction(session: Session, now: datetime) -> dict[str, datetime]:
    statement = (select(Interaction.customer_id, func.max(Interaction.at))
                 .where(Interaction.kind == "order", col(Interaction.scheduled).is_(False), Interaction.at <= now)
                 .group_by(Interaction.customer_id))
    return dict(session.exec(statement).all())
