"""Scoring, tiering and status (handover/domain/classify.py)."""

from datetime import date
from decimal import Decimal

import pytest

from handover.domain.classify import ClassifyRules, CustomerFacts, classify, percentile, status_of, tier_of

RULES = ClassifyRules()
TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("amount, tier", [(800_000, "A"), (799_999.99, "B"), (400_000, "B"), (200_000, "C"),
                                          (199_999, "D"), (0, "D")])
def test_tier_by_expected_amount(amount, tier):
    assert tier_of(Decimal(str(amount)), RULES) == tier


def test_status_from_last_contact_and_orders():
    def facts(**kw):
        return CustomerFacts(id="c", expected_amount=Decimal(0), contribution=Decimal(0), **kw)

    assert status_of(facts(created_on=date(2026, 10, 1)), TODAY, RULES) == "new"
    assert status_of(facts(created_on=date(2020, 1, 1), last_contact_on=date(2026, 11, 1)), TODAY, RULES) == "active"
    assert status_of(facts(created_on=date(2020, 1, 1), last_contact_on=date(2026, 6, 1)), TODAY, RULES) == "dormant"
    assert status_of(facts(created_on=date(2020, 1, 1), last_order_on=date(2025, 1, 1)), TODAY, RULES) == "lost"


def test_percentile_ranks_ties_in_the_middle():
    values = [Decimal(v) for v in (0, 10, 10, 20)]
    assert percentile(Decimal(10), values) == 50.0 and percentile(Decimal(20), values) == 87.5
    assert percentile(Decimal(5), []) == 0.0


def test_score_sums_the_three_parts_and_derives_missing_ones():
    facts = CustomerFacts(id="c", expected_amount=Decimal(800_000), contribution=Decimal(20), potential=None,
                          loyalty=None, created_on=date(2023, 11, 1), last_contact_on=date(2026, 11, 1),
                          open_deal_amount=Decimal(400_000), orders_last_year=3)
    result = classify(facts, [Decimal(v) for v in (0, 10, 10, 20)], TODAY, RULES)
    assert result.contribution == 87.5
    assert result.potential == 75.0  # (800,000 + 400,000) / (2 x 800,000)
    assert result.loyalty == 15 * 3 + 8 * 3  # three full years, three orders
    assert (result.score, result.tier, result.status) == (87.5 + 75.0 + 69.0, "A", "active")


def test_weights_keep_the_score_on_the_0_to_300_scale():
    facts = CustomerFacts(id="c", expected_amount=Decimal(0), contribution=Decimal(0), potential=100, loyalty=0)
    weighted = classify(facts, [Decimal(0)], TODAY, ClassifyRules(weight_contribution=0, weight_potential=2,
                                                                   weight_loyalty=0))
    assert weighted.score == 300.0
