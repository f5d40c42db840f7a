"""Benchmark (issue #7): 50 offboarding cases at once in a 200,000-customer company on PostgreSQL.

    .venv/bin/python bench/scale_postgres.py [--customers 200000 --reps 2000 --cases 50]
        [--workers 6] [--engine prefect|plain] [--mail smtp|file] [--keep] [--out FILE]

What it does, all through the real code on a database of its own (created on --server, dropped at
the end unless --keep):
1. migrates it and imports a generated company (``handover.demo.build_company``) through the CRM
   import, file by file, timed;
2. opens one case per departing rep (``cases.open_case``; the reps whose book is closest to 100);
3. runs the cases concurrently in --workers processes on a simulated clock, day by day: each day
   the due cases go to the workers (``cases.run_case``, the Prefect flow against one shared Prefect
   server; or with --engine plain the stage functions in the flow's order), a case waiting for
   approval is approved by its manager (``cases.decide_plan``) and run again, one worker runs the
   daily follow-up (departures, ``flows/revisit.follow_up``), successors record their due revisits
   (``cases.record_revisit``), on Mondays reps log routine calls (else the pool rule would reclaim
   the whole company), and a mail process delivers the outbox all along (to an aiosmtpd sink over
   SMTP, or --mail file: .eml files);
4. meanwhile a thread samples the database (bench/pg_watch.py) for connections and locks.

It fails (exit 1) if a job raised or timed out, a case did not close, mail was left undelivered or
delivered twice, a customer stayed with a departing rep, or, while the cases ran, a lock was waited
for, held by a transaction others waited on, or held by any transaction for longer than --limit
seconds. Stage times are each stage function's own run time (timers around the task functions),
summed per case over every run of the case.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import psycopg  # noqa: E402
from pg_watch import Watch  # noqa: E402
from smtp_sink import free_port, serve as serve_smtp  # noqa: E402

START = date(2026, 11, 23)
LAST_DAY = START + timedelta(days=11)
IMPORT_ORDER = ("employees", "customers", "deals", "contracts", "interactions")
STAGE_ORDER = ("inventory", "classify", "plan", "approve", "decide", "meeting", "notice", "revisit", "evaluate",
               "follow_up", "pool_rule", "record_revisits", "routine_calls")
OUT = Path(__file__).resolve().parent / "out"

# ---------------------------------------------------------------- worker processes (spawned)

_TIMES: list[tuple[int | None, str, float]] = []
_ENGINE = "plain"


def _timed(name: str, fn):
    @functools.wraps(fn)
    def run(case_id: int):
        started = time.perf_counter()
        try:
            return fn(case_id)
        finally:
            _TIMES.append((case_id, name, time.perf_counter() - started))
    return run


def _stage_tasks() -> dict:
    from tasks.approve import request_approval
    from tasks.classify import classify_customers
    from tasks.evaluate import evaluate_case
    from tasks.inventory import take_inventory
    from tasks.meeting import hold_meetings
    from tasks.notice import notify_customers
    from tasks.plan import draft_plan
    from tasks.revisit import schedule_revisits

    return {"inventory": take_inventory, "classify": classify_customers, "plan": draft_plan,
            "approve": request_approval, "meeting": hold_meetings, "notice": notify_customers,
            "revisit": schedule_revisits, "evaluate": evaluate_case}


def init_worker(engine: str) -> None:
    """A fresh process: its own engine, every stage task's function wrapped in a timer."""
    global _ENGINE
    from handover.db import reset_engines
    from handover.settings import get_settings

    get_settings.cache_clear()
    reset_engines()
    _ENGINE = engine
    for name, task in _stage_tasks().items():
        task.fn = _timed(name, task.fn)


def _run_plain(case_id: int) -> str:
    """flows/offboarding.py's order without Prefect (and without its UI artifacts)."""
    stage = _stage_tasks()
    for name in ("inventory", "classify", "plan"):
        stage[name].fn(case_id)
    for name in ("approve", "meeting", "notice", "revisit"):
        if not stage[name].fn(case_id):
            return name
    stage["evaluate"].fn(case_id)
    return "closed"


def _job(work):
    """Run work(), return its stage times (and the error, if any) instead of raising."""
    @functools.wraps(work)
    def run(now: str, *args):
        from handover import clock

        clock.set_now(datetime.fromisoformat(now))
        _TIMES.clear()
        try:
            return {"result": work(*args), "times": list(_TIMES), "error": None}
        except Exception:
            return {"result": None, "times": list(_TIMES), "error": traceback.format_exc()}
    return run


@_job
def run_case_job(case_id: int) -> str:
    """Take the case as far as it goes now; a plan waiting for approval is approved by the manager."""
    from handover import cases, stages
    from handover.db import session_scope
    from handover.people import employee

    run = cases.run_case if _ENGINE == "prefect" else _run_plain
    stage = run(case_id)
    if stage == "approve":
        started = time.perf_counter()
        with session_scope() as session:
            manager = employee(session, stages.load_case(session, case_id).employee_id).manager_id
        cases.decide_plan(case_id, by=manager, approve=True, resume=False)
        _TIMES.append((case_id, "decide", time.perf_counter() - started))
        stage = run(case_id)
    return stage


@_job
def follow_up_job(pool_rule: bool) -> dict:
    """What `handover tick` does besides running cases: departures, the revisit follow-ups and, when
    ``pool_rule``, the pool's reclaim over the whole company (its own timer: ``pool_rule``)."""
    from handover import cases, clock
    from handover.db import session_scope
    from tasks.pool import reclaim_to_pool
    from tasks.revisit import escalate_overdue, invite_to_surveys, remind_successors, remind_surveys

    started = time.perf_counter()
    with session_scope() as session:
        departed = cases._mark_departed(session, clock.today())
    steps = (remind_successors, escalate_overdue, invite_to_surveys, remind_surveys)
    run = (lambda step: step()) if _ENGINE == "prefect" else (lambda step: step.fn())
    result = {step.name: run(step) for step in steps}
    _TIMES.append((None, "follow_up", time.perf_counter() - started))
    if pool_rule:
        started = time.perf_counter()
        result["pool"] = run(reclaim_to_pool)
        _TIMES.append((None, "pool_rule", time.perf_counter() - started))
    return {"departed": departed, **result}


@_job
def record_revisits_job(due: list[tuple[int, str, str]]) -> int:
    """Successors record the revisits due today (one transaction each, as people do)."""
    from handover import cases

    started = time.perf_counter()
    for case_id, customer_id, successor_id in due:
        cases.record_revisit(case_id, customer_id, by=successor_id, outcome="ok")
    _TIMES.append((None, "record_revisits", time.perf_counter() - started))
    return len(due)


@_job
def routine_follow_ups_job(part: int, parts: int) -> int:
    """Reps call on about 40% of their customers each week (as the demo's people do), 200 per transaction (a CRM writes a call at a time).

    Without it every customer of the company would be reclaimed into the pool within weeks.
    """
    import random

    from sqlalchemy import insert
    from sqlmodel import select

    from handover import clock
    from handover.db import session_scope
    from models import Customer, Interaction

    started, now = time.perf_counter(), clock.now()
    rng = random.Random(f"{now:%Y%m%d}-{part}")
    with session_scope() as session:
        owned = session.exec(select(Customer.id, Customer.owner_id).where(Customer.owner_id.is_not(None))
                             .order_by(Customer.id)).all()
    calls = [{"id": f"CALL-{customer_id}-{now:%Y%m%d}", "customer_id": customer_id, "employee_id": owner_id,
              "at": now - timedelta(hours=1), "kind": "call", "summary": "routine follow-up", "scheduled": False}
             for customer_id, owner_id in owned[part::parts] if rng.random() < 0.4]
    for start in range(0, len(calls), 200):
        with session_scope() as session:
            session.execute(insert(Interaction), calls[start:start + 200])
    _TIMES.append((None, "routine_calls", time.perf_counter() - started))
    return len(calls)


def mail_sender(now_value, stop, out) -> None:
    """The delivery process: sends what is due on the simulated clock until stopped and drained."""
    from zoneinfo import ZoneInfo

    from handover import clock
    from handover.mail import deliver_pending
    from handover.settings import get_settings

    init_worker("plain")
    zone, totals = ZoneInfo(get_settings().timezone), Counter()
    while True:
        clock.set_now(datetime.fromtimestamp(now_value.value, zone))
        counts = deliver_pending(limit=500)
        totals.update(counts)
        if not any(counts.values()):
            if stop.is_set():
                break
            time.sleep(0.2)
    out.put(dict(totals))


# ---------------------------------------------------------------- the coordinator


def load() -> float:
    return round(os.getloadavg()[0], 2)


@contextmanager
def databases(server: str, names: list[str], keep: bool):
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [f"{server}/{name}" for name in names]
    finally:
        if not keep:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                for name in names:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def prefect_server(database_url: str, home: Path):
    """One Prefect API for every worker, its state in a PostgreSQL database of its own."""
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_UI_ENABLED": "false",
           "PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url.replace("postgresql://", "postgresql+asyncpg://")}
    log = (home / "server.log").open("w")
    server = subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1",
                               "--port", str(port), "--no-ui"], env=env, stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{api}/health", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"Prefect server did not start; see {home / 'server.log'}")
                time.sleep(1)
        yield api
    finally:
        server.terminate()
        server.wait(60)
        log.close()


def import_company(args, folder: Path) -> tuple[dict, dict]:
    from handover.demo import build_company, write_csv
    from handover.importing.upsert import import_file

    started = time.perf_counter()
    company = build_company(reps=args.reps, customers=args.customers, today=START)
    files = write_csv(company, folder / "crm")
    figures = {"generate_s": round(time.perf_counter() - started, 1), "load_before": load(), "files": {}}
    for kind in IMPORT_ORDER:
        started = time.perf_counter()
        report = import_file(files[kind], kind)
        figures["files"][kind] = {"rows": report.rows, "created": report.created,
                                  "seconds": round(time.perf_counter() - started, 1), "load": load()}
    figures["seconds"] = round(sum(f["seconds"] for f in figures["files"].values()), 1)
    return company, figures


def stray_owners(session) -> set[str]:
    """Reps who own a contract, open deal or planned follow-up of a customer outside their book.

    The notice stage cannot move those (it moves what belongs to the case's customers) and waits for
    a person (``resume_at`` None), so a case of such a rep never closes on its own.
    """
    from sqlmodel import select

    from models import Contract, Customer, Deal, Interaction

    strays = set()
    for table, owner, condition in ((Contract, Contract.owner_id, True), (Deal, Deal.owner_id, Deal.status == "open"),
                                    (Interaction, Interaction.employee_id, Interaction.scheduled)):
        strays |= set(session.exec(select(owner).join(Customer, Customer.id == table.customer_id)
                                   .where(condition, owner.is_not(None),
                                          (Customer.owner_id.is_(None)) | (Customer.owner_id != owner))).all())
    return strays


def open_cases(count: int) -> tuple[list[int], list[str], float, int]:
    """HR opens a case for each of the `count` reps whose book is closest to 100 customers (reps with
    stray records left out: see ``stray_owners``); returns the case ids, the reps, seconds, strays."""
    from sqlmodel import func, select

    from handover import cases
    from handover.db import session_scope
    from models import Customer, Employee, EmployeeStatus, Role

    with session_scope() as session:
        owned = session.exec(select(Customer.owner_id, func.count()).join(Employee, Employee.id == Customer.owner_id)
                             .where(Employee.role == Role.rep, Employee.status == EmployeeStatus.active)
                             .group_by(Customer.owner_id)).all()
        hr = session.exec(select(Employee.id).where(Employee.role == Role.hr)).first()
        strays = stray_owners(session)
    leaving = [rep for _, rep in sorted((abs(n - 100), rep) for rep, n in owned if rep not in strays)[:count]]
    started = time.perf_counter()
    case_ids = [cases.open_case(rep, LAST_DAY, "optimal", hr)[0] for rep in leaving]
    return case_ids, leaving, time.perf_counter() - started, len(strays)


def due_revisits(today: date) -> list[tuple[int, str, str]]:
    from sqlmodel import select

    from handover.db import session_scope
    from models import Customer, Revisit

    with session_scope() as session:
        return [tuple(row) for row in session.exec(select(Revisit.case_id, Revisit.customer_id, Revisit.successor_id)
                .join(Customer, Customer.id == Revisit.customer_id)
                .where(Revisit.done_at.is_(None), Revisit.due_on <= today, Customer.owner_id == Revisit.successor_id)
                .order_by(Revisit.id)).all()]


def worth_a_day(now: datetime) -> tuple[list[int], bool]:
    """Due cases, and whether the follow-up runs: when it has work, and on Mondays for the pool rule
    (a simulated day with nothing due is skipped, as the demo does)."""
    from handover import cases
    from handover.db import session_scope
    from tasks.revisit import follow_up_due

    due = cases.due_cases(now)
    with session_scope() as session:
        follow = bool(follow_up_due(session, now))
    return due, follow or now.weekday() == 0


class Simulation:
    def __init__(self, pool, args, now_value):
        self.pool, self.args, self.now_value = pool, args, now_value
        self.times: list[tuple[int | None, str, float]] = []
        self.errors: list[str] = []
        self.days: list[dict] = []

    def day(self, now: datetime, case_ids: list[int], revisits: list, follow_up: bool) -> None:
        """Everything due at `now`, at once across the workers; returns when all of it is done."""
        self.now_value.value = now.timestamp()
        stamp, started = now.isoformat(), time.perf_counter()
        jobs = [self.pool.apply_async(follow_up_job, (stamp, now.weekday() == 0))] if follow_up else []
        jobs += [self.pool.apply_async(run_case_job, (stamp, case_id)) for case_id in case_ids]
        share = -(-len(revisits) // self.args.workers) if revisits else 0
        jobs += [self.pool.apply_async(record_revisits_job, (stamp, revisits[i:i + share]))
                 for i in range(0, len(revisits), share or 1)]
        if now.weekday() == 0:
            jobs += [self.pool.apply_async(routine_follow_ups_job, (stamp, part, self.args.workers))
                     for part in range(self.args.workers)]
        stages = Counter()
        for job in jobs:
            try:
                outcome = job.get(timeout=self.args.job_timeout)
            except mp.TimeoutError:
                self.errors.append(f"{now:%Y-%m-%d}: a job did not finish within {self.args.job_timeout} s")
                continue
            self.times += outcome["times"]
            if outcome["error"]:
                self.errors.append(f"{now:%Y-%m-%d}: {outcome['error']}")
            elif isinstance(outcome["result"], str):
                stages[outcome["result"]] += 1
        self.days.append({"day": now.date().isoformat(), "cases": len(case_ids), "revisits": len(revisits),
                          "seconds": round(time.perf_counter() - started, 2), "load": load(), "stopped_at": dict(stages)})
        print(f"  {now:%Y-%m-%d} cases {len(case_ids):3d} revisits {len(revisits):5d} "
              f"{self.days[-1]['seconds']:7.2f} s  load {load():5.2f}  {dict(stages)}", file=sys.stderr, flush=True)

    def run(self, case_ids: list[int], after_each_day) -> float:
        """Simulated days until every case closed, --max-days passed or --max-wall seconds are spent."""
        from handover.demo.run import at_nine

        started = time.perf_counter()
        self.day(at_nine(START), case_ids, [], True)
        after_each_day(time.perf_counter() - started)
        for offset in range(1, self.args.max_days + 1):
            if time.perf_counter() - started > self.args.max_wall:
                self.errors.append(f"stopped after --max-wall {self.args.max_wall:.0f} s, before day {offset}")
                break
            now = at_nine(START + timedelta(days=offset))
            revisits = due_revisits(now.date())
            due, follow_up = worth_a_day(now)
            if due or revisits or follow_up:
                self.day(now, due, revisits, follow_up)
                after_each_day(time.perf_counter() - started)
            if not self.open_cases(case_ids):
                break
        return time.perf_counter() - started

    @staticmethod
    def open_cases(case_ids: list[int]) -> int:
        from sqlmodel import select

        from handover.db import session_scope
        from models import CaseStatus, OffboardingCase

        with session_scope() as session:
            return len(session.exec(select(OffboardingCase.id).where(OffboardingCase.id.in_(case_ids),
                                                                     OffboardingCase.status == CaseStatus.open)).all())


def stage_figures(times: list[tuple[int | None, str, float]]) -> dict[str, dict]:
    """Per stage: runs, total seconds over cases, the slowest case's total, the slowest single run."""
    per_case: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    runs, longest = Counter(), defaultdict(float)
    for case_id, stage, seconds in times:
        per_case[stage][case_id] += seconds
        runs[stage] += 1
        longest[stage] = max(longest[stage], seconds)
    return {stage: {"runs": runs[stage], "sum_s": round(sum(per_case[stage].values()), 2),
                    "max_case_s": round(max(per_case[stage].values()), 2), "max_run_s": round(longest[stage], 2)}
            for stage in STAGE_ORDER if stage in per_case}


def end_state(leaving: list[str], received: int | None) -> dict:
    from sqlmodel import func, select

    from handover.db import session_scope
    from models import Customer, Employee, OutboxMessage

    with session_scope() as session:
        outbox = dict(session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        stranded = session.exec(select(func.count()).select_from(Customer).where(Customer.owner_id.in_(leaving))).one()
        owned = dict(session.exec(select(Customer.owner_id, func.count()).group_by(Customer.owner_id)).all())
        over = sum(1 for rep in session.exec(select(Employee)) if owned.get(rep.id, 0) > rep.capacity)
    return {"outbox": {str(getattr(k, "value", k)): v for k, v in outbox.items()}, "smtp_received": received,
            "customers_left_with_departing_reps": stranded, "reps_over_capacity": over}


def verdict(result: dict, limit: float) -> list[str]:
    problems = [f"job failed: {e.strip().splitlines()[-1]}" for e in result["errors"]]
    if result["open_cases"]:
        problems.append(f"{result['open_cases']} cases still open after {result['args']['max_days']} simulated days")
    state, locks = result["end_state"], result["database"].get("cases", {})
    outbox = state["outbox"]
    if any(outbox.get(s, 0) for s in ("pending", "sending", "failed", "in_doubt")):
        problems.append(f"outbox not delivered: {outbox}")
    if state["smtp_received"] is not None and state["smtp_received"] != outbox.get("sent", 0):
        problems.append(f"SMTP server received {state['smtp_received']} messages, outbox sent {outbox.get('sent', 0)}")
    if state["customers_left_with_departing_reps"]:
        problems.append(f"{state['customers_left_with_departing_reps']} customers still owned by departing reps")
    for key, what in (("max_lock_wait_s", "a lock was waited for"), ("max_blocking_hold_s", "a lock others waited for was held"),
                      ("max_write_transaction_s", "a transaction held row locks")):
        if locks.get(key, 0) > limit:
            problems.append(f"{what} {locks[key]:.2f} s (> {limit} s): {locks[key.replace('_s', '_query')]}")
    if result.get("watch_error"):
        problems.append(f"database watch stopped: {result['watch_error']}")
    return problems


def print_table(result: dict) -> None:
    imp, db = result["import"], result["database"].get("cases", {})
    print(f"\nscale: {result['args']['customers']} customers, {result['args']['reps']} reps, {len(result['case_ids'])} cases "
          f"({result['customers_in_cases']} customers), {result['args']['workers']} workers, engine {result['args']['engine']}, "
          f"mail {result['args']['mail']}")
    print(f"import: {imp['seconds']} s (" + ", ".join(f"{k} {v['rows']} rows {v['seconds']} s" for k, v in imp["files"].items())
          + f"); load {imp['load_before']} -> {imp['files']['interactions']['load']}")
    print(f"open {len(result['case_ids'])} cases: {result['open_cases_s']:.1f} s")
    print(f"cases end to end: {result['wall_s']:.1f} s wall over {len(result['days'])} simulated days "
          f"(load max {result['load_max']}, uptime at end: {result['uptime_end']})")
    print(f"{'stage':<16}{'runs':>6}{'sum s':>10}{'max case s':>12}{'max run s':>11}")
    for stage, f in result["stages"].items():
        print(f"{stage:<16}{f['runs']:>6}{f['sum_s']:>10.2f}{f['max_case_s']:>12.2f}{f['max_run_s']:>11.2f}")
    print(f"database while cases ran: peak connections {db.get('peak_connections')} (active {db.get('peak_active')}), "
          f"max lock wait {db.get('max_lock_wait_s')} s, max blocking hold {db.get('max_blocking_hold_s')} s, "
          f"longest row-locking transaction {db.get('max_write_transaction_s')} s ({db.get('samples')} samples)")
    for long in db.get("longest_write_transactions", []):
        print(f"  {long['seconds']:6.2f} s  " + " > ".join(long["statements"]))
    print(f"end state: {result['end_state']}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--engine", choices=("prefect", "plain"), default="prefect")
    parser.add_argument("--mail", choices=("smtp", "file"), default="smtp")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--limit", type=float, default=1.0, help="longest lock wait/hold allowed, seconds")
    parser.add_argument("--max-days", type=int, default=140)
    parser.add_argument("--job-timeout", type=float, default=900)
    parser.add_argument("--max-wall", type=float, default=4 * 3600, help="seconds of simulation before it stops")
    parser.add_argument("--keep", action="store_true", help="keep the databases (and say where they are)")
    parser.add_argument("--out", type=Path, default=None)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    name = f"handover_scale_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    home = Path(tempfile.mkdtemp(prefix="handover-scale-"))
    args.out = args.out or OUT / f"scale_postgres-{time.strftime('%Y%m%d-%H%M%S')}.json"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with databases(args.server, [name, f"{name}_prefect"], args.keep) as (url, prefect_url):
        result = run(args, url, prefect_url, home)
    result["databases"] = [name, f"{name}_prefect"] if args.keep else []
    problems = verdict(result, args.limit)
    result["verdict"] = problems or "OK"
    out = args.out
    out.write_text(json.dumps(result, indent=2, default=str))
    print_table(result)
    print(f"result: {out}")
    print("OK" if not problems else "FAILED:\n  " + "\n  ".join(problems))
    return 0 if not problems else 1


def run(args, url: str, prefect_url: str, home: Path) -> dict:
    from handover import clock
    from handover.db import reset_engines
    from handover.demo.run import at_nine
    from handover.schema import upgrade_schema
    from handover.settings import get_settings

    os.environ.update(HANDOVER_HOME=str(home), HANDOVER_DATABASE_URL=url, PREFECT_HOME=str(home / "prefect"))
    (home / "prefect").mkdir()
    ctx = mp.get_context("spawn")
    received, sink_stop, sink_ready = ctx.Value("q", 0), ctx.Event(), ctx.Event()
    if args.mail == "smtp":
        port = free_port()
        os.environ["HANDOVER_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
        ctx.Process(target=serve_smtp, args=(port, received, sink_ready, sink_stop), daemon=True).start()
        sink_ready.wait(30)
    get_settings.cache_clear()
    reset_engines()
    clock.set_now(at_nine(START))
    watch = Watch(url)
    watch.start()
    upgrade_schema()
    watch.phase = "import"
    print(f"database {url}; importing {args.customers} customers, {args.reps} reps (load {load()})", file=sys.stderr)
    _, imported = import_company(args, home)
    watch.phase = "open"
    case_ids, leaving, open_s, strays = open_cases(args.cases)
    reset_engines()
    server = prefect_server(prefect_url, home / "prefect") if args.engine == "prefect" else None
    with (server if server is not None else _nothing()) as api:
        if api:
            os.environ["PREFECT_API_URL"] = api
        now_value, mail_stop, mail_out = ctx.Value("d", at_nine(START).timestamp()), ctx.Event(), ctx.Queue()
        sender = ctx.Process(target=mail_sender, args=(now_value, mail_stop, mail_out))
        sender.start()
        with ctx.Pool(args.workers, initializer=init_worker, initargs=(args.engine,)) as pool:
            simulation = Simulation(pool, args, now_value)
            watch.phase = "cases"
            print(f"running {len(case_ids)} cases in {args.workers} workers ({args.engine}; load {load()})",
                  file=sys.stderr)

            def partial(wall: float) -> None:
                """The figures so far, in case the run is stopped before its end."""
                args.out.write_text(json.dumps(
                    {"partial": True, "import": imported, "wall_s": round(wall, 1), "days": simulation.days,
                     "stages": stage_figures(simulation.times), "errors": simulation.errors,
                     "database": watch.figures()}, indent=2, default=str))

            wall = simulation.run(case_ids, partial)
            watch.phase = "drain"
        mail_stop.set()
        delivered = mail_out.get(timeout=args.job_timeout)
        sender.join(60)
    sink_stop.set()
    figures = watch.stop()
    customers_in_cases = _customers_in_cases(case_ids)
    return {"args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "import": imported, "open_cases_s": round(open_s, 2), "case_ids": case_ids, "reps_with_strays": strays,
            "customers_in_cases": customers_in_cases, "wall_s": round(wall, 1), "days": simulation.days,
            "load_max": max([d["load"] for d in simulation.days] + [0]),
            "uptime_end": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
            "stages": stage_figures(simulation.times), "errors": simulation.errors,
            "open_cases": Simulation.open_cases(case_ids), "mail_delivered": delivered,
            "end_state": end_state(leaving, received.value if args.mail == "smtp" else None),
            "database": figures, "watch_error": watch.error}


@contextmanager
def _nothing():
    yield None


def _customers_in_cases(case_ids: list[int]) -> int:
    from sqlmodel import func, select

    from handover.db import session_scope
    from models import CaseCustomer

    with session_scope() as session:
        return session.exec(select(func.count()).select_from(CaseCustomer)
                            .where(CaseCustomer.case_id.in_(case_ids))).one()


if __name__ == "__main__":
    sys.exit(main())
