"""Scoring, tiering and status of customers (docs/procedure.md, "Classify").

value score = contribution + potential + loyalty, each 0-100, weighted (weights rescaled so the
score stays on the 0-300 scale). Where the import gave no potential or loyalty, they are derived:
- contribution: the customer's revenue to date as a percentile of the company's customers (0-100);
- potential: expected deal amount plus open deals, against twice the tier-A threshold (capped at 100);
- loyalty: 15 points per full year as a customer (at most 60) plus 8 per order in the last year
  (at most 40), halved when the customer is dormant or lost.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class ClassifyRules:
    weight_contribution: float = 1.0
    weight_potential: float = 1.0
    weight_loyalty: float = 1.0
    tier_a: Decimal = Decimal(800_000)
    tier_b: Decimal = Decimal(400_000)
    tier_c: Decimal = Decimal(200_000)
    new_days: int = 90
    dormant_days: int = 90
    lost_days: int = 365


@dataclass(frozen=True)
class CustomerFacts:
    id: str
    expected_amount: Decimal
    contribution: Decimal
    potential: int | None = None
    loyalty: int | None = None
    created_on: date | None = None
    last_contact_on: date | None = None
    last_order_on: date | None = None
    open_deal_amount: Decimal = Decimal(0)
    orders_last_year: int = 0


@dataclass(frozen=True)
class Classification:
    contribution: float
    potential: float
    loyalty: float
    score: float
    tier: str
    status: str


def tier_of(expected_amount: Decimal, rules: ClassifyRules) -> str:
    """ABCD by expected deal amount (CNY)."""
    if expected_amount >= rules.tier_a:
        return "A"
    if expected_amount >= rules.tier_b:
        return "B"
    if expected_amount >= rules.tier_c:
        return "C"
    return "D"


def status_of(facts: CustomerFacts, today: date, rules: ClassifyRules) -> str:
    """new / active / dormant / lost from the last interaction and the last order."""
    last_touch = max(filter(None, (facts.last_contact_on, facts.last_order_on)), default=None)
    if facts.last_order_on is None and facts.created_on and (today - facts.created_on).days <= rules.new_days:
        return "new"
    if last_touch is None:
        return "lost"
    idle = (today - last_touch).days
    if idle > rules.lost_days:
        return "lost"
    if idle > rules.dormant_days:
        return "dormant"
    return "active"


def percentile(value: Decimal, sorted_values: Sequence[Decimal]) -> float:
    """Mid-rank percentile of value among sorted_values, 0-100 (ties share the middle rank)."""
    if not sorted_values:
        return 0.0
    below = bisect_left(sorted_values, value)
    equal = bisect_right(sorted_values, value) - below
    return round(100.0 * (below + equal / 2) / len(sorted_values), 2)


def _potential(facts: CustomerFacts, rules: ClassifyRules) -> float:
    if facts.potential is not None:
        return float(facts.potential)
    outlook = facts.expected_amount + facts.open_deal_amount
    return round(min(100.0, 100.0 * float(outlook) / float(2 * rules.tier_a)), 2)


def _loyalty(facts: CustomerFacts, status: str, today: date) -> float:
    if facts.loyalty is not None:
        return float(facts.loyalty)
    years = (today - facts.created_on).days // 365 if facts.created_on else 0
    points = min(60, 15 * years) + min(40, 8 * facts.orders_last_year)
    return float(points / 2 if status in ("dormant", "lost") else points)


def classify(facts: CustomerFacts, company_contributions: Sequence[Decimal], today: date,
             rules: ClassifyRules) -> Classification:
    """Score, tier and status of one customer; company_contributions must be sorted ascending."""
    status = status_of(facts, today, rules)
    parts = (percentile(facts.contribution, company_contributions), _potential(facts, rules),
             _loyalty(facts, status, today))
    weights = (rules.weight_contribution, rules.weight_potential, rules.weight_loyalty)
    total_weight = sum(weights) or 1.0
    score = round(3 * sum(w * p for w, p in zip(weights, parts)) / total_weight, 2)
    return Classification(*parts, score=score, tier=tier_of(facts.expected_amount, rules), status=status)
