"""What is stored, as canonical records (the field names of the import headers)."""

from __future__ import annotations

from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from handover import clock
from handover.db import session_scope
from handover.errors import NotFound
from handover.importing.fields import CUSTOMERS, EMPLOYEES, Kind
from handover.importing.references import Directory, Person
from handover.pool import is_suspended
from handover.settings import get_settings
from models import Customer, Employee


def canonical(kind: Kind, row: Any, zone: ZoneInfo) -> dict[str, Any]:
    """A stored row as a dict of canonical field -> value (enums as text, times in the company zone)."""
    record = {}
    for name in kind.names:
        value = getattr(row, "id" if name == kind.id_field else name)
        if isinstance(value, Enum):
            value = value.value
        elif hasattr(value, "astimezone") and getattr(value, "tzinfo", None) is not None:
            value = value.astimezone(zone)
        record[name] = value
    return record


def find_employee(written: str) -> str:
    """The id of the employee ``written`` names (id, email or name); NotFound when none or several."""
    with session_scope() as session:
        people = [Person(*row) for row in session.exec(select(Employee.id, Employee.name, Employee.email))]
    try:
        return Directory(people).employee(written)
    except LookupError as exc:
        raise NotFound(str(exc)) from None


def list_customers(owner: str | None = None, owners: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """Every stored customer (or those of one owner, given by id, email or name; or of ``owners`` only),
    ordered by id."""
    zone = ZoneInfo(get_settings().timezone)
    query = select(Customer).order_by(Customer.id)
    if owner is not None:
        query = query.where(Customer.owner_id == find_employee(owner))
    if owners is not None:
        query = query.where(col(Customer.owner_id).in_(owners))
    with session_scope() as session:
        return [canonical(CUSTOMERS, row, zone) for row in session.exec(query)]


def list_employees() -> list[dict[str, Any]]:
    """Every stored employee, ordered by id, with the last day of a running suspension (or None)."""
    zone = ZoneInfo(get_settings().timezone)
    today = clock.today()
    with session_scope() as session:
        return [{**canonical(EMPLOYEES, row, zone), "suspended_until": is_suspended(session, row.id, today)}
                for row in session.exec(select(Employee).order_by(Employee.id))]
