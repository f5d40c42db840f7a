"""A handed-over customer later reclaimed into the pool: its open revisits close with the reclaim, so the
successor is no longer reminded or escalated and the evaluation does not count them as overdue."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from handover import cases, clock
from handover.db import session_scope
from handover.domain.evaluation import RevisitFact, _revisits
from handover.pool import run_due
from models import Customer, Revisit, RevisitOutcome
from tests.factories import START, small_company


def _seed_handed_over_customer() -> tuple[int, date]:
    """C001 was handed over to RS on START; revisit 1 done, revisits 2 and 3 still open."""
    small_company(1)
    case_id, _ = cases.open_case("R0", date(2026, 12, 4), "optimal", "HR1")
    handed = START.date()
    with session_scope() as session:
        customer = session.get(Customer, "C001")
        customer.owner_id, customer.owner_since = "RS", START
        session.add(customer)
        session.add_all([
            Revisit(case_id=case_id, customer_id="C001", successor_id="RS", number=1, due_on=handed + timedelta(days=2),
                    done_at=START + timedelta(days=1), done_by="RS", outcome=RevisitOutcome.ok),
            Revisit(case_id=case_id, customer_id="C001", successor_id="RS", number=2, due_on=handed + timedelta(days=30)),
            Revisit(case_id=case_id, customer_id="C001", successor_id="RS", number=3, due_on=handed + timedelta(days=200)),
        ])
    return case_id, handed


def _reclaimed_on() -> date:
    """Run the daily pool rule until C001 goes to the pool (tier A: 90 days without a follow-up)."""
    for day in range(1, 120):
        clock.set_now(START + timedelta(days=day))
        with session_scope() as session:
            run_due(session, now=clock.now())
            if session.get(Customer, "C001").in_pool:
                return clock.today()
    raise AssertionError("C001 was never reclaimed")


def test_reclaim_closes_the_customers_open_revisits(db):
    clock.set_now(START)
    case_id, handed = _seed_handed_over_customer()
    reclaimed = _reclaimed_on()
    assert reclaimed == handed + timedelta(days=90)
    with session_scope() as session:
        revisits = {r.number: r for r in session.exec(select(Revisit).where(Revisit.customer_id == "C001"))}
    assert revisits[1].outcome == RevisitOutcome.ok and revisits[1].done_by == "RS", "a done revisit stays as it was"
    for number in (2, 3):
        closed = revisits[number]
        assert closed.done_at is not None and clock.today() == closed.done_at.astimezone(START.tzinfo).date()
        assert (closed.outcome, closed.done_by) == (None, None) and "public pool" in closed.note
    facts = [RevisitFact(r.number, r.due_on, r.done_at.astimezone(START.tzinfo).date(),
                         None if r.outcome is None else str(r.outcome)) for r in revisits.values()]
    figures = _revisits(facts, as_of=handed + timedelta(days=300))
    assert (figures["overdue"], figures["closed"], figures["on_time"]) == (0, 2, 1)
    assert figures["on_time_rate"] == 100.0


def test_other_customers_revisits_stay_open(db):
    clock.set_now(START)
    _seed_handed_over_customer()
    with session_scope() as session:
        customer = session.get(Customer, "C002")
        case_id = session.exec(select(Revisit.case_id)).first()
        session.add(Revisit(case_id=case_id, customer_id="C002", successor_id="RS", number=1,
                            due_on=START.date() + timedelta(days=200)))
        customer.owner_id, customer.owner_since = "RS", START + timedelta(days=80)  # clock starts later
        session.add(customer)
    _reclaimed_on()
    with session_scope() as session:
        other = session.exec(select(Revisit).where(Revisit.customer_id == "C002")).one()
        assert other.done_at is None and not session.get(Customer, "C002").in_pool
