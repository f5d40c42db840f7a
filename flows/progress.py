"""What the Prefect UI shows of a case: a progress artifact per stage, the plan as a table."""

from __future__ import annotations

from prefect.artifacts import (create_markdown_artifact, create_progress_artifact, create_table_artifact,
                               update_progress_artifact)
from sqlmodel import select

from handover.db import session_scope
from models import STAGES, Assignment, CaseCustomer, CaseStage, StageState
from tasks.plan import latest_plan


class CaseProgress:
    """Keeps the run's progress artifact at the share of the case's stages that are done."""

    def __init__(self, case_id: int):
        self.case_id = case_id
        self.artifact_id = create_progress_artifact(progress=self._percent(), key=f"case-{case_id}-progress",
                                                    description=f"Offboarding case {case_id}: stages done")

    def _percent(self) -> float:
        with session_scope() as session:
            states = session.exec(select(CaseStage.state).where(CaseStage.case_id == self.case_id)).all()
        return round(100.0 * sum(1 for s in states if s == StageState.done) / len(STAGES), 1)

    def update(self) -> None:
        update_progress_artifact(self.artifact_id, progress=self._percent())


def publish_plan(case_id: int) -> None:
    """The current plan as a table artifact (ids, tier, score, successor, reasons; no contact data)."""
    with session_scope() as session:
        plan = latest_plan(session, case_id)
        rows = session.exec(select(Assignment, CaseCustomer).join(
            CaseCustomer, (CaseCustomer.customer_id == Assignment.customer_id) & (CaseCustomer.case_id == case_id)
        ).where(Assignment.plan_id == plan.id).order_by(CaseCustomer.score.desc())).all()
        table = [{"customer_id": a.customer_id, "tier": c.tier, "score": c.score,
                  "successor_id": a.successor_id or "(public pool)", "reasons": "; ".join(a.reasons)}
                 for a, c in rows]
        create_table_artifact(table=table, key=f"case-{case_id}-plan",
                              description=f"Case {case_id} plan v{plan.version} ({plan.strategy}, {plan.status})")


def publish_evaluation(case_id: int) -> None:
    """The case report as a markdown artifact."""
    from handover.report import case_document, render_case

    with session_scope() as session:
        markdown = render_case(case_document(session, case_id), "md")
    create_markdown_artifact(markdown=markdown, key=f"case-{case_id}-evaluation",
                             description=f"Case {case_id} evaluation")
