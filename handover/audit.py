"""Writing the audit trail. Rows are only ever added (see models/audit.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from models import AuditEntry


def record(session: Session, *, actor_id: str | None, action: str, subject_type: str, subject_id: str,
           at: datetime, case_id: int | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, reason: str = "") -> AuditEntry:
    entry = AuditEntry(at=at, actor_id=actor_id, action=action, subject_type=subject_type, subject_id=subject_id,
                       case_id=case_id, before=before, after=after, reason=reason)
    session.add(entry)
    return entry
