"""Approval in the Prefect UI: a run started from a deployment suspends with an approval form.

A run started by the CLI (no deployment) just stops at the approval stage; ``handover approve``
records the decision and runs the case again. Either way the decision goes through
``handover.cases.decide_plan``, which records who decided and when, so the other path sees it done.

A suspended run has left its worker; resuming it (the form, ``resume_flow_run`` or ``handover
approve``) schedules it again, a worker starts it from the top, the finished stages return at once
and ``suspend_flow_run`` with the same key hands back the decision. The key names the plan version,
so a rejected plan's successor asks again. Runs are started unlinked (``as_subflow=False``): the
server refuses to suspend a run that has a parent.
"""

from __future__ import annotations

from prefect import get_client, get_run_logger
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import StateType
from prefect.context import FlowRunContext
from prefect.deployments import run_deployment
from prefect.flow_runs import resume_flow_run, suspend_flow_run
from prefect.input import RunInput

from handover.db import session_scope
from handover.errors import HandoverError
from models import PlanStatus
from tasks.plan import latest_plan

CASE_RUN_NAME = "offboarding-{employee_id}-{case_id}"  # the offboarding flow's run names


class PlanDecision(RunInput):
    """The manager's decision on the plan (shown as a form in the Prefect UI)."""

    by: str
    approve: bool = True
    moves: list[str] = []  # "CUSTOMER_ID=EMPLOYEE_ID"
    reason: str = ""


def _runs_from_a_deployment() -> bool:
    """This very run (not a parent) belongs to a deployment, so a worker can start it again when resumed."""
    context = FlowRunContext.get()
    return context is not None and context.flow_run is not None and context.flow_run.deployment_id is not None


def _plan(case_id: int) -> tuple[int, PlanStatus]:
    with session_scope() as session:
        plan = latest_plan(session, case_id)
        return plan.version, plan.status


def approval_from_ui(case_id: int) -> bool:
    """Wait for the decision in the UI when the run belongs to a deployment; False otherwise or if rejected."""
    if not _runs_from_a_deployment():
        return False
    from handover.cases import decide_plan, parse_moves

    version, _ = _plan(case_id)
    decision = suspend_flow_run(wait_for_input=PlanDecision, key=f"case-{case_id}-plan-v{version}")
    _, status = _plan(case_id)
    if status != PlanStatus.draft:  # decided with `handover approve`, which then resumed this run
        return status == PlanStatus.approved
    try:
        status = decide_plan(case_id, by=decision.by, approve=decision.approve, moves=parse_moves(decision.moves),
                             reason=decision.reason, resume=False)
    except HandoverError as refused:  # e.g. a move to a successor without capacity: nothing was changed
        get_run_logger().error("decision refused: %s; a new run waits for another decision", refused)
        _run_again(case_id)
        return False
    if status == PlanStatus.rejected:
        _run_again(case_id)
    return status == PlanStatus.approved


def _run_again(case_id: int) -> None:
    """A new run of this deployment takes the case on (after a rejection: plans again) and waits for the next
    decision, as ``handover approve --reject`` runs the case again; this run ends at the approval."""
    run = FlowRunContext.get().flow_run
    run_deployment(run.deployment_id, parameters=run.parameters, timeout=0, as_subflow=False,
                   idempotency_key=f"case-{case_id}-after-{run.id}")


def resume_waiting_run(case_id: int, employee_id: str, decision: PlanDecision) -> bool:
    """Continue the case's run suspended at approval with a decision made elsewhere; False when none waits."""
    name = CASE_RUN_NAME.format(employee_id=employee_id, case_id=case_id)
    with get_client(sync_client=True) as client:
        waiting = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            name=FlowRunFilterName(any_=[name]),
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))))
    for run in waiting:
        resume_flow_run(run.id, run_input=decision.model_dump())
    return bool(waiting)
