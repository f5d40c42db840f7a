"""The public pool (公海池): why and when customers entered it, claims, applications, reclaim notices,
and ownership conflicts waiting for a manager."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models._types import moment


class PoolEntryKind(StrEnum):
    plan = "plan"            # no eligible successor in an offboarding plan
    inactive = "inactive"    # reclaimed: the owner recorded no follow-up for too long
    prospect = "prospect"    # reclaimed: a prospect not converted within the cycle
    no_order = "no_order"    # reclaimed: a past customer with no order for too long
    release = "release"      # the owner gave the customer up
    manual = "manual"        # put in the pool by a person for another reason
    imported = "imported"    # was in the pool when imported; recorded when first claimed


RECLAIM_KINDS = (PoolEntryKind.inactive, PoolEntryKind.prospect, PoolEntryKind.no_order)


class PoolEntry(SQLModel, table=True):
    """One stay of a customer in the pool: why and when it entered, who had it, who claimed it."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    kind: PoolEntryKind
    reason: str = ""
    entered_at: datetime = moment(index=True)
    previous_owner_id: str | None = Field(default=None, foreign_key="employee.id", index=True)
    actor_id: str | None = Field(default=None, foreign_key="employee.id")
    case_id: int | None = Field(default=None, index=True)
    claimed_by: str | None = Field(default=None, foreign_key="employee.id", index=True)
    claimed_at: datetime | None = moment(index=True)


class ReclaimNotice(SQLModel, table=True):
    """The warning sent to an owner and their manager before an automatic reclaim.

    One per customer, owner and due date: running the tick twice sends nothing twice. ``reclaim_on`` is
    the day the reclaim happens: the due date, or later when the notice could only go out late.
    """

    __table_args__ = (UniqueConstraint("customer_id", "owner_id", "due_on"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    owner_id: str = Field(foreign_key="employee.id", index=True)
    manager_id: str | None = Field(default=None, foreign_key="employee.id")
    kind: PoolEntryKind
    due_on: date
    reclaim_on: date
    sent_at: datetime = moment()
    reclaimed_at: datetime | None = moment()


class ApplicationStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class PoolApplication(SQLModel, table=True):
    """A rep asking the manager for a pool customer instead of claiming it directly."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    employee_id: str = Field(foreign_key="employee.id", index=True)
    reason: str = ""
    applied_at: datetime = moment()
    status: ApplicationStatus = Field(default=ApplicationStatus.pending, index=True)
    decided_by: str | None = Field(default=None, foreign_key="employee.id")
    decided_at: datetime | None = moment()
    decision_reason: str = ""


CONFLICT_SOURCES = ("import", "claim")


class ConflictResolution(StrEnum):
    keep = "keep"   # the current owner keeps the customer
    give = "give"   # the customer goes to the claimant


class OwnershipConflict(SQLModel, table=True):
    """Two reps claim the same customer; the owner is unchanged until a manager decides."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    current_owner: str = Field(foreign_key="employee.id")
    claimant: str = Field(foreign_key="employee.id")
    first_registered_by: str | None = Field(default=None, foreign_key="employee.id")
    source: str = Field(description="import or claim: where the competing claim came from")
    at: datetime = moment()
    resolved_by: str | None = Field(default=None, foreign_key="employee.id")
    resolved_at: datetime | None = moment()
    resolution: ConflictResolution | None = None
    reason: str = ""
