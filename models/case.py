"""An offboarding case and what each stage of the procedure records in it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models._types import json_dict, json_list, moment

STAGES = ("inventory", "classify", "plan", "approve", "meeting", "notice", "revisit", "evaluate")


class CaseStatus(StrEnum):
    open = "open"
    closed = "closed"


class StageState(StrEnum):
    pending = "pending"
    running = "running"
    waiting = "waiting"  # needs a person or a date before it can finish
    done = "done"


class OffboardingCase(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    employee_id: str = Field(foreign_key="employee.id", index=True)
    last_day: date
    strategy: str
    status: CaseStatus = Field(default=CaseStatus.open, index=True)
    stage: str = "inventory"
    opened_by: str = Field(foreign_key="employee.id")
    opened_at: datetime = moment()
    closed_at: datetime | None = moment()
    resume_at: datetime | None = moment(description="when the flow should next run; None while a person must act")
    team_key: str | None = Field(
        default=None, index=True, description="cases of reps leaving together share one key and one global plan"
    )


class CaseStage(SQLModel, table=True):
    """One stage of one case: when it started, when it finished, what it waits for."""

    __table_args__ = (UniqueConstraint("case_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="offboardingcase.id", index=True)
    name: str
    state: StageState = StageState.pending
    started_at: datetime | None = moment()
    finished_at: datetime | None = moment()
    waiting_for: str = ""


class CaseCustomer(SQLModel, table=True):
    """A customer frozen into the case at inventory, with its classification."""

    __table_args__ = (UniqueConstraint("case_id", "customer_id"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="offboardingcase.id", index=True)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    snapshot: dict[str, Any] = json_dict()
    contribution_score: float | None = None
    potential_score: float | None = None
    loyalty_score: float | None = None
    score: float | None = None
    tier: str | None = None
    status: str | None = None
    handover_notes: str = Field(default="", description="what the departing rep wants the successor to know")
    handed_over_at: datetime | None = moment()


class PlanStatus(StrEnum):
    draft = "draft"
    approved = "approved"
    rejected = "rejected"


class Plan(SQLModel, table=True):
    """One version of a case's reallocation plan; a rejected plan is followed by a new version."""

    __table_args__ = (UniqueConstraint("case_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="offboardingcase.id", index=True)
    version: int = 1
    strategy: str
    status: PlanStatus = PlanStatus.draft
    metrics: dict[str, Any] = json_dict()
    created_at: datetime = moment()
    decided_by: str | None = Field(default=None, foreign_key="employee.id")
    decided_at: datetime | None = moment()
    decision_reason: str = ""


class Assignment(SQLModel, table=True):
    """One line of a plan: a customer, its successor (or the pool) and why."""

    __table_args__ = (UniqueConstraint("plan_id", "customer_id"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    customer_id: str = Field(foreign_key="customer.id")
    successor_id: str | None = Field(default=None, foreign_key="employee.id", index=True)
    reasons: list[str] = json_list()
    moved_by: str | None = Field(default=None, foreign_key="employee.id")


class MeetingState(StrEnum):
    scheduled = "scheduled"
    held = "held"
    cancelled = "cancelled"


class Meeting(SQLModel, table=True):
    """A three-way meeting: departing rep, successor and customer."""

    __table_args__ = (UniqueConstraint("case_id", "customer_id"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="offboardingcase.id", index=True)
    customer_id: str = Field(foreign_key="customer.id")
    successor_id: str = Field(foreign_key="employee.id")
    departing_id: str = Field(foreign_key="employee.id")
    starts_at: datetime = moment()
    ends_at: datetime = moment()
    sequence: int = 0
    state: MeetingState = MeetingState.scheduled


class RevisitOutcome(StrEnum):
    ok = "ok"
    concern = "concern"
    lost = "lost"
    complaint = "complaint"


class Revisit(SQLModel, table=True):
    """A follow-up the successor owes the customer after the notice."""

    __table_args__ = (UniqueConstraint("case_id", "customer_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="offboardingcase.id", index=True)
    customer_id: str = Field(foreign_key="customer.id")
    successor_id: str = Field(foreign_key="employee.id", index=True)
    number: int
    due_on: date = Field(index=True)
    done_at: datetime | None = moment()
    done_by: str | None = Field(default=None, foreign_key="employee.id")
    outcome: RevisitOutcome | None = None
    note: str = ""
    reminded_at: datetime | None = moment()
    escalated_at: datetime | None = moment()
    escalated_again_at: datetime | None = moment()


class CaseReport(SQLModel, table=True):
    """The evaluation of a closed case."""

    case_id: int = Field(primary_key=True, foreign_key="offboardingcase.id")
    computed_at: datetime = moment()
    figures: dict[str, Any] = json_dict()
