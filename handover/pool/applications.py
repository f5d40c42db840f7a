"""Applying for a pool customer: the manager approves (the claim then runs with every usual check) or
rejects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from handover import audit
from handover.domain.pool import claim_refusal
from handover.errors import HandoverError, NotAllowed, NotFound
from handover.pool._common import company_day, employee, require_manager_of
from handover.pool._common import customer as load_customer
from handover.pool.claims import claim, claim_facts
from models.pool import ApplicationStatus, PoolApplication


def apply(session: Session, *, customer_id: str, rep_id: str, now: datetime, reason: str = "") -> PoolApplication:
    """Queue the rep's application for a pool customer for the rep's manager."""
    customer = load_customer(session, customer_id)
    rep = employee(session, rep_id)
    if not (customer.in_pool and customer.owner_id is None):
        raise HandoverError(f"customer {customer_id}: is not in the public pool")
    refusal = claim_refusal(claim_facts(session, rep, customer_id, now), company_day(now))
    if refusal:
        raise NotAllowed(f"application for customer {customer_id} refused: {refusal}")
    duplicate = session.exec(select(PoolApplication).where(
        PoolApplication.customer_id == customer_id, PoolApplication.employee_id == rep.id,
        PoolApplication.status == ApplicationStatus.pending)).first()
    if duplicate is not None:
        raise HandoverError(f"{rep.id} already applied for customer {customer_id} (application {duplicate.id})")
    application = PoolApplication(customer_id=customer_id, employee_id=rep.id, reason=reason, applied_at=now)
    session.add(application)
    session.flush()
    audit.record(session, actor_id=rep.id, action="pool.apply", subject_type="customer", subject_id=customer_id,
                 at=now, after={"application_id": application.id, "employee_id": rep.id}, reason=reason)
    return application


def decide(session: Session, *, application_id: int, by: str, approve: bool, now: datetime,
           reason: str = "") -> PoolApplication:
    """Approve (the customer goes to the applicant, within its limits) or reject a pending application."""
    application = session.get(PoolApplication, application_id, populate_existing=True)
    if application is None:
        raise NotFound(f"application {application_id}: no such application")
    if application.status != ApplicationStatus.pending:
        raise HandoverError(f"application {application_id}: already {application.status.value}")
    applicant = employee(session, application.employee_id)
    manager = require_manager_of(session, by, applicant, f"decide application {application_id}")
    if approve:
        claim(session, customer_id=application.customer_id, rep_id=applicant.id, now=now, actor_id=manager.id,
              record_conflicts=False)
        _reject_rivals(session, application, manager.id, now)
    _close(session, application, manager.id, approve, now, reason)
    return application


def _close(session: Session, application: PoolApplication, manager_id: str, approve: bool, now: datetime,
           reason: str) -> None:
    application.status = ApplicationStatus.approved if approve else ApplicationStatus.rejected
    application.decided_by, application.decided_at, application.decision_reason = manager_id, now, reason
    session.add(application)
    audit.record(session, actor_id=manager_id, action=f"pool.application.{application.status.value}",
                 subject_type="customer", subject_id=application.customer_id, at=now,
                 before={"application_id": application.id, "status": "pending"},
                 after={"application_id": application.id, "status": application.status.value,
                        "employee_id": application.employee_id}, reason=reason)


def _reject_rivals(session: Session, approved: PoolApplication, manager_id: str, now: datetime) -> None:
    """Other pending applications for the same customer can no longer be granted."""
    rivals = session.exec(select(PoolApplication).where(
        PoolApplication.customer_id == approved.customer_id, PoolApplication.id != approved.id,
        PoolApplication.status == ApplicationStatus.pending)).all()
    for rival in rivals:
        _close(session, rival, manager_id, False, now,
               f"customer {approved.customer_id} went to {approved.employee_id} (application {approved.id})")


def list_applications(session: Session, *, status: str | None = None) -> list[dict[str, Any]]:
    statement = select(PoolApplication).order_by(col(PoolApplication.applied_at), col(PoolApplication.id))
    if status is not None:
        try:
            statement = statement.where(PoolApplication.status == ApplicationStatus(status))
        except ValueError:
            raise HandoverError(f"application status {status!r}: expected pending, approved or rejected") from None
    return [{"id": a.id, "customer_id": a.customer_id, "employee_id": a.employee_id, "reason": a.reason,
             "applied_at": a.applied_at, "status": a.status.value, "decided_by": a.decided_by,
             "decided_at": a.decided_at, "decision_reason": a.decision_reason}
            for a in session.exec(statement).all()]
