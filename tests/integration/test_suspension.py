"""`handover suspend`: 7, 15, then 30 days without new customers; who may suspend; the end date shown
by `handover employees --json`."""

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from typer.testing import CliRunner

import handover.cli  # noqa: F401 - registers the commands
from handover import clock
from handover.cli.app import app
from handover.db import session_scope
from handover.errors import HandoverError, NotAllowed, NotFound
from handover.pool import is_suspended, suspend
from models import AuditEntry, Employee, Role, Suspension

T0 = datetime(2025, 5, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
runner = CliRunner()


def seed() -> None:
    with session_scope() as s:
        s.add(Employee(id="A1", name="Admin", email="a1@example.com", role=Role.admin))
        s.add(Employee(id="M1", name="Manager One", email="m1@example.com", role=Role.manager))
        s.add(Employee(id="M2", name="Manager Two", email="m2@example.com", role=Role.manager))
        s.flush()
        s.add(Employee(id="R1", name="Rep One", email="r1@example.com", manager_id="M1"))
    clock.set_now(T0)


def suspended_until(on: date):
    with session_scope() as s:
        return is_suspended(s, "R1", on)


def test_lengths_grow_with_each_violation(db):
    seed()
    result = runner.invoke(app, ["suspend", "R1", "--by", "M1", "--reason", "copied the customer list", "--json"])
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)
    assert (first["violation_number"], first["starts_on"], first["ends_on"]) == (1, "2025-05-05", "2025-05-11")
    assert suspended_until(date(2025, 5, 11)) == date(2025, 5, 11)
    assert suspended_until(date(2025, 5, 12)) is None
    assert suspended_until(date(2025, 5, 4)) is None
    clock.set_now(datetime(2025, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    runner.invoke(app, ["suspend", "R1", "--by", "A1", "--reason", "second"])
    assert suspended_until(date(2025, 6, 1)) == date(2025, 6, 15)
    clock.set_now(datetime(2025, 7, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    runner.invoke(app, ["suspend", "R1", "--by", "M1", "--reason", "third"])
    runner.invoke(app, ["suspend", "R1", "--by", "M1", "--reason", "fourth, while suspended"])
    with session_scope() as s:
        rows = s.exec(select(Suspension).order_by(Suspension.id)).all()
        assert [(r.violation_number, (r.ends_on - r.starts_on).days + 1) for r in rows] == [
            (1, 7), (2, 15), (3, 30), (4, 30)]
        assert rows[3].starts_on == date(2025, 7, 31)  # starts when the third ends
        audits = s.exec(select(AuditEntry).where(AuditEntry.action == "suspension.create")).all()
        assert [(a.actor_id, a.subject_type, a.subject_id) for a in audits][0] == ("M1", "employee", "R1")
        assert len(audits) == 4
    assert suspended_until(date(2025, 7, 2)) == date(2025, 8, 29)
    employees = json.loads(runner.invoke(app, ["employees", "--json", "--by", "M1"]).stdout)
    shown = {e["employee_id"]: e["suspended_until"] for e in employees}
    assert shown == {"A1": None, "M1": None, "M2": None, "R1": "2025-08-29"}


def test_settings_give_the_lengths(db, monkeypatch):
    monkeypatch.setenv("HANDOVER_SUSPENSION__DAYS_BY_VIOLATION", "[3, 5]")
    from handover.settings import get_settings

    get_settings.cache_clear()
    seed()
    with session_scope() as s:
        assert suspend(s, employee_id="R1", by="M1", reason="x", now=T0).ends_on == date(2025, 5, 7)


@pytest.mark.parametrize(("employee", "by", "reason", "error", "words"), [
    ("R1", "M2", "x", NotAllowed, "only R1's manager or an admin"),
    ("R1", "R1", "x", NotAllowed, "only R1's manager"),
    ("M1", "A1", "x", HandoverError, "only reps are suspended"),
    ("R9", "M1", "x", NotFound, "employee 'R9'"),
    ("R1", "X1", "x", NotFound, "employee 'X1'"),
    ("R1", "M1", "  ", HandoverError, "--reason is required"),
])
def test_refusals_change_nothing(db, employee, by, reason, error, words):
    seed()
    with pytest.raises(error, match=words):
        with session_scope() as s:
            suspend(s, employee_id=employee, by=by, reason=reason, now=T0)
    with session_scope() as s:
        assert s.exec(select(Suspension)).all() == []
        assert s.exec(select(AuditEntry)).all() == []
