"""Customers, employees, cases, plans and reports as the acting person may see them."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from handover import access, cases
from handover.access import Actor
from handover.acting import acting, allow, log_view, require
from handover.db import session_scope
from handover.errors import NotFound
from models import Assignment, Employee, OffboardingCase, Plan, PlanStatus


def case_parties(session: Session, case_id: int) -> tuple[str, str | None, frozenset[str]]:
    """The departing rep, their manager and the successors of the case's approved plan."""
    case = session.get(OffboardingCase, case_id)
    if case is None:
        raise NotFound(f"case {case_id}: no such offboarding case")
    departing = session.get(Employee, case.employee_id)
    successors = session.exec(select(Assignment.successor_id).join(Plan, Plan.id == Assignment.plan_id).where(
        Plan.case_id == case_id, Plan.status == PlanStatus.approved, col(Assignment.successor_id).is_not(None))).all()
    return case.employee_id, departing.manager_id, frozenset(successors)


def _case_actor(by: str | None, case_id: int, what: str, *, successors_too: bool) -> Actor:
    with session_scope() as session:
        actor = acting(session, by, what)
        allow(access.case_refusal(actor, *case_parties(session, case_id), what, successors_too=successors_too))
        return actor


def customers(by: str | None, owner: str | None, exported: bool) -> list[dict[str, Any]]:
    """Stored customers within the actor's scope (a rep's own, a manager's team's, everyone's for hr/admin)."""
    from handover.importing.listing import find_employee, list_customers

    actor = require(by, "list customers")
    owner_id = find_employee(owner) if owner else None
    if owner_id is not None:
        allow(access.owner_refusal(actor, owner_id, f"list {owner_id}'s customers"))
    records = list_customers(owner_id, owners=access.customer_owners(actor))
    log_view(actor, exported=exported, subject_type="customer_list", subject_id=owner_id or "all",
             customer_ids=[r["customer_id"] for r in records])
    return records


def employees(by: str | None) -> list[dict[str, Any]]:
    """The employee list (no customer data): any active employee."""
    from handover.importing.listing import list_employees

    require(by, "list employees")
    return list_employees()


def case_list(by: str | None) -> list[dict[str, Any]]:
    """The cases the actor may see: all for hr/admin, their team's for a manager, the inherited for a rep."""
    rows = cases.list_cases()
    with session_scope() as session:
        actor = acting(session, by, "list cases")
        if actor.role in access.SEE_ALL:
            return rows
        return [r for r in rows if access.case_refusal(actor, *case_parties(session, r["case_id"]), "see") is None]


def plan(by: str | None, case_id: int, exported: bool) -> dict[str, Any]:
    """The case's plan: hr, admins and the departing rep's manager."""
    actor = _case_actor(by, case_id, "see the plan", successors_too=False)
    document = cases.plan_document(case_id)
    log_view(actor, exported=exported, subject_type="plan", subject_id=str(case_id), case_id=case_id,
             customer_ids=[a["customer_id"] for a in document["assignments"]], details={"version": document["version"]})
    return document


def status(by: str | None, case_id: int, exported: bool) -> dict[str, Any]:
    """Where the case stands; a successor sees only the customers they now own."""
    actor = _case_actor(by, case_id, "see the status", successors_too=True)
    document = cases.case_status(case_id)
    if actor.role == access.REP:
        document["customers"] = [c for c in document["customers"] if c["owner_id"] == actor.id]
    log_view(actor, exported=exported, subject_type="case_status", subject_id=str(case_id), case_id=case_id,
             customer_ids=[c["customer_id"] for c in document["customers"]])
    return document


def dry_run(by: str | None, employee_ids: list[str], strategies: list[str], exported: bool) -> list[dict[str, Any]]:
    """``offboard --dry-run``: hr, admins and the reps' manager preview plans (nothing else is stored)."""
    with session_scope() as session:
        actor = acting(session, by, "preview an offboarding")
        for employee_id in employee_ids:
            leaving = session.get(Employee, employee_id)
            if leaving is None:
                raise NotFound(f"employee {employee_id!r}: no such employee")
            allow(access.case_refusal(actor, employee_id, leaving.manager_id, frozenset(), "preview the plan",
                                      successors_too=False))
    previews = cases.preview_plans(employee_ids, strategies)
    log_view(actor, exported=exported, subject_type="dry_run", subject_id=",".join(employee_ids),
             customer_ids=[a["customer_id"] for a in previews[0]["assignments"]] if previews else [],
             details={"strategies": strategies})
    return previews


def report(by: str | None, case_id: int | None, fmt: str) -> str:
    """A case's report (hr, admins, the departing rep's manager) or all cases compared (hr, admins)."""
    from handover import report as reports

    if case_id is None:
        actor = require(by, "compare all cases", access.SEE_ALL)
        with session_scope() as session:
            text = reports.render_comparison(reports.comparison_document(session), fmt)
    else:
        actor = _case_actor(by, case_id, "read the report", successors_too=False)
        with session_scope() as session:
            text = reports.render_case(reports.case_document(session, case_id), fmt)
    log_view(actor, exported=True, subject_type="report", subject_id=str(case_id or "all"), case_id=case_id,
             details={"format": fmt})
    return text
