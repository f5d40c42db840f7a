"""The production set-up of docs/deploy.md on this machine, for real: a Prefect server on PostgreSQL, two
process workers, `handover deploy`, `handover doctor`, the scheduler, the application database on
PostgreSQL and an SMTP server. Three offboarding cases start from the Prefect API at once, are approved
through the UI's resume path and through `handover approve`, and run to their evaluation.

Every process runs in a session of its own and is killed with its children at the end, pass or fail;
both databases are dropped.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlmodel import select

from handover import cases, clock
from handover.db import session_scope
from models import CaseReport, Customer, Employee, OffboardingCase, Revisit
from tests.factories import START, small_company
from tests.integration.test_mail_smtp import Mailbox, Server, _free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PG_SERVER = os.environ.get("HANDOVER_TEST_PG", "postgresql://postgres@127.0.0.1:5432")

BIN = Path(sys.executable).parent
LAST_DAY = date(2026, 12, 4)
LEAVING = ["R0", "R8", "R9"]


class Processes:
    """Subprocesses, each the leader of its own session, so that its children die with it at the end."""

    def __init__(self, folder: Path):
        self.folder, self.running, self.files = folder, {}, []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        """Output and errors go to ``<name>.log``, except for a ``--json`` command: errors to ``<name>.err``."""
        log = (self.folder / f"{name}.log").open("w")
        errors = (self.folder / f"{name}.err").open("w") if "--json" in args else subprocess.STDOUT
        self.files += [log] + ([errors] if errors is not subprocess.STDOUT else [])
        self.running[name] = subprocess.Popen(args, env=env, stdout=log, stderr=errors, start_new_session=True,
                                              cwd=self.folder)
        return self.running[name]

    def finish(self, name: str, timeout: float = 240) -> tuple[int, str]:
        """Wait for a command to end: its exit status and output."""
        return self.running[name].wait(timeout=timeout), self.log(name)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop_all(self) -> None:
        """Newest first, each given time to end before the next: workers and the scheduler end quickly
        while the Prefect server they report to is still up, and slowly once it is gone."""
        deadline = time.monotonic() + 20
        for process in reversed(self.running.values()):
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(process, signal.SIGKILL)  # whatever is left of the session (e.g. a run's process)
            process.wait()
        for file in self.files:
            file.close()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


class Timeline:
    """How long each phase took (printed; pytest shows it with -s or on failure)."""

    def __init__(self):
        self.start = self.last = time.monotonic()

    def __call__(self, phase: str) -> None:
        now = time.monotonic()
        print(f"{now - self.start:6.1f} s  (+{now - self.last:5.1f})  {phase}", file=sys.stderr, flush=True)
        self.last = now


def _until(predicate, timeout: float, what: str, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def _create_databases(*names: str) -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')


def _drop_databases(*names: str) -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Setup:
    """Names, URLs and the environment every process of the set-up shares (as systemd units would)."""

    def __init__(self, folder: Path, smtp_port: int):
        suffix = uuid.uuid4().hex[:8]
        self.folder, self.pool = folder, f"handover-test-{suffix}"
        self.prefect_db, self.app_db = f"prefect_test_{suffix}", f"handover_prod_{suffix}"
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        host = PG_SERVER.split("://", 1)[1]
        self.app_url = f"postgresql://{host}/{self.app_db}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("HANDOVER_", "PREFECT_"))}
        self.env.update({
            "PREFECT_HOME": str(folder / "prefect-home"), "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false",
            "PREFECT_API_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://{host}/{self.prefect_db}",
            "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1",
            # server services this test does not use (no schedules, no automations): less CPU on a busy machine
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false", "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
            "HANDOVER_CONFIG": str(folder / "none.toml"), "HANDOVER_HOME": str(folder / "home"),
            "HANDOVER_DATABASE_URL": self.app_url, "HANDOVER_WORK_POOL": self.pool,
            "HANDOVER_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?timeout=5",
            "HANDOVER_NOW": START.isoformat(), "HANDOVER_USER": "ADM",  # operations run the ticks
            # the scheduler only has to be alive for the doctor; the test moves the clock itself
            "HANDOVER_SCHEDULER__TICK_SECONDS": "86400", "HANDOVER_SCHEDULER__DAILY_AT": _hour_from_now(-3),
        })

    def at(self, day: int) -> dict[str, str]:
        """The shared environment with the simulated clock on ``day`` days after START."""
        return {**self.env, "HANDOVER_NOW": (START + timedelta(days=day)).isoformat()}

    def handover(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "handover"), *args], env=env or self.env, capture_output=True, text=True,
                              timeout=240, cwd=self.folder)


def _reset() -> None:
    from handover.db import reset_engines
    from handover.settings import get_settings

    reset_engines()
    get_settings.cache_clear()
    clock.set_now(None)


def _hour_from_now(hours: int) -> str:
    """A daily run time hours away from the real now (APScheduler fires on the real clock), so it cannot
    fire during the test."""
    from zoneinfo import ZoneInfo

    moment = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(hours=hours)
    return f"{moment:%H}:00"


def _company() -> None:
    """small_company's R0 (8 customers) and two more reps of M1 leaving, R8 and R9 with 3 customers each."""
    small_company()
    with session_scope() as session:
        for rep in ("R8", "R9"):
            session.add(Employee(id=rep, name=f"Rep {rep}", email=f"{rep.lower()}@example.com", manager_id="M1",
                                 level="mid", regions=["华东"], industries=["制造业"], capacity=0))
        session.flush()
        for rep in ("R8", "R9"):
            for n in range(3):
                session.add(Customer(
                    id=f"{rep}-C{n}", name=f"{rep} 客户 {n}", owner_id=rep, region="华东", industry="制造业",
                    expected_amount=Decimal(300_000), contribution=Decimal(100_000), contact_name=f"联系人{n}",
                    contact_email=f"{rep.lower()}c{n}@example.cn", last_contact_at=START - timedelta(days=5),
                    last_order_at=START - timedelta(days=30), created_at=START - timedelta(days=400),
                    first_registered_by=rep, owner_since=START - timedelta(days=300)))


@pytest.fixture
def production(settings_env, monkeypatch):
    mailbox = Mailbox()
    smtp = Server(mailbox, _free_port())
    smtp.start()
    setup = Setup(settings_env, smtp.port)
    (settings_env / "home").mkdir(parents=True, exist_ok=True)
    processes, timeline = Processes(settings_env), Timeline()
    _create_databases(setup.prefect_db, setup.app_db)
    try:
        processes.start("server", [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                                   "--port", str(setup.port)], setup.env)
        monkeypatch.setenv("HANDOVER_DATABASE_URL", setup.app_url)
        _reset()
        from handover.schema import upgrade_schema

        upgrade_schema()
        clock.set_now(START)
        _company()
        _until(lambda: _healthy(setup.api_url) or processes.running["server"].poll() is not None, 180,
               "the Prefect server")
        assert processes.running["server"].poll() is None, processes.log("server")
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: setup.api_url}):
            timeline("server up, application database migrated, company imported")
            yield setup, processes, mailbox, timeline
    finally:
        processes.stop_all()
        smtp.stop()
        _reset()
        _drop_databases(setup.prefect_db, setup.app_db)


def _healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _doctor(stdout: str) -> dict:
    """`handover doctor --json`'s checks by name, and "ok"."""
    document = json.loads(stdout)
    return {c["name"]: c for c in document["checks"]} | {"ok": document["ok"]}


def _case_runs(client, case_ids: dict[str, int]):
    """The latest offboarding deployment run of each case (by the run name the flow gives itself)."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    names = {f"offboarding-{rep}-{case_id}": rep for rep, case_id in case_ids.items()}
    runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=list(names))),
                                 sort=FlowRunSort.EXPECTED_START_TIME_ASC)
    return {names[r.name]: r for r in runs if r.deployment_id is not None}


def _left_its_worker(run) -> bool:
    """The run's process has ended. Prefect 3.8.8's worker started with --limit crashes ("this borrower is
    already holding one of this CapacityLimiter's tokens") when a run is resumed before the process that
    suspended it is gone; a manager is never that quick, a test is."""
    if not run.infrastructure_pid:
        return False
    try:
        os.kill(int(run.infrastructure_pid.rsplit(":", 1)[-1]), 0)
    except ProcessLookupError:
        time.sleep(2)  # the worker frees the run's slot right after the process ends
        return True
    return False


def _waiting(client, case_ids: dict[str, int], reps: list[str]) -> bool:
    from prefect.client.schemas.objects import StateType

    runs = _case_runs(client, case_ids)
    return all(rep in runs and runs[rep].state.type == StateType.PAUSED and _left_its_worker(runs[rep])
               for rep in reps)


def _case_ids() -> dict[str, int]:
    with session_scope() as session:
        return {c.employee_id: c.id for c in session.exec(select(OffboardingCase))}


def _record_due_revisits(day: int) -> None:
    clock.set_now(START + timedelta(days=day))
    with session_scope() as session:
        due = session.exec(select(Revisit).where(Revisit.done_at.is_(None), Revisit.due_on <= clock.today())).all()
    for revisit in due:
        cases.record_revisit(revisit.case_id, revisit.customer_id, by=revisit.successor_id, outcome="ok")


def test_three_cases_run_on_two_workers_against_a_prefect_server_on_postgresql(production):
    from prefect import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.deployments import run_deployment
    from prefect.flow_runs import resume_flow_run

    from handover.deployments import deployment_names, register

    setup, processes, mailbox, timeline = production

    # While the workers and the scheduler start: the doctor on a broken set-up (wrong database URL), and
    # `handover deploy` (a worker may create the pool first: deploy then finds it).
    processes.start("doctor-broken", [str(BIN / "handover"), "doctor", "--json"],
                    {**setup.env, "HANDOVER_DATABASE_URL": setup.app_url + "_missing"})
    for name in ("worker-1", "worker-2"):
        processes.start(name, [str(BIN / "prefect"), "worker", "start", "--pool", setup.pool, "--type", "process",
                               "--name", name, "--limit", "1"], setup.env)
    processes.start("scheduler", [str(BIN / "handover"), "scheduler"], setup.env)
    deployed = setup.handover("deploy", "--json")
    status, out = processes.finish("doctor-broken")
    assert status == 1, out
    checks = _doctor(out)
    database = checks["database"]
    assert database["status"] == "FAIL" and "cannot reach the application database" in database["detail"]
    assert setup.app_db + "_missing" in database["detail"] and "HANDOVER_DATABASE_URL" in database["fix"]
    assert checks["schema"]["status"] == checks["scheduler"]["status"] == "skip"
    assert checks["prefect api"]["status"] == "ok" and checks["smtp"]["status"] == "ok"

    assert deployed.returncode == 0, deployed.stderr
    registered = json.loads(deployed.stdout)
    assert [d["deployment"] for d in registered["deployments"]] == deployment_names()
    again = register(setup.pool)  # registering twice is fine: the same deployments, updated in place
    assert not again["work_pool_created"] and again["deployments"] == registered["deployments"]
    timeline("doctor on a broken set-up; deploy, twice")

    with get_client(sync_client=True) as client:
        _until(lambda: sum(w.status.value == "ONLINE" for w in client.read_workers_for_work_pool(setup.pool)) == 2,
               120, "two live workers")
    _until(lambda: "holding the scheduler lease" in processes.log("scheduler"), 60, "the scheduler's lease")
    timeline("workers and scheduler up")

    # The doctor on the healthy set-up, while HR starts three offboardings from the Prefect API at once;
    # each case's run stops at the approval.
    processes.start("doctor-healthy", [str(BIN / "handover"), "doctor", "--json"], setup.env)
    for rep in LEAVING:
        run_deployment("start-offboarding/start-offboarding", timeout=0,
                       parameters={"employee_id": rep, "last_day": LAST_DAY.isoformat(), "by": "HR1"})
    status, out = processes.finish("doctor-healthy")
    checks = _doctor(out)
    assert status == 0 and checks["ok"], out
    assert "2 live workers" in checks["work pool"]["detail"] and checks["scheduler"]["status"] == "ok"
    timeline("doctor on the healthy set-up")

    with get_client(sync_client=True) as client:
        case_ids = _until(lambda: len(ids := _case_ids()) == 3 and ids, 180, "three cases opened")
        _until(lambda: _waiting(client, case_ids, LEAVING), 240, "three runs suspended at the approval")
        runs = _case_runs(client, case_ids)
        timeline("three cases started, their runs suspended at the approval")

        # R0: the manager approves in the UI with one move (resume with run input).
        plan = cases.plan_document(case_ids["R0"])
        moved = next(a for a in plan["assignments"] if a["successor_id"] and a["successor_id"] != "RJ")
        resume_flow_run(runs["R0"].id, run_input={"by": "M1", "moves": [f"{moved['customer_id']}=RJ"]})
        resume_flow_run(runs["R9"].id, run_input={"by": "RS", "approve": False, "reason": "not mine to decide"})
        # R8: the manager approves with the CLI, which hands the decision to the waiting run.
        approved = setup.handover("approve", str(case_ids["R8"]), "--by", "M1", "--json")
        assert approved.returncode == 0, approved.stderr
        assert json.loads(approved.stdout)["plan"] == "approved"

        # R9: a decision the form may not take (RS is not the manager) is refused; a new run waits for v1 again.
        _until(lambda: _case_runs(client, case_ids)["R9"].id != runs["R9"].id and _waiting(client, case_ids, ["R9"]),
               180, "R9's plan waiting again in a new run")
        assert cases.plan_document(case_ids["R9"])["status"] == "draft"
        again = _case_runs(client, case_ids)["R9"]
        resume_flow_run(again.id, run_input={"by": "M1", "approve": False, "reason": "spread them more"})
        _until(lambda: cases.plan_document(case_ids["R9"])["version"] == 2
               and _case_runs(client, case_ids)["R9"].id != again.id and _waiting(client, case_ids, ["R9"]),
               180, "R9's second plan waiting in a new run")
        timeline("approved in the UI and with the CLI; R9 refused, rejected and planned again")
        resume_flow_run(_case_runs(client, case_ids)["R9"].id, run_input={"by": "M1"})
        _until(lambda: all(r.state.type == StateType.COMPLETED for r in _case_runs(client, case_ids).values())
               and client.read_flow_run(runs["R9"].id).state.type == StateType.COMPLETED,
               240, "the runs to continue past the approval")

    timeline("the three runs past the approval")
    assert {rep: cases.plan_document(case_ids[rep])["status"] for rep in LEAVING} == dict.fromkeys(LEAVING, "approved")
    assert cases.plan_document(case_ids["R9"])["version"] == 2
    assert next(a["successor_id"] for a in cases.plan_document(case_ids["R0"])["assignments"]
                if a["customer_id"] == moved["customer_id"]) == "RJ"

    # The daily deployments run on the workers while the team works through the weeks of the cases:
    # `handover tick` (what the scheduler runs) after the last day and after the last revisit window,
    # successors recording their revisits in between.
    daily = [run_deployment(name, timeout=0) for name in ("follow-up/follow-up", "pool-reclaim/pool-reclaim")]
    for day, tick in ((14, True), (19, False), (49, False), (114, False), (115, True)):
        _record_due_revisits(day)
        if tick:
            ticked = setup.handover("tick", "--json", env=setup.at(day))
            assert ticked.returncode == 0, ticked.stderr
    timeline("ticks on days 14 and 115")
    states = {rep: cases.case_status(case_ids[rep]) for rep in LEAVING}
    assert {rep: s["stage"] for rep, s in states.items()} == dict.fromkeys(LEAVING, "closed")

    with get_client(sync_client=True) as client:
        later = {"env": {"HANDOVER_NOW": setup.at(115)["HANDOVER_NOW"]}}  # this run's clock, as the ticks had
        runs = daily + [run_deployment("evaluation/evaluation", timeout=0, parameters={"case_id": case_ids["R8"]},
                                       job_variables=later)]
        finished = _until(lambda: all(client.read_flow_run(run.id).state.is_final() for run in runs)
                          and [client.read_flow_run(run.id) for run in runs], 180, "the daily and evaluation runs")
        assert [r.state.type for r in finished] == [StateType.COMPLETED] * 3, [r.state for r in finished]
    timeline("follow-up, pool-reclaim and evaluation deployments ran")

    with session_scope() as session:
        assert {c.case_id for c in session.exec(select(CaseReport))} == set(case_ids.values())
        customers = session.exec(select(Customer)).all()
        assert all((c.owner_id is None) == c.in_pool for c in customers), "one owner, or in the pool"
        assert not [c.id for c in customers if c.owner_id in LEAVING]
    assert mailbox.per_recipient()["m1@example.com"] >= 3, "the manager heard of every case by SMTP"

    took = {name: set(re.findall(r"submitting flow run '([0-9a-f-]+)'", processes.log(name)))
            for name in ("worker-1", "worker-2")}
    assert took["worker-1"] and took["worker-2"], took
