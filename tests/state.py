"""What a refused command must leave exactly as it was: every table's row count, every customer's owner,
every employee's status, every plan's status and every outbox message's status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import SQLModel

from handover.db import session_scope
from models import Customer, Employee, OutboxMessage, Plan


def snapshot() -> dict[str, Any]:
    with session_scope() as session:
        counts = {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in SQLModel.metadata.sorted_tables}
        return {
            "counts": counts,
            "owners": dict(session.execute(select(Customer.id, Customer.owner_id)).all()),
            "employees": {e: s.value for e, s in session.execute(select(Employee.id, Employee.status)).all()},
            "plans": {p: s.value for p, s in session.execute(select(Plan.id, Plan.status)).all()},
            "outbox": {m: s.value for m, s in session.execute(select(OutboxMessage.id, OutboxMessage.status)).all()},
        }
