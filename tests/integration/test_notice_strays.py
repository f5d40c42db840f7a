"""The notice stage leaves nothing with the departing rep: stray records go to the customer's owner, and
customers that came to the rep after the inventory go to the pool."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

import tasks.notice as notice
from handover import cases, clock
from handover.db import session_scope
from models import AuditEntry, Contract, Customer, Deal, Interaction, PoolEntry
from tests.factories import START, small_company
from tests.state import snapshot

LAST_DAY = date(2026, 12, 4)


@pytest.fixture
def company(db, prefect):
    clock.set_now(START)
    return small_company()


def _customer(customer_id: str, owner_id: str | None, *records) -> None:
    with session_scope() as session:
        session.add(Customer(id=customer_id, name=f"客户 {customer_id}", owner_id=owner_id, in_pool=owner_id is None,
                             region="华东", industry="制造业", expected_amount=Decimal(50_000)))
        session.flush()
        session.add_all(records)


def _follow_up(record_id: str, customer_id: str) -> Interaction:
    return Interaction(id=record_id, customer_id=customer_id, employee_id="R0", at=START + timedelta(days=30),
                       scheduled=True)


def _run_to_notice(case_id: int) -> None:
    cases.decide_plan(case_id, by="M1", approve=True)
    clock.set_now(START + timedelta(days=20))  # the meetings have taken place
    cases.run_case(case_id)


def test_stray_records_go_to_the_customers_owner_and_late_customers_to_the_pool(company):
    _customer("CRS", "RS", Deal(id="D-CRS", customer_id="CRS", owner_id="R0", status="open"),
              Deal(id="D-WON", customer_id="CRS", owner_id="R0", status="won"), _follow_up("F-CRS", "CRS"))
    _customer("CPOOL", None, Contract(id="K-CPOOL", customer_id="CPOOL", owner_id="R0"))
    case_id, _ = cases.open_case("R0", LAST_DAY, "optimal", "HR1")
    assert cases.run_case(case_id) == "approve"
    _customer("CLATE", "R0", Deal(id="D-CLATE", customer_id="CLATE", owner_id="R0", status="open"))

    _run_to_notice(case_id)

    notice_stage = next(s for s in cases.case_status(case_id)["stages"] if s["name"] == "notice")
    assert notice_stage["state"] == "done", notice_stage["waiting_for"]
    with session_scope() as session:
        assert session.get(Deal, "D-CRS").owner_id == "RS"
        assert session.get(Deal, "D-WON").owner_id == "R0", "a closed deal is history, not work to hand over"
        assert session.get(Interaction, "F-CRS").employee_id == "RS"
        assert session.get(Contract, "K-CPOOL").owner_id is None
        late = session.get(Customer, "CLATE")
        assert late.owner_id is None and late.in_pool
        entry = session.exec(select(PoolEntry).where(PoolEntry.customer_id == "CLATE")).one()
        assert entry.previous_owner_id == "R0" and entry.reason == f"came to R0 after the inventory of case {case_id}"
        assert session.get(Deal, "D-CLATE").owner_id is None
        audited = {(a.action, a.subject_id): (a.before, a.after, a.actor_id)
                   for a in session.exec(select(AuditEntry).where(AuditEntry.case_id == case_id))}
    assert audited[("deal.owner_change", "D-CRS")] == (
        {"owner_id": "R0", "customer_id": "CRS"}, {"owner_id": "RS", "customer_id": "CRS"}, "M1")
    assert audited[("follow_up.reassign", "F-CRS")][1] == {"employee_id": "RS", "customer_id": "CRS"}
    assert audited[("contract.owner_change", "K-CPOOL")][1] == {"owner_id": None, "customer_id": "CPOOL"}
    assert audited[("deal.owner_change", "D-CLATE")][1] == {"owner_id": None, "customer_id": "CLATE"}
    assert ("pool.put", "CLATE") in audited

    before = snapshot()
    assert notice._pool_late_customers_batch(case_id) == 0
    assert all(notice._move_strays_batch(case_id, held) == 0 for held in notice._HELD)
    assert snapshot() == before, "a re-run moves nothing twice"


def test_a_stray_moved_by_someone_else_meanwhile_is_left_alone(company, monkeypatch):
    _customer("CRS", "RS", Deal(id="D-CRS", customer_id="CRS", owner_id="R0", status="open"))
    case_id, _ = cases.open_case("R0", LAST_DAY, "optimal", "HR1")
    cases.run_case(case_id)
    real = notice._strays

    def taken_meanwhile(session, held, departing_id):
        found = real(session, held, departing_id)
        if held.kind == "deal" and found:
            session.get(Deal, "D-CRS").owner_id = "RM"
            session.flush()
        return found

    monkeypatch.setattr(notice, "_strays", taken_meanwhile)
    _run_to_notice(case_id)
    with session_scope() as session:
        assert session.get(Deal, "D-CRS").owner_id == "RM"
        assert not session.exec(select(AuditEntry).where(AuditEntry.subject_id == "D-CRS")).all()
