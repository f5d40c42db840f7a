"""Stage 3, plan: a successor (or the public pool) for every customer, with the reasons."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from handover import clock, stages
from handover.allocation import AllocationOptions, AllocationResult, CustomerToPlace, RepFacts, allocate, eligible
from handover.db import session_scope
from models import (Assignment, CaseCustomer, CaseStatus, Customer, Employee, OffboardingCase, Plan,
                    PlanStatus, Role, Suspension)
from tasks._prefect import stage_task


def latest_plan(session: Session, case_id: int) -> Plan | None:
    return session.exec(select(Plan).where(Plan.case_id == case_id).order_by(Plan.version.desc())).first()


def customers_to_place(rows: list[CaseCustomer], from_rep: str) -> list[CustomerToPlace]:
    ordered = sorted(rows, key=lambda r: (-(r.score or 0), r.customer_id))
    return [CustomerToPlace(id=r.customer_id, tier=r.tier, score=r.score,
                            region=r.snapshot["customer"]["region"], industry=r.snapshot["customer"]["industry"],
                            from_rep=from_rep) for r in ordered]


def _planned_elsewhere(session: Session, case_id: int | None) -> dict[str, int]:
    """Customers planned to each rep in other open cases and not yet handed over."""
    counts: dict[str, int] = defaultdict(int)
    cases = session.exec(select(OffboardingCase.id).where(OffboardingCase.status == CaseStatus.open,
                                                          OffboardingCase.id != (case_id or -1))).all()
    for other in cases:
        plan = latest_plan(session, other)
        if plan is None or plan.status == PlanStatus.rejected:
            continue
        pending = select(Assignment.successor_id, func.count()).join(
            CaseCustomer, (CaseCustomer.customer_id == Assignment.customer_id) & (CaseCustomer.case_id == other)
        ).where(Assignment.plan_id == plan.id, Assignment.successor_id.is_not(None),
                CaseCustomer.handed_over_at.is_(None)).group_by(Assignment.successor_id)
        for successor_id, count in session.exec(pending):
            counts[successor_id] += count
    return counts


def rep_facts(session: Session, today: date, case_id: int | None) -> list[RepFacts]:
    """Every rep as plain data for the allocation engine: load, capacity, suspension."""
    owned = dict(session.exec(select(Customer.owner_id, func.count()).where(Customer.owner_id.is_not(None))
                              .group_by(Customer.owner_id)).all())
    suspended = dict(session.exec(select(Suspension.employee_id, func.max(Suspension.ends_on)).where(
        Suspension.starts_on <= today, Suspension.ends_on >= today).group_by(Suspension.employee_id)).all())
    planned = _planned_elsewhere(session, case_id)
    reps = session.exec(select(Employee).where(Employee.role == Role.rep).order_by(Employee.id)).all()
    return [RepFacts(id=e.id, level=e.level, role=e.role, status=e.status, regions=frozenset(e.regions),
                     industries=frozenset(e.industries), capacity=e.capacity, owned=owned.get(e.id, 0),
                     planned_elsewhere=planned.get(e.id, 0), suspended_until=suspended.get(e.id),
                     handover_score=e.handover_score) for e in reps]


def make_plan(session: Session, case_id: int | None, departing_id: str, rows: list[CaseCustomer],
              strategy: str, today: date) -> AllocationResult:
    """The plan for the given classified customers, computed and returned, nothing stored."""
    candidates, excluded = eligible(rep_facts(session, today, case_id), [departing_id], today)
    result = allocate(customers_to_place(rows, departing_id), candidates, strategy, AllocationOptions())
    result.metrics["reps_excluded"] = len(excluded)
    return result


def store_plan(session: Session, case_id: int, version: int, result: AllocationResult, now) -> Plan:
    plan = Plan(case_id=case_id, version=version, strategy=result.strategy, metrics=result.metrics, created_at=now)
    session.add(plan)
    session.flush()
    session.add_all(Assignment(plan_id=plan.id, customer_id=p.customer_id, successor_id=p.successor_id,
                               reasons=list(p.reasons)) for p in result.placements)
    return plan


@stage_task(name="plan")
def draft_plan(case_id: int) -> dict:
    """Choose a successor or the pool for every customer (a new version after a rejection)."""
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        plan = latest_plan(session, case_id)
        if not stages.is_done(session, case_id, "plan"):
            now = clock.now()
            stages.start(session, case, "plan", now)
            if plan is None or plan.status == PlanStatus.rejected:
                rows = session.exec(select(CaseCustomer).where(CaseCustomer.case_id == case_id)).all()
                result = make_plan(session, case_id, case.employee_id, list(rows), case.strategy, now.date())
                plan = store_plan(session, case_id, (plan.version + 1) if plan else 1, result, now)
            stages.finish(session, case, "plan", now)
        return {"version": plan.version, "strategy": plan.strategy,
                "placed": plan.metrics.get("placed"), "pooled": plan.metrics.get("pooled")}
