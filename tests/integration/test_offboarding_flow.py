"""The procedure end to end on Prefect, on SQLite and PostgreSQL, on the simulated clock."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from email import message_from_string, policy

import pytest
from sqlalchemy import func
from sqlmodel import select

from handover import cases, clock
from handover.db import session_scope
from handover.errors import HandoverError
from models import (Assignment, AuditEntry, CaseCustomer, CaseReport, Customer, Deal, Employee, Interaction,
                    Meeting, OutboxMessage, Plan, Revisit, Suspension)
from tests.factories import START, small_company
from tests.state import snapshot

LAST_DAY = date(2026, 12, 4)


@pytest.fixture
def company(db, prefect):
    clock.set_now(START)
    return small_company()


def _kinds() -> Counter:
    with session_scope() as session:
        return Counter(session.exec(select(OutboxMessage.kind)).all())


def _record_due_revisits() -> None:
    with session_scope() as session:
        due = session.exec(select(Revisit).where(Revisit.done_at.is_(None), Revisit.due_on <= clock.today())).all()
    for revisit in due:
        cases.record_revisit(revisit.case_id, revisit.customer_id, by=revisit.successor_id, outcome="ok")


def test_a_case_runs_from_start_to_closed(company):
    case_id, created = cases.open_case("R0", LAST_DAY, "optimal", "HR1")
    assert created and cases.run_case(case_id) == "approve"
    assert cases.open_case("R0", LAST_DAY, "optimal", "HR1") == (case_id, False)
    assert _kinds() == Counter({"task_plan_to_approve": 1}), "nobody outside hears anything before approval"
    with session_scope() as session:
        request = session.exec(select(OutboxMessage)).one()
    text = message_from_string(request.mime, policy=policy.default).get_body(("plain",)).get_content()
    assert "客户总数：8" in text and "已分配给接任者：8" in text and "转入公海池：0" in text
    plan = cases.plan_document(case_id)
    assert plan["status"] == "draft" and len(plan["assignments"]) == 8
    assert all(a["reasons"] for a in plan["assignments"])
    assert not any(a["successor_id"] == "RX" for a in plan["assignments"]), "RX has no capacity"

    moved = next(a for a in plan["assignments"] if a["tier"] == "B")
    target = next(s for s in ("RS", "RM", "RJ") if s != moved["successor_id"])
    assert cases.decide_plan(case_id, by="M1", approve=True, moves={moved["customer_id"]: target}) == "approved"
    assert cases.case_status(case_id)["stage"] == "meeting"
    kinds = _kinds()
    assert kinds["meeting_invitation"] == 3 * 4 and kinds["introduction"] == 4 and kinds["customer_notice"] == 0

    for day in range(3, 130, 6):  # a tick every few days is enough and keeps the test fast
        clock.set_now(START + timedelta(days=day))
        cases.tick()
        _record_due_revisits()
        if cases.case_status(case_id)["status"] == "closed":
            break
    status = cases.case_status(case_id)
    assert status["status"] == "closed" and all(s["state"] == "done" for s in status["stages"])
    with session_scope() as session:
        owners = dict(session.exec(select(Customer.id, Customer.owner_id)).all())
        assert owners[moved["customer_id"]] == target
        assert "R0" not in owners.values()
        assert session.exec(select(func.count()).select_from(Deal).where(Deal.owner_id == "R0")).one() == 0
        assert session.exec(select(func.count()).select_from(Interaction).where(
            Interaction.employee_id == "R0", Interaction.scheduled)).one() == 0
        changes = session.exec(select(AuditEntry.subject_id).where(AuditEntry.action == "ownership.change")).all()
        assert sorted(changes) == sorted(company["customers"])
        assert session.get(CaseReport, case_id).figures["customers"]["handed_over"] == 8
        assert session.get(Employee, "R0").status == "departed"
    kinds = _kinds()
    assert kinds["customer_notice"] == 8 and kinds["successor_briefing"] == 8 and kinds["task_case_evaluated"] == 1


def test_a_rejected_plan_is_planned_again(company):
    case_id, _ = cases.open_case("R0", LAST_DAY, "optimal", "HR1")
    cases.run_case(case_id)
    with pytest.raises(HandoverError, match="--reason"):
        cases.decide_plan(case_id, by="M1", approve=False, resume=False)
    assert cases.decide_plan(case_id, by="M1", approve=False, reason="spread more", strategy="round-robin") == "rejected"
    plan = cases.plan_document(case_id)
    assert (plan["version"], plan["status"], plan["strategy"]) == (2, "draft", "round-robin")
    assert _kinds()["task_plan_to_approve"] == 2
    assert cases.decide_plan(case_id, by="ADM", approve=True) == "approved"
    with pytest.raises(HandoverError, match="stage"):
        cases.decide_plan(case_id, by="M1", approve=True)


def test_a_crash_in_the_middle_of_the_notice_stage_resumes_without_duplicates(company, monkeypatch):
    import tasks.notice as notice

    case_id, _ = cases.open_case("R0", LAST_DAY, "optimal", "HR1")
    cases.run_case(case_id)
    cases.decide_plan(case_id, by="M1", approve=True)  # meetings are scheduled in the next days
    clock.set_now(START + timedelta(days=20))
    monkeypatch.setattr(notice, "BATCH", 3)
    real, calls = notice.hand_over, []

    def crash_on_the_fifth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(notice, "hand_over", crash_on_the_fifth)
    with pytest.raises(Exception):
        cases.run_case(case_id)
    with session_scope() as session:
        handed = session.exec(select(func.count()).select_from(CaseCustomer).where(
            CaseCustomer.handed_over_at.is_not(None))).one()
    assert handed == 3, "the first batch committed, the second rolled back whole"
    monkeypatch.setattr(notice, "hand_over", real)
    assert cases.run_case(case_id) == "revisit"
    with session_scope() as session:
        keys = session.exec(select(OutboxMessage.idempotency_key)).all()
        changes = session.exec(select(AuditEntry.subject_id).where(AuditEntry.action == "ownership.change")).all()
    assert len(keys) == len(set(keys))
    assert _kinds()["customer_notice"] == 8 and sorted(changes) == sorted(company["customers"])


def test_a_dry_run_stores_nothing(company):
    def counts():
        with session_scope() as session:
            return [session.exec(select(func.count()).select_from(t)).one()
                    for t in (Plan, Assignment, CaseCustomer, OutboxMessage, AuditEntry, Meeting)]

    before = counts()
    previews = cases.preview_plans(["R0"], ["optimal", "round-robin", "by-region"])
    assert [p["strategy"] for p in previews] == ["optimal", "round-robin", "by-region"]
    assert all(len(p["assignments"]) == 8 for p in previews)
    assert counts() == before
    with session_scope() as session:
        assert session.get(Employee, "R0").status == "active"


@pytest.mark.parametrize("employee_id, last_day, by, message", [
    ("NOPE", LAST_DAY, "HR1", "no such employee"),
    ("M1", LAST_DAY, "HR1", "not a sales rep"),
    ("R0", date(2026, 11, 1), "HR1", "in the past"),
    ("R0", LAST_DAY, "RS", "only an active HR or admin"),
    ("RS", LAST_DAY, "HR1", "owns no customers"),
    ("HR1", LAST_DAY, "ADM", "employee HR1 is a hr, not a sales rep"),
    ("R0", LAST_DAY, "GHOST", "employee 'GHOST': no such employee"),
])
def test_bad_departures_are_refused_and_change_nothing(company, employee_id, last_day, by, message):
    before = snapshot()
    with pytest.raises(HandoverError, match=message):
        cases.open_case(employee_id, last_day, "optimal", by)
    assert snapshot() == before
    assert cases.list_cases() == []
    with session_scope() as session:
        assert session.get(Employee, "R0").status == "active"


def test_bad_approvals_are_refused_and_change_nothing(company):
    case_id, _ = cases.open_case("R0", LAST_DAY, "optimal", "HR1")
    cases.run_case(case_id)
    first = cases.plan_document(case_id)["assignments"][0]["customer_id"]
    with session_scope() as session:  # RM leaves too; RJ broke a rule
        session.get(Employee, "RM").status, session.get(Employee, "RM").last_day = "departing", LAST_DAY
        session.add(Suspension(employee_id="RJ", violation_number=1, reason="x", starts_on=START.date(),
                               ends_on=LAST_DAY, decided_by="M1"))
    before = snapshot()
    refusals = [
        (dict(by="RS", approve=True), "may decide"),
        (dict(by="M1", approve=True, moves={first: "RM"}), "RM cannot take customers \\(status departing\\)"),
        (dict(by="M1", approve=True, moves={first: "RJ"}), "RJ cannot take customers \\(suspended from allocation"),
        (dict(by="M1", approve=True, moves={first: "RX"}), "no capacity|cannot take"),
        (dict(by="M1", approve=True, moves={first: "R0"}), "cannot take"),
        (dict(by="M1", approve=True, moves={"C999": "RS"}), "not in case"),
        (dict(by="M1", approve=True, moves={first: "GHOST"}), "no such employee"),
    ]
    for kwargs, message in refusals:
        with pytest.raises(HandoverError, match=message):
            cases.decide_plan(case_id, resume=False, **kwargs)
    assert cases.plan_document(case_id)["status"] == "draft"
    assert snapshot() == before
    cases.decide_plan(case_id, by="M1", approve=True, resume=False)
    approved = snapshot()
    with pytest.raises(HandoverError, match="already approved"):
        cases.decide_plan(case_id, by="M1", approve=True, resume=False)
    assert snapshot() == approved


def test_a_rejected_plan_cannot_be_approved(company):
    case_id, _ = cases.open_case("R0", LAST_DAY, "optimal", "HR1")
    cases.run_case(case_id)
    cases.decide_plan(case_id, by="M1", approve=False, reason="too concentrated", resume=False)
    before = snapshot()
    with pytest.raises(HandoverError, match="plan v1 was already rejected by M1 .* \\(stage 'plan'\\)"):
        cases.decide_plan(case_id, by="ADM", approve=True, resume=False)
    assert snapshot() == before
