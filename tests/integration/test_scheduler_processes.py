"""`handover scheduler` as real processes on SQLite and PostgreSQL: one runner per database, restart and
misfire. The job is ``record_run`` below: it appends "pid epoch" to the file HANDOVER_TEST_PROBE."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from handover.db import get_engine
from handover.scheduler import LEASE_NAME, Lease

HERE = Path(__file__).resolve().parent
HANDOVER = Path(sys.executable).with_name("handover")
TARGET = "test_scheduler_processes:record_run"


def record_run() -> dict:
    with open(os.environ["HANDOVER_TEST_PROBE"], "a", encoding="utf-8") as probe:
        probe.write(f"{os.getpid()} {time.time():.3f}\n")
    return {"recorded": 1}


class Runner:
    """One `handover scheduler` subprocess with its log file."""

    def __init__(self, env: dict[str, str], log: Path):
        self.log = log
        self.handle = log.open("w")
        self.process = subprocess.Popen([str(HANDOVER), "scheduler", "--job", TARGET], env=env,
                                        stdout=self.handle, stderr=subprocess.STDOUT)
        self.pid = self.process.pid

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def wait_for(self, phrase: str, timeout: float = 60) -> None:
        _until(lambda: phrase in self.text() or self.process.poll() is not None, timeout, f"{phrase!r} in {self.log}")
        assert phrase in self.text(), f"process ended without {phrase!r}:\n{self.text()}"

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=60)
        self.handle.close()
        return code


def _until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def _runs(probe: Path) -> list[tuple[int, float]]:
    if not probe.exists():
        return []
    return [(int(pid), float(at)) for pid, at in (line.split() for line in probe.read_text().splitlines())]


@pytest.fixture
def scheduler_env(db, tmp_path):
    def make(tick: int, lease: int) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "HANDOVER_DATABASE_URL": db.url,
            "HANDOVER_SCHEDULER__TICK_SECONDS": str(tick),
            "HANDOVER_SCHEDULER__LEASE_SECONDS": str(lease),
            "HANDOVER_TEST_PROBE": str(tmp_path / "probe.txt"),
            "PYTHONPATH": os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]),
        })
        return env
    return make


def _stored_next_run(url: str) -> float:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        value = connection.execute(text("SELECT next_run_time FROM scheduler_job WHERE id = 'tick'")).scalar_one()
    engine.dispose()
    return float(value)


def test_second_scheduler_stands_by_and_takes_over(scheduler_env, tmp_path):
    env = scheduler_env(tick=2, lease=3)
    probe = tmp_path / "probe.txt"
    first = Runner(env, tmp_path / "first.log")
    second = None
    try:
        first.wait_for("scheduler running")
        second = Runner(env, tmp_path / "second.log")
        second.wait_for("standing by")
        watch_from = time.time()
        _until(lambda: len([r for r in _runs(probe) if r[1] >= watch_from]) >= 3, 60, "three runs")
        watched = time.time() - watch_from
        runs = _runs(probe)
        assert {pid for pid, _ in runs} == {first.pid}, "only the lease holder runs jobs"
        steady = [at for _, at in runs if at >= watch_from]
        assert len(steady) <= watched / 2 + 1, f"{len(steady)} runs in {watched:.1f} s at one per 2 s: a job ran twice"

        assert first.stop(signal.SIGKILL) == -signal.SIGKILL  # crash: the lease is not released
        killed_at = time.time()
        second.wait_for("holding the scheduler lease")
        _until(lambda: any(pid == second.pid for pid, _ in _runs(probe)), 60, "a run by the standby")
        taken_over = [at for pid, at in _runs(probe) if pid == second.pid]
        assert min(taken_over) > killed_at
        assert second.stop() == 0
        assert "scheduler stopped" in second.text()
    finally:
        first.stop(signal.SIGKILL)
        if second is not None:
            second.stop(signal.SIGKILL)


def test_missed_runs_fire_once_after_a_restart(scheduler_env, db, tmp_path):
    tick = 6
    env = scheduler_env(tick=tick, lease=3)
    probe = tmp_path / "probe.txt"
    first = Runner(env, tmp_path / "first.log")
    try:
        _until(lambda: len(_runs(probe)) >= 1, 90, "the first run")
    finally:
        assert first.stop() == 0
    assert "scheduler stopped" in first.text()
    stored = _stored_next_run(db.url)
    assert stored > _runs(probe)[-1][1]

    # Down while two runs fall due (stored, stored + tick), back before the third (stored + 2 tick).
    # The process starts early and stands by behind a lease this test holds (start-up takes seconds on a
    # loaded machine); releasing the lease is the moment the scheduler comes back.
    blocker = Lease(get_engine(), LEASE_NAME, "test-blocker", seconds=600)
    assert blocker.try_acquire()
    second = Runner(env, tmp_path / "second.log")
    try:
        second.wait_for("standing by")
        time.sleep(max(0.0, stored + tick + 0.3 - time.time()))
        blocker.release()
        third = stored + 2 * tick
        _until(lambda: any(pid == second.pid and at >= third for pid, at in _runs(probe)), 90, "the regular run")
    finally:
        assert second.stop() == 0
    catch_up = [at for pid, at in _runs(probe) if pid == second.pid and at < third]
    assert len(catch_up) == 1, f"missed runs must fire once, not {len(catch_up)} times:\n{second.text()}"
    regular = [at for pid, at in _runs(probe) if pid == second.pid and at >= third]
    assert len(regular) == 1
    assert _stored_next_run(db.url) == pytest.approx(third + tick, abs=0.01)  # the stored grid went on
