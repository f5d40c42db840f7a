"""`handover demo` on a small company: the real code end to end, the case closed and evaluated."""

import io

import pytest
from rich.console import Console
from sqlmodel import select

from handover.db import session_scope
from handover.demo.run import run_demo
from models import CaseReport, OffboardingCase, OutboxMessage


@pytest.mark.slow
def test_the_demo_runs_a_case_to_its_evaluation(settings_env, prefect):
    story, log = io.StringIO(), io.StringIO()
    assert run_demo(Console(file=story, width=160), Console(file=log, width=160), reps=8, customers=300) == 0
    text = story.getvalue()
    assert "stage timeline" in text and "Churn rate" in text and "claims" in text
    assert "leave together" in text and "together: successors over their room: 0;" in text
    assert "customers to a leaver: 0;" in text.split("one at a time instead")[0], "the team plan gives leavers nothing"
    with session_scope() as session:
        case = session.exec(select(OffboardingCase)).one()
        assert case.status == "closed" and session.get(CaseReport, case.id) is not None
        kinds = set(session.exec(select(OutboxMessage.kind)).all())
        updates = session.exec(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.like("%:meeting:%:seq1"))).all()
    assert "moves the meeting with" in text and len(updates) == 3, "one meeting rescheduled: an update per attendee"
    assert {"customer_notice", "successor_briefing", "survey_invitation", "task_case_evaluated"} <= kinds
    assert list((settings_env / "home" / "demo" / "outbox").glob("*.eml")), "the file outbox holds real messages"
