"""Stage 3, plan: a successor (or the public pool) for every customer, with the reasons.

Reps leaving together (cases sharing a ``team_key``) are planned as one: the plan stage of a team case
waits until every teammate without a plan has been classified, then plans all their customers in one
allocation (no departing rep receives another's customers, no successor is overloaded across the cases)
and stores each case's own plan in the same transaction; each teammate's plan stage then finds its plan
and goes on. A rejected plan is planned again for its case alone, the teammates' plans counted as
planned elsewhere (docs/allocation.md, "Team departures").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from handover import clock, stages
from handover.allocation import (AllocationOptions, AllocationResult, Candidate, CustomerToPlace, RepFacts, allocate,
                                 eligible, split_plan)
from handover.db import session_scope
from handover.settings import Settings, get_settings
from models import (Assignment, CaseCustomer, CaseStatus, Customer, Employee, OffboardingCase, Plan,
                    PlanStatus, Role, Suspension)
from tasks._prefect import stage_task

TEAM_RETRY = timedelta(minutes=15)  # a team case waiting for its teammates' classify looks again after this


def options_from(settings: Settings) -> AllocationOptions:
    """The plan's knobs from the company settings (``max_share``, ``mixed_weights``)."""
    return AllocationOptions(max_share=settings.max_share, mixed_weights=settings.mixed_weights.model_dump())


def latest_plan(session: Session, case_id: int) -> Plan | None:
    return session.exec(select(Plan).where(Plan.case_id == case_id).order_by(Plan.version.desc())).first()


def customers_to_place(rows_by_departing: Mapping[str, list[CaseCustomer]]) -> list[CustomerToPlace]:
    """The classified customers of one or more departing reps, highest score first."""
    ordered = sorted(((row, rep) for rep, rows in rows_by_departing.items() for row in rows),
                     key=lambda pair: (-(pair[0].score or 0), pair[0].customer_id))
    return [CustomerToPlace(id=r.customer_id, tier=r.tier, score=r.score,
                            region=r.snapshot["customer"]["region"], industry=r.snapshot["customer"]["industry"],
                            from_rep=rep) for r, rep in ordered]


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


def make_plan(session: Session, case_id: int | None, rows_by_departing: Mapping[str, list[CaseCustomer]],
              departing: Collection[str], strategy: str,
              today: date) -> tuple[AllocationResult, list[CustomerToPlace], list[Candidate]]:
    """One plan for the classified customers of the departing reps, with its input; nothing stored.

    No rep of ``departing`` (the whole team) receives customers; other open cases than ``case_id``
    count as planned elsewhere.
    """
    candidates, excluded = eligible(rep_facts(session, today, case_id), departing, today)
    customers = customers_to_place(rows_by_departing)
    result = allocate(customers, candidates, strategy, options_from(get_settings()))
    result.metrics["reps_excluded"] = len(excluded)
    return result, customers, candidates


def departing_with(session: Session, case: OffboardingCase) -> list[str]:
    """The case's departing rep and every teammate leaving with them (none of them may receive customers)."""
    if case.team_key is None:
        return [case.employee_id]
    return list(session.exec(select(OffboardingCase.employee_id).where(OffboardingCase.team_key == case.team_key)
                             .order_by(OffboardingCase.id)))


def team_of(session: Session, case_id: int) -> list[OffboardingCase]:
    """The case and its teammates, each locked as a stage locks its case, in id order (two team cases
    planning at once cannot deadlock). Nothing of the cases is read before its lock is held."""
    key = session.exec(select(OffboardingCase.team_key).where(OffboardingCase.id == case_id)).first()
    ids = [case_id] if key is None else session.exec(
        select(OffboardingCase.id).where(OffboardingCase.team_key == key).order_by(OffboardingCase.id)).all()
    return [stages.load_case(session, i, for_update=True) for i in ids]


def _rows(session: Session, case_id: int) -> list[CaseCustomer]:
    return list(session.exec(select(CaseCustomer).where(CaseCustomer.case_id == case_id)))


def store_plan(session: Session, case_id: int, version: int, result: AllocationResult, now) -> Plan:
    plan = Plan(case_id=case_id, version=version, strategy=result.strategy, metrics=result.metrics, created_at=now)
    session.add(plan)
    session.flush()
    session.add_all(Assignment(plan_id=plan.id, customer_id=p.customer_id, successor_id=p.successor_id,
                               reasons=list(p.reasons)) for p in result.placements)
    return plan


def _plan_team(session: Session, case: OffboardingCase, unplanned: list[OffboardingCase], departing: list[str],
               now: datetime) -> bool:
    """One global plan for the team cases without a plan, once all are classified; False while waiting."""
    waiting = [c.id for c in unplanned if not stages.is_done(session, c.id, "classify")]
    if waiting:
        stages.wait(session, case, "plan", f"classify of team cases {', '.join(map(str, waiting))}", now + TEAM_RETRY)
        return False
    rows = {c.employee_id: _rows(session, c.id) for c in unplanned}
    result, customers, candidates = make_plan(session, case.id, rows, departing, case.strategy, now.date())
    parts = split_plan(result, customers, candidates, list(rows))
    for other in unplanned:
        metrics = {**parts[other.employee_id].metrics, "reps_excluded": result.metrics["reps_excluded"],
                   "team": {"key": other.team_key, "departing": list(rows), **result.metrics}}
        store_plan(session, other.id, 1, AllocationResult(result.strategy, parts[other.employee_id].placements,
                                                          metrics), now)
        if other.id != case.id:
            other.resume_at = now  # its plan stage finds the plan on its next run (``handover tick``)
            session.add(other)
    return True


def _plan_case(session: Session, case: OffboardingCase, team: list[OffboardingCase], now: datetime) -> bool:
    """Store the case's plan (with its teammates' when they have none yet); False while the team is waited for."""
    plan = latest_plan(session, case.id)
    if plan is not None and plan.status != PlanStatus.rejected:
        return True  # planned with the team, or a re-run: never planned twice
    departing = [c.employee_id for c in team]
    unplanned = [c for c in team if c.status == CaseStatus.open and latest_plan(session, c.id) is None]
    if plan is None and len(unplanned) > 1:
        return _plan_team(session, case, unplanned, departing, now)
    result, _, _ = make_plan(session, case.id, {case.employee_id: _rows(session, case.id)}, departing,
                             case.strategy, now.date())
    store_plan(session, case.id, (plan.version + 1) if plan else 1, result, now)
    return True


@stage_task(name="plan")
def draft_plan(case_id: int) -> bool:
    """Choose a successor or the pool for every customer (with the team when reps leave together;
    a new version after a rejection). False while teammates are still being classified."""
    with session_scope() as session:
        team = team_of(session, case_id)
        case = next(c for c in team if c.id == case_id)
        if stages.is_done(session, case_id, "plan"):
            return True
        now = clock.now()
        stages.start(session, case, "plan", now)
        if not _plan_case(session, case, team, now):
            return False
        stages.finish(session, case, "plan", now)
        return True
