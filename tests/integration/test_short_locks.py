"""Company-wide reads stay outside a case's lock (issue #7: 50 cases at once in a 200,000-customer company)."""

from __future__ import annotations

from datetime import date

import pytest

from handover import cases, clock, stages
from tasks.approve import request_approval
from tasks.classify import classify_customers
from tasks.inventory import take_inventory
from tasks.plan import draft_plan
from tests.factories import START, small_company


@pytest.fixture
def case_id(db):
    clock.set_now(START)
    small_company()
    opened, _ = cases.open_case("R0", date(2026, 12, 18), "optimal", "HR1")
    take_inventory.fn(opened)
    return opened


def test_classify_reads_the_company_before_it_locks_the_case_and_not_again_once_done(case_id, monkeypatch):
    import tasks.classify

    calls, real_read, real_load = [], tasks.classify.company_contributions, stages.load_case

    def read(session):
        calls.append("company")
        return real_read(session)

    def load(session, wanted, *, for_update=False):
        calls.append("lock" if for_update else "load")
        return real_load(session, wanted, for_update=for_update)

    monkeypatch.setattr(tasks.classify, "company_contributions", read)
    monkeypatch.setattr(stages, "load_case", load)
    classify_customers.fn(case_id)
    assert calls == ["company", "lock"]
    calls.clear()
    classify_customers.fn(case_id)
    assert calls == ["lock"], "a finished stage does not read the company again"


def test_approving_without_moves_does_not_read_every_rep(case_id, monkeypatch):
    for stage in (classify_customers, draft_plan, request_approval):
        stage.fn(case_id)

    def every_rep(*args, **kwargs):
        raise AssertionError("rep facts read under the case's lock")

    monkeypatch.setattr(cases, "rep_facts", every_rep)
    with pytest.raises(AssertionError):
        cases.decide_plan(case_id, by="M1", approve=True, moves={"C001": "RS"}, resume=False)
    assert cases.decide_plan(case_id, by="M1", approve=True, resume=False) == "approved"



def test_the_evaluation_computes_before_the_lock_and_updates_the_shared_successors_last(case_id, monkeypatch):
    import tasks.evaluate
    from handover.db import session_scope
    from models import StageState

    with session_scope() as session:  # as if every earlier stage were done
        stages.stage_of(session, case_id, "revisit").state = StageState.done
    calls, real_enqueue, real_scores, real_load = [], tasks.evaluate.enqueue, tasks.evaluate._update_handover_scores, \
        stages.load_case
    monkeypatch.setattr(tasks.evaluate, "compute_case_report",
                        lambda session, wanted: calls.append("compute") or {"successors": {"RS": {"score": 0.9}}})
    monkeypatch.setattr(stages, "load_case", lambda session, wanted, *, for_update=False: (
        calls.append("lock") if for_update else None) or real_load(session, wanted, for_update=for_update))
    monkeypatch.setattr(tasks.evaluate, "enqueue", lambda *a, **k: calls.append("email") or real_enqueue(*a, **k))
    monkeypatch.setattr(tasks.evaluate, "_update_handover_scores",
                        lambda *a, **k: calls.append("successors") or real_scores(*a, **k))
    assert tasks.evaluate.evaluate_case.fn(case_id) == {"successors": {"RS": {"score": 0.9}}}
    assert calls == ["compute", "lock", "email", "successors"]
    calls.clear()
    assert tasks.evaluate.evaluate_case.fn(case_id) == {"successors": {"RS": {"score": 0.9}}}
    assert calls == [], "an evaluated case is neither computed nor locked again"


def test_a_plan_computed_before_a_successor_filled_up_is_computed_again(case_id, monkeypatch):
    import tasks.plan
    from handover.db import session_scope
    from models import Assignment, Customer, Employee, Plan
    from sqlmodel import func, select

    classify_customers.fn(case_id)
    drafts, real_draft = [], tasks.plan._draft

    def draft_then_fill(wanted):
        draft = real_draft(wanted)
        if not drafts:  # meanwhile a successor's last room goes elsewhere
            taken = next(p.successor_id for p in draft.results[wanted].placements if p.successor_id)
            with session_scope() as session:
                rep = session.get(Employee, taken)
                rep.capacity = session.exec(select(func.count()).where(Customer.owner_id == taken)).one()
        drafts.append(draft)
        return draft

    monkeypatch.setattr(tasks.plan, "_draft", draft_then_fill)
    assert draft_plan.fn(case_id) is True
    assert len(drafts) == 2, "the stale plan was computed again"
    with session_scope() as session:
        assert [p.version for p in session.exec(select(Plan).where(Plan.case_id == case_id))] == [1]
        for rep in session.exec(select(Employee)):
            owned = session.exec(select(func.count()).where(Customer.owner_id == rep.id)).one()
            planned = session.exec(select(func.count()).where(Assignment.successor_id == rep.id)).one()
            assert owned + planned <= rep.capacity or planned == 0, rep.id


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_plans_hold_on_its_successors_does_not_block_records_that_point_at_them(case_id, db):
    """The plan locks its successors' rows while it checks they still fit; a customer moving to one of them
    meanwhile (its foreign-key check locks the rep's row KEY SHARE) goes on: FOR UPDATE there deadlocked
    50 cases at once in the scale benchmark, FOR NO KEY UPDATE does not block it."""
    import psycopg

    import tasks.plan
    from handover.db import session_scope

    classify_customers.fn(case_id)
    draft = tasks.plan._draft(case_id)
    successor = next(p.successor_id for p in draft.results[case_id].placements if p.successor_id)
    with session_scope() as session:
        assert tasks.plan._still_fits(session, case_id, draft.results)
        with psycopg.connect(db.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as other:
            other.execute("SET lock_timeout = '2s'")
            moved = other.execute("UPDATE customer SET owner_id = %s WHERE id = 'C001'", (successor,)).rowcount
    assert moved == 1


def test_inventory_reads_the_book_before_it_locks_the_case_and_not_again_once_done(db, monkeypatch):
    import tasks.inventory

    clock.set_now(START)
    small_company()
    opened, _ = cases.open_case("R0", date(2026, 12, 18), "optimal", "HR1")
    calls, real_collect, real_load = [], tasks.inventory.collect_inventory, stages.load_case

    def collect(session, employee_ids):
        calls.append("book")
        return real_collect(session, employee_ids)

    def load(session, wanted, *, for_update=False):
        calls.append("lock" if for_update else "load")
        return real_load(session, wanted, for_update=for_update)

    monkeypatch.setattr(tasks.inventory, "collect_inventory", collect)
    monkeypatch.setattr(stages, "load_case", load)
    first = take_inventory.fn(opened)
    assert calls == ["load", "book", "lock"] and first["customers"] > 0
    calls.clear()
    assert take_inventory.fn(opened) == first
    assert calls == ["load", "lock"], "a taken inventory is not read again"


def test_revisits_are_worked_out_before_the_lock_and_once(case_id, monkeypatch):
    import tasks.revisit
    from handover.db import session_scope
    from models import Assignment, CaseCustomer, Revisit, StageState
    from sqlmodel import func, select

    classify_customers.fn(case_id)
    draft_plan.fn(case_id)
    with session_scope() as session:  # as if the notice stage had handed everyone over
        for row in session.exec(select(CaseCustomer).where(CaseCustomer.case_id == case_id)):
            row.handed_over_at = clock.now()
            session.add(row)
        for name in ("approve", "meeting", "notice"):
            stages.stage_of(session, case_id, name).state = StageState.done
        placed = session.exec(select(func.count()).where(Assignment.successor_id.is_not(None))).one()
    calls, real_planned, real_load = [], tasks.revisit._planned_revisits, stages.load_case
    monkeypatch.setattr(tasks.revisit, "_planned_revisits",
                        lambda *a: calls.append("work out") or real_planned(*a))
    monkeypatch.setattr(stages, "load_case", lambda session, wanted, *, for_update=False: (
        calls.append("lock") if for_update else None) or real_load(session, wanted, for_update=for_update))
    assert tasks.revisit.schedule_revisits.fn(case_id) is False, "the windows are still open"
    assert calls == ["work out", "lock"]
    with session_scope() as session:
        per_customer = session.exec(select(Revisit.customer_id, func.count()).group_by(Revisit.customer_id)).all()
    assert placed > 0 and len(per_customer) == placed and len({n for _, n in per_customer}) == 1
    calls.clear()
    assert tasks.revisit.schedule_revisits.fn(case_id) is False
    assert calls == ["lock"], "scheduled revisits are not worked out again"
