"""The audit trail: append-only in the database itself (triggers of migration 0002), and `handover audit`."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select
from typer.testing import CliRunner

from handover import audit, cases, clock
from handover.cli import app
from handover.db import session_scope
from handover.errors import HandoverError
from models import AuditEntry, Employee
from tests.factories import START, small_company
from tests.state import snapshot

runner = CliRunner()


def _one_entry() -> int:
    with session_scope() as session:
        entry = audit.record(session, actor_id=None, action="ownership.change", subject_type="customer",
                             subject_id="C1", at=START, before={"owner_id": "R0"}, after={"owner_id": "RS"})
        session.flush()
        return entry.id


@pytest.mark.parametrize("statement", [
    "UPDATE auditentry SET reason = 'tidied up'",
    "UPDATE auditentry SET actor_id = NULL WHERE id = :id",
    "DELETE FROM auditentry WHERE id = :id",
    "DELETE FROM auditentry",
])
def test_the_database_refuses_to_change_or_delete_audit_rows(db, statement):
    entry_id = _one_entry()
    with pytest.raises(DBAPIError, match="audit entries are append-only"):
        with session_scope() as session:
            session.execute(text(statement), {"id": entry_id})
    with session_scope() as session:
        rows = session.exec(select(AuditEntry)).all()
        assert [(r.id, r.actor_id, r.reason, r.after) for r in rows] == [(entry_id, None, "", {"owner_id": "RS"})]


def test_the_orm_cannot_change_an_audit_row_either(db):
    entry_id = _one_entry()
    with pytest.raises(DBAPIError, match="append-only"):
        with session_scope() as session:
            session.get(AuditEntry, entry_id).after = {"owner_id": "R0"}
    with pytest.raises(DBAPIError, match="append-only"):
        with session_scope() as session:
            session.delete(session.get(AuditEntry, entry_id))
    with session_scope() as session:
        assert session.get(AuditEntry, entry_id).after == {"owner_id": "RS"}


@pytest.fixture
def trail(db):
    """R0's case opened by HR1, an ownership change of C001 (R0 -> RS) in it, a release of C008 by R0 a day
    later, and HR's export of the customer list."""
    clock.set_now(START)
    small_company()
    cases.open_case("R0", date(2026, 12, 4), "optimal", "HR1")
    with session_scope() as session:
        session.add(Employee(id="M2", name="Manager Two", email="m2@example.com", role="manager"))
        audit.record(session, actor_id="M1", action="ownership.change", subject_type="customer", subject_id="C001",
                     case_id=1, at=START, before={"owner_id": "R0"}, after={"owner_id": "RS"})
        audit.record(session, actor_id="R0", action="pool.release", subject_type="customer", subject_id="C008",
                     at=START + timedelta(days=1), before={"owner_id": "R0"}, after={"owner_id": None})
    clock.set_now(START + timedelta(days=2))
    assert runner.invoke(app, ["customers", "--json", "--by", "HR1"]).exit_code == 0
    return db


def read(*args: str) -> list[tuple]:
    result = runner.invoke(app, ["audit", "--json", *args])
    assert result.exit_code == 0, result.output
    return [(r["actor_id"], r["action"], r["subject_id"]) for r in json.loads(result.stdout)]


def test_audit_filters(trail):
    export, revoke = ("HR1", "export", "all"), ("HR1", "access.revoke", "R0")
    assert read("--by", "ADM") == [revoke, ("M1", "ownership.change", "C001"), ("R0", "pool.release", "C008"),
                                   export]
    assert read("--by", "HR1", "--customer", "C008") == [("R0", "pool.release", "C008"), export]
    assert read("--by", "ADM", "--actor", "M1") == [("M1", "ownership.change", "C001")]
    assert read("--by", "ADM", "--since", "2026-11-24") == [("R0", "pool.release", "C008"), export]
    assert read("--by", "ADM", "--case", "1") == [revoke, ("M1", "ownership.change", "C001")]
    assert read("--by", "ADM", "--customer", "C001", "--actor", "R0") == []


def test_a_manager_reads_the_audit_of_their_teams_customers(trail):
    assert read("--by", "M1", "--customer", "C001") == [("M1", "ownership.change", "C001"), ("HR1", "export", "all")]
    result = runner.invoke(app, ["audit", "--customer", "C001", "--by", "M2"])
    assert isinstance(result.exception, HandoverError) and "owned by R0" in str(result.exception)


def test_the_audit_table(trail):
    result = runner.invoke(app, ["audit", "--by", "ADM", "--customer", "C001"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "audit: 2 rows" in result.stdout and "owner_id: R0 -> RS" in result.stdout
    assert "8 customers" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--since", "last week"], "--since 'last week': expected a date YYYY-MM-DD"),
    (["--customer", "NOPE"], "--customer 'NOPE': no such customer"),
    (["--actor", "NOPE"], "--actor 'NOPE': no such employee"),
    (["--case", "9"], "case 9: no such offboarding case"),
])
def test_bad_audit_queries_are_named(trail, args, message):
    before = snapshot()
    result = runner.invoke(app, ["audit", "--by", "ADM", *args])
    assert isinstance(result.exception, HandoverError) and message in str(result.exception)
    assert snapshot() == before

