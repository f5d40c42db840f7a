"""Race safety with real concurrent processes: many reps claiming one customer at the same instant, and
one rep claiming many customers in parallel against its limits. Each process opens its own engine
(forked after the parent closed its connections) and waits at a barrier so the claims collide."""

import multiprocessing
import os
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select

from handover.db import reset_engines, session_scope
from handover.errors import HandoverError
from handover.pool import claim
from models import AuditEntry, Customer, Employee, Role
from models.pool import PoolEntry

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
FORK = multiprocessing.get_context("fork")


def _claim_in_child(customer_id: str, rep_id: str, barrier, results) -> None:
    reset_engines()  # nothing inherited: the parent disposed its engines before forking
    try:
        barrier.wait(timeout=60)
        with session_scope() as session:
            outcome = claim(session, customer_id=customer_id, rep_id=rep_id, now=NOW)
        results.put((rep_id, customer_id, "granted" if outcome.granted else "conflict", outcome.message))
    except HandoverError as exc:
        results.put((rep_id, customer_id, "refused", str(exc)))
    except BaseException as exc:  # anything else is a failure the test must see
        results.put((rep_id, customer_id, "crashed", repr(exc)))
    finally:
        # Leave without the parent's atexit handlers (a forked pytest with Prefect's test server running
        # would run them and exit 1); what the child did is reported through `results` above.
        results.close()
        results.join_thread()
        os._exit(0)


def _race(attempts: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    reset_engines()
    barrier, results = FORK.Barrier(len(attempts)), FORK.Queue()
    processes = [FORK.Process(target=_claim_in_child, args=(cid, rep, barrier, results)) for cid, rep in attempts]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return outcomes


def _seed(reps: int, customers: int, capacity: int = 100) -> None:
    with session_scope() as s:
        s.add(Employee(id="M1", name="Manager", email="m1@example.com", role=Role.manager))
        s.flush()
        for n in range(reps):
            s.add(Employee(id=f"R{n:02d}", name=f"Rep {n}", email=f"r{n}@example.com", manager_id="M1",
                           capacity=capacity))
        for n in range(customers):
            s.add(Customer(id=f"P{n:02d}", name=f"Pool {n}", in_pool=True))


def test_twenty_reps_claim_one_customer_at_the_same_instant(db):
    _seed(reps=20, customers=1)
    outcomes = _race([("P00", f"R{n:02d}") for n in range(20)])
    granted = [o for o in outcomes if o[2] == "granted"]
    refused = [o for o in outcomes if o[2] == "refused"]
    assert len(granted) == 1 and len(refused) == 19, outcomes
    winner = granted[0][0]
    for _, _, _, message in refused:
        assert f"customer P00: already claimed by {winner}" in message or f"already owned by {winner}" in message
    with session_scope() as s:
        customer = s.get(Customer, "P00")
        assert (customer.owner_id, customer.in_pool) == (winner, False)
        assert s.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "pool.claim")).one() == 1
        assert s.exec(select(PoolEntry.claimed_by)).all() == [winner]


def test_one_rep_claiming_many_customers_in_parallel_stops_at_the_claim_limit(db, monkeypatch):
    monkeypatch.setenv("HANDOVER_POOL__CLAIMS_PER_30_DAYS", "5")
    from handover.settings import get_settings

    get_settings.cache_clear()
    _seed(reps=1, customers=12)
    outcomes = _race([(f"P{n:02d}", "R00") for n in range(12)])
    assert sorted(o[2] for o in outcomes) == ["granted"] * 5 + ["refused"] * 7, outcomes
    assert all("the limit is 5" in o[3] for o in outcomes if o[2] == "refused")
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Customer).where(Customer.owner_id == "R00")).one() == 5


def test_one_rep_claiming_many_customers_in_parallel_stops_at_capacity(db):
    _seed(reps=1, customers=10, capacity=3)
    outcomes = _race([(f"P{n:02d}", "R00") for n in range(10)])
    assert sorted(o[2] for o in outcomes) == ["granted"] * 3 + ["refused"] * 7, outcomes
    assert all("the capacity is 3" in o[3] for o in outcomes if o[2] == "refused")
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Customer).where(Customer.owner_id == "R00")).one() == 3
