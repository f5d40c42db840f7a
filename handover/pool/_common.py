"""Helpers shared by the pool services: lookups with clear errors, the company day, row locks, rules."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, select

from handover.domain.classify import ClassifyRules, tier_of
from handover.acting import check_standing
from handover.domain.pool import ReclaimRules
from handover.errors import NotAllowed, NotFound
from handover.settings import get_settings
from models import Customer, Employee, Role


def company_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in the company time zone (the DB returns UTC)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: take times from handover.clock")
    return moment.astimezone(ZoneInfo(get_settings().timezone)).date()


def customer(session: Session, customer_id: str) -> Customer:
    found = session.get(Customer, customer_id, populate_existing=True)
    if found is None:
        raise NotFound(f"customer {customer_id!r}: no such customer")
    return found


def employee(session: Session, employee_id: str) -> Employee:
    found = session.get(Employee, employee_id, populate_existing=True)
    if found is None:
        raise NotFound(f"employee {employee_id!r}: no such employee")
    return found


def lock_employee(session: Session, employee_id: str) -> Employee:
    """Load the employee and hold a lock that serialises this person's claims until the commit.

    PostgreSQL: SELECT ... FOR NO KEY UPDATE on the employee row. SQLite: a no-op write to the row, which
    takes the database's write lock (the BEGIN IMMEDIATE effect) for the rest of the transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        statement = select(Employee).where(Employee.id == employee_id).with_for_update(key_share=True)
        found = session.exec(statement.execution_options(populate_existing=True)).first()
    else:
        session.execute(update(Employee).where(Employee.id == employee_id).values(name=Employee.name)
                        .execution_options(synchronize_session=False))
        found = session.get(Employee, employee_id, populate_existing=True)
    if found is None:
        raise NotFound(f"employee {employee_id!r}: no such employee")
    return found


def require_manager_of(session: Session, actor_id: str, subject: Employee, what: str) -> Employee:
    """The actor, when they are an active admin or the manager of ``subject``; else NotAllowed."""
    actor = employee(session, actor_id)
    check_standing(actor)
    if actor.role == Role.admin or (actor.role == Role.manager and subject.manager_id == actor.id):
        return actor
    raise NotAllowed(f"{actor.id} ({actor.role}) may not {what}: only {subject.id}'s manager or an admin may")


def tier(expected_amount) -> str:
    thresholds = get_settings().tiers
    return tier_of(expected_amount, ClassifyRules(tier_a=thresholds.a, tier_b=thresholds.b, tier_c=thresholds.c))


def reclaim_rules() -> ReclaimRules:
    rules = get_settings().pool
    return ReclaimRules(reclaim_after_days=dict(rules.reclaim_after_days),
                        prospect_cycle_days=rules.prospect_cycle_days,
                        no_order_days=rules.no_order_days, notice_days=rules.reclaim_notice_days)
