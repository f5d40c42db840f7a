"""Ownership conflicts: an import or a claim never silently changes the owner; the manager decides."""

import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from typer.testing import CliRunner

import handover.cli  # noqa: F401 - registers the commands
from handover import clock
from handover.cli.app import app
from handover.db import session_scope
from handover.errors import HandoverError, NotAllowed, NotFound
from handover.importing.upsert import import_file
from handover.pool import record_conflict, resolve_conflict, suspend
from models import AuditEntry, Customer, Employee, Role
from models.pool import OwnershipConflict

T0 = datetime(2025, 4, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
runner = CliRunner()


def seed() -> None:
    with session_scope() as s:
        s.add(Employee(id="A1", name="Admin", email="a1@example.com", role=Role.admin))
        s.add(Employee(id="M1", name="Manager One", email="m1@example.com", role=Role.manager))
        s.add(Employee(id="M2", name="Manager Two", email="m2@example.com", role=Role.manager))
        s.add(Employee(id="M3", name="Manager Three", email="m3@example.com", role=Role.manager))
        s.flush()
        s.add(Employee(id="R1", name="Rep One", email="r1@example.com", manager_id="M1"))
        s.add(Employee(id="R2", name="Rep Two", email="r2@example.com", manager_id="M2"))
        s.flush()
        s.add(Customer(id="C1", name="Customer One", owner_id="R1", owner_since=T0, first_registered_by="R2",
                       expected_amount=Decimal(100)))
        s.add(Customer(id="C2", name="Customer Two", owner_id="R1", owner_since=T0, first_registered_by="R1"))
    clock.set_now(T0)


def owner(cid: str) -> str | None:
    with session_scope() as s:
        return s.get(Customer, cid).owner_id


def do(fn, **kw):
    with session_scope() as s:
        return fn(s, **kw)


def test_import_naming_another_rep_keeps_the_owner_and_records_a_conflict(db, tmp_path):
    seed()
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,name,owner_id\nC1,Customer One,R2\nC2,Customer Two,\n", encoding="utf-8")
    report = import_file(path, "customers")
    assert len(report.conflicts) == 2  # C2 with an empty owner: kept, but no rep claims it
    assert owner("C1") == "R1" and owner("C2") == "R1"
    import_file(path, "customers")  # the same file again records nothing new
    listed = json.loads(runner.invoke(app, ["conflicts", "--json", "--by", "A1"]).stdout)
    assert [(c["customer_id"], c["current_owner"], c["claimant"], c["source"], c["first_registered_by"],
             c["rule_says"], c["resolution"]) for c in listed] == [("C1", "R1", "R2", "import", "R2", "R2", None)]


def test_give_moves_the_customer_on_the_record(db):
    seed()
    conflict = do(record_conflict, customer_id="C1", claimant_id="R2", source="import", now=T0)
    result = runner.invoke(app, ["conflicts", "resolve", str(conflict.id), "--by", "M2", "--give",
                                 "--reason", "R2 registered it first"])
    assert result.exit_code == 0, result.output
    assert owner("C1") == "R2"
    with session_scope() as s:
        stored = s.get(OwnershipConflict, conflict.id)
        assert (stored.resolution.value, stored.resolved_by, stored.reason) == ("give", "M2", "R2 registered it first")
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "conflict.resolve")).one()
        assert (audit.before["owner_id"], audit.after["owner_id"], audit.actor_id) == ("R1", "R2", "M2")
        assert s.get(Customer, "C1").owner_since == T0
    assert json.loads(runner.invoke(app, ["conflicts", "--open", "--json", "--by", "A1"]).stdout) == []
    with pytest.raises(HandoverError, match="already resolved"):
        do(resolve_conflict, conflict_id=conflict.id, by="M1", keep=True, now=T0)


def test_keep_leaves_the_owner(db):
    seed()
    conflict = do(record_conflict, customer_id="C2", claimant_id="R2", source="claim", now=T0)
    do(resolve_conflict, conflict_id=conflict.id, by="M1", keep=True, now=T0, reason="R1 registered it")
    assert owner("C2") == "R1"


def test_bad_conflict_input_changes_nothing(db):
    seed()
    with pytest.raises(HandoverError, match="conflict source 'email'"):
        do(record_conflict, customer_id="C1", claimant_id="R2", source="email", now=T0)
    with pytest.raises(HandoverError, match="R1 already owns it"):
        do(record_conflict, customer_id="C1", claimant_id="R1", source="import", now=T0)
    with pytest.raises(NotFound, match="customer 'C9'"):
        do(record_conflict, customer_id="C9", claimant_id="R2", source="import", now=T0)
    conflict = do(record_conflict, customer_id="C1", claimant_id="R2", source="import", now=T0)
    with pytest.raises(NotAllowed, match="only the manager of R1 or R2"):
        do(resolve_conflict, conflict_id=conflict.id, by="M3", keep=False, now=T0)
    with pytest.raises(NotAllowed, match="R2"):
        do(resolve_conflict, conflict_id=conflict.id, by="R2", keep=False, now=T0)
    with pytest.raises(NotFound, match="conflict 42"):
        do(resolve_conflict, conflict_id=42, by="A1", keep=True, now=T0)
    result = runner.invoke(app, ["conflicts", "resolve", str(conflict.id), "--by", "A1"])
    assert isinstance(result.exception, HandoverError) and "--keep or --give" in str(result.exception)
    do(suspend, employee_id="R2", by="M2", reason="late reports", now=T0)
    with pytest.raises(HandoverError, match="R2 is suspended"):
        do(resolve_conflict, conflict_id=conflict.id, by="A1", keep=False, now=T0)
    assert owner("C1") == "R1"
    with session_scope() as s:
        assert s.get(OwnershipConflict, conflict.id).resolution is None


def test_give_after_the_owner_changed_is_refused(db):
    seed()
    conflict = do(record_conflict, customer_id="C1", claimant_id="R2", source="import", now=T0)
    with session_scope() as s:
        s.get(Customer, "C1").owner_id = "R2"
    with pytest.raises(HandoverError, match="now owned by R2, not R1"):
        do(resolve_conflict, conflict_id=conflict.id, by="A1", keep=False, now=T0)
