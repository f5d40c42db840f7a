"""Benchmark: a 5,000-customer case through the automated stages, with Prefect and without.

Runs the same stage functions twice on fresh SQLite databases: once as the Prefect flow
(flows/offboarding.py, ephemeral API) and once as plain calls of each task's function (``task.fn``).
Prints the wall time per stage (plain) and the overhead ratio. Usage:

    .venv/bin/python bench/flow.py [--customers 5000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def prepare(folder: Path, customers: int) -> tuple[int, str]:
    """A company whose departing rep owns `customers` customers; returns (case id, employee id)."""
    os.environ["HANDOVER_HOME"] = str(folder)
    from sqlalchemy import update
    from sqlmodel import select

    from handover import cases, clock
    from handover.db import reset_engines, session_scope
    from handover.demo import build_company, write_csv
    from handover.demo.run import START, at_nine
    from handover.importing.upsert import import_file
    from handover.schema import upgrade_schema
    from handover.settings import get_settings
    from models import Customer, Employee

    get_settings.cache_clear()
    reset_engines()
    clock.set_now(at_nine(START))
    upgrade_schema()
    company = build_company(reps=120, customers=customers * 3, today=START)
    for kind, path in write_csv(company, folder / "crm").items():
        import_file(path, kind)
    with session_scope() as session:
        book = session.exec(select(Customer.id).where(Customer.owner_id.is_not(None)).order_by(Customer.id)
                            .limit(customers)).all()
        session.exec(update(Customer).where(Customer.id.in_(book)).values(owner_id=company.departing_rep_id))
        session.exec(update(Employee).values(capacity=Employee.capacity + 200))
        hr = session.exec(select(Employee.id).where(Employee.role == "hr")).first()
    case_id, _ = cases.open_case(company.departing_rep_id, START + timedelta(days=11), "optimal", hr)
    return case_id, company.departing_rep_id


def approve(case_id: int, employee_id: str) -> None:
    from handover import cases
    from handover.db import session_scope
    from handover.people import employee

    with session_scope() as session:
        manager = employee(session, employee_id).manager_id
    cases.decide_plan(case_id, by=manager, approve=True, resume=False)


def run_plain(case_id: int) -> dict[str, float]:
    from tasks.approve import request_approval
    from tasks.classify import classify_customers
    from tasks.inventory import take_inventory
    from tasks.plan import draft_plan

    timings: dict[str, float] = {}

    for name, task in (("inventory", take_inventory), ("classify", classify_customers), ("plan", draft_plan),
                       ("approve", request_approval)):
        started = time.perf_counter()
        task.fn(case_id)
        timings[name] = time.perf_counter() - started
    return timings


def run_after_approval_plain(case_id: int, timings: dict[str, float]) -> None:
    from handover import clock
    from tasks.approve import request_approval
    from tasks.meeting import hold_meetings
    from tasks.notice import notify_customers
    from tasks.revisit import schedule_revisits

    for jump in (0, 400):
        clock.advance(days=jump)
        for name, task in (("approve", request_approval), ("meeting", hold_meetings), ("notice", notify_customers),
                           ("revisit", schedule_revisits)):
            started = time.perf_counter()
            done = task.fn(case_id)
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
            if not done:
                break


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=5000)
    args = parser.parse_args()
    from handover import clock

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        case_id, employee_id = prepare(Path(tmp) / "plain", args.customers)
        started = time.perf_counter()
        timings = run_plain(case_id)
        approve(case_id, employee_id)
        run_after_approval_plain(case_id, timings)
        results["plain"] = time.perf_counter() - started

        from flows.offboarding import offboarding
        from prefect.testing.utilities import prefect_test_harness

        with prefect_test_harness(server_startup_timeout=120):
            case_id, employee_id = prepare(Path(tmp) / "prefect", args.customers)
            started = time.perf_counter()
            offboarding(case_id=case_id, employee_id=employee_id)
            approve(case_id, employee_id)
            offboarding(case_id=case_id, employee_id=employee_id)
            clock.advance(days=400)
            stage = offboarding(case_id=case_id, employee_id=employee_id)
            results["prefect"] = time.perf_counter() - started
    print(f"customers in the case: {args.customers}; stopped at: {stage}")
    print("plain stage times (s): " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
    print(f"plain total {results['plain']:.2f} s; prefect total {results['prefect']:.2f} s; "
          f"ratio {results['prefect'] / results['plain']:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
