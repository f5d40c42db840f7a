"""Stage 6, notice: ownership moves to the successor, the customer is told, the successor is briefed.

Customers are handed over in batches; each batch is one transaction holding the ownership change,
its audit row and its outbox messages, so a crash never leaves a customer moved but untold (or told
twice): a re-run continues with the customers whose ``handed_over_at`` is still empty.

Then two sweeps, so nothing is left with the departing rep that no command could move: customers that
came to them after the inventory go to the pool, and the deals, contracts and follow-ups they hold on
other reps' customers (or pool customers) go to that customer's owner (handover.domain.strays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import Session, select

from handover import clock, stages
from handover.audit import record
from handover.db import session_scope
from handover.domain.strays import Stray, StrayMove, stray_moves
from handover.mail import enqueue
from handover.people import as_recipient, customer_recipient, person_context
from handover.pool import put_in_pool
from models import Assignment, CaseCustomer, Contract, Customer, Deal, Employee, Interaction, OffboardingCase
from tasks._prefect import stage_task
from tasks.meeting import plan_lines
from tasks.plan import latest_plan

BATCH = 5  # customers per transaction, each rendering two emails under the case's lock (10 held it 1.1 s at scale)
STRAYS = 200  # stray records per transaction: an update and an audit row each, no email


@dataclass(frozen=True)
class _Held:
    """A kind of record a rep holds: which column names the rep, which rows still matter, how it is audited."""

    kind: str
    table: type
    holder: str
    still_open: tuple
    action: str


_HELD = (
    _Held("deal", Deal, "owner_id", (Deal.status == "open",), "deal.owner_change"),
    _Held("contract", Contract, "owner_id", (), "contract.owner_change"),
    _Held("follow_up", Interaction, "employee_id", (Interaction.scheduled,), "follow_up.reassign"),
)


def move_customer(session: Session, customer_id: str, departing_id: str, successor_id: str | None,
                  now: datetime) -> None:
    """Everything the departing rep owned of this customer follows it: open deals, contracts, follow-ups."""
    for table in (Deal, Contract):
        session.exec(update(table).where(table.customer_id == customer_id, table.owner_id == departing_id)
                     .values(owner_id=successor_id))
    session.exec(update(Interaction).where(Interaction.customer_id == customer_id, Interaction.scheduled,
                                           Interaction.employee_id == departing_id).values(employee_id=successor_id))
    if successor_id is not None:
        session.exec(update(Customer).where(Customer.id == customer_id)
                     .values(owner_id=successor_id, owner_since=now, in_pool=False))


def _briefing_context(row: CaseCustomer, departing: Employee) -> dict:
    snap = row.snapshot
    customer = {**snap["customer"], "tier": row.tier, "score": row.score}
    return {"customer": customer, "notes": row.handover_notes, "departing": {"name": departing.name},
            "deals": [d for d in snap["deals"] if d["status"] == "open"], "contracts": snap["contracts"],
            "interactions": snap["interactions"][:10]}


def hand_over(session: Session, case: OffboardingCase, row: CaseCustomer, line: Assignment,
              people: dict[str, Employee], approved_by: str | None, now: datetime) -> None:
    departing, customer = people[case.employee_id], row.snapshot["customer"]
    if line.successor_id is None:
        move_customer(session, row.customer_id, departing.id, None, now)
        put_in_pool(session, customer_id=row.customer_id, reason="; ".join(line.reasons) or "no eligible successor",
                    now=now, actor_id=approved_by, case_id=case.id)
    else:
        successor = people[line.successor_id]
        move_customer(session, row.customer_id, departing.id, successor.id, now)
        record(session, actor_id=approved_by, action="ownership.change", subject_type="customer",
               subject_id=row.customer_id, case_id=case.id, before={"owner_id": departing.id},
               after={"owner_id": successor.id}, reason="; ".join(line.reasons), at=now)
        enqueue(session, kind="customer_notice", key=f"{case.id}:{row.customer_id}:customer_notice",
                to=customer_recipient(customer), case_id=case.id, customer_id=row.customer_id, context={
                    "customer": {"id": customer["id"], "name": customer["name"],
                                 "contact_name": customer["contact_name"]},
                    "successor": {**person_context(successor), "phone": ""}, "departing": {"name": departing.name}})
        enqueue(session, kind="successor_briefing", key=f"{case.id}:{row.customer_id}:successor_briefing",
                to=as_recipient(successor), case_id=case.id, customer_id=row.customer_id,
                context=_briefing_context(row, departing))
    row.handed_over_at = now
    session.add(row)


def leftovers(session: Session, departing_id: str) -> dict[str, int]:
    """What still points at the departing rep after the hand-over (should be nothing)."""
    counts = {
        "customers": session.exec(select(Customer.id).where(Customer.owner_id == departing_id)).all(),
        "deals": session.exec(select(Deal.id).where(Deal.owner_id == departing_id, Deal.status == "open")).all(),
        "contracts": session.exec(select(Contract.id).where(Contract.owner_id == departing_id)).all(),
        "follow_ups": session.exec(select(Interaction.id).where(Interaction.employee_id == departing_id,
                                                                Interaction.scheduled)).all(),
    }
    return {name: len(ids) for name, ids in counts.items() if ids}


def _hand_over_batch(case_id: int) -> int:
    """Hand over the next batch of customers in one transaction; returns how many."""
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        now, plan = clock.now(), latest_plan(session, case_id)
        stages.start(session, case, "notice", now)
        batch = plan_lines(session, case_id, CaseCustomer.handed_over_at.is_(None), limit=BATCH)
        ids = {case.employee_id} | {line.successor_id for _, line in batch if line.successor_id}
        people = {e.id: e for e in session.exec(select(Employee).where(Employee.id.in_(ids)))}
        for row, line in batch:
            hand_over(session, case, row, line, people, plan.decided_by, now)
        return len(batch)


def _pool_late_customers_batch(case_id: int) -> int:
    """Customers that came to the departing rep after the inventory are in no plan: they go to the pool
    (with why), where the manager sees them and reps can claim them. Returns how many."""
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        now, plan = clock.now(), latest_plan(session, case_id)
        in_case = select(CaseCustomer.customer_id).where(CaseCustomer.case_id == case.id)
        late = session.exec(select(Customer.id).where(Customer.owner_id == case.employee_id,
                                                      Customer.id.not_in(in_case))
                            .order_by(Customer.id).limit(BATCH)).all()
        for customer_id in late:
            put_in_pool(session, customer_id=customer_id, now=now, actor_id=plan.decided_by, case_id=case.id,
                        reason=f"came to {case.employee_id} after the inventory of case {case.id}")
        return len(late)


def _strays(session: Session, held: _Held, departing_id: str) -> list[Stray]:
    holder = getattr(held.table, held.holder)
    rows = session.exec(
        select(held.table.id, held.table.customer_id, Customer.owner_id)
        .join(Customer, Customer.id == held.table.customer_id)
        .where(holder == departing_id, *held.still_open,
               or_(Customer.owner_id.is_(None), Customer.owner_id != departing_id))
        .order_by(held.table.id).limit(STRAYS)).all()
    return [Stray(held.kind, record_id, customer_id, owner_id) for record_id, customer_id, owner_id in rows]


def _move_stray(session: Session, held: _Held, move: StrayMove, case: OffboardingCase, actor_id: str | None,
                now: datetime) -> None:
    """A conditional update: a record someone else moved meanwhile is left alone and not audited."""
    holder = getattr(held.table, held.holder)
    moved = session.execute(update(held.table).where(held.table.id == move.record_id, holder == case.employee_id)
                            .values({held.holder: move.to}).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        return
    whose = f"owned by {move.to}" if move.to else "in the pool"
    record(session, actor_id=actor_id, action=held.action, subject_type=held.kind, subject_id=move.record_id,
           case_id=case.id, before={held.holder: case.employee_id, "customer_id": move.customer_id},
           after={held.holder: move.to, "customer_id": move.customer_id}, at=now,
           reason=f"held by {case.employee_id} on customer {move.customer_id}, {whose}")


def _move_strays_batch(case_id: int, held: _Held) -> int:
    """Move the next batch of one kind of stray record in one transaction; returns how many were found."""
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        now, plan = clock.now(), latest_plan(session, case_id)
        strays = _strays(session, held, case.employee_id)
        for move in stray_moves(strays, case.employee_id):
            _move_stray(session, held, move, case, plan.decided_by, now)
        return len(strays)


@stage_task(name="notice")
def notify_customers(case_id: int) -> bool:
    """Move every customer to its successor (or the pool), tell the customer, brief the successor; then
    pool the customers that came after the inventory and move the stray records."""
    with session_scope() as session:
        if stages.is_done(session, case_id, "notice"):
            return True
    while _hand_over_batch(case_id):
        pass
    while _pool_late_customers_batch(case_id):
        pass
    for held in _HELD:
        while _move_strays_batch(case_id, held):
            pass
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        remaining = leftovers(session, case.employee_id)
        if remaining:
            found = ", ".join(f"{count} {name}" for name, count in remaining.items())
            stages.wait(session, case, "notice", f"still owned by {case.employee_id}: {found}", None)
            return False
        stages.finish(session, case, "notice", clock.now())
        return True
