"""Stage 8, evaluate: the case report is stored, successors' handover scores updated, the case closes."""

from __future__ import annotations

from sqlmodel import Session

from handover import clock, stages
from handover.db import session_scope
from handover.errors import HandoverError
from handover.evaluation import compute_case_report, save_case_report
from handover.mail import enqueue
from handover.people import as_recipient, employee, manager_of
from models import CaseReport, Employee
from tasks._prefect import stage_task

HEADLINE = (("customers", "handed_over"), ("customers", "pooled"), ("retention", "churn_rate"),
            ("satisfaction", "csat_mean"), ("satisfaction", "nps"), ("revisits", "on_time_rate"))


def _update_handover_scores(session: Session, successors: dict[str, dict]) -> None:
    """Feed each successor's outcome back into allocation (Employee.handover_score)."""
    for successor_id, figures in successors.items():
        if figures.get("score") is None:
            continue
        rep = session.get(Employee, successor_id)
        rep.handover_score = figures["score"]
        session.add(rep)


def _evaluated(session: Session, case_id: int) -> dict | None:
    """The stored figures when the case is evaluated; an error when it may not be evaluated yet."""
    case = stages.load_case(session, case_id)
    if stages.is_done(session, case_id, "evaluate"):
        return session.get(CaseReport, case_id).figures
    if not stages.is_done(session, case_id, "revisit"):
        raise HandoverError(f"case {case_id}: is at stage {case.stage!r}; "
                            "it is evaluated after its last revisit window closes")
    return None


@stage_task(name="evaluate")
def evaluate_case(case_id: int) -> dict:
    """Compute and store the case report, tell the manager, close the case.

    The figures are computed before the case is locked (they read every customer's history, revisits and
    surveys: seconds in a large case) and stored in a short transaction.
    """
    with session_scope() as session:
        stored = _evaluated(session, case_id)
        figures = compute_case_report(session, case_id) if stored is None else stored
    if stored is not None:
        return stored
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        if stages.is_done(session, case_id, "evaluate"):
            return session.get(CaseReport, case_id).figures
        now = clock.now()
        stages.start(session, case, "evaluate", now)
        save_case_report(session, case_id, figures)
        departing = employee(session, case.employee_id)
        headline = {f"{part}.{name}": figures[part][name] for part, name in HEADLINE
                    if figures.get(part, {}).get(name) is not None}
        enqueue(session, kind="task_case_evaluated", key=f"{case_id}::case_evaluated",
                to=as_recipient(manager_of(session, departing)), case_id=case_id,
                context={"case": {"id": case_id, "employee_name": departing.name}, "figures": headline})
        # Last: successors are shared between cases, so their rows stay locked only for the commit.
        _update_handover_scores(session, figures.get("successors", {}))
        stages.finish(session, case, "evaluate", now)
        return figures
