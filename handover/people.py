"""Who hears about what: the manager of a case, and people as mail recipients."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from handover.errors import HandoverError
from models import Employee, Role


def employee(session: Session, employee_id: str) -> Employee:
    found = session.get(Employee, employee_id)
    if found is None:
        raise HandoverError(f"employee {employee_id!r}: no such employee")
    return found


def manager_of(session: Session, person: Employee) -> Employee:
    """The person's manager, or the first admin when nobody manages them."""
    if person.manager_id:
        return employee(session, person.manager_id)
    admin = session.exec(select(Employee).where(Employee.role == Role.admin).order_by(Employee.id)).first()
    if admin is None:
        raise HandoverError(f"employee {person.id}: has no manager and there is no admin to tell")
    return admin


def as_recipient(person: Employee):
    from handover.mail import Recipient

    return Recipient(email=person.email, name=person.name, locale=person.locale)


def customer_recipient(snapshot_customer: dict[str, Any]):
    from handover.mail import Recipient

    return Recipient(email=snapshot_customer["contact_email"],
                     name=snapshot_customer["contact_name"] or snapshot_customer["name"],
                     locale=snapshot_customer["locale"])


def person_context(person: Employee) -> dict[str, str]:
    return {"id": person.id, "name": person.name, "email": person.email}
