"""The meeting stage arranges meetings and introductions a batch per transaction (short locks at scale);
a crash between batches loses and doubles nothing, and the meetings of later batches never overlap."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlmodel import select

from handover import cases, clock
from handover.db import session_scope
from models import CaseCustomer, Meeting, OutboxMessage
from tasks.approve import request_approval
from tasks.classify import classify_customers
from tasks.inventory import take_inventory
from tasks.plan import draft_plan
from tests.factories import START, small_company


@pytest.fixture
def approved_case(db):
    clock.set_now(START)
    small_company(customers_per_tier=3)  # 6 A/B customers to meet, 6 C/D to introduce
    case_id, _ = cases.open_case("R0", date(2026, 12, 18), "optimal", "HR1")
    for stage in (take_inventory, classify_customers, draft_plan, request_approval):
        stage.fn(case_id)
    cases.decide_plan(case_id, by="M1", approve=True, resume=False)
    assert request_approval.fn(case_id)
    return case_id


def _stored(case_id: int) -> tuple[list[Meeting], Counter]:
    with session_scope() as session:
        meetings = session.exec(select(Meeting).where(Meeting.case_id == case_id).order_by(Meeting.starts_at)).all()
        kinds = Counter(session.exec(select(OutboxMessage.kind).where(OutboxMessage.case_id == case_id)).all())
    return meetings, kinds


def test_meetings_are_arranged_a_batch_per_transaction_and_resume_after_a_crash(approved_case, monkeypatch):
    import tasks.meeting as meeting

    monkeypatch.setattr(meeting, "BATCH", 2)
    real, calls = meeting._introduce, []

    def crash_on_the_fourth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(meeting, "_introduce", crash_on_the_fourth)
    with pytest.raises(RuntimeError):
        meeting.hold_meetings.fn(approved_case)
    meetings, kinds = _stored(approved_case)
    assert len(meetings) == 2 and kinds["introduction"] == 2, "the first batch committed, the second rolled back"

    monkeypatch.setattr(meeting, "_introduce", real)
    assert not meeting.hold_meetings.fn(approved_case)  # the meetings lie ahead
    meetings, kinds = _stored(approved_case)
    assert len(meetings) == 6 and kinds["introduction"] == 6
    assert kinds["meeting_invitation"] == 3 * 6 and kinds["task_meeting_to_attend"] == 3
    for earlier, later in zip(meetings, meetings[1:]):
        assert earlier.ends_at <= later.starts_at, "the departing rep attends every meeting"
    with session_scope() as session:
        scores = {r.customer_id: r.score for r in session.exec(select(CaseCustomer))}
    assert [scores[m.customer_id] for m in meetings] == sorted((scores[m.customer_id] for m in meetings), reverse=True)
    with session_scope() as session:
        keys = session.exec(select(OutboxMessage.idempotency_key)).all()
    assert len(keys) == len(set(keys))

    clock.set_now(meetings[-1].ends_at)
    assert meeting.hold_meetings.fn(approved_case)
    assert _stored(approved_case)[1] == kinds  # nothing sent again
