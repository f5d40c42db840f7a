"""Evaluation from the database (SQLite and PostgreSQL) and the `handover report` command."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from handover.cli import app
from handover.db import session_scope
from handover.evaluation import compute_case_report, save_case_report
from handover.errors import NotFound
from models import (
    Assignment,
    CaseCustomer,
    CaseReport,
    CaseStatus,
    Customer,
    Deal,
    DealStatus,
    Employee,
    Interaction,
    Meeting,
    MeetingState,
    OffboardingCase,
    OutboxMessage,
    OutboxStatus,
    Plan,
    PlanStatus,
    Revisit,
    RevisitOutcome,
    Survey,
)

SH = ZoneInfo("Asia/Shanghai")
HANDED = datetime(2025, 9, 1, 10, 0, tzinfo=SH)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def _snapshot(customer_id: str, contribution: str, *, email: str = "", history: bool = True,
              deals: list[dict] | None = None) -> dict:
    return {
        "customer": {"id": customer_id, "contribution": contribution, "contact_email": email, "contact_phone": ""},
        "deals": deals or [],
        "interactions": [{"id": f"{customer_id}-i0", "kind": "call"}] if history else [],
    }


def _seed_case(session, case_id: int, departing: str, successors: dict[str, str | None], *,
               status: CaseStatus = CaseStatus.closed, last_day: date = date(2025, 8, 29)) -> None:
    """A case whose customers are all handed over on 1 Sep 2025 (None = pooled), approved plan v2."""
    session.add(OffboardingCase(id=case_id, employee_id=departing, last_day=last_day, strategy="optimal",
                                status=status, opened_by="M", opened_at=_at(date(2025, 8, 1))))
    session.flush()
    session.add(Plan(id=case_id * 10, case_id=case_id, version=1, strategy="optimal", status=PlanStatus.rejected,
                     created_at=_at(date(2025, 8, 5))))
    session.add(Plan(id=case_id * 10 + 1, case_id=case_id, version=2, strategy="optimal", status=PlanStatus.approved,
                     created_at=_at(date(2025, 8, 6))))
    session.flush()
    for customer_id, successor in successors.items():
        # the rejected plan gave everything to S2: it must not count
        session.add(Assignment(plan_id=case_id * 10, customer_id=customer_id, successor_id="S2"))
        session.add(Assignment(plan_id=case_id * 10 + 1, customer_id=customer_id, successor_id=successor))


def _seed(session) -> None:
    for eid, name in [("M", "Manager"), ("E1", "Departing One"), ("S1", "Succ One"), ("S2", "Succ Two")]:
        session.add(Employee(id=eid, name=name, email=f"{eid.lower()}@example.com"))
    session.flush()
    for cid in ("C1", "C2", "C3", "C4"):
        session.add(Customer(id=cid, name=f"Customer {cid}", owner_id="E1"))
    session.flush()
    session.add(Deal(id="D1", customer_id="C1", amount=Decimal("500"), status=DealStatus.won, stage="won",
                     closed_at=_at(date(2025, 9, 20))))
    session.add(Deal(id="D2", customer_id="C2", amount=Decimal("300"), status=DealStatus.open))
    session.add(Deal(id="D3", customer_id="C3", amount=Decimal("999"), status=DealStatus.won))  # won before: not open
    _seed_case(session, 1, "E1", {"C1": "S1", "C2": "S1", "C3": "S2", "C4": None})
    snapshots = {
        "C1": _snapshot("C1", "1000.00", email="c1@example.com",
                        deals=[{"id": "D1", "status": "open", "amount": "500", "stage": "quote",
                                "expected_close": "2025-10-01"}]),
        "C2": _snapshot("C2", "600.00", email="c2@example.com", history=False,
                        deals=[{"id": "D2", "status": "open", "amount": "300", "stage": "", "expected_close": None}]),
        "C3": _snapshot("C3", "400.00", email="c3@example.com",
                        deals=[{"id": "D3", "status": "won", "amount": "999", "stage": "won"}]),
        "C4": _snapshot("C4", "50.00"),
    }
    tiers = {"C1": "A", "C2": "B", "C3": "C", "C4": "D"}
    for cid, snap in snapshots.items():
        session.add(CaseCustomer(case_id=1, customer_id=cid, snapshot=snap, tier=tiers[cid],
                                 handed_over_at=HANDED if cid != "C4" else None))
    # C1 orders on 1 Oct (retained); C2 ordered before the handover only (lost after 90 days)
    session.add(Interaction(id="o1", customer_id="C1", at=_at(date(2025, 10, 1)), kind="order"))
    session.add(Interaction(id="o2", customer_id="C2", at=_at(date(2025, 8, 20)), kind="order"))
    session.add(Interaction(id="o3", customer_id="C2", at=_at(date(2025, 10, 9)), kind="order", scheduled=True))
    session.add(Meeting(case_id=1, customer_id="C1", successor_id="S1", departing_id="E1", state=MeetingState.held,
                        starts_at=_at(date(2025, 8, 25)), ends_at=_at(date(2025, 8, 25), 11)))
    session.add(Meeting(case_id=1, customer_id="C2", successor_id="S1", departing_id="E1",
                        state=MeetingState.cancelled, starts_at=_at(date(2025, 8, 26)), ends_at=_at(date(2025, 8, 26), 11)))
    for cid, status in [("C1", OutboxStatus.sent), ("C2", OutboxStatus.sent), ("C3", OutboxStatus.failed)]:
        session.add(OutboxMessage(idempotency_key=f"1:{cid}:successor_briefing", kind="successor_briefing", case_id=1,
                                  customer_id=cid, recipient="s@example.com", locale="en", subject="brief",
                                  message_id=f"<{cid}@x>", mime="", status=status, created_at=HANDED))
    revisits = [
        ("C1", "S1", 1, date(2025, 9, 3), _at(date(2025, 9, 3), 23), RevisitOutcome.ok),  # 23:00 local: on time
        ("C1", "S1", 2, date(2025, 10, 1), _at(date(2025, 10, 5)), RevisitOutcome.ok),
        ("C2", "S1", 1, date(2025, 9, 3), _at(date(2025, 9, 2)), RevisitOutcome.complaint),
        ("C2", "S1", 2, date(2025, 10, 1), None, None),
        ("C3", "S2", 1, date(2025, 9, 3), _at(date(2025, 9, 4)), RevisitOutcome.lost),
    ]
    for cid, sid, number, due, done, outcome in revisits:
        session.add(Revisit(case_id=1, customer_id=cid, successor_id=sid, number=number, due_on=due, done_at=done,
                            outcome=outcome))
    for cid, csat, nps, answered in [("C1", 5, 10, True), ("C2", 2, 5, True), ("C3", None, None, False)]:
        session.add(Survey(case_id=1, customer_id=cid, successor_id="S1", token_hash=cid * 16, sent_at=HANDED,
                           expires_at=HANDED + timedelta(days=30), csat=csat, nps=nps,
                           answered_at=HANDED + timedelta(days=3) if answered else None))


@pytest.fixture
def seeded(db):
    with session_scope() as session:
        _seed(session)
        session.add(Employee(id="ADM", name="Admin", email="adm@example.com", role="admin"))  # reads the reports
    return db


def test_compute_case_report_from_the_tables(seeded):
    with session_scope() as session:
        figures = compute_case_report(session, 1, as_of=date(2025, 12, 31))
    assert figures["customers"] == {"total": 4, "handed_over": 3, "pooled": 1, "awaiting": 0,
                                    "by_tier": {"A": 1, "B": 1, "C": 1, "D": 1}}
    assert figures["retention"] == {"window_days": 90, "retained": 1, "lost": 2, "pending": 0,
                                    "churn_rate": 66.7, "retention_rate": 33.3}
    assert figures["revenue"] == {"baseline": "2000.00", "retained": "1000.00", "retained_rate": 50.0}
    assert figures["conversion"] == {"open_deals": 2, "won": 1, "rate": 50.0, "open_amount": "800",
                                     "won_amount": "500"}
    assert figures["complaints"] == {"customers": 1, "rate": 33.3}
    assert figures["satisfaction"]["csat_mean"] == 3.5 and figures["satisfaction"]["nps"] == 0.0
    assert figures["satisfaction"]["response_rate"] == 66.7
    assert figures["revisits"] == {"total": 5, "on_time": 2, "late": 2, "overdue": 1, "upcoming": 0, "closed": 0,
                                   "on_time_rate": 40.0}
    # C1 5/5; C2: contacts, briefing of 5 = 40; C3: contacts, history, deals of 4 (C tier: no meeting) = 75
    assert figures["completeness"]["per_customer"] == {"C1": 100.0, "C2": 40.0, "C3": 75.0}
    assert figures["completeness"]["rate"] == 71.7
    assert figures["successors"]["S1"] == {"customers": 2, "retained": 1, "lost": 1, "pending": 0, "complaints": 1,
                                           "csat_mean": 3.5, "on_time_rate": 50.0, "score": 52.5}
    # S2: retention 0, no complaints, no CSAT, revisits 0/1 -> 0.2 / 0.8 = 25.0
    assert figures["successors"]["S2"]["score"] == 25.0
    json.dumps(figures)  # JSON-ready as stored


def test_unknown_case_is_named(seeded):
    with session_scope() as session, pytest.raises(NotFound, match="case 99"):
        compute_case_report(session, 99)


def _store_second_case(session) -> None:
    session.add(Customer(id="C9", name="Customer C9", owner_id="E1"))
    session.flush()
    _seed_case(session, 2, "S2", {"C9": "S1"}, last_day=date(2025, 11, 28))
    session.add(CaseCustomer(case_id=2, customer_id="C9", snapshot=_snapshot("C9", "80.00"), tier="C",
                             handed_over_at=HANDED + timedelta(days=90)))
    session.flush()


def test_report_command_renders_stored_report(seeded, tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOVER_NOW", "2025-12-31T09:00:00+08:00")
    from handover.settings import get_settings
    get_settings.cache_clear()
    with session_scope() as session:
        save_case_report(session, 1)
    runner = CliRunner()
    md = runner.invoke(app, ["report", "1", "--by", "ADM"])
    assert md.exit_code == 0, md.output
    assert "| Churn rate | 66.7 % |" in md.output
    assert "| Succ One (S1) | 2 | 1 | 1 | 1 | 3.5 | 50.0 % | 52.5 |" in md.output
    assert "CNY 2,000.00" in md.output

    out = tmp_path / "r" / "case1.html"
    html = runner.invoke(app, ["report", "1", "--format", "html", "--output", str(out), "--by", "ADM"])
    assert html.exit_code == 0, html.output
    page = out.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 4 and "Departing One (E1)" in page

    as_json = runner.invoke(app, ["report", "1", "--format", "json", "--by", "ADM"])
    document = json.loads(as_json.stdout)
    assert document["figures"]["retention"]["lost"] == 2 and document["names"]["S2"] == "Succ Two"


def test_report_all_compares_closed_cases(seeded):
    with session_scope() as session:
        _store_second_case(session)
        save_case_report(session, 1)
        save_case_report(session, 2)
        session.add(OffboardingCase(id=3, employee_id="S1", last_day=date(2025, 12, 1), strategy="x",
                                    status=CaseStatus.open, opened_by="M", opened_at=HANDED))
        session.flush()
        session.add(CaseReport(case_id=3, computed_at=HANDED, figures={"not": "closed"}))
    result = CliRunner().invoke(app, ["report", "--all", "--format", "json", "--by", "ADM"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [c["case_id"] for c in document["cases"]] == [1, 2]  # the open case 3 is left out
    assert document["successors"]["S1"]["cases"] == 2
    assert document["successors"]["S1"]["customers"] == 3
    html = CliRunner().invoke(app, ["report", "--all", "--format", "html", "--by", "ADM"])
    assert html.exit_code == 0 and html.stdout.count("data:image/png;base64,") == 2
    md = CliRunner().invoke(app, ["report", "--all", "--by", "ADM"])
    assert "| 2 | Succ Two (S2) | 2025-11-28 |" in md.stdout


@pytest.mark.parametrize("args, message", [
    (["report", "5"], "case 5: no such offboarding case"),
    (["report", "1"], "case 1: no report yet"),
    (["report"], "give either a CASE_ID or --all"),
    (["report", "1", "--all"], "give either a CASE_ID or --all"),
    (["report", "1", "--format", "pdf"], "--format 'pdf'"),
])
def test_report_errors_are_named(seeded, args, message):
    result = CliRunner().invoke(app, [*args, "--by", "ADM"])
    assert result.exit_code != 0
    assert message in str(result.exception)
