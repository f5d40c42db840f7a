"""Stage 4, approve: the manager is asked to review the plan; nothing reaches customers before approval."""

from __future__ import annotations

from sqlmodel import select

from handover import clock, stages
from handover.db import session_scope
from handover.mail import enqueue
from handover.people import as_recipient, employee, manager_of
from models import Assignment, PlanStatus
from tasks._prefect import stage_task
from tasks.plan import latest_plan


@stage_task(name="approve")
def request_approval(case_id: int) -> bool:
    """True once the latest plan is approved; otherwise ask the manager (once per plan version) and wait."""
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        if stages.is_done(session, case_id, "approve"):
            return True
        now, plan = clock.now(), latest_plan(session, case_id)
        stages.start(session, case, "approve", now)
        if plan.status == PlanStatus.approved:
            stages.finish(session, case, "approve", now)
            return True
        departing = employee(session, case.employee_id)
        manager = manager_of(session, departing)
        successors = session.exec(select(Assignment.successor_id).where(Assignment.plan_id == plan.id)).all()
        customers, pooled = len(successors), sum(1 for s in successors if s is None)
        enqueue(session, kind="task_plan_to_approve", key=f"{case_id}::plan_to_approve:v{plan.version}",
                to=as_recipient(manager), case_id=case_id, context={
                    "case": {"id": case_id, "employee_name": departing.name, "last_day": case.last_day},
                    "plan": {"strategy": plan.strategy, "customers": customers, "placed": customers - pooled,
                             "pooled": pooled},
                    "command": f"handover plan {case_id} --by {manager.id}  ·  "
                               f"handover approve {case_id} --by {manager.id}"})
        stages.wait(session, case, "approve", f"approval of plan v{plan.version} by {manager.id}", None)
        return False
