"""Case evaluation on a hand-computed case: every figure checked."""

from datetime import date
from decimal import Decimal

import pytest

from handover.domain.evaluation import (
    CaseFacts,
    CustomerFacts,
    DealFact,
    RevisitFact,
    SurveyFact,
    customer_outcome,
    evaluate,
    handover_score,
)
from handover.errors import HandoverError

SEP1 = date(2025, 9, 1)


def _case() -> CaseFacts:
    c1 = CustomerFacts(
        "C1", tier="A", successor_id="S1", handed_over_on=SEP1, baseline=Decimal("1000.00"),
        has_contacts=True, has_history=True,
        open_deals=(DealFact("D1", Decimal("500"), won=True, recorded=True),),
        briefing_sent=True, meeting_required=True, meeting_held=True, first_order_on=date(2025, 10, 1),
        revisits=(RevisitFact(1, date(2025, 9, 3), date(2025, 9, 3), "ok"),
                  RevisitFact(2, date(2025, 10, 1), date(2025, 10, 5), "ok")),
        survey=SurveyFact(True, csat=5, nps=10))
    c2 = CustomerFacts(
        "C2", tier="B", successor_id="S1", handed_over_on=SEP1, baseline=Decimal("600.00"),
        has_contacts=True, has_history=False,
        open_deals=(DealFact("D2", Decimal("300"), won=False, recorded=False),),
        briefing_sent=True, meeting_required=True, meeting_held=False,
        revisits=(RevisitFact(1, date(2025, 9, 3), date(2025, 9, 2), "complaint"),
                  RevisitFact(2, date(2025, 10, 1))),
        survey=SurveyFact(True, csat=2, nps=5))
    c3 = CustomerFacts(
        "C3", tier="C", successor_id="S2", handed_over_on=SEP1, baseline=Decimal("400.00"),
        has_contacts=True, has_history=True, briefing_sent=False,
        revisits=(RevisitFact(1, date(2025, 9, 3), date(2025, 9, 4), "lost"),),
        survey=SurveyFact(True, csat=4, nps=8))
    c4 = CustomerFacts(
        "C4", tier="D", successor_id="S2", handed_over_on=date(2025, 12, 1), baseline=Decimal("100.00"),
        has_contacts=False, has_history=True, briefing_sent=True,
        revisits=(RevisitFact(1, date(2025, 12, 3), date(2025, 12, 3), "ok"),
                  RevisitFact(2, date(2026, 1, 2))),
        survey=SurveyFact(False))
    c5 = CustomerFacts("C5", tier="D", pooled=True, baseline=Decimal("50.00"))
    c6 = CustomerFacts("C6", tier="C", successor_id="S2", baseline=Decimal("70.00"))
    return CaseFacts(7, "E1", date(2025, 8, 29), date(2025, 12, 31), (c1, c2, c3, c4, c5, c6))


@pytest.fixture(scope="module")
def figures():
    return evaluate(_case())


def test_customer_counts(figures):
    assert figures["customers"] == {"total": 6, "handed_over": 4, "pooled": 1, "awaiting": 1,
                                    "by_tier": {"A": 1, "B": 1, "C": 2, "D": 2}}


def test_retention(figures):
    # C1 ordered within 90 days; C2 no order and window closed 30 Nov; C3 marked lost; C4 window open
    assert figures["retention"] == {"window_days": 90, "retained": 1, "lost": 2, "pending": 1,
                                    "churn_rate": 66.7, "retention_rate": 33.3}


def test_revenue(figures):
    assert figures["revenue"] == {"baseline": Decimal("2100.00"), "retained": Decimal("1000.00"),
                                  "retained_rate": 47.6}


def test_conversion(figures):
    assert figures["conversion"] == {"open_deals": 2, "won": 1, "rate": 50.0,
                                     "open_amount": Decimal("800"), "won_amount": Decimal("500")}


def test_complaints(figures):
    assert figures["complaints"] == {"customers": 1, "rate": 25.0}


def test_satisfaction(figures):
    assert figures["satisfaction"] == {
        "surveys": 4, "answered": 3, "response_rate": 75.0, "csat_mean": 3.67,
        "csat_distribution": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1},
        "nps": 0.0, "promoters": 1, "passives": 1, "detractors": 1,
    }


def test_revisits(figures):
    # on time: C1#1, C2#1, C4#1; late: C1#2, C3#1; overdue: C2#2; upcoming: C4#2
    assert figures["revisits"] == {"total": 7, "on_time": 3, "late": 2, "overdue": 1, "upcoming": 1, "closed": 0,
                                   "on_time_rate": 50.0}


def test_completeness(figures):
    assert figures["completeness"] == {
        "rate": 72.5,  # (100 + 40 + 75 + 75) / 4
        "items": {"contacts": 75.0, "history": 75.0, "open_deals": 75.0, "briefing": 75.0, "meeting": 50.0},
        "complete_customers": 1,
        "per_customer": {"C1": 100.0, "C2": 40.0, "C3": 75.0, "C4": 75.0},
    }


def test_successors(figures):
    assert figures["successors"] == {
        # 0.4*0.5 + 0.2*(1-0.5) + 0.2*(3.5-1)/4 + 0.2*0.5 = 0.525
        "S1": {"customers": 2, "retained": 1, "lost": 1, "pending": 0, "complaints": 1, "csat_mean": 3.5,
               "on_time_rate": 50.0, "score": 52.5},
        # 0.4*0 + 0.2*1 + 0.2*(4-1)/4 + 0.2*0.5 = 0.45
        "S2": {"customers": 2, "retained": 0, "lost": 1, "pending": 1, "complaints": 0, "csat_mean": 4.0,
               "on_time_rate": 50.0, "score": 45.0},
    }


def test_header(figures):
    assert (figures["case_id"], figures["departing_id"], figures["last_day"], figures["as_of"]) == (
        7, "E1", date(2025, 8, 29), date(2025, 12, 31))


def test_score_renormalises_over_known_components():
    assert handover_score(None, None, 5.0, None) == 100.0
    assert handover_score(None, 50.0, None, 100.0) == 75.0  # (0.2*0.5 + 0.2*1) / 0.4
    assert handover_score(None, None, None, None) is None


def test_order_after_the_window_does_not_retain():
    late = CustomerFacts("X", successor_id="S", handed_over_on=SEP1, first_order_on=date(2025, 12, 1))
    assert customer_outcome(late, date(2025, 12, 31)) == "lost"
    on_last_day = CustomerFacts("Y", successor_id="S", handed_over_on=SEP1, first_order_on=date(2025, 11, 30))
    assert customer_outcome(on_last_day, date(2025, 12, 31)) == "retained"


def test_lost_outcome_wins_over_an_order():
    customer = CustomerFacts("X", successor_id="S", handed_over_on=SEP1, first_order_on=date(2025, 9, 5),
                             revisits=(RevisitFact(2, date(2025, 10, 1), date(2025, 10, 1), "lost"),))
    assert customer_outcome(customer, date(2025, 10, 2)) == "lost"


def test_empty_case_has_no_rates():
    figures = evaluate(CaseFacts(1, "E", date(2025, 1, 1), date(2025, 2, 1)))
    assert figures["retention"]["churn_rate"] is None
    assert figures["satisfaction"]["nps"] is None and figures["satisfaction"]["csat_mean"] is None
    assert figures["completeness"]["rate"] is None and figures["successors"] == {}


@pytest.mark.parametrize("customer, message", [
    (CustomerFacts("X", successor_id="S", pooled=True), "'X': both pooled and assigned"),
    (CustomerFacts("X", survey=SurveyFact(True, csat=6)), "'X': CSAT 6 outside 1-5"),
    (CustomerFacts("X", survey=SurveyFact(True, nps=11)), "'X': NPS answer 11 outside 0-10"),
])
def test_inconsistent_facts_are_named(customer, message):
    with pytest.raises(HandoverError, match=f"case 3: customer {message}"):
        evaluate(CaseFacts(3, "E", date(2025, 1, 1), date(2025, 2, 1), (customer,)))


def test_duplicate_customer_is_named():
    with pytest.raises(HandoverError, match="customer 'X': listed twice"):
        evaluate(CaseFacts(3, "E", date(2025, 1, 1), date(2025, 2, 1), (CustomerFacts("X"), CustomerFacts("X"))))
