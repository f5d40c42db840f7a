"""Reclaim into the pool on a simulated clock: the notice a week before, the reclaim on the due date,
idempotent ticks, per-tier periods, prospects and past customers without orders."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import select

from handover import clock
from handover.db import session_scope
from handover.pool import run_due
from models import AuditEntry, Customer, Employee, EmployeeStatus, Interaction, OutboxMessage, Role
from models.pool import PoolEntry, ReclaimNotice

T0 = datetime(2025, 1, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def at(days: float) -> datetime:
    moment = T0 + timedelta(days=days)
    clock.set_now(moment)
    return moment


def seed(*customers: Customer, interactions: tuple[Interaction, ...] = ()) -> None:
    with session_scope() as s:
        s.add(Employee(id="M1", name="Manager One", email="m1@example.com", role=Role.manager, locale="en"))
        s.flush()
        s.add(Employee(id="R1", name="Rep One", email="r1@example.com", manager_id="M1"))
        s.add(Employee(id="R2", name="Rep Two", email="r2@example.com", manager_id="M1"))
        s.flush()
        for c in customers:
            s.add(c)
        s.flush()
        for i in interactions:
            s.add(i)


def customer(cid: str, amount: int = 0, **kw) -> Customer:
    base = dict(id=cid, name=f"Customer {cid}", owner_id="R1", owner_since=T0, expected_amount=Decimal(amount),
                created_at=T0 - timedelta(days=400), status="active", last_order_at=T0 - timedelta(days=30))
    base.update(kw)
    return Customer(**base)


def tick(days: float) -> dict:
    now = at(days)
    with session_scope() as s:
        return run_due(s, now=now)


def state(cid: str):
    with session_scope() as s:
        c = s.get(Customer, cid)
        return c.owner_id, c.in_pool


def test_notice_a_week_before_then_reclaim_on_the_due_date(db):
    seed(customer("C1"))  # tier D: 60 days
    assert tick(52) == {"notices": 0, "reclaimed": 0, "inactive": 0, "prospect": 0, "no_order": 0}
    assert tick(53)["notices"] == 1
    assert tick(53)["notices"] == 0  # same moment again: nothing new
    with session_scope() as s:
        notice = s.exec(select(ReclaimNotice)).one()
        assert (notice.owner_id, notice.manager_id, notice.kind.value) == ("R1", "M1", "inactive")
        assert notice.due_on == (T0 + timedelta(days=60)).date() == notice.reclaim_on
        mails = s.exec(select(OutboxMessage).order_by(OutboxMessage.recipient)).all()
        assert [(m.kind, m.recipient) for m in mails] == [("reclaim_notice", "m1@example.com"),
                                                          ("reclaim_notice", "r1@example.com")]
        assert {m.locale for m in mails} == {"en", "zh-CN"}
    assert state("C1") == ("R1", False)
    assert tick(59.5)["reclaimed"] == 0  # 21:00 the day before
    assert tick(60) == {"notices": 0, "reclaimed": 1, "inactive": 1, "prospect": 0, "no_order": 0}
    assert tick(60)["reclaimed"] == 0
    assert state("C1") == (None, True)
    with session_scope() as s:
        entry = s.exec(select(PoolEntry)).one()
        assert (entry.kind.value, entry.previous_owner_id, entry.actor_id) == ("inactive", "R1", None)
        assert "60 days" in entry.reason
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "pool.reclaim")).one()
        assert (audit.subject_id, audit.before["owner_id"], audit.after["in_pool"]) == ("C1", "R1", True)
        assert s.exec(select(ReclaimNotice)).one().reclaimed_at is not None
        assert len(s.exec(select(OutboxMessage)).all()) == 2


def test_tier_a_customer_is_given_longer(db):
    seed(customer("CA", 900_000), customer("CD", 1_000))
    assert tick(53)["notices"] == 1  # tier D: due at 60
    assert tick(60)["reclaimed"] == 1
    assert state("CD") == (None, True) and state("CA") == ("R1", False)
    assert tick(82)["notices"] == 0
    assert tick(83)["notices"] == 1  # tier A: due at 90
    assert tick(89)["reclaimed"] == 0
    assert tick(90)["reclaimed"] == 1
    assert state("CA") == (None, True)


def test_follow_up_by_the_owner_moves_the_date_but_not_someone_elses(db):
    seed(customer("C1"), customer("C2"), interactions=(
        Interaction(id="I1", customer_id="C1", employee_id="R1", at=T0 + timedelta(days=30), kind="call"),
        Interaction(id="I2", customer_id="C2", employee_id="R2", at=T0 + timedelta(days=30), kind="call"),
        Interaction(id="I3", customer_id="C1", employee_id="R1", at=T0 + timedelta(days=80), kind="visit",
                    scheduled=True),
    ))
    tick(53)
    tick(60)
    assert state("C2") == (None, True)
    assert state("C1") == ("R1", False)
    tick(83)
    tick(90)
    assert state("C1") == (None, True)


def test_a_notice_made_stale_by_a_follow_up_does_not_reclaim(db):
    seed(customer("C1"))
    tick(53)
    with session_scope() as s:
        s.add(Interaction(id="I1", customer_id="C1", employee_id="R1", at=at(55), kind="call"))
    assert tick(60)["reclaimed"] == 0
    assert state("C1") == ("R1", False)
    assert tick(108)["notices"] == 1  # due 55 + 60 = 115
    assert tick(115)["reclaimed"] == 1


def test_late_notice_gives_the_owner_a_full_week(db):
    seed(customer("C1"))
    assert tick(70)["notices"] == 1  # nobody ran the tick before the due date
    assert state("C1") == ("R1", False)
    assert tick(76.5)["reclaimed"] == 0
    assert tick(77)["reclaimed"] == 1


def test_prospect_not_converted_within_a_year(db):
    seed(customer("P1", status="new", last_order_at=None, created_at=T0),
         interactions=tuple(Interaction(id=f"I{m}", customer_id="P1", employee_id="R1",
                                        at=T0 + timedelta(days=m * 50), kind="call") for m in range(1, 8)))
    assert tick(358)["notices"] == 1
    assert tick(365) == {"notices": 0, "reclaimed": 1, "inactive": 0, "prospect": 1, "no_order": 0}


def test_past_customer_without_order_for_a_year(db):
    seed(customer("O1", last_order_at=T0 - timedelta(days=100)),
         interactions=(Interaction(id="O-old", customer_id="O1", employee_id="R1", at=T0 + timedelta(days=10),
                                   kind="order"),)
         + tuple(Interaction(id=f"I{m}", customer_id="O1", employee_id="R1", at=T0 + timedelta(days=m * 50),
                             kind="call") for m in range(1, 9)))
    tick(368)
    assert tick(375) == {"notices": 0, "reclaimed": 1, "inactive": 0, "prospect": 0, "no_order": 1}


def test_customers_of_departing_reps_are_left_to_their_case(db):
    seed(customer("C1"))
    with session_scope() as s:
        s.get(Employee, "R1").status = EmployeeStatus.departing
    tick(53)
    assert tick(70) == {"notices": 0, "reclaimed": 0, "inactive": 0, "prospect": 0, "no_order": 0}
    assert state("C1") == ("R1", False)


def test_settings_change_the_periods(db, monkeypatch):
    monkeypatch.setenv("HANDOVER_POOL__RECLAIM_AFTER_DAYS", '{"A": 90, "B": 75, "C": 60, "D": 20}')
    monkeypatch.setenv("HANDOVER_POOL__RECLAIM_NOTICE_DAYS", "3")
    from handover.settings import get_settings

    get_settings.cache_clear()
    seed(customer("C1"))
    assert tick(16)["notices"] == 0
    assert tick(17)["notices"] == 1
    assert tick(20)["reclaimed"] == 1


def test_the_daily_task_commits_a_batch_at_a_time(db, monkeypatch):
    import tasks.pool
    from handover.pool import reclaim
    from tasks.pool import reclaim_to_pool

    seed(*(customer(f"C{n}") for n in range(5)))
    monkeypatch.setattr(reclaim, "BATCH", 2)
    scopes = []

    def counted():
        scopes.append(1)
        return session_scope()

    monkeypatch.setattr(tasks.pool, "session_scope", counted)
    at(53)
    assert reclaim_to_pool.fn()["notices"] == 5
    assert len(scopes) == 1 + 3  # one read, then batches of 2, 2, 1 customers
    assert reclaim_to_pool.fn()["notices"] == 0
    with session_scope() as s:
        assert len(s.exec(select(ReclaimNotice)).all()) == 5
        assert len(s.exec(select(OutboxMessage)).all()) == 10
    at(60)
    assert reclaim_to_pool.fn()["reclaimed"] == 5


def test_a_batch_decides_again_on_what_is_stored_when_it_runs(db):
    from handover.pool.reclaim import apply_due, due_reclaims

    seed(customer("C1"), customer("C2"), customer("C3"))
    now = at(53)
    with session_scope() as s:
        due = due_reclaims(s, now)
    assert [facts.customer_id for facts, _ in due] == ["C1", "C2", "C3"]
    with session_scope() as s:  # after the reading: C1 changes hands, C2 is noticed by another run
        s.get(Customer, "C1").owner_id = "R2"
        assert apply_due(s, due[1:2], now=now)["notices"] == 1
    with session_scope() as s:
        assert apply_due(s, due, now=now)["notices"] == 1  # only C3
        notices = s.exec(select(ReclaimNotice).order_by(ReclaimNotice.customer_id)).all()
        assert [(n.customer_id, n.owner_id) for n in notices] == [("C2", "R1"), ("C3", "R1")]
        assert len(s.exec(select(OutboxMessage)).all()) == 4
