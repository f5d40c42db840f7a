"""`handover scheduler`: the long-running process that runs due work (``handover.cases:tick``).

- Jobs live in the application database (APScheduler's SQLAlchemyJobStore, table ``scheduler_job``):
  a periodic tick every ``scheduler.tick_seconds`` and a daily run at ``scheduler.daily_at`` company
  time. A restart keeps the stored schedule, so a run missed while the process was down fires once
  when it is back (``coalesce=True`` and a large ``misfire_grace_time``), never once per missed time.
- Only one scheduler per database runs jobs: a process must hold the row ``scheduler`` of
  ``schedulerlease`` before it starts APScheduler. The lease expires ``lease_seconds`` after its last
  renewal; the holder renews it every third of that and checks it again before each job, so a
  paused holder that lost its lease runs nothing. A second process stands by until the lease is free.
  Lease times come from the database's clock (all processes share it; no host clock is trusted).
- APScheduler fires on the real clock; the work itself reads ``handover.clock``.

See docs/scheduling.md.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import ref_to_obj
from sqlalchemy import Engine, inspect, literal_column, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from handover.db import get_engine
from handover.errors import HandoverError
from handover.settings import SchedulerRules, get_settings
from models.scheduling import JOB_TABLE, SchedulerLease

log = logging.getLogger("handover.scheduler")

DEFAULT_TARGET = "handover.cases:tick"
JOB_FUNC = "handover.scheduler:run_due_work"
LEASE_NAME = "scheduler"

# Epoch seconds on the database server's clock.
_DB_EPOCH = {
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
    "postgresql": "extract(epoch from clock_timestamp())",
}

_held_lease: "Lease | None" = None  # the lease this process holds while its scheduler runs


@dataclass(frozen=True)
class LeaseState:
    holder: str
    seconds_left: float


class Lease:
    """A named lease row: at most one holder at a time, lost when not renewed within ``seconds``."""

    def __init__(self, engine: Engine, name: str, holder: str, seconds: int):
        if engine.dialect.name not in _DB_EPOCH:
            raise HandoverError(f"database {engine.dialect.name!r}: the scheduler lease supports SQLite and PostgreSQL")
        self.engine, self.name, self.holder, self.seconds = engine, name, holder, seconds
        self._now = literal_column(_DB_EPOCH[engine.dialect.name])

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self.engine) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def _ensure_row(self) -> None:
        with self._session() as session:
            if session.get(SchedulerLease, self.name) is not None:
                return
        try:
            with self._session() as session:
                session.add(SchedulerLease(name=self.name))
        except IntegrityError:
            pass  # another process inserted it first: fine, the row exists

    def _update(self, *condition) -> bool:
        table = SchedulerLease.__table__
        with self._session() as session:
            result = session.execute(
                update(table).where(table.c.name == self.name, *condition)
                .values(holder=self.holder, expires_at=self._now + self.seconds))
            return result.rowcount == 1

    def try_acquire(self) -> bool:
        """Take the lease if it is free, expired, or already ours."""
        self._ensure_row()
        table = SchedulerLease.__table__
        acquired = self._update(or_(table.c.holder == self.holder, table.c.expires_at < self._now))
        if acquired:
            with self._session() as session:
                session.execute(update(table).where(table.c.name == self.name, table.c.holder == self.holder)
                                .values(acquired_at=self._now))
        return acquired

    def renew(self) -> bool:
        """Extend the lease; False when another process holds it now."""
        return self._update(SchedulerLease.__table__.c.holder == self.holder)

    def release(self) -> None:
        """Free the lease at once so a standby scheduler takes over without waiting for expiry."""
        table = SchedulerLease.__table__
        with self._session() as session:
            session.execute(update(table).where(table.c.name == self.name, table.c.holder == self.holder)
                            .values(expires_at=0.0))

    def state(self) -> LeaseState | None:
        table = SchedulerLease.__table__
        with self._session() as session:
            row = session.execute(select(table.c.holder, table.c.expires_at - self._now)
                                  .where(table.c.name == self.name)).first()
        return None if row is None else LeaseState(row[0], float(row[1]))


def log_to_stderr() -> None:
    """INFO lines of the scheduler and APScheduler on stderr (the root logger is Prefect's, at WARNING)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("handover.scheduler", "apscheduler"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_due_work(target: str = DEFAULT_TARGET) -> None:
    """The stored job: run ``target`` (``module:function``) if this process still holds the lease."""
    lease = _held_lease
    if lease is None or not lease.renew():
        log.warning("skipped %s: this process no longer holds the scheduler lease", target)
        return
    result = ref_to_obj(target)()
    log.info("ran %s: %s", target, _summary(result))


def _summary(result: Any) -> str:
    """Sizes rather than contents: results may name customers, logs must not."""
    if not isinstance(result, dict):
        return type(result).__name__
    return ", ".join(f"{key}={len(value) if isinstance(value, (dict, list, tuple, set)) else value}"
                     for key, value in result.items())


def _trigger_key(trigger) -> tuple:
    if isinstance(trigger, IntervalTrigger):
        return ("interval", trigger.interval_length, str(trigger.timezone))
    return (type(trigger).__name__, str(trigger), str(getattr(trigger, "timezone", "")))


def desired_triggers(rules: SchedulerRules, timezone: str) -> dict[str, Any]:
    hour, minute = (int(part) for part in rules.daily_at.split(":"))
    return {
        "tick": IntervalTrigger(seconds=rules.tick_seconds, timezone=timezone),
        "daily": CronTrigger(hour=hour, minute=minute, timezone=timezone),
    }


def ensure_jobs(scheduler: BackgroundScheduler, target: str, rules: SchedulerRules, timezone: str) -> None:
    """Make the stored jobs match the settings without moving a stored next run time.

    A job whose trigger is unchanged keeps its next run time (so a missed run still fires); a changed
    trigger replaces the job; jobs that are no longer wanted are removed.
    """
    desired = desired_triggers(rules, timezone)
    options = {"coalesce": True, "misfire_grace_time": rules.misfire_grace_seconds, "max_instances": 1}
    for job in scheduler.get_jobs():
        if job.id not in desired:
            log.info("removing stored job %s", job.id)
            job.remove()
    for job_id, trigger in desired.items():
        existing = scheduler.get_job(job_id)
        if existing is not None and _trigger_key(existing.trigger) == _trigger_key(trigger):
            scheduler.modify_job(job_id, func=JOB_FUNC, args=(target,), kwargs={}, name=job_id, **options)
            log.info("job %s kept, next run %s", job_id, existing.next_run_time)
        else:
            job = scheduler.add_job(JOB_FUNC, trigger, args=(target,), id=job_id, name=job_id,
                                    replace_existing=True, **options)
            log.info("job %s scheduled (%s)", job_id, trigger)


def build_scheduler(engine: Engine, timezone: str) -> BackgroundScheduler:
    """APScheduler over the application database; one worker thread, so jobs never overlap."""
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        timezone=timezone,
    )


def check_target(target: str) -> None:
    try:
        function = ref_to_obj(target)
    except (LookupError, ValueError, TypeError, ImportError) as exc:
        raise HandoverError(f"job target {target!r}: cannot be imported ({exc})") from None
    if not callable(function):
        raise HandoverError(f"job target {target!r}: is not callable")


def _check_schema(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    missing = {SchedulerLease.__tablename__, JOB_TABLE} - names
    if missing:
        raise HandoverError(f"database lacks the scheduler tables ({', '.join(sorted(missing))}): run `handover init`")


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_scheduler(target: str = DEFAULT_TARGET, *, wait: bool = True, stop: threading.Event | None = None) -> None:
    """Hold the lease (standing by while another process has it), then run the jobs until stopped.

    ``stop`` (or SIGTERM/SIGINT) ends it cleanly: running work finishes and the lease is released.
    Raises HandoverError when ``wait`` is False and the lease is taken, or when the lease is lost.
    """
    settings = get_settings()
    rules = settings.scheduler
    check_target(target)
    engine = get_engine()
    _check_schema(engine)
    stop = stop or threading.Event()
    lease = Lease(engine, LEASE_NAME, holder_id(), rules.lease_seconds)
    with _stop_on_signals(stop):
        if not _acquire(lease, wait, stop, rules):
            return
        _run_holding(lease, target, rules, settings.timezone, engine, stop)


def _acquire(lease: Lease, wait: bool, stop: threading.Event, rules: SchedulerRules) -> bool:
    announced = False
    while not lease.try_acquire():
        state = lease.state()
        other = f"{state.holder} (expires in {max(state.seconds_left, 0):.0f} s)" if state else "another process"
        if not wait:
            raise HandoverError(f"scheduler lease held by {other}: another scheduler is running on this database")
        if not announced:
            log.info("standing by: the scheduler lease is held by %s", other)
            announced = True
        if stop.wait(max(rules.lease_seconds / 3, 0.5)):
            return False
    log.info("holding the scheduler lease as %s", lease.holder)
    return True


def _run_holding(lease: Lease, target: str, rules: SchedulerRules, timezone: str, engine: Engine,
                 stop: threading.Event) -> None:
    global _held_lease
    _held_lease = lease
    scheduler = build_scheduler(engine, timezone)
    lost = False
    try:
        scheduler.start(paused=True)
        ensure_jobs(scheduler, target, rules, timezone)
        scheduler.resume()
        log.info("scheduler running: %s every %s s and daily at %s (%s)", target, rules.tick_seconds,
                 rules.daily_at, timezone)
        while not stop.wait(rules.lease_seconds / 3):
            if not lease.renew():
                lost = True
                break
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        _held_lease = None
        lease.release()
    if lost:
        state = lease.state()
        raise HandoverError(f"scheduler lease lost to {state.holder if state else 'another process'}: stopped")
    log.info("scheduler stopped")
