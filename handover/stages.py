"""Book-keeping of a case's stages: each stage is pending, running, waiting or done.

A stage that finishes moves the case to the next stage; a stage that waits records what for and
when the case should be looked at again (``OffboardingCase.resume_at``; None = a person must act).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from handover.errors import NotFound
from models import STAGES, CaseStage, CaseStatus, OffboardingCase, StageState


def load_case(session: Session, case_id: int, *, for_update: bool = False) -> OffboardingCase:
    """The case; ``for_update`` holds it until the transaction ends, so one stage transaction runs at a time.

    PostgreSQL: SELECT ... FOR NO KEY UPDATE (as every row lock here: it still lets other transactions insert
    rows referencing the locked one, whose foreign-key checks take KEY SHARE; FOR UPDATE would block them
    and deadlock with them). SQLite has no row locks and ignores FOR UPDATE: a no-op write to the
    row takes the database's write lock first (waiting for another writer), so the stage reads current data.
    """
    query = select(OffboardingCase).where(OffboardingCase.id == case_id)
    if for_update and session.get_bind().dialect.name == "sqlite":
        session.execute(update(OffboardingCase).where(OffboardingCase.id == case_id)
                        .values(id=OffboardingCase.id).execution_options(synchronize_session=False))
    elif for_update:
        query = query.with_for_update(key_share=True)
    case = session.exec(query).first()
    if case is None:
        raise NotFound(f"case {case_id}: no such offboarding case")
    return case


def stage_of(session: Session, case_id: int, name: str) -> CaseStage:
    return session.exec(select(CaseStage).where(CaseStage.case_id == case_id, CaseStage.name == name)).one()


def is_done(session: Session, case_id: int, name: str) -> bool:
    return stage_of(session, case_id, name).state == StageState.done


def start(session: Session, case: OffboardingCase, name: str, now: datetime) -> CaseStage:
    stage = stage_of(session, case.id, name)
    if stage.state == StageState.pending:
        stage.started_at = now
    if stage.state != StageState.done:
        stage.state = StageState.running
        case.stage = name
    session.add(stage)
    return stage


def finish(session: Session, case: OffboardingCase, name: str, now: datetime) -> None:
    stage = stage_of(session, case.id, name)
    stage.state, stage.finished_at, stage.waiting_for = StageState.done, now, ""
    following = STAGES.index(name) + 1
    if following < len(STAGES):
        case.stage = STAGES[following]
    else:
        case.status, case.closed_at = CaseStatus.closed, now
    case.resume_at = now if following < len(STAGES) else None
    session.add_all([stage, case])


def wait(session: Session, case: OffboardingCase, name: str, waiting_for: str, resume_at: datetime | None) -> None:
    stage = stage_of(session, case.id, name)
    stage.state, stage.waiting_for = StageState.waiting, waiting_for
    case.stage, case.resume_at = name, resume_at
    session.add_all([stage, case])


def reopen(session: Session, case: OffboardingCase, name: str, now: datetime) -> None:
    """Send the case back to an earlier stage (a rejected plan is planned again)."""
    for later in STAGES[STAGES.index(name):]:
        stage = stage_of(session, case.id, later)
        if stage.state != StageState.pending:
            stage.state, stage.finished_at, stage.waiting_for = StageState.pending, None, ""
            session.add(stage)
    case.stage, case.resume_at = name, now
    session.add(case)


def create_stages(session: Session, case_id: int) -> None:
    session.add_all(CaseStage(case_id=case_id, name=name) for name in STAGES)
