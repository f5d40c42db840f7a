"""Column helpers shared by the tables: money as Decimal, aware datetimes, JSON lists."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Numeric
from sqlmodel import Field

from handover.db import AwareDateTime


def money(default: Decimal | None = None, **kwargs: Any) -> Any:
    """A CNY amount: Decimal with two places, never float."""
    return Field(default=default, sa_type=Numeric(16, 2), **kwargs)


def moment(default: datetime | None = None, **kwargs: Any) -> Any:
    """A timezone-aware point in time (stored as UTC)."""
    return Field(default=default, sa_type=AwareDateTime, **kwargs)


def json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def json_dict() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
