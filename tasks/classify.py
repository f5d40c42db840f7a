"""Stage 2, classify: score, tier and status of every customer in the case."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from handover import clock, stages
from handover.db import session_scope
from handover.domain.classify import Classification, ClassifyRules, CustomerFacts, classify
from handover.settings import Settings, get_settings
from models import CaseCustomer, Customer
from tasks._prefect import stage_task


def rules_from(settings: Settings) -> ClassifyRules:
    return ClassifyRules(
        weight_contribution=settings.weights.contribution, weight_potential=settings.weights.potential,
        weight_loyalty=settings.weights.loyalty, tier_a=settings.tiers.a, tier_b=settings.tiers.b,
        tier_c=settings.tiers.c, new_days=settings.status.new_days, dormant_days=settings.status.dormant_days,
        lost_days=settings.status.lost_days)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def facts_from_snapshot(snapshot: dict[str, Any]) -> CustomerFacts:
    customer = snapshot["customer"]
    return CustomerFacts(
        id=customer["id"], expected_amount=Decimal(customer["expected_amount"]),
        contribution=Decimal(customer["contribution"]), potential=customer["potential"],
        loyalty=customer["loyalty"], created_on=_day(customer["created_at"]),
        last_contact_on=_day(customer["last_contact_at"]), last_order_on=_day(customer["last_order_at"]),
        open_deal_amount=sum((Decimal(d["amount"]) for d in snapshot["deals"] if d["status"] == "open"), Decimal(0)),
        orders_last_year=snapshot["orders_last_year"])


def company_contributions(session: Session) -> list[Decimal]:
    """Every customer's revenue to date, sorted: the distribution contribution scores are ranked in."""
    return sorted(session.exec(select(Customer.contribution)).all())


def classify_snapshots(snapshots: dict[str, dict], contributions: list[Decimal], today: date,
                       settings: Settings) -> dict[str, Classification]:
    rules = rules_from(settings)
    return {cid: classify(facts_from_snapshot(s), contributions, today, rules) for cid, s in snapshots.items()}


@stage_task(name="classify")
def classify_customers(case_id: int) -> dict[str, int]:
    """Score (contribution + potential + loyalty), tier (ABCD) and status of every customer in the case."""
    with session_scope() as session:
        # The company-wide read comes before the case's lock (held until the commit), and only when needed.
        contributions = None if stages.is_done(session, case_id, "classify") else company_contributions(session)
        case = stages.load_case(session, case_id, for_update=True)
        rows = session.exec(select(CaseCustomer).where(CaseCustomer.case_id == case_id)).all()
        if not stages.is_done(session, case_id, "classify"):
            now = clock.now()
            stages.start(session, case, "classify", now)
            results = classify_snapshots({r.customer_id: r.snapshot for r in rows},
                                         contributions or company_contributions(session), now.date(), get_settings())
            for row in rows:
                result = results[row.customer_id]
                row.contribution_score, row.potential_score, row.loyalty_score = (
                    result.contribution, result.potential, result.loyalty)
                row.score, row.tier, row.status = result.score, result.tier, result.status
            session.add_all(rows)
            stages.finish(session, case, "classify", now)
        return tier_counts(r.tier for r in rows)


def tier_counts(tiers) -> dict[str, int]:
    counts = {"A": 0, "B": 0, "C": 0, "D": 0}
    for tier in tiers:
        counts[tier] += 1
    return counts
