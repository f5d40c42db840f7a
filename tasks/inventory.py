"""Stage 1, inventory: freeze everything the departing rep owns into the case.

The snapshot (customer, contacts, deals, contracts, interactions, scheduled follow-ups) is what is
handed over; later edits in the CRM do not change it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, SQLModel, select

from handover import clock, stages
from handover.db import session_scope
from models import CaseCustomer, Contract, Customer, Deal, Interaction
from tasks._prefect import stage_task

RECENT_INTERACTIONS = 20


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _row(record: SQLModel) -> dict[str, Any]:
    return {key: _plain(value) for key, value in record.model_dump().items()}


def _by_customer(session: Session, table, customer_ids: list[str]) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for start in range(0, len(customer_ids), 1000):
        chunk = customer_ids[start:start + 1000]
        for record in session.exec(select(table).where(table.customer_id.in_(chunk))):
            grouped[record.customer_id].append(record)
    return grouped


def collect_inventory(session: Session, employee_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Snapshot of every customer the employees own, keyed by customer id."""
    customers = session.exec(select(Customer).where(Customer.owner_id.in_(employee_ids))
                             .order_by(Customer.id)).all()
    ids = [c.id for c in customers]
    deals, contracts = _by_customer(session, Deal, ids), _by_customer(session, Contract, ids)
    interactions = _by_customer(session, Interaction, ids)
    return {c.id: _snapshot(c, deals[c.id], contracts[c.id], interactions[c.id]) for c in customers}


def _snapshot(customer: Customer, deals: list[Deal], contracts: list[Contract],
              interactions: list[Interaction]) -> dict[str, Any]:
    history = sorted(interactions, key=lambda i: i.at, reverse=True)
    return {
        "customer": _row(customer),
        "deals": [_row(d) for d in deals],
        "contracts": [_row(c) for c in contracts],
        "interactions": [_row(i) for i in history if not i.scheduled][:RECENT_INTERACTIONS],
        "scheduled": [_row(i) for i in history if i.scheduled],
        "orders_last_year": sum(1 for i in history if i.kind == "order" and not i.scheduled),
    }


def inventory_counts(snapshots: dict[str, dict[str, Any]]) -> dict[str, int]:
    return {
        "customers": len(snapshots),
        "contacts": sum(1 for s in snapshots.values() if s["customer"]["contact_email"] or s["customer"]["contact_phone"]),
        "open_deals": sum(1 for s in snapshots.values() for d in s["deals"] if d["status"] == "open"),
        "contracts": sum(len(s["contracts"]) for s in snapshots.values()),
        "scheduled_followups": sum(len(s["scheduled"]) for s in snapshots.values()),
        "interactions": sum(len(s["interactions"]) for s in snapshots.values()),
    }


@stage_task(name="inventory")
def take_inventory(case_id: int) -> dict[str, int]:
    """Freeze the departing rep's customers, contacts, deals, contracts and history into the case.

    The snapshot is read before the case is locked (a large book takes seconds to read) and stored in a
    short transaction; a run that finds the inventory already taken keeps the one stored.
    """
    with session_scope() as session:
        employee_id = stages.load_case(session, case_id).employee_id
        snapshots = None if stages.is_done(session, case_id, "inventory") else collect_inventory(session, [employee_id])
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        if stages.is_done(session, case_id, "inventory"):
            return inventory_counts({r.customer_id: r.snapshot for r in session.exec(
                select(CaseCustomer).where(CaseCustomer.case_id == case_id))})
        now = clock.now()
        stages.start(session, case, "inventory", now)
        session.add_all(CaseCustomer(case_id=case_id, customer_id=cid, snapshot=snap)
                        for cid, snap in snapshots.items())
        stages.finish(session, case, "inventory", now)
        return inventory_counts(snapshots)
