"""Reps leaving together: one global plan, each case its own plan and approval, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

import handover.cli  # noqa: F401 - registers the commands
import tasks.plan
from handover import cases, clock
from handover.cli.app import app
from handover.db import session_scope
from handover.errors import HandoverError
from handover.settings import get_settings
from models import (Assignment, AuditEntry, CaseStage, Employee, OffboardingCase, OutboxMessage, Plan,
                    PlanStatus)
from tests.factories import START, second_departing_rep, small_company

LAST_DAY = date(2026, 12, 4)
runner = CliRunner()


@pytest.fixture
def team(db, monkeypatch):
    """R0 (manager M1) and R1 (manager M2) leave together; 8 customers each; successors RS, RM, RJ.
    HR1 is the person at the command line."""
    monkeypatch.setenv("HANDOVER_USER", "HR1")
    get_settings.cache_clear()
    clock.set_now(START)
    company = small_company()
    return {"R0": company["customers"], "R1": second_departing_rep("R1", "M2"), "successors": company["successors"]}


def _set_capacity(**capacities: int) -> None:
    with session_scope() as session:
        for employee_id, capacity in capacities.items():
            session.get(Employee, employee_id).capacity = capacity


def _plans() -> dict[int, list[Plan]]:
    with session_scope() as session:
        plans: dict[int, list[Plan]] = {}
        for plan in session.exec(select(Plan).order_by(Plan.case_id, Plan.version)):
            plans.setdefault(plan.case_id, []).append(plan)
        return plans


def _lines(plan_id: int) -> dict[str, str | None]:
    with session_scope() as session:
        return dict(session.exec(select(Assignment.customer_id, Assignment.successor_id)
                                 .where(Assignment.plan_id == plan_id)).all())


def _counts(tables=(OffboardingCase, Plan, Assignment, AuditEntry, OutboxMessage)) -> list[int]:
    with session_scope() as session:
        return [session.exec(select(func.count()).select_from(t)).one() for t in tables]


STORED = (OffboardingCase, Plan, Assignment, OutboxMessage, CaseStage)  # what a dry run must not write


def _invoke(*args: str):
    return runner.invoke(app, list(args))


def test_one_global_plan_gives_each_case_its_own_plan_within_every_capacity(team, prefect, monkeypatch):
    _set_capacity(RS=6, RM=4, RJ=3)  # room for 13 of the 16 customers: the capacities bind across the cases
    calls = []
    real = tasks.plan.allocate
    monkeypatch.setattr(tasks.plan, "allocate", lambda *a, **kw: calls.append(a[0]) or real(*a, **kw))
    opened = cases.open_cases(["R0", "R1"], LAST_DAY, "optimal", "HR1")
    assert [(e, created) for _, e, created in opened] == [("R0", True), ("R1", True)]
    ids = [case_id for case_id, _, _ in opened]
    assert cases.run_cases(ids) == {ids[0]: "approve", ids[1]: "approve"}

    assert len(calls) == 1 and {c.id for c in calls[0]} == set(team["R0"]) | set(team["R1"]), "one allocation"
    plans = _plans()
    assert {case_id: [(p.version, p.status) for p in ps] for case_id, ps in plans.items()} == {
        ids[0]: [(1, PlanStatus.draft)], ids[1]: [(1, PlanStatus.draft)]}
    lines = {case_id: _lines(ps[0].id) for case_id, ps in plans.items()}
    assert set(lines[ids[0]]) == set(team["R0"]) and set(lines[ids[1]]) == set(team["R1"])
    successors = Counter(s for case_lines in lines.values() for s in case_lines.values())
    assert not {"R0", "R1", "RX"} & set(successors), "no departing rep (nor a full one) receives a customer"
    assert successors == Counter({"RS": 6, "RM": 4, "RJ": 3, None: 3}), "capacity counted across both cases"
    metrics = {case_id: ps[0].metrics for case_id, ps in plans.items()}
    assert metrics[ids[0]]["team"]["departing"] == ["R0", "R1"] and metrics[ids[0]]["team"]["placed"] == 13
    assert metrics[ids[0]]["placed"] + metrics[ids[1]]["placed"] == 13
    with session_scope() as session:
        requests = session.exec(select(OutboxMessage.case_id, OutboxMessage.recipient).where(
            OutboxMessage.kind == "task_plan_to_approve").order_by(OutboxMessage.case_id)).all()
    assert requests == [(ids[0], "m1@example.com"), (ids[1], "m2@example.com")], "each manager approves their own"
    assert cases.case_status(ids[0])["team"] == [{"case_id": ids[1], "employee_id": "R1", "stage": "approve"}]


def test_a_team_case_waits_for_its_teammates_classify_then_resumes(team, prefect):
    ids = [case_id for case_id, _, _ in cases.open_cases(["R0", "R1"], LAST_DAY, "optimal", "HR1")]
    assert cases.run_case(ids[0]) == "plan"
    with session_scope() as session:
        stage = session.exec(select(CaseStage).where(CaseStage.case_id == ids[0], CaseStage.name == "plan")).one()
        waiting = session.get(OffboardingCase, ids[0])
    assert stage.state == "waiting" and stage.waiting_for == f"classify of team cases {ids[1]}"
    assert waiting.resume_at == START + tasks.plan.TEAM_RETRY, "waits with a resume time, not for a person"
    assert _plans() == {}
    assert cases.run_case(ids[1]) == "approve"
    assert set(_plans()) == set(ids), "the last teammate planned both cases"
    assert ids[0] in cases.due_cases(clock.now())
    assert cases.run_case(ids[0]) == "approve"
    assert [len(ps) for ps in _plans().values()] == [1, 1]


def test_rejecting_one_team_case_plans_that_case_again_alone(team, prefect):
    _set_capacity(RS=7, RM=5, RJ=4)
    ids = [case_id for case_id, _, _ in cases.open_cases(["R0", "R1"], LAST_DAY, "optimal", "HR1")]
    cases.run_cases(ids)
    first = _plans()[ids[0]][0]
    before = _lines(first.id)
    with pytest.raises(HandoverError, match="cannot take customers \\(departing rep of this plan\\)"):
        cases.decide_plan(ids[1], by="M2", approve=True, moves={team["R1"][0]: "R0"}, resume=False)
    assert cases.decide_plan(ids[0], by="M1", approve=True) == "approved"
    assert cases.decide_plan(ids[1], by="M2", approve=False, reason="spread more", strategy="round-robin") == "rejected"

    plans = _plans()
    assert [(p.version, p.status) for p in plans[ids[0]]] == [(1, PlanStatus.approved)]
    assert _lines(first.id) == before, "the approved teammate's plan is not touched"
    again = plans[ids[1]][-1]
    assert (again.version, again.status, again.strategy) == (2, PlanStatus.draft, "round-robin")
    assert "team" not in again.metrics, "planned alone, the teammate's plan counted as planned elsewhere"
    load = Counter(before.values()) + Counter(_lines(again.id).values())
    assert not {"R0", "R1"} & set(load)
    assert load["RS"] <= 7 and load["RM"] <= 5 and load["RJ"] <= 4


def test_the_cli_runs_a_team_and_a_rerun_changes_nothing(team, prefect):
    result = _invoke("offboard", "R0", "R1", "--last-day", str(LAST_DAY), "--by", "HR1", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    ids = [c["case_id"] for c in document["cases"]]
    assert document["team_key"] == f"team-{ids[0]}" and [c["stage"] for c in document["cases"]] == ["approve"] * 2
    before = _counts()
    again = _invoke("offboard", "R0", "R1", "--last-day", str(LAST_DAY), "--by", "HR1", "--json")
    assert json.loads(again.stdout) == document and _counts() == before, "no second plan, mail or audit row"

    for case_id, manager in zip(ids, ("M1", "M2")):
        assert _invoke("approve", str(case_id), "--by", manager).exit_code == 0
    clock.set_now(START + timedelta(days=20))  # after the meetings: the notice hands the customers over
    assert set(cases.run_cases(ids).values()) == {"revisit"}
    assert _invoke("offboard", "R0", "R1", "--last-day", str(LAST_DAY), "--by", "HR1").exit_code == 0
    with session_scope() as session:
        changes = session.exec(select(AuditEntry.subject_id).where(AuditEntry.action == "ownership.change")).all()
    assert sorted(changes) == sorted(team["R0"] + team["R1"]), "every customer moved exactly once"
    assert [len(ps) for ps in _plans().values()] == [1, 1]

    listing = _invoke("cases")
    assert f"team-{ids[0]}" in listing.stdout
    status = _invoke("status", str(ids[1]))
    assert f"planned as one with: case {ids[0]} (R0, revisit)" in status.stdout


@pytest.mark.parametrize("employee_ids, message", [
    (["R0", "NOPE"], "employee 'NOPE': no such employee"),
    (["R0", "M1"], "employee M1 is a manager, not a sales rep"),
    (["R0", "RS"], "employee RS owns no customers"),
    (["R0", "R1", "R0"], "employee R0: named more than once"),
])
def test_one_bad_id_opens_nothing(team, employee_ids, message):
    result = _invoke("offboard", *employee_ids, "--last-day", str(LAST_DAY), "--by", "HR1")
    assert result.exit_code != 0 and message in str(result.exception)
    assert cases.list_cases() == []
    with session_scope() as session:
        assert {e.status for e in session.exec(select(Employee))} == {"active"}


def test_a_rep_already_in_a_case_of_their_own_cannot_join_a_team(team):
    case_id, _ = cases.open_case("R0", LAST_DAY, "optimal", "HR1")
    with pytest.raises(HandoverError, match=f"employee R0: already has open case {case_id}, which is not a team"):
        cases.open_cases(["R0", "R1"], LAST_DAY, "optimal", "HR1")
    assert [c["employee_id"] for c in cases.list_cases()] == ["R0"]
    with session_scope() as session:
        assert session.get(Employee, "R1").status == "active"


def test_a_team_dry_run_plans_all_customers_at_once_and_stores_nothing(team):
    before = _counts(STORED)
    result = _invoke("offboard", "R0", "R1", "--last-day", str(LAST_DAY), "--dry-run", "--json")
    preview = json.loads(result.stdout)
    assert preview["employee_ids"] == ["R0", "R1"] and len(preview["assignments"]) == 16
    assert not {"R0", "R1"} & {a["successor_id"] for a in preview["assignments"]}
    assert {a["departing_id"] for a in preview["assignments"]} == {"R0", "R1"}
    parts = preview["by_departing"]
    assert parts["R0"]["placed"] + parts["R1"]["placed"] == preview["metrics"]["placed"] == 16
    compared = json.loads(_invoke("offboard", "R0", "R1", "--last-day", str(LAST_DAY), "--compare",
                                  "optimal,round-robin", "--json").stdout)
    assert [p["strategy"] for p in compared] == ["optimal", "round-robin"]
    table = _invoke("offboard", "R0", "R1", "--last-day", str(LAST_DAY), "--dry-run")
    assert "per departing rep" in table.stdout
    assert _counts(STORED) == before


def test_max_share_and_mixed_weights_come_from_the_settings(team, monkeypatch):
    def preview(*extra: str) -> dict:
        return json.loads(_invoke("offboard", "R0", "--last-day", str(LAST_DAY), "--dry-run", "--json", *extra).stdout)

    unlimited = preview()
    assert unlimited["metrics"]["placed"] == 8
    assert max(Counter(a["successor_id"] for a in unlimited["assignments"]).values()) > 1
    monkeypatch.setenv("HANDOVER_MAX_SHARE", "0.2")
    monkeypatch.setenv("HANDOVER_MIXED_WEIGHTS__REGION", "0")
    get_settings.cache_clear()
    limited = preview()  # RS, RM, RJ and R1 (not leaving in this preview) may take floor(0.2 × 8) = 1 each
    assert (limited["metrics"]["placed"], limited["metrics"]["pooled"]) == (4, 4)
    assert Counter(a["successor_id"] for a in limited["assignments"] if a["successor_id"]) == Counter(
        {"RS": 1, "RM": 1, "RJ": 1, "R1": 1})
    assert all("max share 20%" in " ".join(a["reasons"]) for a in limited["assignments"] if a["to_pool"])
    mixed = preview("--strategy", "mixed")
    assert "region 0" in mixed["assignments"][0]["reasons"][0]


def test_a_malformed_setting_is_refused_and_opens_nothing(team, monkeypatch):
    monkeypatch.setenv("HANDOVER_MAX_SHARE", "half")
    get_settings.cache_clear()
    result = _invoke("offboard", "R0", "R1", "--last-day", str(LAST_DAY), "--by", "HR1")
    assert result.exit_code != 0 and "max_share: Input should be a valid number" in str(result.exception)
    monkeypatch.delenv("HANDOVER_MAX_SHARE")
    get_settings.cache_clear()
    assert cases.list_cases() == []


def test_the_max_share_setting_shapes_the_stored_team_plans(team, prefect, monkeypatch):
    monkeypatch.setenv("HANDOVER_MAX_SHARE", "0.25")
    get_settings.cache_clear()
    ids = [case_id for case_id, _, _ in cases.open_cases(["R0", "R1"], LAST_DAY, "optimal", "HR1")]
    cases.run_cases(ids)
    for case_id, plans in _plans().items():
        per_successor = Counter(s for s in _lines(plans[0].id).values() if s)
        assert max(per_successor.values()) == 2 and sum(per_successor.values()) == 6, case_id


def test_hr_starts_a_team_from_the_prefect_ui_one_run_per_case(team, monkeypatch):
    """start-offboarding (the UI's deployment) with leaving_with: the same team cases as `offboard R0 R1`,
    each started as its own offboarding run, once (a second start finds the open cases)."""
    import flows.offboarding

    started = []

    def run_deployment(name, parameters, **options):
        started.append((name, parameters, options["idempotency_key"]))
        return type("Run", (), {"id": f"run-{len(started)}"})

    monkeypatch.setattr(flows.offboarding, "run_deployment", run_deployment)
    document = flows.offboarding.start_offboarding.fn("R0", LAST_DAY, "HR1", leaving_with=["R1"])
    ids = [c["case_id"] for c in document["cases"]]
    assert [(c["employee_id"], c["offboarding_run"]) for c in document["cases"]] == [("R0", "run-1"), ("R1", "run-2")]
    with session_scope() as session:
        assert {c.team_key for c in session.exec(select(OffboardingCase))} == {f"team-{ids[0]}"}
    assert started == [("offboarding/offboarding", {"case_id": i, "employee_id": r}, f"case-{i}-start")
                       for i, r in zip(ids, ("R0", "R1"))]
    before = _counts()
    again = flows.offboarding.start_offboarding.fn("R0", LAST_DAY, "HR1", leaving_with=["R1"])
    assert [c["case_id"] for c in again["cases"]] == ids and _counts() == before
