"""Entering the pool (plan, release), listing, claims within limits, cool-down, applications, via the
service and the `handover pool` commands."""

import json
from datetime import datetime, timedelta
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
from handover.pool import apply, claim, decide, list_pool, put_in_pool, release, suspend
from models import AuditEntry, Customer, Employee, EmployeeStatus, Role
from models.pool import ApplicationStatus, PoolApplication, PoolEntry

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
runner = CliRunner()


def seed(pool: int = 4, owned_by_r1: int = 2) -> None:
    with session_scope() as s:
        s.add(Employee(id="A1", name="Admin", email="a1@example.com", role=Role.admin))
        s.add(Employee(id="M1", name="Manager One", email="m1@example.com", role=Role.manager))
        s.add(Employee(id="M2", name="Manager Two", email="m2@example.com", role=Role.manager))
        s.flush()
        for rid, manager in (("R1", "M1"), ("R2", "M1"), ("R3", "M2")):
            s.add(Employee(id=rid, name=f"Rep {rid}", email=f"{rid.lower()}@example.com", manager_id=manager,
                           capacity=5))
        s.flush()
        for n in range(pool):
            s.add(Customer(id=f"P{n}", name=f"Pool {n}", in_pool=True, region="East" if n % 2 else "North",
                           industry="Retail", expected_amount=Decimal(500_000)))
        for n in range(owned_by_r1):
            s.add(Customer(id=f"O{n}", name=f"Owned {n}", owner_id="R1", owner_since=T0 - timedelta(days=10),
                           first_registered_by="R1"))
    clock.set_now(T0)


def owner(cid: str):
    with session_scope() as s:
        c = s.get(Customer, cid)
        return c.owner_id, c.in_pool


def do(fn, **kw):
    with session_scope() as s:
        return fn(s, **kw)


def test_put_in_pool_from_a_plan_records_why_and_when(db):
    seed()
    do(put_in_pool, customer_id="O0", reason="no eligible successor", now=T0, actor_id="M1", case_id=7)
    assert owner("O0") == (None, True)
    do(put_in_pool, customer_id="O0", reason="no eligible successor", now=T0 + timedelta(hours=1), case_id=7)
    with session_scope() as s:
        entry = s.exec(select(PoolEntry)).one()  # the retry added nothing
        assert (entry.kind.value, entry.case_id, entry.previous_owner_id, entry.entered_at) == ("plan", 7, "R1", T0)
        audit = s.exec(select(AuditEntry)).one()
        assert (audit.action, audit.actor_id, audit.case_id, audit.reason) == ("pool.put", "M1", 7,
                                                                               "no eligible successor")
    with pytest.raises(NotFound, match="customer 'NOPE'"):
        do(put_in_pool, customer_id="NOPE", reason="x", now=T0)
    with pytest.raises(HandoverError, match="reason is required"):
        do(put_in_pool, customer_id="O1", reason=" ", now=T0)
    assert owner("O1") == ("R1", False)


def test_release_by_the_owner_and_listing(db):
    seed(pool=2)
    result = runner.invoke(app, ["pool", "release", "O1", "--by", "R1", "--reason", "customer moved abroad"])
    assert result.exit_code == 0, result.output
    assert owner("O1") == (None, True)
    listed = runner.invoke(app, ["pool", "--json", "--by", "R2"])
    rows = json.loads(listed.stdout)
    assert [r["id"] for r in rows] == ["O1", "P0", "P1"]  # recorded entries first, longest waiting first
    released = next(r for r in rows if r["id"] == "O1")
    assert (released["kind"], released["previous_owner_id"], released["reason"]) == ("release", "R1",
                                                                                     "customer moved abroad")
    east = json.loads(runner.invoke(app, ["pool", "--region", "East", "--json", "--by", "R2"]).stdout)
    assert [r["id"] for r in east] == ["P1"]
    assert json.loads(runner.invoke(app, ["pool", "--industry", "Retail", "--json", "--by", "R2"]).stdout)[0]["tier"] == "B"
    with session_scope() as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "pool.release")).one().actor_id == "R1"


def test_release_refusals_change_nothing(db):
    seed()
    with pytest.raises(NotAllowed, match="owned by R1"):
        do(release, customer_id="O0", by="R2", reason="mine now", now=T0)
    with pytest.raises(NotAllowed, match="owned by R1"):
        do(release, customer_id="O0", by="M2", reason="not my team", now=T0)
    with pytest.raises(HandoverError, match="--reason is required"):
        do(release, customer_id="O0", by="R1", reason="", now=T0)
    with pytest.raises(HandoverError, match="nothing to release"):
        do(release, customer_id="P0", by="R1", reason="x", now=T0)
    with pytest.raises(NotFound, match="employee 'X9'"):
        do(release, customer_id="O0", by="X9", reason="x", now=T0)
    assert owner("O0") == ("R1", False)
    do(release, customer_id="O0", by="M1", reason="rebalancing", now=T0)  # the owner's manager may
    assert owner("O0") == (None, True)


def test_claim_first_come_first_served_and_audited(db):
    seed()
    result = runner.invoke(app, ["pool", "claim", "P0", "--by", "R2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["owner_id"] == "R2"
    with session_scope() as s:
        c = s.get(Customer, "P0")
        assert (c.owner_id, c.in_pool, c.owner_since) == ("R2", False, T0)
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "pool.claim")).one()
        assert (audit.actor_id, audit.subject_id, audit.after["owner_id"]) == ("R2", "P0", "R2")
    with pytest.raises(HandoverError, match="already owned by R2"):
        do(claim, customer_id="P0", rep_id="R3", now=T0)
    with pytest.raises(HandoverError, match="already owns it"):
        do(claim, customer_id="P0", rep_id="R2", now=T0)


@pytest.mark.parametrize(("rep", "words"), [("M1", "only reps"), ("A1", "only reps"), ("NOPE", "no such employee")])
def test_only_reps_claim(db, rep, words):
    seed()
    with pytest.raises(HandoverError, match=words):
        do(claim, customer_id="P0", rep_id=rep, now=T0)
    assert owner("P0") == (None, True)


def test_departing_and_suspended_reps_cannot_claim(db):
    seed()
    with session_scope() as s:
        s.get(Employee, "R3").status = EmployeeStatus.departing
    with pytest.raises(NotAllowed, match="R3 is departing"):
        do(claim, customer_id="P0", rep_id="R3", now=T0)
    do(suspend, employee_id="R2", by="M1", reason="shared customer data", now=T0)
    with pytest.raises(NotAllowed, match="suspended from new customers through 2025-03-09"):
        do(claim, customer_id="P0", rep_id="R2", now=T0 + timedelta(days=6))
    assert do(claim, customer_id="P0", rep_id="R2", now=T0 + timedelta(days=7)).granted


def test_claims_per_30_days_and_capacity(db, monkeypatch):
    monkeypatch.setenv("HANDOVER_POOL__CLAIMS_PER_30_DAYS", "2")
    from handover.settings import get_settings

    get_settings.cache_clear()
    seed(pool=6)
    do(claim, customer_id="P0", rep_id="R2", now=T0)
    do(claim, customer_id="P1", rep_id="R2", now=T0 + timedelta(days=1))
    with pytest.raises(NotAllowed, match="claimed 2 customers in the last 30 days, the limit is 2"):
        do(claim, customer_id="P2", rep_id="R2", now=T0 + timedelta(days=29))
    assert do(claim, customer_id="P2", rep_id="R2", now=T0 + timedelta(days=30, minutes=1)).granted
    # R1 owns 2 with capacity 5: three more fill it, over two windows
    do(claim, customer_id="P3", rep_id="R1", now=T0)
    do(claim, customer_id="P4", rep_id="R1", now=T0)
    do(claim, customer_id="P5", rep_id="R1", now=T0 + timedelta(days=31))
    do(release, customer_id="P2", by="R2", reason="not a fit", now=T0 + timedelta(days=31))
    with pytest.raises(NotAllowed, match="already owns 5 customers, the capacity is 5"):
        do(claim, customer_id="P2", rep_id="R1", now=T0 + timedelta(days=31))


def test_cool_down_before_claiming_back(db):
    seed()
    do(release, customer_id="O0", by="R1", reason="no time", now=T0)
    with pytest.raises(NotAllowed, match="may claim it back from 2025-04-02"):
        do(claim, customer_id="O0", rep_id="R1", now=T0 + timedelta(days=29))
    assert do(claim, customer_id="O0", rep_id="R2", now=T0 + timedelta(days=1)).granted
    do(release, customer_id="O0", by="R2", reason="wrong region", now=T0 + timedelta(days=2))
    assert do(claim, customer_id="O0", rep_id="R1", now=T0 + timedelta(days=30)).granted


def test_claiming_an_owned_customer_registered_first_records_a_conflict(db):
    seed()
    with session_scope() as s:
        s.get(Customer, "O0").first_registered_by = "R2"
    result = runner.invoke(app, ["pool", "claim", "O0", "--by", "R2"])
    assert result.exit_code != 0
    assert isinstance(result.exception, HandoverError)
    assert "owner is unchanged" in str(result.exception) and "conflict 1" in str(result.exception)
    assert owner("O0") == ("R1", False)
    conflicts = json.loads(runner.invoke(app, ["conflicts", "--json", "--by", "M1"]).stdout)
    assert [(c["customer_id"], c["current_owner"], c["claimant"], c["source"], c["rule_says"]) for c in conflicts] == [
        ("O0", "R1", "R2", "claim", "R2")]


def test_apply_and_decide(db):
    seed()
    result = runner.invoke(app, ["pool", "claim", "P0", "--by", "R2", "--apply", "--reason", "I know them"])
    assert result.exit_code == 0, result.output
    do(apply, customer_id="P0", rep_id="R3", now=T0)
    assert owner("P0") == (None, True)
    with pytest.raises(HandoverError, match="already applied"):
        do(apply, customer_id="P0", rep_id="R2", now=T0)
    pending = json.loads(runner.invoke(app, ["pool", "applications", "--json", "--by", "A1"]).stdout)
    assert [(a["id"], a["employee_id"], a["status"]) for a in pending] == [(1, "R2", "pending"), (2, "R3", "pending")]
    with pytest.raises(NotAllowed, match="only R2's manager or an admin"):
        do(decide, application_id=1, by="M2", approve=True, now=T0)
    result = runner.invoke(app, ["pool", "decide", "1", "--by", "M1", "--approve", "--reason", "ok"])
    assert result.exit_code == 0, result.output
    assert owner("P0") == ("R2", False)
    with session_scope() as s:
        apps = s.exec(select(PoolApplication).order_by(PoolApplication.id)).all()
        assert [(a.status, a.decided_by) for a in apps] == [(ApplicationStatus.approved, "M1"),
                                                             (ApplicationStatus.rejected, "M1")]
        claim_audit = s.exec(select(AuditEntry).where(AuditEntry.action == "pool.claim")).one()
        assert claim_audit.actor_id == "M1"
        entry = s.exec(select(PoolEntry)).one()  # P0 came with the import: its stay is recorded at the claim
        assert (entry.kind.value, entry.claimed_by, entry.claimed_at) == ("imported", "R2", T0)
    with pytest.raises(HandoverError, match="already approved"):
        do(decide, application_id=1, by="M1", approve=False, now=T0)
    with pytest.raises(NotFound, match="application 99"):
        do(decide, application_id=99, by="M1", approve=False, now=T0)


def test_rejected_application_and_apply_refusals(db):
    seed()
    application = do(apply, customer_id="P1", rep_id="R3", now=T0, reason="")
    do(decide, application_id=application.id, by="A1", approve=False, now=T0, reason="region mismatch")
    assert owner("P1") == (None, True)
    with pytest.raises(HandoverError, match="not in the public pool"):
        do(apply, customer_id="O0", rep_id="R3", now=T0)
    with pytest.raises(NotAllowed, match="only reps"):
        do(apply, customer_id="P1", rep_id="M1", now=T0)
    result = runner.invoke(app, ["pool", "decide", "1", "--by", "M2"])
    assert isinstance(result.exception, HandoverError) and "--approve or --reject" in str(result.exception)


def test_approval_when_the_customer_was_claimed_meanwhile_changes_nothing(db):
    seed()
    application = do(apply, customer_id="P2", rep_id="R1", now=T0)
    do(claim, customer_id="P2", rep_id="R3", now=T0)
    with pytest.raises(HandoverError, match="already owned by R3"):
        do(decide, application_id=application.id, by="M1", approve=True, now=T0)
    with session_scope() as s:
        assert s.get(PoolApplication, application.id).status == ApplicationStatus.pending
    assert owner("P2") == ("R3", False)


def test_list_pool_is_empty_without_pool_customers(db):
    seed(pool=0)
    with session_scope() as s:
        assert list_pool(s) == []
