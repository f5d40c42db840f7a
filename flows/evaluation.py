"""Stage 8 as a flow of its own: the offboarding flow ends with it, and it can be deployed on its own."""

from __future__ import annotations

from prefect import flow

from flows.progress import publish_evaluation
from tasks.evaluate import evaluate_case


@flow(name="evaluation", flow_run_name="evaluation-{case_id}", log_prints=False)
def evaluation(case_id: int) -> str:
    """Store the case report, tell the manager, close the case; the report becomes a Prefect artifact."""
    evaluate_case(case_id)
    publish_evaluation(case_id)
    return "closed"
