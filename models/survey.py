"""The satisfaction survey a customer answers after the handover (stage 8, evaluate).

The link's token is never stored: only its SHA-256 (``token_hash``), so a leaked database does not
leak working links.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models._types import moment


class Survey(SQLModel, table=True):
    """One customer's survey about one case's handover; answered at most once."""

    __table_args__ = (UniqueConstraint("case_id", "customer_id"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="offboardingcase.id", index=True)
    customer_id: str = Field(foreign_key="customer.id", index=True)
    successor_id: str | None = Field(default=None, foreign_key="employee.id", index=True)
    token_hash: str = Field(unique=True, max_length=64, description="sha256 hex of the link's token")
    locale: str = "zh-CN"
    sent_at: datetime = moment()
    reminded_at: datetime | None = moment()
    expires_at: datetime = moment(index=True)
    answered_at: datetime | None = moment()
    csat: int | None = Field(default=None, ge=1, le=5, description="customer satisfaction, 1-5")
    nps: int | None = Field(default=None, ge=0, le=10, description="likelihood to recommend, 0-10")
    comment: str = Field(default="", sa_type=Text)
