"""The handover procedure of one offboarding case (docs/procedure.md), as a Prefect flow.

Each run takes the case as far as it can go now and returns the stage it stopped at: teammates still
being classified (reps leaving together are planned as one), the manager's approval, meetings still to
take place, revisit windows still open. Running it again (``handover tick``, ``handover approve``)
continues where it stopped; every stage is idempotent.
"""

from __future__ import annotations

from datetime import date

from prefect import flow
from prefect.deployments import run_deployment

from flows.approval import CASE_RUN_NAME, approval_from_ui
from flows.evaluation import evaluation
from flows.progress import CaseProgress, publish_plan
from tasks.approve import request_approval
from tasks.classify import classify_customers
from tasks.inventory import take_inventory
from tasks.meeting import hold_meetings
from tasks.notice import notify_customers
from tasks.plan import draft_plan
from tasks.revisit import schedule_revisits


@flow(name="offboarding", flow_run_name=CASE_RUN_NAME, log_prints=False)
def offboarding(case_id: int, employee_id: str) -> str:
    """Inventory → classify → plan → approval → meeting → notice → revisit → evaluate."""
    progress = CaseProgress(case_id)
    take_inventory(case_id)
    classify_customers(case_id)
    if not draft_plan(case_id):
        return "plan"
    publish_plan(case_id)
    progress.update()
    if not (request_approval(case_id) or approval_from_ui(case_id)):
        return "approve"
    progress.update()
    if not hold_meetings(case_id):
        return "meeting"
    progress.update()
    if not notify_customers(case_id):
        return "notice"
    progress.update()
    if not schedule_revisits(case_id):
        return "revisit"
    evaluation(case_id)
    progress.update()
    return "closed"


@flow(name="start-offboarding", log_prints=False)
def start_offboarding(employee_id: str, last_day: date, by: str, strategy: str = "optimal",
                      leaving_with: list[str] | None = None) -> dict:
    """HR's entry point in the Prefect UI: open the case (or find the open one) and start its run.

    ``leaving_with``: other reps leaving together with ``employee_id``; one case each, planned as one team
    (as ``handover offboard E1 E2``), each case its own run.

    A case runs as a run of the offboarding deployment (on a worker), not linked as a subflow: the server
    refuses to suspend a run that has a parent, and only a deployment's run is started again when resumed.
    """
    from handover.cases import open_cases
    from handover.deployments import OFFBOARDING

    opened = open_cases([employee_id, *(leaving_with or [])], last_day, strategy, by)
    cases = []
    for case_id, rep, _ in opened:
        run = run_deployment(OFFBOARDING, parameters={"case_id": case_id, "employee_id": rep}, timeout=0,
                             as_subflow=False, idempotency_key=f"case-{case_id}-start")
        cases.append({"case_id": case_id, "employee_id": rep, "offboarding_run": str(run.id)})
    return {"cases": cases}
