"""Handover notes: what the departing rep wants a customer's successor to know (sent with the briefing).

Writing them is one of the few things a departing rep still does: for their own case, until their last
day, and while the customer has not been handed over yet.
"""

from __future__ import annotations

from sqlmodel import select

from handover import access, clock, stages
from handover.acting import allow, load_actor
from handover.audit import record
from handover.db import session_scope
from handover.errors import HandoverError, NotFound
from models import CaseCustomer

NOTES_MAX_CHARS = 4000


def write_notes(case_id: int, customer_id: str, *, by: str, text: str) -> None:
    """Store the departing rep's notes on one customer of their case (replacing earlier notes); audited."""
    if not text.strip():
        raise HandoverError("--text: write what the successor should know about the customer")
    if len(text) > NOTES_MAX_CHARS:
        raise HandoverError(f"--text: {len(text)} characters, at most {NOTES_MAX_CHARS}")
    now = clock.now()
    with session_scope() as session:
        case = stages.load_case(session, case_id)
        allow(access.handover_task_refusal(load_actor(session, by), case.employee_id, clock.today(),
                                           "write handover notes"))
        row = session.exec(select(CaseCustomer).where(CaseCustomer.case_id == case_id,
                                                      CaseCustomer.customer_id == customer_id)).first()
        if row is None:
            raise NotFound(f"customer {customer_id!r}: not in case {case_id}")
        if row.handed_over_at is not None:
            raise HandoverError(f"customer {customer_id}: handed over at {row.handed_over_at:%Y-%m-%d %H:%M}; "
                                "the successor's briefing has gone out")
        before = {"characters": len(row.handover_notes)}
        row.handover_notes = text
        session.add(row)
        record(session, actor_id=case.employee_id, action="notes.write", subject_type="customer",
               subject_id=customer_id, case_id=case_id, before=before, after={"characters": len(text)}, at=now)
