"""The scheduler's lease and stored jobs, in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

import handover.scheduler as scheduling
from handover.cli import app
from handover.db import get_engine
from handover.errors import HandoverError
from handover.settings import SchedulerRules

CALLS: list[str] = []


def probe() -> dict:
    CALLS.append("ran")
    return {"cases": [1, 2], "now": "x"}


def test_lease_has_one_holder_and_expires(db):
    engine = get_engine()
    first = scheduling.Lease(engine, "test", "first", seconds=2)
    second = scheduling.Lease(engine, "test", "second", seconds=2)
    assert first.try_acquire()
    assert first.try_acquire()  # re-entrant for its holder
    assert not second.try_acquire()
    state = second.state()
    assert state.holder == "first" and 0 < state.seconds_left <= 2
    assert first.renew()
    time.sleep(2.3)  # no renewal: expired on the database clock
    assert second.try_acquire()
    assert not first.renew()  # the first holder learns it lost the lease
    assert not first.try_acquire()
    second.release()
    assert first.try_acquire()


def test_released_lease_is_free_at_once(db):
    engine = get_engine()
    first = scheduling.Lease(engine, "test", "first", seconds=60)
    assert first.try_acquire()
    first.release()
    assert scheduling.Lease(engine, "test", "second", seconds=60).try_acquire()


def _jobs(rules: SchedulerRules, target: str):
    scheduler = scheduling.build_scheduler(get_engine(), "Asia/Shanghai")
    scheduler.start(paused=True)
    scheduling.ensure_jobs(scheduler, target, rules, "Asia/Shanghai")
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    return jobs


def test_stored_jobs_keep_their_next_run_time_across_restarts(db):
    rules = SchedulerRules(tick_seconds=600, daily_at="08:00")
    first = _jobs(rules, "handover.cases:tick")
    assert set(first) == {"tick", "daily"}
    assert first["daily"].next_run_time.hour == 8 and first["daily"].next_run_time.minute == 0
    assert first["tick"].coalesce and first["tick"].misfire_grace_time == rules.misfire_grace_seconds
    assert first["tick"].args == ("handover.cases:tick",)
    time.sleep(1.1)
    again = _jobs(rules, "handover.cases:tick")
    assert again["tick"].next_run_time == first["tick"].next_run_time  # not recomputed from "now"
    changed = _jobs(SchedulerRules(tick_seconds=300, daily_at="09:30"), "other.module:work")
    assert changed["daily"].next_run_time.hour == 9 and changed["daily"].next_run_time.minute == 30
    assert changed["tick"].next_run_time < first["tick"].next_run_time  # a new 5-minute schedule
    assert changed["tick"].args == ("other.module:work",)


def test_unknown_stored_jobs_are_removed(db):
    rules = SchedulerRules()
    scheduler = scheduling.build_scheduler(get_engine(), "Asia/Shanghai")
    scheduler.start(paused=True)
    scheduler.add_job(scheduling.JOB_FUNC, "interval", seconds=5, id="stale", args=("x:y",))
    scheduler.shutdown(wait=False)
    assert set(_jobs(rules, "handover.cases:tick")) == {"tick", "daily"}
    with get_engine().connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM scheduler_job")).scalar() == 2


def test_job_runs_only_while_the_lease_is_held(db, monkeypatch):
    CALLS.clear()
    target = f"{__name__}:probe"
    scheduling.run_due_work(target)  # no lease in this process
    assert CALLS == []
    lease = scheduling.Lease(get_engine(), scheduling.LEASE_NAME, "me", seconds=30)
    assert lease.try_acquire()
    monkeypatch.setattr(scheduling, "_held_lease", lease)
    scheduling.run_due_work(target)
    assert CALLS == ["ran"]
    lease.release()
    assert scheduling.Lease(get_engine(), scheduling.LEASE_NAME, "thief", seconds=30).try_acquire()
    scheduling.run_due_work(target)  # the lease moved on: fenced off
    assert CALLS == ["ran"]


def test_no_wait_names_the_holder(db):
    holder = scheduling.Lease(get_engine(), scheduling.LEASE_NAME, "otherhost:42:abc", seconds=60)
    assert holder.try_acquire()
    result = CliRunner().invoke(app, ["scheduler", "--no-wait", "--job", f"{__name__}:probe"])
    assert isinstance(result.exception, HandoverError)
    assert "lease held by otherhost:42:abc" in str(result.exception)


@pytest.mark.parametrize("target, message", [
    ("no_such_module_xyz:tick", "cannot be imported"),
    ("handover.scheduler:no_such_function", "cannot be imported"),
    ("handover.scheduler:DEFAULT_TARGET", "is not callable"),
])
def test_bad_job_target_is_named(db, target, message):
    with pytest.raises(HandoverError, match=f"job target '{target}': {message}"):
        scheduling.run_scheduler(target, wait=False)


def test_log_summary_has_sizes_not_contents():
    assert scheduling._summary({"cases": {"1": "Acme Ltd"}, "mail": [1, 2, 3], "now": 5}) == "cases=1, mail=3, now=5"
