"""The evaluation, deployable on its own, refuses a case whose revisit windows are still open."""

from __future__ import annotations

from datetime import date

import pytest

from handover import cases, clock
from handover.db import session_scope
from handover.errors import HandoverError
from models import CaseReport
from tasks.evaluate import evaluate_case
from tests.factories import START, small_company


def test_an_open_case_is_not_evaluated_before_its_revisits(db):
    clock.set_now(START)
    small_company()
    case_id, _ = cases.open_case("R0", date(2026, 12, 4), "optimal", "HR1")
    with pytest.raises(HandoverError, match=rf"case {case_id}: is at stage .*after its last revisit window closes"):
        evaluate_case.fn(case_id)
    with session_scope() as session:
        assert session.get(CaseReport, case_id) is None
    assert cases.case_status(case_id)["status"] == "open"
