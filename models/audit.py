"""The audit trail: who changed or looked at what, when, before and after. Append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models._types import moment


class AuditEntry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = moment(index=True)
    actor_id: str | None = Field(default=None, index=True, description="employee id, or None for the system")
    action: str = Field(index=True, description="e.g. ownership.change, plan.approve, access.revoke")
    subject_type: str
    subject_id: str = Field(index=True)
    case_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    reason: str = ""
