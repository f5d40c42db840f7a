"""`handover doctor`: checks a production set-up end to end and says what is wrong in plain words.

Each check gives one line: ``ok``, ``FAIL`` (with what to do) or ``skip`` (it depends on a check that
failed). The judging is plain code over what a ``Probe`` found, so tests run it on fakes; ``LiveProbe``
asks the real database, Prefect server and SMTP server, each with a short timeout.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Iterator, Protocol

from handover.scheduler import LeaseState
from handover.settings import Settings

OK, FAIL, SKIP = "ok", "FAIL", "skip"
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class WorkerFacts:
    name: str
    online: bool
    last_heartbeat: str  # as the Prefect server reports it


@dataclass(frozen=True)
class PoolFacts:
    paused: bool
    workers: list[WorkerFacts] = field(default_factory=list)


class Probe(Protocol):
    """What the checks need to know; every method raises when it cannot find out."""

    def database_url(self) -> str: ...  # for messages, password hidden

    def revisions(self) -> tuple[str | None, str]: ...  # (the database's, the code's newest)

    def lease(self) -> LeaseState | None: ...

    def api_url(self) -> str | None: ...

    def api_health(self) -> None: ...

    def deployment_pools(self, names: list[str]) -> dict[str, str | None]: ...  # registered ones only

    def work_pool(self, name: str) -> PoolFacts | None: ...

    def smtp(self, url: str) -> None: ...


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def check_database(probe: Probe) -> list[Check]:
    url = probe.database_url()
    try:
        current, head = probe.revisions()
    except Exception as exc:
        return [Check("database", FAIL, f"cannot reach the application database {url} ({_reason(exc)})",
                      "check HANDOVER_DATABASE_URL, that the database server runs and that this user may connect"),
                Check("schema", SKIP, "not checked: the database is unreachable"),
                Check("scheduler", SKIP, "not checked: the database is unreachable")]
    found = [Check("database", OK, f"{url} answers")]
    if current is None:
        return found + [Check("schema", FAIL, "the database has no handover tables yet", "run `handover init`"),
                        Check("scheduler", SKIP, "not checked: the schema is missing")]
    if current != head:
        return found + [Check("schema", FAIL, f"the schema is at revision {current}, this release needs {head}",
                              "run `handover init` (it upgrades the schema; back up first, docs/deploy.md)"),
                        Check("scheduler", SKIP, "not checked: the schema is not up to date")]
    return found + [Check("schema", OK, f"migrated to the newest revision ({head})"), check_scheduler(probe)]


def check_scheduler(probe: Probe) -> Check:
    fix = "start `handover scheduler` (systemd unit handover-scheduler, docs/deploy.md)"
    try:
        state = probe.lease()
    except Exception as exc:
        return Check("scheduler", FAIL, f"cannot read the scheduler lease ({_reason(exc)})", fix)
    if state is None:
        return Check("scheduler", FAIL, "no `handover scheduler` has ever run on this database: nothing runs "
                                        "due work (reminders, meetings, notices, mail)", fix)
    if state.seconds_left <= 0:
        return Check("scheduler", FAIL, f"no scheduler is running: the lease of {state.holder} expired "
                                        f"{-state.seconds_left:.0f} s ago", fix)
    return Check("scheduler", OK, f"running: {state.holder} holds the lease")


def check_prefect(probe: Probe, pool: str, deployments: list[str]) -> list[Check]:
    url = probe.api_url()
    if not url:
        return [Check("prefect api", FAIL, "PREFECT_API_URL is not set: each process would start a temporary "
                                           "Prefect of its own, so workers, the UI and the CLI do not share runs",
                      "set PREFECT_API_URL=http://HOST:4200/api for every handover and worker process"),
                Check("deployments", SKIP, "not checked: no Prefect server configured"),
                Check("work pool", SKIP, "not checked: no Prefect server configured")]
    try:
        probe.api_health()
    except Exception as exc:
        return [Check("prefect api", FAIL, f"the Prefect server at {url} does not answer ({_reason(exc)})",
                      "start `prefect server start` (systemd unit prefect-server) or correct PREFECT_API_URL"),
                Check("deployments", SKIP, "not checked: the Prefect server is unreachable"),
                Check("work pool", SKIP, "not checked: the Prefect server is unreachable")]
    return [Check("prefect api", OK, f"the Prefect server at {url} answers"),
            _guarded("deployments", lambda: judge_deployments(probe.deployment_pools(deployments), deployments, pool)),
            _guarded("work pool", lambda: judge_work_pool(pool, probe.work_pool(pool)))]


def _guarded(name: str, check) -> Check:
    try:
        return check()
    except Exception as exc:
        return Check(name, FAIL, f"the Prefect server failed to answer ({_reason(exc)})",
                     "look at the Prefect server's log")


def judge_deployments(found: dict[str, str | None], expected: list[str], pool: str) -> Check:
    missing = [name for name in expected if name not in found]
    if missing:
        return Check("deployments", FAIL, f"not registered: {', '.join(missing)}", "run `handover deploy`")
    elsewhere = {name: found_pool for name, found_pool in found.items() if found_pool != pool}
    if elsewhere:
        where = ", ".join(f"{name} in {p!r}" for name, p in elsewhere.items())
        return Check("deployments", FAIL, f"registered in another work pool than {pool!r}: {where}",
                     f"run `handover deploy` with HANDOVER_WORK_POOL={pool}")
    return Check("deployments", OK, f"{len(expected)} registered in work pool {pool!r}")


def judge_work_pool(pool: str, facts: PoolFacts | None) -> Check:
    start = f"start a worker: `prefect worker start --pool {pool}` (systemd unit handover-worker, docs/deploy.md)"
    if facts is None:
        return Check("work pool", FAIL, f"the Prefect server has no work pool {pool!r}",
                     "run `handover deploy` (it creates the pool)")
    if facts.paused:
        return Check("work pool", FAIL, f"work pool {pool!r} is paused: no run starts",
                     f"`prefect work-pool resume {pool}`")
    live = [w.name for w in facts.workers if w.online]
    if not live:
        seen = "; ".join(f"{w.name} last seen {w.last_heartbeat}" for w in facts.workers) or "none ever connected"
        return Check("work pool", FAIL, f"work pool {pool!r} has no live worker ({seen}): runs started from the "
                                        "UI or API wait forever", start)
    return Check("work pool", OK, f"{len(live)} live worker{'s' if len(live) > 1 else ''} in {pool!r}: "
                                  f"{', '.join(sorted(live))}")


def check_smtp(probe: Probe, settings: Settings) -> Check:
    if not settings.smtp_url:
        return Check("smtp", FAIL, f"HANDOVER_SMTP_URL is not set: mail is only written as files to "
                                   f"{settings.outbox_dir.resolve()}, nobody receives it",
                     "set HANDOVER_SMTP_URL, e.g. smtp+starttls://USER:PASSWORD@mail.example.com:587")
    try:
        probe.smtp(settings.smtp_url)
    except Exception as exc:
        return Check("smtp", FAIL, f"the SMTP server does not accept us: {exc}",
                     "check HANDOVER_SMTP_URL (host, port, scheme, user, password) and the firewall")
    login = " and our login" if "@" in settings.smtp_url else ""
    return Check("smtp", OK, f"the SMTP server accepts a connection{login}")


def run_checks(probe: Probe, settings: Settings, deployments: list[str]) -> list[Check]:
    return [*check_database(probe), *check_prefect(probe, settings.work_pool, deployments), check_smtp(probe, settings)]


def failed(checks: list[Check]) -> bool:
    return any(c.status == FAIL for c in checks)


class LiveProbe:
    """The real set-up, as configured (HANDOVER_* settings, PREFECT_API_URL)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        os.environ.setdefault("PGCONNECT_TIMEOUT", str(TIMEOUT_SECONDS))  # libpq: an unreachable host fails fast

    def database_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.settings.resolved_database_url).render_as_string(hide_password=True)

    def revisions(self) -> tuple[str | None, str]:
        from alembic.migration import MigrationContext
        from alembic.script import ScriptDirectory
        from sqlalchemy import text

        from handover.db import get_engine
        from handover.schema import alembic_config

        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
        return current, ScriptDirectory.from_config(alembic_config()).get_current_head()

    def lease(self) -> LeaseState | None:
        from handover.db import get_engine
        from handover.scheduler import LEASE_NAME, Lease

        return Lease(get_engine(), LEASE_NAME, "handover-doctor", self.settings.scheduler.lease_seconds).state()

    def api_url(self) -> str | None:
        from prefect.settings import PREFECT_API_URL

        return PREFECT_API_URL.value()

    @contextmanager
    def _client(self) -> Iterator:
        """A Prefect client that gives up after one short try (a doctor should not hang on a dead server)."""
        from prefect import get_client
        from prefect.settings import PREFECT_API_REQUEST_TIMEOUT, PREFECT_CLIENT_MAX_RETRIES, temporary_settings

        with temporary_settings({PREFECT_API_REQUEST_TIMEOUT: TIMEOUT_SECONDS, PREFECT_CLIENT_MAX_RETRIES: 0}):
            with get_client(sync_client=True) as client:
                yield client

    def api_health(self) -> None:
        with self._client() as client:
            problem = client.api_healthcheck()
        if problem is not None:
            raise problem

    def deployment_pools(self, names: list[str]) -> dict[str, str | None]:
        from prefect.exceptions import ObjectNotFound

        found = {}
        with self._client() as client:
            for name in names:
                try:
                    found[name] = client.read_deployment_by_name(name).work_pool_name
                except ObjectNotFound:
                    pass
        return found

    def work_pool(self, name: str) -> PoolFacts | None:
        from prefect.exceptions import ObjectNotFound

        with self._client() as client:
            try:
                pool = client.read_work_pool(name)
            except ObjectNotFound:
                return None
            workers = client.read_workers_for_work_pool(name)
        return PoolFacts(pool.is_paused, [WorkerFacts(w.name, w.status.value == "ONLINE", str(w.last_heartbeat_time))
                                          for w in workers])

    def smtp(self, url: str) -> None:
        from handover.mail.transport import SmtpTransport, parse_smtp_url

        target = parse_smtp_url(url)
        SmtpTransport(replace(target, timeout=min(target.timeout, TIMEOUT_SECONDS))).verify()
