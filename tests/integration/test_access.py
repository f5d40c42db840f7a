"""Who may do what, through the CLI, on SQLite and PostgreSQL: the acting identity, role and scope refusals
(each changing nothing), and the audit rows of every look at customer data."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from handover import cases, clock
from handover.cli import app
from handover.db import session_scope
from handover.errors import HandoverError, NotAllowed
from handover.settings import get_settings
from models import Assignment, AuditEntry, CaseCustomer, Customer, Employee, Plan, PlanStatus
from tests.factories import START, small_company
from tests.state import snapshot

runner = CliRunner()
LAST_DAY = "2026-12-04"


@pytest.fixture
def world(db):
    """small_company (ADM, HR1, M1 over R0 RS RM RJ RX; R0 owns C001-C008) plus M2 over R9, who owns C900;
    RS owns C008; P1 waits in the pool."""
    clock.set_now(START)
    small_company()
    with session_scope() as session:
        session.add(Employee(id="M2", name="Manager Two", email="m2@example.com", role="manager"))
        session.flush()
        session.add(Employee(id="R9", name="Rep Nine", email="r9@example.com", manager_id="M2"))
        session.flush()
        session.add(Customer(id="C900", name="Nine's", owner_id="R9", contact_email="c900@example.cn"))
        session.add(Customer(id="P1", name="Pooled", in_pool=True))
        session.get(Customer, "C008").owner_id = "RS"
    return db


def cli(*args: str):
    return runner.invoke(app, list(args))


def refused(result, message: str) -> None:
    assert result.exit_code != 0
    assert isinstance(result.exception, HandoverError), result.output
    assert message in str(result.exception), str(result.exception)


def listed_ids(*args: str) -> list[str]:
    result = cli("customers", "--json", *args)
    assert result.exit_code == 0, result.output
    return [c["customer_id"] for c in json.loads(result.stdout)]


def audit_rows(action: str | None = None) -> list[AuditEntry]:
    with session_scope() as session:
        statement = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            statement = statement.where(AuditEntry.action == action)
        return list(session.exec(statement).all())


def test_a_command_needs_to_know_who_acts(world, monkeypatch):
    before = snapshot()
    refused(cli("customers"), "who is acting? give --by EMPLOYEE_ID, or set HANDOVER_USER")
    refused(cli("customers", "--by", "GHOST"), "acting employee 'GHOST' (--by or HANDOVER_USER): no such employee")
    assert snapshot() == before
    monkeypatch.setenv("HANDOVER_USER", "RS")
    get_settings.cache_clear()
    assert listed_ids() == ["C008"]
    assert listed_ids("--by", "R9") == ["C900"]  # --by wins over the configured user


@pytest.mark.parametrize("by, expected", [
    ("ADM", [f"C{n:03d}" for n in range(1, 9)] + ["C900", "P1"]),
    ("HR1", [f"C{n:03d}" for n in range(1, 9)] + ["C900", "P1"]),
    ("M1", [f"C{n:03d}" for n in range(1, 9)]),
    ("M2", ["C900"]),
    ("RS", ["C008"]),
    ("RM", []),
])
def test_customer_listings_are_scoped_and_every_look_is_audited(world, by, expected):
    assert listed_ids("--by", by) == expected
    table = cli("customers", "--by", by)
    assert table.exit_code == 0, table.output
    looks = [(e.actor_id, e.action, e.subject_type, e.after["count"], e.after["customer_ids"])
             for e in audit_rows() if e.action in ("view", "export")]
    assert looks == [(by, "export", "customer_list", len(expected), expected),
                     (by, "view", "customer_list", len(expected), expected)]


def test_looks_record_ids_and_counts_never_contact_data(world):
    for args in (["customers", "--json", "--by", "ADM"], ["pool", "--json", "--by", "RS"],
                 ["outbox", "--by", "ADM"], ["offboard", "R0", "--last-day", LAST_DAY, "--dry-run", "--by", "M1"]):
        assert cli(*args).exit_code == 0, args
    looks = [e for e in audit_rows() if e.action in ("view", "export")]
    assert [(e.subject_type, e.action) for e in looks] == [
        ("customer_list", "export"), ("pool", "export"), ("outbox", "view"), ("dry_run", "view")]
    assert looks[1].after["customer_ids"] == ["P1"] and looks[3].after["count"] == 7
    stored = json.dumps([e.after for e in looks], ensure_ascii=False)
    assert "@" not in stored and "联系人" not in stored and "1380000" not in stored


@pytest.mark.parametrize("args, message", [
    (["customers", "--owner", "R9", "--by", "M1"], "M1 (manager) may not list R9's customers"),
    (["customers", "--owner", "R0", "--by", "RS"], "RS (rep) may not list R0's customers"),
    (["tick", "--by", "HR1"], "HR1 (hr) may not run due work by hand: only admin may"),
    (["outbox", "--by", "M1"], "M1 (manager) may not list the outbox"),
    (["outbox", "send", "--by", "RS"], "RS (rep) may not send the outbox by hand"),
    (["outbox", "resend", "1", "--by", "HR1"], "HR1 (hr) may not resend outbox messages"),
    (["report", "--all", "--by", "M1"], "M1 (manager) may not compare all cases"),
    (["audit", "--by", "RS"], "RS (rep) may not read the audit"),
    (["audit", "--by", "M1"], "give --customer or --case"),
    (["audit", "--customer", "C001", "--by", "M2"], "may not read the audit of a customer owned by R0"),
    (["import", "employees", "staff.csv", "--by", "HR1"], "HR1 (hr) may not import employees: only admin may"),
    (["offboard", "R0", "--last-day", LAST_DAY, "--by", "RS"], "only an active HR or admin"),
    (["offboard", "R0", "--last-day", LAST_DAY, "--dry-run", "--by", "M2"], "M2 (manager) may not preview the plan"),
    (["suspend", "RS", "--by", "M2", "--reason", "x"], "only RS's manager or an admin"),
    (["pool", "claim", "P1", "--by", "M1"], "M1 is a manager, only reps claim customers from the pool"),
    (["pool", "release", "C001", "--by", "RS", "--reason", "x"], "RS may not release customer C001"),
    (["conflicts", "resolve", "1", "--keep", "--by", "RS"], "conflict 1: no such ownership conflict"),
])
def test_roles_that_do_not_fit_are_refused_and_nothing_changes(world, args, message):
    before = snapshot()
    refused(cli(*args), message)
    assert snapshot() == before


def test_departing_and_departed_employees_may_do_nothing(world):
    cases.open_case("R0", date.fromisoformat(LAST_DAY), "optimal", "HR1")
    before = snapshot()
    for args in (["customers", "--by", "R0"], ["pool", "--by", "R0"], ["cases", "--by", "R0"],
                 ["pool", "release", "C001", "--by", "R0", "--reason", "leaving anyway"],
                 ["pool", "claim", "C900", "--by", "R0"]):
        refused(cli(*args), "R0 is leaving (last day 2026-12-04): their access was revoked")
    with session_scope() as session:
        session.get(Employee, "M2").status = "departed"
    before = snapshot()
    refused(cli("suspend", "R9", "--by", "M2", "--reason", "x"), "M2 has left the company and may do nothing")
    refused(cli("employees", "--by", "M2"), "M2 has left the company")
    assert snapshot() == before


def test_cases_plans_and_status_are_seen_by_the_right_people(world):
    case_id, _ = cases.open_case("R0", date.fromisoformat(LAST_DAY), "optimal", "HR1")
    with session_scope() as session:  # an approved plan giving C008 to RS (the flow is not needed for this)
        plan = Plan(case_id=case_id, strategy="optimal", status=PlanStatus.approved, created_at=START)
        session.add(plan)
        session.flush()
        session.add_all([Assignment(plan_id=plan.id, customer_id="C008", successor_id="RS"),
                         Assignment(plan_id=plan.id, customer_id="C001", successor_id="RM"),
                         CaseCustomer(case_id=case_id, customer_id="C008"),
                         CaseCustomer(case_id=case_id, customer_id="C001")])

    def case_ids(by: str) -> list[int]:
        return [c["case_id"] for c in json.loads(cli("cases", "--json", "--by", by).stdout)]

    assert [case_ids(by) for by in ("ADM", "HR1", "M1", "RS", "M2", "RJ")] == [[1], [1], [1], [1], [], []]
    mine = json.loads(cli("status", "1", "--json", "--by", "RS").stdout)["customers"]
    assert [c["customer_id"] for c in mine] == ["C008"]  # RS sees the customers they now own only
    everything = json.loads(cli("status", "1", "--json", "--by", "M1").stdout)["customers"]
    assert [c["customer_id"] for c in everything] == ["C001", "C008"]
    before = snapshot()
    refused(cli("status", "1", "--by", "RJ"), "RJ (rep) may not see the status of R0's case")
    refused(cli("plan", "1", "--by", "RS"), "RS (rep) may not see the plan of R0's case: only hr, an admin")
    refused(cli("report", "1", "--by", "M2"), "M2 (manager) may not read the report of R0's case")
    refused(cli("status", "7", "--by", "ADM"), "case 7: no such offboarding case")
    assert snapshot() == before
    looks = [(e.actor_id, e.subject_type, e.case_id, e.after["customer_ids"]) for e in audit_rows("export")]
    assert looks == [("RS", "case_status", 1, ["C008"]), ("M1", "case_status", 1, ["C001", "C008"])]


def test_imports_are_an_admins_once_an_admin_exists(world, tmp_path):
    staff = tmp_path / "staff.csv"
    staff.write_text("employee_id,name,email,role\nR50,New Rep,r50@example.com,rep\n", encoding="utf-8")
    refused(cli("import", "employees", str(staff)), "who is acting?")
    result = cli("import", "employees", str(staff), "--by", "ADM")
    assert result.exit_code == 0, result.output
    assert [(e.actor_id, e.subject_id) for e in audit_rows("import.employees")] == [("ADM", "staff.csv")]


def test_the_first_import_sets_the_company_up_without_an_identity(db, tmp_path):
    staff = tmp_path / "staff.csv"
    staff.write_text("employee_id,name,email,role\nA1,Admin,a1@example.com,admin\n", encoding="utf-8")
    assert cli("import", "employees", str(staff)).exit_code == 0
    assert [(e.actor_id, e.action) for e in audit_rows()] == [(None, "import.employees")]
    refused(cli("import", "employees", str(staff)), "who is acting?")  # an admin exists now


def test_approving_needs_the_departing_reps_manager(world):
    case_id, _ = cases.open_case("R0", date.fromisoformat(LAST_DAY), "optimal", "HR1")
    before = snapshot()
    with pytest.raises(NotAllowed, match="only M1 .* or an admin may decide case 1's plan"):
        cases.decide_plan(case_id, by="M2", approve=True, resume=False)
    refused(cli("approve", "1", "--by", "RS"), "may decide case 1's plan")
    assert snapshot() == before


def _case_with_customers(*customer_ids: str) -> int:
    """R0's case with its customers inventoried (what the flow's first stage does), without running the flow."""
    case_id, _ = cases.open_case("R0", date.fromisoformat(LAST_DAY), "optimal", "HR1")
    with session_scope() as session:
        session.add_all([CaseCustomer(case_id=case_id, customer_id=c) for c in customer_ids])
    return case_id


def test_a_departing_rep_writes_handover_notes_until_their_last_day(world):
    case_id = _case_with_customers("C001", "C002")
    result = cli("notes", str(case_id), "C001", "--text", "先确认库存再报价", "--by", "R0")
    assert result.exit_code == 0, result.output
    with session_scope() as session:
        row = session.exec(select(CaseCustomer).where(CaseCustomer.customer_id == "C001")).one()
        assert row.handover_notes == "先确认库存再报价"
    written = audit_rows("notes.write")
    assert [(e.actor_id, e.subject_id, e.after) for e in written] == [("R0", "C001", {"characters": 8})]
    before = snapshot()
    refused(cli("notes", "1", "C002", "--text", "x", "--by", "RS"), "RS may not write handover notes: it is R0's")
    refused(cli("notes", "1", "C003", "--text", "x", "--by", "R0"), "customer 'C003': not in case 1")
    refused(cli("notes", "1", "C002", "--text", " ", "--by", "R0"), "--text: write what the successor should know")
    clock.set_now(START.replace(day=5, month=12))  # the day after the last day
    refused(cli("notes", "1", "C002", "--text", "x", "--by", "R0"), "their last day (2026-12-04) has passed")
    assert snapshot() == before


@pytest.mark.parametrize("args, message", [
    (["pool", "claim", "NOPE", "--by", "RS"], "customer 'NOPE': no such customer"),
    (["customers", "--owner", "NOPE", "--by", "ADM"], "unknown employee 'NOPE' (not an employee id"),
    (["revisit", "1", "NOPE", "--by", "RS", "--outcome", "ok"], "customer NOPE: no such customer"),
    (["suspend", "NOPE", "--by", "M1", "--reason", "x"], "employee 'NOPE': no such employee"),
    (["approve", "9", "--by", "M1"], "case 9"),
    (["plan", "9", "--by", "ADM"], "case 9: no such offboarding case"),
])
def test_unknown_ids_are_named_and_change_nothing(world, args, message):
    _case_with_customers("C001")
    before = snapshot()
    refused(cli(*args), message)
    assert snapshot() == before


def test_malformed_settings_are_named_and_change_nothing(world, monkeypatch):
    before = snapshot()
    monkeypatch.setenv("HANDOVER_TIERS__A", "a lot")
    get_settings.cache_clear()
    refused(cli("offboard", "R0", "--last-day", LAST_DAY, "--by", "HR1"), "invalid settings: tiers.a")
    monkeypatch.setenv("HANDOVER_TIERS__A", "100")  # below tier B
    get_settings.cache_clear()
    refused(cli("customers", "--by", "ADM"), "invalid settings: tiers: Value error, tier thresholds must satisfy")
    monkeypatch.delenv("HANDOVER_TIERS__A")
    get_settings.cache_clear()
    assert snapshot() == before
