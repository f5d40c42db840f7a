"""Stage 3, plan: a successor (or the public pool) for every customer, with the reasons.

Reps leaving together (cases sharing a ``team_key``) are planned as one: the plan stage of a team case
waits until every teammate without a plan has been classified, then plans all their customers in one
allocation (no departing rep receives another's customers, no successor is overloaded across the cases)
and stores each case's own plan in the same transaction; each teammate's plan stage then finds its plan
and goes on. A rejected plan is planned again for its case alone, the teammates' plans counted as
planned elsewhere (docs/allocation.md, "Team departures").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
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
OPTIMISTIC_TRIES = 3  # plans computed without a lock before computing under it (draft_plan)


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


def _planned_elsewhere(session: Session, case_id: int | None,
                       successors: Collection[str] | None = None) -> dict[str, int]:
    """Customers planned to each rep (or to ``successors`` only) in other open cases and not yet handed over:
    one grouped query over each open case's latest plan unless that plan was rejected."""
    latest = select(Plan.case_id, func.max(Plan.version).label("version")).join(
        OffboardingCase, OffboardingCase.id == Plan.case_id).where(
        OffboardingCase.status == CaseStatus.open, OffboardingCase.id != (case_id or -1)).group_by(Plan.case_id).subquery()
    pending = select(Assignment.successor_id, func.count()).join(Plan, Plan.id == Assignment.plan_id).join(
        latest, (latest.c.case_id == Plan.case_id) & (latest.c.version == Plan.version)).join(
        CaseCustomer, (CaseCustomer.customer_id == Assignment.customer_id) & (CaseCustomer.case_id == Plan.case_id)
    ).where(Plan.status != PlanStatus.rejected, Assignment.successor_id.is_not(None),
            CaseCustomer.handed_over_at.is_(None))
    if successors is not None:
        pending = pending.where(Assignment.successor_id.in_(list(successors)))
    return dict(session.exec(pending.group_by(Assignment.successor_id)).all())


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


def team_of(session: Session, case_id: int, *, lock: bool = True) -> list[OffboardingCase]:
    """The case and its teammates, each locked (unless ``lock`` is False) as a stage locks its case, in id
    order (two team cases planning at once cannot deadlock). Nothing of the cases is read before its lock is held."""
    key = session.exec(select(OffboardingCase.team_key).where(OffboardingCase.id == case_id)).first()
    ids = [case_id] if key is None else session.exec(
        select(OffboardingCase.id).where(OffboardingCase.team_key == key).order_by(OffboardingCase.id)).all()
    return [stages.load_case(session, i, for_update=lock) for i in ids]


def _rows(session: Session, case_id: int) -> list[CaseCustomer]:
    return list(session.exec(select(CaseCustomer).where(CaseCustomer.case_id == case_id)))


def store_plan(session: Session, case_id: int, version: int, result: AllocationResult, now) -> Plan:
    plan = Plan(case_id=case_id, version=version, strategy=result.strategy, metrics=result.metrics, created_at=now)
    session.add(plan)
    session.flush()
    session.add_all(Assignment(plan_id=plan.id, customer_id=p.customer_id, successor_id=p.successor_id,
                               reasons=list(p.reasons)) for p in result.placements)
    return plan


def _to_plan(session: Session, case: OffboardingCase, team: list[OffboardingCase]) -> dict[int, int] | None:
    """The cases to plan now, each with its new plan version: the case alone, or with its teammates that
    have no plan yet; None when the case has a plan (planned with the team, or a re-run: never planned twice)."""
    plan = latest_plan(session, case.id)
    if plan is not None and plan.status != PlanStatus.rejected:
        return None
    unplanned = [c.id for c in team if c.status == CaseStatus.open and latest_plan(session, c.id) is None]
    if plan is None and len(unplanned) > 1:
        return dict.fromkeys(unplanned, 1)
    return {case.id: (plan.version + 1) if plan else 1}


def _unclassified(session: Session, versions: Mapping[int, int]) -> list[int]:
    """The team cases to plan together that are not classified yet (a case alone is always classified)."""
    return [i for i in versions if len(versions) > 1 and not stages.is_done(session, i, "classify")]


def _compute(session: Session, case: OffboardingCase, team: list[OffboardingCase], versions: Mapping[int, int],
             today: date) -> dict[int, AllocationResult]:
    """The plan of each case of ``versions`` (a team's plans come from one allocation); nothing stored."""
    by_id = {c.id: c for c in team}
    rows = {by_id[i].employee_id: _rows(session, i) for i in versions}
    departing = [c.employee_id for c in team]
    result, customers, candidates = make_plan(session, case.id, rows, departing, case.strategy, today)
    if len(versions) == 1:
        return {case.id: result}
    parts = split_plan(result, customers, candidates, list(rows))
    return {i: AllocationResult(result.strategy, parts[by_id[i].employee_id].placements,
                                {**parts[by_id[i].employee_id].metrics, "reps_excluded": result.metrics["reps_excluded"],
                                 "team": {"key": by_id[i].team_key, "departing": list(rows), **result.metrics}})
            for i in versions}


def _still_fits(session: Session, case_id: int, results: Mapping[int, AllocationResult]) -> bool:
    """Every successor of the plans still has room for them: owned + planned in other open cases + added
    <= capacity, read now (PostgreSQL: the successors' rows are locked, in id order, so two cases cannot
    both take a successor's last room; SQLite: the write lock already serializes the stores)."""
    added = Counter(p.successor_id for r in results.values() for p in r.placements if p.successor_id is not None)
    capacity = dict(session.exec(select(Employee.id, Employee.capacity).where(Employee.id.in_(list(added)))
                                 .order_by(Employee.id).with_for_update(key_share=True)).all())
    owned = dict(session.exec(select(Customer.owner_id, func.count()).where(Customer.owner_id.in_(list(added)))
                              .group_by(Customer.owner_id)).all())
    elsewhere = _planned_elsewhere(session, case_id, added)
    return all(owned.get(rep, 0) + elsewhere.get(rep, 0) + n <= capacity.get(rep, 0) for rep, n in added.items())


def _compute_holding_reps(session: Session, case: OffboardingCase, team: list[OffboardingCase],
                          versions: Mapping[int, int], today: date) -> dict[int, AllocationResult]:
    """The last resort: every rep's row locked (id order, as ``_still_fits``) while the plans are computed,
    so no other case stores a plan into the loads read here."""
    session.exec(select(Employee.id).where(Employee.role == Role.rep).order_by(Employee.id).with_for_update(key_share=True)).all()
    return _compute(session, case, team, versions, today)


def _store(session: Session, case: OffboardingCase, versions: Mapping[int, int],
           results: Mapping[int, AllocationResult], team: list[OffboardingCase], now: datetime) -> None:
    for other in team:
        if other.id in versions:
            store_plan(session, other.id, versions[other.id], results[other.id], now)
        if other.id in versions and other.id != case.id:
            other.resume_at = now  # its plan stage finds the plan on its next run (``handover tick``)
            session.add(other)


@dataclass(frozen=True)
class Draft:
    """Plans computed without a lock: for these cases and versions, from the loads read then."""

    versions: dict[int, int] | None
    results: dict[int, AllocationResult]


def _fresh(session: Session, case_id: int, draft: Draft, versions: Mapping[int, int]) -> bool:
    """The draft is the plan still needed (same cases and versions) and every successor still fits."""
    return draft.versions == versions and bool(draft.results) and _still_fits(session, case_id, draft.results)


def _draft(case_id: int) -> Draft:
    """Read the facts and solve in a read-only unit of work, holding no lock."""
    with session_scope() as session:
        team = team_of(session, case_id, lock=False)
        case = next(c for c in team if c.id == case_id)
        versions = _to_plan(session, case, team)
        if versions is None or _unclassified(session, versions):
            return Draft(versions, {})
        return Draft(versions, _compute(session, case, team, versions, clock.now().date()))


def _plan_locked(case_id: int, draft: Draft | None) -> bool | None:
    """The plan stage's short transaction: lock the case (and teammates), store ``draft`` if it is still the
    plan needed and every successor still fits; None when it is stale (compute again). ``draft`` None:
    compute under the lock, the last resort."""
    with session_scope() as session:
        team = team_of(session, case_id)
        case = next(c for c in team if c.id == case_id)
        if stages.is_done(session, case_id, "plan"):
            return True
        now = clock.now()
        versions = _to_plan(session, case, team)
        waiting = [] if versions is None else _unclassified(session, versions)
        if versions is not None and not waiting and draft is not None and not _fresh(session, case_id, draft, versions):
            return None
        stages.start(session, case, "plan", now)
        if waiting:
            stages.wait(session, case, "plan", f"classify of team cases {', '.join(map(str, waiting))}", now + TEAM_RETRY)
            return False
        if versions is not None:
            results = draft.results if draft else _compute_holding_reps(session, case, team, versions, now.date())
            _store(session, case, versions, results, team, now)
        stages.finish(session, case, "plan", now)
        return True


@stage_task(name="plan")
def draft_plan(case_id: int) -> bool:
    """Choose a successor or the pool for every customer (with the team when reps leave together;
    a new version after a rejection). False while teammates are still being classified.

    Optimistic: the plan is computed without a lock (company-wide rep facts and the solve take seconds in
    a large company) and stored in a short transaction if it is still needed and still fits. Someone who
    planned into the same successors meanwhile makes it stale: computed again, up to ``OPTIMISTIC_TRIES``
    times, then under the lock as the last resort (always correct, holds the lock for the whole solve).
    """
    for _ in range(OPTIMISTIC_TRIES):
        outcome = _plan_locked(case_id, _draft(case_id))
        if outcome is not None:
            return outcome
    return _plan_locked(case_id, None)
