"""Crash safety with real `handover` processes on SQLite and PostgreSQL (issue #6).

A whole case (offboard → approve → ticks over simulated days until closed) is driven through the CLI
against a Prefect server and an SMTP server of the test's own. Processes are killed with SIGKILL at
chosen points of their work: the test-only hook tests/faults/sitecustomize.py counts the process's
database commits (before/after) and the messages it puts on the wire, labels each with the stage on the
call stack, and kills the process at the K-th point of a label. A calibration run (no kills) records
every command's points; the harness then picks 20 of them, seeded, covering every stage and the middle
of the notice delivery, and re-runs the same command after each kill.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from handover import clock
from handover.db import session_scope
from handover.mail import deliver_pending, resend
from handover.settings import get_settings
from models import (Assignment, AuditEntry, CaseCustomer, CaseStage, Customer, Meeting, OffboardingCase,
                    OutboxMessage, Revisit)
from models.outbox import OutboxStatus
from tasks.plan import latest_plan
from tests.factories import START, small_company
from tests.case_script import (CUSTOMERS_PER_TIER, NOTICE_BATCH, Kill, World, case_steps, drive, kill_at)
from tests.processes import Cli, PrefectServer, SmtpServer, until

STAGES = ("inventory", "classify", "plan", "approve", "decide", "meeting", "notice", "mail", "revisit",
          "follow-up", "evaluate")
KILLS = 20
SEED = 6


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    with PrefectServer.on_postgresql(tmp_path_factory.mktemp("prefect")) as server:
        yield server


@pytest.fixture
def world(db, prefect_server, tmp_path, monkeypatch):
    """The small company in the test database, an SMTP server, and the CLI wired to both."""
    clock.set_now(START)
    company = small_company(CUSTOMERS_PER_TIER)
    smtp = SmtpServer().start()
    monkeypatch.setenv("HANDOVER_SMTP_URL", smtp.url)
    get_settings.cache_clear()
    cli = Cli(tmp_path, prefect_server, smtp.url, {"HANDOVER_FAULTS_NOTICE_BATCH": NOTICE_BATCH})
    yield World(db, cli, smtp, company["customers"])
    smtp.stop()


def plan_kills(calibration: list[list[tuple[str, str]]], rng: random.Random) -> dict[int, list[Kill]]:
    """20 distinct points over the steps: one in every stage (in the step where that stage does the most),
    two in the middle of the notice delivery (a customer notice on the wire), the rest anywhere."""
    candidates = [(i, j) for i, run in enumerate(calibration) for j, (label, _) in enumerate(run) if label in STAGES]
    chosen: set[tuple[int, int]] = set()
    notice_day = next(i for i, run in enumerate(calibration) if ("notice", "commit>") in run)
    wire = [(i, j) for i, j in candidates if i == notice_day and calibration[i][j] == ("mail", "smtp-notice")]
    chosen.update(rng.sample(wire, 2))
    for stage in STAGES:
        steps = Counter(i for i, j in candidates if calibration[i][j][0] == stage)
        busiest = max(steps, key=lambda i: (steps[i], -i))
        chosen.add(rng.choice([(i, j) for i, j in candidates if i == busiest and calibration[i][j][0] == stage]))
    chosen.update(rng.sample(sorted(set(candidates) - chosen), KILLS - len(chosen)))
    planned: dict[int, list[Kill]] = {}
    for i, j in sorted(chosen):
        planned.setdefault(i, []).append(kill_at(calibration[i], j))
    return planned


def check_invariants(world: World) -> dict:
    """What the issue requires at the end of the case, whatever happened on the way."""
    mailbox = world.smtp.mailbox.by_message_id()
    with session_scope() as session:
        case = session.exec(select(OffboardingCase)).one()
        assert case.status == "closed", f"case at {case.stage}"
        assert all(s.state == "done" for s in session.exec(select(CaseStage).where(CaseStage.case_id == case.id)))
        successor = {a.customer_id: a.successor_id for a in session.exec(
            select(Assignment).where(Assignment.plan_id == latest_plan(session, case.id).id))}
        assert sorted(successor) == sorted(world.customers)
        for customer in session.exec(select(Customer).where(Customer.id.in_(world.customers))):
            owned, pooled = customer.owner_id is not None, customer.in_pool
            assert owned != pooled, f"{customer.id}: owner {customer.owner_id}, in pool {pooled}"
            assert customer.owner_id == successor[customer.id]
        changes = Counter(session.exec(select(AuditEntry.subject_id).where(AuditEntry.action == "ownership.change")))
        puts = Counter(session.exec(select(AuditEntry.subject_id).where(AuditEntry.action == "pool.put")))
        assert changes == Counter(c for c, s in successor.items() if s), "one ownership change per handed-over customer"
        assert puts == Counter(c for c, s in successor.items() if s is None)
        assert session.exec(select(func.count()).select_from(CaseCustomer).where(
            CaseCustomer.handed_over_at.is_(None))).one() == 0
        revisits = Counter(session.exec(select(Revisit.customer_id, Revisit.number)))
        meetings = Counter(session.exec(select(Meeting.customer_id)))
        assert max(revisits.values()) == 1 and max(meetings.values()) == 1
        rows = session.exec(select(OutboxMessage)).all()
    assert max(mailbox.values()) == 1, f"delivered twice: {[m for m, n in mailbox.items() if n > 1]}"
    notices = [r for r in rows if r.kind == "customer_notice"]
    assert sorted(r.customer_id for r in notices) == sorted(c for c, s in successor.items() if s)
    for row in rows:
        assert row.status in (OutboxStatus.sent, OutboxStatus.in_doubt), f"{row.idempotency_key}: {row.status}"
        if row.status == OutboxStatus.sent:
            assert mailbox[row.message_id] == 1, f"{row.idempotency_key}: sent, received {mailbox[row.message_id]}"
    in_doubt = [r for r in rows if r.status == OutboxStatus.in_doubt]
    unreceived = [r for r in in_doubt if mailbox[r.message_id] == 0]
    # The person checks each message in doubt; those that did not arrive are resent, and arrive once.
    for row in unreceived:
        resend(row.id, by="ADM", reason="not received")
    deliver_pending()
    final = world.smtp.mailbox.by_message_id()
    assert all(final[r.message_id] == 1 for r in rows), "every message arrives exactly once in the end"
    return {"in_doubt": len(in_doubt), "resent": len(unreceived), "messages": len(rows)}


def reset(world: World) -> None:
    """An empty database with the company again, and an empty mailbox (between calibration and kills)."""
    from handover.db import reset_engines
    from handover.schema import upgrade_schema
    from tests.conftest import _truncate_all

    reset_engines()
    if world.db.backend == "sqlite":
        path = world.db.url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        upgrade_schema()
    else:
        _truncate_all(world.db.url)
    clock.set_now(START)
    small_company(CUSTOMERS_PER_TIER)
    world.smtp.mailbox.received.clear()


_CALIBRATION: list = []


def calibration_of(world: World) -> list[list[tuple[str, str]]]:
    """Every step's points in a run of the case without kills (once per session: the steps' work is the
    same on both backends); the world is reset afterwards."""
    if not _CALIBRATION:
        points, _ = drive(world)
        check_invariants(world)
        _CALIBRATION.append(points)
        reset(world)
    return _CALIBRATION[0]


@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_twenty_kills_across_every_stage_lose_and_double_nothing(world):
    started = time.monotonic()
    calibration = calibration_of(world)
    calibrated = time.monotonic()
    for i, run in enumerate(calibration):
        print(i, case_steps()[i].args[0], case_steps()[i].day, dict(Counter(label for label, _ in run)))
    rng = random.Random(SEED)
    planned = plan_kills(calibration, rng)
    print({i: [k.spec for k in ks] for i, ks in planned.items()})
    _, kills = drive(world, planned, calibration, rng)
    killed = [(i, k.spec) for i, k, _ in kills]
    figures = check_invariants(world)
    assert len(kills) == KILLS, f"{len(kills)} kills happened: {killed}"
    assert {k.label for _, k, _ in kills} >= set(STAGES), killed
    assert sum(1 for _, k, _ in kills if k.event == "smtp-notice") >= 2, killed
    print(f"\n{world.db.backend}: calibration {calibrated - started:.0f} s, {KILLS} kills "
          f"{time.monotonic() - calibrated:.0f} s; {figures}; kills {killed}")


def _approved_case(world: World) -> None:
    """Offboard and approve through the CLI; the next tick (day 3) holds the meetings and hands over."""
    for step in case_steps()[:2]:
        run = world.cli.run(*step.args, now=step.now)
        assert run.code == 0, run.explain()


def _handed_over() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(CaseCustomer).where(
            CaseCustomer.handed_over_at.is_not(None))).one()


def _no_duplicates(world: World) -> None:
    """Every customer moved once (one audit row each), every outbox row received at most once."""
    with session_scope() as session:
        changes = Counter(session.exec(select(AuditEntry.subject_id).where(AuditEntry.action == "ownership.change")))
        rows = session.exec(select(OutboxMessage)).all()
    assert changes == Counter(world.customers)
    received = world.smtp.mailbox.by_message_id()
    assert not received or max(received.values()) == 1
    assert sorted(r.customer_id for r in rows if r.kind == "customer_notice") == sorted(world.customers)


def test_smtp_server_down_for_the_whole_notice_stage_then_back(world):
    _approved_case(world)
    world.smtp.stop()
    day3 = START + timedelta(days=3)
    for hours in (0, 2, 5):  # the notice stage runs and finishes; the mail waits through three ticks
        run = world.cli.run("tick", now=day3 + timedelta(hours=hours))
        assert run.code == 0, run.explain()
    assert _handed_over() == len(world.customers)
    with session_scope() as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {OutboxStatus.pending}, "nothing sent, nothing given up"
    assert world.smtp.mailbox.received == []
    world.smtp.start()
    run = world.cli.run("tick", now=day3 + timedelta(hours=8))
    assert run.code == 0, run.explain()
    with session_scope() as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {OutboxStatus.sent}
    received = world.smtp.mailbox.by_message_id()
    assert received == Counter({r.message_id: 1 for r in rows}), "each message arrives once when the server is back"
    _no_duplicates(world)


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_database_connection_dropped_during_the_notice_stage(world, tmp_path):
    """PostgreSQL only: the server ends the process's connections (pg_terminate_backend, as a failover or
    an administrator would) while the second batch of the notice stage is about to commit. SQLite has no
    connection to lose: the database is a file the process opens itself; its failure mode, the process
    dying mid-transaction, is what the kill harness covers on both backends."""
    application = "handover-crash-test"
    world.cli.extra["HANDOVER_DATABASE_URL"] = f"{world.db.url}?application_name={application}"
    _approved_case(world)
    gate = tmp_path / "gate"
    process, stem = world.cli.start("tick", now=START + timedelta(days=3), pause=f"notice:commit<:3:{gate}")
    until(lambda: Path(f"{gate}.paused").exists() or process.poll() is not None, 300, "the second notice batch")
    assert process.poll() is None, Cli.finish(process, stem, ("tick",)).explain()
    assert _handed_over() == int(NOTICE_BATCH), "the first batch committed"
    with session_scope() as session:
        ended = session.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE application_name = :name"), {"name": application}).scalar_one()
    assert ended >= 1
    Path(f"{gate}.go").touch()
    failed = Cli.finish(process, stem, ("tick",))
    assert failed.code not in (0, -9), failed.explain()
    assert "terminat" in failed.stderr or "closed the connection" in failed.stderr, failed.explain()
    assert "error: the database failed" in failed.stderr and failed.code == 1, failed.explain()
    assert _handed_over() == int(NOTICE_BATCH), "the interrupted batch rolled back whole"
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "customer_notice")).one() == int(NOTICE_BATCH)
        assert not stages_done("notice")
    run = world.cli.run("tick", now=START + timedelta(days=3, hours=1))
    assert run.code == 0, run.explain()
    assert _handed_over() == len(world.customers) and stages_done("notice")
    _no_duplicates(world)
    with session_scope() as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {OutboxStatus.sent}


def stages_done(name: str) -> bool:
    with session_scope() as session:
        return session.exec(select(CaseStage.state).where(CaseStage.name == name)).one() == "done"


def test_two_ticks_at_once(world):
    _approved_case(world)
    now = START + timedelta(days=3)
    started = [world.cli.start("tick", now=now) for _ in range(2)]
    runs = [Cli.finish(process, stem, ("tick",)) for process, stem in started]
    codes = sorted(run.code for run in runs)
    assert codes == [0, 0] or (codes == [0, 2] and "another" in max(runs, key=lambda r: r.code).stderr), \
        "\n".join(run.explain() for run in runs)
    run = world.cli.run("tick", now=now + timedelta(hours=1))  # whatever one left for later
    assert run.code == 0, run.explain()
    assert _handed_over() == len(world.customers)
    _no_duplicates(world)
    with session_scope() as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {OutboxStatus.sent}
    assert world.smtp.mailbox.by_message_id() == Counter({r.message_id: 1 for r in rows})


def test_a_second_tick_waits_for_the_notice_batch_the_first_is_committing(world, tmp_path):
    """The worst moment for two ticks: the first is about to commit a notice batch when the second reaches
    the notice stage. The second must wait for that batch and then see it done (PostgreSQL: the case row
    is locked FOR UPDATE; SQLite: the stage's transaction takes the database's write lock first)."""
    _approved_case(world)
    now, gate = START + timedelta(days=3), tmp_path / "gate"
    first, first_stem = world.cli.start("tick", now=now, pause=f"notice:commit<:2:{gate}")
    until(lambda: Path(f"{gate}.paused").exists() or first.poll() is not None, 300, "the first batch's commit")
    assert first.poll() is None, Cli.finish(first, first_stem, ("tick",)).explain()
    second, second_stem = world.cli.start("tick", now=now)
    points = second_stem.with_suffix(".points")
    until(lambda: points.exists() and "follow-up" in points.read_text() or second.poll() is not None, 300,
          "the second tick's follow-up work")
    time.sleep(5)  # the second is now at the case, waiting for the first
    Path(f"{gate}.go").touch()
    runs = [Cli.finish(first, first_stem, ("tick",)), Cli.finish(second, second_stem, ("tick",))]
    assert [run.code for run in runs] == [0, 0], "\n".join(run.explain() for run in runs)
    assert _handed_over() == len(world.customers)
    _no_duplicates(world)
