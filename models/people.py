"""Employees: reps, managers, HR and admins, with what allocation needs to know about them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models._types import json_list, moment


class Role(StrEnum):
    rep = "rep"
    manager = "manager"
    hr = "hr"
    admin = "admin"


class Level(StrEnum):
    senior = "senior"
    mid = "mid"
    junior = "junior"


class EmployeeStatus(StrEnum):
    active = "active"
    departing = "departing"
    departed = "departed"


class Employee(SQLModel, table=True):
    id: str = Field(primary_key=True, description="the CRM's employee id")
    name: str
    email: str = Field(index=True)
    role: Role = Role.rep
    level: Level = Level.junior
    manager_id: str | None = Field(default=None, foreign_key="employee.id", index=True)
    team: str = ""
    regions: list[str] = json_list()
    industries: list[str] = json_list()
    capacity: int = Field(default=100, ge=0, description="most customers this rep may own")
    locale: str = "zh-CN"
    status: EmployeeStatus = EmployeeStatus.active
    last_day: date | None = None
    access_revoked_at: datetime | None = moment()
    handover_score: float | None = Field(default=None, description="how well this rep's past handovers went, 0-100")


class Suspension(SQLModel, table=True):
    """A rep barred from new customers for a period after breaking company rules."""

    id: int | None = Field(default=None, primary_key=True)
    employee_id: str = Field(foreign_key="employee.id", index=True)
    violation_number: int = Field(ge=1)
    reason: str
    starts_on: date
    ends_on: date
    decided_by: str = Field(foreign_key="employee.id")
    decided_at: datetime | None = moment()
