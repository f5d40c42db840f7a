"""What the CRM knows about customers: the customer, its deals, contracts and interactions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models._types import money, moment


class CustomerStatus(StrEnum):
    new = "new"
    active = "active"
    dormant = "dormant"
    lost = "lost"


class Customer(SQLModel, table=True):
    id: str = Field(primary_key=True, description="the CRM's customer id")
    name: str
    owner_id: str | None = Field(default=None, foreign_key="employee.id", index=True,
                                 description="None while the customer is in the public pool")
    in_pool: bool = Field(default=False, index=True)
    owner_since: datetime | None = moment()
    region: str = ""
    industry: str = ""
    size: str = ""
    expected_amount: Decimal = money(Decimal(0), description="expected deal amount, CNY")
    contribution: Decimal = money(Decimal(0), description="revenue to date, CNY")
    potential: int | None = Field(default=None, ge=0, le=100)
    loyalty: int | None = Field(default=None, ge=0, le=100)
    status: CustomerStatus = CustomerStatus.active
    locale: str = "zh-CN"
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    preferences: str = ""
    last_contact_at: datetime | None = moment()
    last_order_at: datetime | None = moment()
    created_at: datetime | None = moment()
    first_registered_by: str | None = Field(default=None, foreign_key="employee.id")


class DealStatus(StrEnum):
    open = "open"
    won = "won"
    lost = "lost"


class Deal(SQLModel, table=True):
    id: str = Field(primary_key=True)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    owner_id: str | None = Field(default=None, foreign_key="employee.id", index=True)
    name: str = ""
    stage: str = ""
    amount: Decimal = money(Decimal(0))
    status: DealStatus = DealStatus.open
    expected_close: date | None = None
    closed_at: datetime | None = moment()


class Contract(SQLModel, table=True):
    id: str = Field(primary_key=True)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    owner_id: str | None = Field(default=None, foreign_key="employee.id", index=True)
    title: str = ""
    amount: Decimal = money(Decimal(0))
    starts_on: date | None = None
    ends_on: date | None = None
    status: str = "active"


class Interaction(SQLModel, table=True):
    """A call, visit, email, meeting or order with the customer."""

    id: str = Field(primary_key=True)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    employee_id: str | None = Field(default=None, foreign_key="employee.id", index=True)
    at: datetime = moment()
    kind: str = "call"
    summary: str = ""
    scheduled: bool = Field(default=False, description="a planned follow-up not yet done")
