"""Approval in the Prefect UI: a run started from a deployment suspends with an approval form.

A run started by the CLI (no deployment) just stops at the approval stage; ``handover approve``
records the decision and runs the case again. Either way the decision goes through
``handover.cases.decide_plan``, which records who decided and when, so the other path sees it done.
"""

from __future__ import annotations

from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.runtime import deployment


class PlanDecision(RunInput):
    """The manager's decision on the plan (shown as a form in the Prefect UI)."""

    by: str
    approve: bool = True
    moves: list[str] = []  # "CUSTOMER_ID=EMPLOYEE_ID"
    reason: str = ""


def approval_from_ui(case_id: int) -> bool:
    """Wait for the decision in the UI when the run belongs to a deployment; False otherwise or if rejected."""
    if deployment.id is None:
        return False
    from handover.cases import decide_plan, parse_moves

    decision = suspend_flow_run(wait_for_input=PlanDecision, key=f"case-{case_id}-approval")
    status = decide_plan(case_id, by=decision.by, approve=decision.approve, moves=parse_moves(decision.moves),
                         reason=decision.reason, resume=False)
    return status == "approved"
