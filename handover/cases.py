"""The service layer: what HR, managers and successors do to a case. The CLI calls only these.

Each function validates everything first and raises HandoverError before changing anything.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from handover import clock, stages
from handover.allocation import STRATEGIES, eligible
from handover.audit import record
from handover.db import session_scope
from handover.errors import HandoverError, NotAllowed, NotFound
from handover.flow_runs import without_heartbeats
from handover.people import employee
from models import (Assignment, CaseCustomer, CaseStatus, Customer, EmployeeStatus, Interaction, OffboardingCase,
                    PlanStatus, Revisit, RevisitOutcome, Role)
from tasks.plan import departing_with, latest_plan, rep_facts


def _check_strategy(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise HandoverError(f"strategy {strategy!r}: unknown; choose one of {', '.join(STRATEGIES)}")


def open_case_of(session: Session, employee_id: str) -> OffboardingCase | None:
    return session.exec(select(OffboardingCase).where(OffboardingCase.employee_id == employee_id,
                                                      OffboardingCase.status == CaseStatus.open)).first()


def check_departure(session: Session, employee_id: str, last_day: date, by: str, today: date) -> None:
    """Everything that must hold before a case may be opened (nothing is changed)."""
    actor = employee(session, by)
    if actor.role not in (Role.hr, Role.admin) or actor.status != EmployeeStatus.active:
        raise NotAllowed(f"{by} ({actor.role}): only an active HR or admin account may start an offboarding")
    leaving = employee(session, employee_id)
    if leaving.role != Role.rep:
        raise HandoverError(f"employee {employee_id} is a {leaving.role}, not a sales rep: there are no customers to hand over")
    if leaving.status == EmployeeStatus.departed:
        raise HandoverError(f"employee {employee_id} has already left")
    if last_day < today:
        raise HandoverError(f"--last-day {last_day}: is in the past (today is {today})")
    if session.exec(select(Customer.id).where(Customer.owner_id == employee_id)).first() is None:
        raise HandoverError(f"employee {employee_id} owns no customers: nothing to hand over")


def _check_ids(employee_ids: list[str]) -> None:
    if not employee_ids:
        raise HandoverError("offboard: name at least one departing employee")
    repeated = sorted({e for e in employee_ids if employee_ids.count(e) > 1})
    if repeated:
        raise HandoverError(f"employee {repeated[0]}: named more than once")


def _check_team(session: Session, employee_ids: list[str]) -> tuple[list[OffboardingCase], list[str]]:
    """The reps' open cases (when they are exactly one case, or one whole team) and the reps without one."""
    _check_ids(employee_ids)
    existing = {e: case for e in employee_ids if (case := open_case_of(session, e)) is not None}
    if not existing or len(employee_ids) == 1:
        return list(existing.values()), [e for e in employee_ids if e not in existing]
    first = next(iter(existing.values()))
    team = set() if first.team_key is None else set(session.exec(select(OffboardingCase.employee_id).where(
        OffboardingCase.team_key == first.team_key)))
    if team != set(employee_ids):
        clash = next(e for e in employee_ids if e in existing)
        raise HandoverError(f"employee {clash}: already has open case {existing[clash].id}, which is not a team "
                            f"departure of exactly {', '.join(employee_ids)}; nothing was opened")
    return list(existing.values()), []


def _open_one(session: Session, employee_id: str, last_day: date, strategy: str, by: str, now,
              team_key: str | None) -> OffboardingCase:
    case = OffboardingCase(employee_id=employee_id, last_day=last_day, strategy=strategy, opened_by=by,
                           opened_at=now, resume_at=now, team_key=team_key)
    session.add(case)
    session.flush()
    stages.create_stages(session, case.id)
    leaving = employee(session, employee_id)
    before = {"status": leaving.status, "access_revoked_at": None}
    leaving.status, leaving.last_day, leaving.access_revoked_at = EmployeeStatus.departing, last_day, now
    session.add(leaving)
    team = f" (team {team_key})" if team_key else ""
    record(session, actor_id=by, action="access.revoke", subject_type="employee", subject_id=employee_id,
           case_id=case.id, before=before, after={"status": "departing", "access_revoked_at": now.isoformat()},
           reason=f"offboarding case {case.id}{team}, last day {last_day}", at=now)
    return case


def open_cases(employee_ids: list[str], last_day: date, strategy: str, by: str) -> list[tuple[int, str, bool]]:
    """Open one case per departing rep (or return the open ones) as (case id, employee id, opened now).

    Several reps leaving together share a team key and are planned as one. All or nothing: any bad id
    raises before anything is opened."""
    _check_strategy(strategy)
    now = clock.now()
    with session_scope() as session:
        existing, to_open = _check_team(session, employee_ids)
        if existing:
            return [(case.id, case.employee_id, False) for case in existing]
        for employee_id in to_open:
            check_departure(session, employee_id, last_day, by, now.date())
        opened = [_open_one(session, e, last_day, strategy, by, now, None) for e in to_open]
        if len(opened) > 1:
            for case in opened:
                case.team_key = f"team-{opened[0].id}"
                session.add(case)
        return [(case.id, case.employee_id, True) for case in opened]


def open_case(employee_id: str, last_day: date, strategy: str, by: str) -> tuple[int, bool]:
    """Open the case (or return the open one): employee departing, access revoked, both recorded."""
    case_id, _, created = open_cases([employee_id], last_day, strategy, by)[0]
    return case_id, created


def run_case(case_id: int) -> str:
    """Take the case as far as it can go now (one Prefect flow run); returns the stage it stopped at."""
    from flows.offboarding import offboarding

    with session_scope() as session:
        case = stages.load_case(session, case_id)
    with without_heartbeats():
        return offboarding(case_id=case_id, employee_id=case.employee_id)


def run_cases(case_ids: list[int]) -> dict[int, str]:
    """Run each case; a team case that stopped at plan before its last teammate planned the team runs again."""
    reached = {case_id: run_case(case_id) for case_id in case_ids}
    for case_id in case_ids:
        if reached[case_id] == "plan":
            reached[case_id] = run_case(case_id)
    return reached


def parse_moves(moves: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for move in moves:
        customer_id, sep, successor_id = move.partition("=")
        if not sep or not customer_id.strip() or not successor_id.strip():
            raise HandoverError(f"--move {move!r}: expected CUSTOMER_ID=EMPLOYEE_ID")
        parsed[customer_id.strip()] = successor_id.strip()
    return parsed


def _check_decider(session: Session, case: OffboardingCase, by: str) -> None:
    actor, departing = employee(session, by), employee(session, case.employee_id)
    if actor.status != EmployeeStatus.active:
        raise NotAllowed(f"{by}: is {actor.status} and may not decide plans")
    if not (actor.role == Role.admin or (actor.role == Role.manager and departing.manager_id == by)):
        raise NotAllowed(f"{by}: only {departing.manager_id or 'an admin'} (the departing rep's manager) "
                         f"or an admin may decide case {case.id}'s plan")


def _apply_moves(session: Session, case: OffboardingCase, plan, moves: dict[str, str], by: str, now) -> None:
    if not moves:  # the rep facts below read the whole company, under the case's lock
        return
    lines = {a.customer_id: a for a in session.exec(select(Assignment).where(Assignment.plan_id == plan.id))}
    candidates, excluded = eligible(rep_facts(session, now.date(), case.id), departing_with(session, case), now.date())
    room = {c.id: c.free for c in candidates}
    for line in lines.values():
        if line.successor_id in room:
            room[line.successor_id] -= 1
    for customer_id, successor_id in moves.items():
        if customer_id not in lines:
            raise HandoverError(f"--move {customer_id}={successor_id}: customer {customer_id} is not in case {case.id}")
        employee(session, successor_id)
        if successor_id not in room:
            reason = excluded.get(successor_id, "not an eligible successor")
            raise HandoverError(f"--move {customer_id}={successor_id}: {successor_id} cannot take customers ({reason})")
        if lines[customer_id].successor_id != successor_id and room[successor_id] <= 0:
            raise HandoverError(f"--move {customer_id}={successor_id}: {successor_id} has no capacity left")
    for customer_id, successor_id in moves.items():
        line = lines[customer_id]
        if line.successor_id == successor_id:
            continue
        room[successor_id] -= 1
        record(session, actor_id=by, action="plan.move", subject_type="customer", subject_id=customer_id,
               case_id=case.id, before={"successor_id": line.successor_id}, after={"successor_id": successor_id}, at=now)
        line.successor_id, line.moved_by = successor_id, by
        line.reasons = [f"moved by {by} at approval"]
        session.add(line)


def decide_plan(case_id: int, *, by: str, approve: bool, moves: dict[str, str] | None = None, reason: str = "",
                strategy: str | None = None, resume: bool = True) -> str:
    """Approve (after optional moves) or reject the case's current plan; returns the plan's new status."""
    if strategy is not None:
        _check_strategy(strategy)
    if not approve and not reason.strip():
        raise HandoverError("--reject needs --reason: say why the plan is rejected")
    now = clock.now()
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        _check_decider(session, case, by)
        plan = latest_plan(session, case_id)
        if plan is not None and plan.status != PlanStatus.draft:
            raise HandoverError(f"case {case_id}: plan v{plan.version} was already {plan.status.value} "
                                f"by {plan.decided_by} at {plan.decided_at:%Y-%m-%d %H:%M} (stage {case.stage!r})")
        if plan is None or case.stage not in ("approve",):
            raise HandoverError(f"case {case_id}: is at stage {case.stage!r}, there is no plan waiting for a decision")
        if approve:
            _apply_moves(session, case, plan, moves or {}, by, now)
        elif moves:
            raise HandoverError("--move goes with an approval, not with --reject")
        plan.status = PlanStatus.approved if approve else PlanStatus.rejected
        plan.decided_by, plan.decided_at, plan.decision_reason = by, now, reason
        session.add(plan)
        record(session, actor_id=by, action="plan.approve" if approve else "plan.reject", subject_type="plan",
               subject_id=str(plan.id), case_id=case_id, before={"status": "draft"},
               after={"status": plan.status.value, "version": plan.version}, reason=reason, at=now)
        if approve:
            case.resume_at = now
            session.add(case)
        else:
            case.strategy = strategy or case.strategy
            stages.reopen(session, case, "plan", now)
        status, employee_id = plan.status.value, case.employee_id
    if resume and not _resume_waiting_run(case_id, employee_id, by, approve, moves or {}, reason):
        run_case(case_id)
    return status


def _resume_waiting_run(case_id: int, employee_id: str, by: str, approve: bool, moves: dict[str, str],
                        reason: str) -> bool:
    """A run suspended at approval (started from a deployment) continues on a worker with the decision."""
    from flows.approval import PlanDecision, resume_waiting_run

    decision = PlanDecision(by=by, approve=approve, moves=[f"{c}={s}" for c, s in moves.items()], reason=reason)
    return resume_waiting_run(case_id, employee_id, decision)


def record_revisit(case_id: int, customer_id: str, *, by: str, outcome: str, note: str = "") -> Revisit:
    """The successor (or their manager) records the next due revisit of a customer."""
    try:
        result = RevisitOutcome(outcome)
    except ValueError:
        raise HandoverError(f"--outcome {outcome!r}: choose one of {', '.join(o.value for o in RevisitOutcome)}") from None
    now = clock.now()
    with session_scope() as session:
        stages.load_case(session, case_id)
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(f"customer {customer_id}: no such customer")
        actor = employee(session, by)
        owner = employee(session, customer.owner_id) if customer.owner_id else None
        allowed = owner is not None and (by == owner.id or by == owner.manager_id) or actor.role == Role.admin
        if not allowed or actor.status != EmployeeStatus.active:
            raise NotAllowed(f"{by}: only the customer's owner ({customer.owner_id}) or their manager may record a revisit")
        revisit = session.exec(select(Revisit).where(Revisit.case_id == case_id, Revisit.customer_id == customer_id,
                                                     Revisit.done_at.is_(None)).order_by(Revisit.number)).first()
        if revisit is None:
            raise HandoverError(f"case {case_id}, customer {customer_id}: no revisit is open")
        revisit.done_at, revisit.done_by, revisit.outcome, revisit.note = now, by, result, note
        customer.last_contact_at = now
        session.add_all([revisit, customer, Interaction(
            id=f"revisit-{case_id}-{customer_id}-{revisit.number}", customer_id=customer_id, employee_id=by, at=now,
            kind="visit", summary=f"revisit {revisit.number}: {result.value}" + (f" - {note}" if note else ""))])
        return revisit


def case_status(case_id: int) -> dict[str, Any]:
    from models import CaseStage

    with session_scope() as session:
        case = stages.load_case(session, case_id)
        stage_rows = {s.name: s for s in session.exec(select(CaseStage).where(CaseStage.case_id == case_id))}
        rows = session.exec(select(CaseCustomer, Customer).join(Customer, Customer.id == CaseCustomer.customer_id)
                            .where(CaseCustomer.case_id == case_id).order_by(CaseCustomer.customer_id)).all()
        return {
            "case_id": case.id, "employee_id": case.employee_id, "last_day": case.last_day,
            "status": case.status.value, "stage": _stage(case), "team_key": case.team_key,
            "team": _teammates(session, case),
            "stages": [{"name": name, "state": stage_rows[name].state.value, "started_at": stage_rows[name].started_at,
                        "finished_at": stage_rows[name].finished_at, "waiting_for": stage_rows[name].waiting_for}
                       for name in stages.STAGES],
            "customers": [{"customer_id": row.customer_id, "owner_id": customer.owner_id, "in_pool": customer.in_pool,
                           "state": "handed_over" if row.handed_over_at else "with_departing_rep"}
                          for row, customer in rows],
        }


def _stage(case: OffboardingCase) -> str:
    return case.stage if case.status == CaseStatus.open else "closed"


def _teammates(session: Session, case: OffboardingCase) -> list[dict[str, Any]]:
    """The other cases of reps leaving together with this one (empty for a departure alone)."""
    if case.team_key is None:
        return []
    others = session.exec(select(OffboardingCase).where(OffboardingCase.team_key == case.team_key,
                                                        OffboardingCase.id != case.id).order_by(OffboardingCase.id))
    return [{"case_id": o.id, "employee_id": o.employee_id, "stage": _stage(o)} for o in others]


def plan_document(case_id: int) -> dict[str, Any]:
    with session_scope() as session:
        case = stages.load_case(session, case_id)
        plan = latest_plan(session, case_id)
        if plan is None:
            raise HandoverError(f"case {case_id}: has no plan yet (stage {case.stage})")
        rows = session.exec(select(Assignment, CaseCustomer).join(
            CaseCustomer, (CaseCustomer.customer_id == Assignment.customer_id) & (CaseCustomer.case_id == case_id)
        ).where(Assignment.plan_id == plan.id).order_by(CaseCustomer.score.desc(), Assignment.customer_id)).all()
        return {
            "case_id": case_id, "strategy": plan.strategy, "version": plan.version,
            "status": "draft" if plan.status == PlanStatus.draft else plan.status.value,
            "decided_by": plan.decided_by, "decided_at": plan.decided_at,
            "assignments": [{"customer_id": a.customer_id, "successor_id": a.successor_id,
                             "to_pool": a.successor_id is None, "tier": c.tier, "score": c.score,
                             "reasons": a.reasons} for a, c in rows],
            "metrics": plan.metrics,
        }


def list_cases() -> list[dict[str, Any]]:
    from sqlalchemy import func

    with session_scope() as session:
        counts = dict(session.exec(select(CaseCustomer.case_id, func.count()).group_by(CaseCustomer.case_id)).all())
        handed = dict(session.exec(select(CaseCustomer.case_id, func.count()).where(
            CaseCustomer.handed_over_at.is_not(None)).group_by(CaseCustomer.case_id)).all())
        cases = session.exec(select(OffboardingCase).order_by(OffboardingCase.id)).all()
        return [{"case_id": c.id, "employee_id": c.employee_id, "last_day": c.last_day, "status": c.status.value,
                 "stage": _stage(c), "team_key": c.team_key, "customers": counts.get(c.id, 0),
                 "handed_over": handed.get(c.id, 0), "opened_at": c.opened_at} for c in cases]


def _mark_departed(session: Session, today: date) -> int:
    """Departing employees whose last day has passed have left."""
    from models import Employee

    leaving = session.exec(select(Employee).where(Employee.status == EmployeeStatus.departing,
                                                  Employee.last_day < today)).all()
    for person in leaving:
        person.status = EmployeeStatus.departed
        session.add(person)
        record(session, actor_id=None, action="employee.depart", subject_type="employee", subject_id=person.id,
               before={"status": "departing"}, after={"status": "departed"}, reason=f"last day {person.last_day}",
               at=clock.now())
    return len(leaving)


def due_cases(now) -> list[int]:
    with session_scope() as session:
        return list(session.exec(select(OffboardingCase.id).where(
            OffboardingCase.status == CaseStatus.open, OffboardingCase.resume_at <= now).order_by(OffboardingCase.id)))


def tick() -> dict[str, Any]:
    """Everything that is due at the current time: departures, follow-ups, pool reclaims, cases to continue, mail."""
    from flows.pool import pool_reclaim
    from flows.revisit import follow_up
    from handover.mail import deliver_pending

    now = clock.now()
    with session_scope() as session:
        departed = _mark_departed(session, now.date())
    with without_heartbeats():
        follow, pool = follow_up(), pool_reclaim()
    advanced = {case_id: run_case(case_id) for case_id in due_cases(now)}
    return {"now": now, "departed": departed, "follow_up": follow, "pool": pool, "cases": advanced,
            "mail": deliver_pending()}


def _classified_rows(session: Session, employee_ids: list[str], today: date) -> dict[str, list[CaseCustomer]]:
    """Inventory and classification of the reps' customers as unsaved case rows, per departing rep."""
    from handover.settings import get_settings
    from tasks.classify import classify_snapshots, company_contributions
    from tasks.inventory import collect_inventory

    snapshots = collect_inventory(session, employee_ids)
    classes = classify_snapshots(snapshots, company_contributions(session), today, get_settings())
    rows: dict[str, list[CaseCustomer]] = {e: [] for e in employee_ids}
    for cid, snap in snapshots.items():
        rows[snap["customer"]["owner_id"]].append(
            CaseCustomer(customer_id=cid, snapshot=snap, score=classes[cid].score, tier=classes[cid].tier))
    return rows


def _preview(employee_ids: list[str], result, customers, candidates) -> dict[str, Any]:
    from handover.allocation import split_plan

    by_id = {c.id: c for c in customers}
    preview = {"employee_ids": employee_ids, "strategy": result.strategy, "status": "dry-run",
               "assignments": [{"customer_id": p.customer_id, "departing_id": by_id[p.customer_id].from_rep,
                                "successor_id": p.successor_id, "to_pool": p.successor_id is None,
                                "tier": by_id[p.customer_id].tier, "score": by_id[p.customer_id].score,
                                "reasons": list(p.reasons)} for p in result.placements],
               "metrics": result.metrics}
    if len(employee_ids) == 1:
        preview["employee_id"] = employee_ids[0]
    else:
        parts = split_plan(result, customers, candidates, employee_ids)
        preview["by_departing"] = {rep: part.metrics for rep, part in parts.items()}
    return preview


def preview_plans(employee_ids: list[str], strategies: list[str]) -> list[dict[str, Any]]:
    """Inventory, classify and plan without storing anything (``offboard --dry-run``); several reps leaving
    together get one global plan per strategy, as their team cases would."""
    from tasks.plan import make_plan

    for strategy in strategies:
        _check_strategy(strategy)
    today = clock.today()
    _check_ids(employee_ids)
    with session_scope() as session:
        for employee_id in employee_ids:
            leaving = employee(session, employee_id)
            if leaving.role != Role.rep:
                raise HandoverError(f"employee {employee_id} is a {leaving.role}, not a sales rep")
        rows = _classified_rows(session, employee_ids, today)
        previews = [_preview(employee_ids, *make_plan(session, None, rows, employee_ids, strategy, today))
                    for strategy in strategies]
        session.rollback()
        return previews
