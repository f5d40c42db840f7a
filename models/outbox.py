"""The transactional outbox: a message is written here in the same transaction as its cause."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from models._types import moment


class OutboxStatus(StrEnum):
    pending = "pending"
    sending = "sending"  # claimed by a sender; found in this state after a crash it is "in doubt"
    sent = "sent"
    failed = "failed"
    in_doubt = "in_doubt"


class OutboxMessage(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, description="case:customer:kind[:n] - one message per key, ever")
    kind: str = Field(index=True)
    case_id: int | None = Field(default=None, index=True)
    customer_id: str | None = None
    recipient: str
    locale: str
    subject: str
    message_id: str
    mime: str = Field(sa_type=Text, description="the complete RFC 5322 message")
    status: OutboxStatus = Field(default=OutboxStatus.pending, index=True)
    created_at: datetime = moment()
    attempts: int = 0
    next_attempt_at: datetime | None = moment()
    sent_at: datetime | None = moment()
    claimed_at: datetime | None = moment()
    claimed_by: str = Field(default="", description="token of the sender run that claimed it (status sending)")
    last_error: str = ""
