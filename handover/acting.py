"""The person acting: who runs a command (``--by``, else the configured ``HANDOVER_USER``), loaded from the
employee table and held to the rules of handover/access.py; and the audit rows of what they looked at."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from handover import access, audit, clock
from handover.access import Actor
from handover.db import session_scope
from handover.errors import HandoverError, NotAllowed, NotFound
from handover.settings import get_settings
from models import Employee, Role


def actor_id(by: str | None) -> str:
    """The acting employee's id: ``--by`` when given, else the configured user."""
    chosen = (by or "").strip() or get_settings().user.strip()
    if not chosen:
        raise HandoverError("who is acting? give --by EMPLOYEE_ID, or set HANDOVER_USER (user in handover.toml)")
    return chosen


def as_actor(session: Session, person: Employee) -> Actor:
    team: frozenset[str] = frozenset()
    if person.role == Role.manager:
        team = frozenset(session.exec(select(Employee.id).where(Employee.manager_id == person.id)).all())
    return Actor(id=person.id, role=person.role.value, status=person.status.value, last_day=person.last_day,
                 team=team)


def load_actor(session: Session, by: str | None) -> Actor:
    """The acting employee, whatever their standing (NotFound for an unknown id)."""
    chosen = actor_id(by)
    person = session.get(Employee, chosen)
    if person is None:
        raise NotFound(f"acting employee {chosen!r} (--by or HANDOVER_USER): no such employee")
    return as_actor(session, person)


def check_standing(person: Employee) -> None:
    """NotAllowed unless the employee is active (departing and departed employees do nothing)."""
    refusal = access.standing_refusal(Actor(id=person.id, role=person.role.value, status=person.status.value,
                                            last_day=person.last_day))
    if refusal:
        raise NotAllowed(refusal)


def acting(session: Session, by: str | None, what: str, roles: frozenset[str] = access.EVERYONE) -> Actor:
    """The acting employee, when active and in one of ``roles``; else NotAllowed naming why."""
    actor = load_actor(session, by)
    refusal = access.standing_refusal(actor) or access.role_refusal(actor, roles, what)
    if refusal:
        raise NotAllowed(refusal)
    return actor


def require(by: str | None, what: str, roles: frozenset[str] = access.EVERYONE) -> Actor:
    """``acting`` in a session of its own, for commands that check before they start."""
    with session_scope() as session:
        return acting(session, by, what, roles)


def importer(by: str | None, kind: str) -> str | None:
    """Who imports: an admin; while no admin is stored the company is being set up and anyone may (None)."""
    with session_scope() as session:
        if session.exec(select(Employee.id).where(Employee.role == Role.admin)).first() is None:
            return None
        return acting(session, by, f"import {kind}", frozenset({access.ADMIN})).id


def allow(refusal: str | None) -> None:
    if refusal:
        raise NotAllowed(refusal)


def record_view(session: Session, actor: Actor, *, exported: bool, subject_type: str, subject_id: str,
                customer_ids: list[str] | None = None, case_id: int | None = None,
                details: dict[str, Any] | None = None) -> None:
    """An audit row for a look at customer data: "export" when it left as a document, else "view".

    Ids and counts only, never contact data.
    """
    after: dict[str, Any] = dict(details or {})
    if customer_ids is not None:
        after |= {"count": len(customer_ids), "customer_ids": sorted(customer_ids)}
    audit.record(session, actor_id=actor.id, action="export" if exported else "view", subject_type=subject_type,
                 subject_id=subject_id, case_id=case_id, after=after, at=clock.now())


def log_view(actor: Actor, **kwargs: Any) -> None:
    """``record_view`` in a unit of work of its own (after the data was read)."""
    with session_scope() as session:
        record_view(session, actor, **kwargs)
