"""Suspension from new customers after a rule violation: 7, 15, then 30 days (settings)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from handover import audit
from handover.domain.pool import next_suspension, suspended_through, suspension_days
from handover.errors import HandoverError
from handover.pool._common import company_day, employee, require_manager_of
from handover.settings import get_settings
from models import Role, Suspension


def _periods(session: Session, employee_id: str) -> list[tuple[date, date]]:
    rows = session.exec(select(Suspension.starts_on, Suspension.ends_on).where(
        Suspension.employee_id == employee_id)).all()
    return [(starts_on, ends_on) for starts_on, ends_on in rows]


def is_suspended(session: Session, employee_id: str, on: date) -> date | None:
    """The last day of the employee's suspension covering ``on`` (inclusive), or None."""
    return suspended_through(_periods(session, employee_id), on)


def suspend(session: Session, *, employee_id: str, by: str, reason: str, now: datetime) -> Suspension:
    """Suspend a rep from new customers; the length follows the violation count. A suspension given while
    one runs starts the day after it ends."""
    if not reason.strip():
        raise HandoverError(f"suspension of {employee_id}: --reason is required")
    rep = employee(session, employee_id)
    if rep.role != Role.rep:
        raise HandoverError(f"{rep.id} is a {rep.role.value}; only reps are suspended from new customers")
    manager = require_manager_of(session, by, rep, f"suspend {rep.id}")
    periods = _periods(session, rep.id)
    number = len(periods) + 1
    days = suspension_days(number, get_settings().suspension.days_by_violation)
    starts_on, ends_on = next_suspension(periods, company_day(now), days)
    suspension = Suspension(employee_id=rep.id, violation_number=number, reason=reason, starts_on=starts_on,
                            ends_on=ends_on, decided_by=manager.id, decided_at=now)
    session.add(suspension)
    session.flush()
    audit.record(session, actor_id=manager.id, action="suspension.create", subject_type="employee",
                 subject_id=rep.id, at=now,
                 after={"suspension_id": suspension.id, "violation_number": number, "days": days,
                        "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}, reason=reason)
    return suspension


def list_suspensions(session: Session, employee_id: str | None = None) -> list[dict[str, Any]]:
    statement = select(Suspension).order_by(col(Suspension.employee_id), col(Suspension.starts_on))
    if employee_id is not None:
        statement = statement.where(Suspension.employee_id == employee_id)
    return [{"id": s.id, "employee_id": s.employee_id, "violation_number": s.violation_number, "reason": s.reason,
             "starts_on": s.starts_on, "ends_on": s.ends_on, "decided_by": s.decided_by}
            for s in session.exec(statement).all()]
