"""Stage 8, evaluate: how a case's handover went, from plain facts.

Definitions (every rate is a percentage with one decimal, ``None`` when its denominator is zero):

- *handed over*: a customer with a successor and a handover date; *pooled*: sent to the public pool;
  *awaiting*: neither yet (the case has not reached the notice).
- *retention*, over handed-over customers: **lost** when a revisit recorded the outcome ``lost``, or when
  no order came within ``retention_days`` (90) of the handover and that window has closed; **retained**
  when an order came within the window and no revisit marked it lost; **pending** otherwise (window
  still open). Churn rate = lost / (retained + lost).
- *revenue*: the baseline is the customers' contribution at inventory; retained revenue is the
  baseline of the retained customers.
- *order conversion*: deals open at inventory that are now won.
- *complaints*: handed-over customers with at least one revisit outcome ``complaint``.
- *CSAT*: mean of answered 1-5 scores; *NPS*: % promoters (9-10) minus % detractors (0-6).
- *revisits*: done on or before the due date = on time; done after = late; not done and past due =
  overdue; not yet due = upcoming; closed without a visit (no outcome: the customer went to the public
  pool) = closed, not counted. On-time rate = on time / (on time + late + overdue).
- *completeness* per handed-over customer: share of the applicable items present — contacts, history,
  open deals recorded (every open deal has a stage and an expected close date), briefing sent, and the
  three-way meeting held (only where the tier requires one). The case figure is the mean.
- *handover score* of a successor, 0-100: a weighted mean of the components it has data for
  (weights re-normalised over those), ``None`` when it has none::

      retention   0.4  retained / (retained + lost)
      complaints  0.2  1 - complaint customers / customers
      csat        0.2  (mean CSAT - 1) / 4
      revisits    0.2  on-time rate
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Iterable

from handover.errors import HandoverError

RETENTION_DAYS = 90
SCORE_WEIGHTS = {"retention": 0.4, "complaints": 0.2, "csat": 0.2, "revisits": 0.2}
COMPLETENESS_ITEMS = ("contacts", "history", "open_deals", "briefing", "meeting")


@dataclass(frozen=True)
class DealFact:
    """A deal that was open at inventory."""

    deal_id: str
    amount: Decimal
    won: bool
    recorded: bool  # stage and expected close date were filled in at inventory


@dataclass(frozen=True)
class RevisitFact:
    number: int
    due_on: date
    done_on: date | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class SurveyFact:
    answered: bool
    csat: int | None = None
    nps: int | None = None


@dataclass(frozen=True)
class CustomerFacts:
    customer_id: str
    tier: str | None = None
    successor_id: str | None = None
    pooled: bool = False
    handed_over_on: date | None = None
    baseline: Decimal = Decimal(0)
    has_contacts: bool = False
    has_history: bool = False
    open_deals: tuple[DealFact, ...] = ()
    briefing_sent: bool = False
    meeting_required: bool = False
    meeting_held: bool = False
    first_order_on: date | None = None  # first order on or after the handover date
    revisits: tuple[RevisitFact, ...] = ()
    survey: SurveyFact | None = None


@dataclass(frozen=True)
class CaseFacts:
    case_id: int
    departing_id: str
    last_day: date
    as_of: date
    customers: tuple[CustomerFacts, ...] = field(default_factory=tuple)
    retention_days: int = RETENTION_DAYS


def evaluate(facts: CaseFacts) -> dict[str, Any]:
    """The case's figures as plain data (money as Decimal, rates in %)."""
    _check(facts)
    handed = [c for c in facts.customers if _is_handed_over(c)]
    return {
        "case_id": facts.case_id,
        "departing_id": facts.departing_id,
        "last_day": facts.last_day,
        "as_of": facts.as_of,
        "customers": _customer_counts(facts.customers, handed),
        "retention": _retention(handed, facts),
        "revenue": _revenue(handed, facts),
        "conversion": _conversion(handed),
        "complaints": _complaints(handed),
        "satisfaction": _satisfaction([c.survey for c in handed if c.survey is not None]),
        "revisits": _revisits([r for c in handed for r in c.revisits], facts.as_of),
        "completeness": _completeness(handed),
        "successors": _successors(handed, facts),
    }


def customer_outcome(customer: CustomerFacts, as_of: date, retention_days: int = RETENTION_DAYS) -> str:
    """``retained``, ``lost`` or ``pending`` for a handed-over customer (see the module docstring)."""
    if any(r.outcome == "lost" for r in customer.revisits):
        return "lost"
    window_ends = customer.handed_over_on + timedelta(days=retention_days)
    if customer.first_order_on is not None and customer.first_order_on <= window_ends:
        return "retained"
    return "lost" if as_of > window_ends else "pending"


def handover_score(retention: float | None, complaint_rate: float | None, csat_mean: float | None,
                   on_time_rate: float | None) -> float | None:
    """Weighted 0-100 score over the components that have data (rates are 0-100, CSAT 1-5)."""
    parts = {
        "retention": None if retention is None else retention / 100,
        "complaints": None if complaint_rate is None else 1 - complaint_rate / 100,
        "csat": None if csat_mean is None else (csat_mean - 1) / 4,
        "revisits": None if on_time_rate is None else on_time_rate / 100,
    }
    known = {name: value for name, value in parts.items() if value is not None}
    if not known:
        return None
    weight = sum(SCORE_WEIGHTS[name] for name in known)
    return round(100 * sum(SCORE_WEIGHTS[name] * value for name, value in known.items()) / weight, 1)


def percent(part: int | float | Decimal, whole: int | float | Decimal) -> float | None:
    """``part`` as a percentage of ``whole`` with one decimal; None when ``whole`` is zero."""
    return None if not whole else round(float(100 * part / whole), 1)


def _check(facts: CaseFacts) -> None:
    seen: set[str] = set()
    for customer in facts.customers:
        where = f"case {facts.case_id}: customer {customer.customer_id!r}"
        if customer.customer_id in seen:
            raise HandoverError(f"{where}: listed twice")
        seen.add(customer.customer_id)
        if customer.pooled and customer.successor_id is not None:
            raise HandoverError(f"{where}: both pooled and assigned to successor {customer.successor_id!r}")
        if customer.survey is not None:
            _check_survey(customer.survey, where)


def _check_survey(survey: SurveyFact, where: str) -> None:
    if survey.csat is not None and not 1 <= survey.csat <= 5:
        raise HandoverError(f"{where}: CSAT {survey.csat} outside 1-5")
    if survey.nps is not None and not 0 <= survey.nps <= 10:
        raise HandoverError(f"{where}: NPS answer {survey.nps} outside 0-10")


def _is_handed_over(customer: CustomerFacts) -> bool:
    return customer.successor_id is not None and customer.handed_over_on is not None


def _customer_counts(customers: Iterable[CustomerFacts], handed: list[CustomerFacts]) -> dict[str, Any]:
    customers = list(customers)
    pooled = sum(1 for c in customers if c.pooled)
    return {
        "total": len(customers),
        "handed_over": len(handed),
        "pooled": pooled,
        "awaiting": len(customers) - len(handed) - pooled,
        "by_tier": dict(sorted(Counter(c.tier or "-" for c in customers).items())),
    }


def _retention(handed: list[CustomerFacts], facts: CaseFacts) -> dict[str, Any]:
    outcomes = Counter(customer_outcome(c, facts.as_of, facts.retention_days) for c in handed)
    decided = outcomes["retained"] + outcomes["lost"]
    return {
        "window_days": facts.retention_days,
        "retained": outcomes["retained"],
        "lost": outcomes["lost"],
        "pending": outcomes["pending"],
        "churn_rate": percent(outcomes["lost"], decided),
        "retention_rate": percent(outcomes["retained"], decided),
    }


def _revenue(handed: list[CustomerFacts], facts: CaseFacts) -> dict[str, Any]:
    baseline = sum((c.baseline for c in handed), Decimal(0))
    retained = sum((c.baseline for c in handed
                    if customer_outcome(c, facts.as_of, facts.retention_days) == "retained"), Decimal(0))
    return {"baseline": baseline, "retained": retained, "retained_rate": percent(retained, baseline)}


def _conversion(handed: list[CustomerFacts]) -> dict[str, Any]:
    deals = [d for c in handed for d in c.open_deals]
    won = [d for d in deals if d.won]
    return {
        "open_deals": len(deals),
        "won": len(won),
        "rate": percent(len(won), len(deals)),
        "open_amount": sum((d.amount for d in deals), Decimal(0)),
        "won_amount": sum((d.amount for d in won), Decimal(0)),
    }


def _complaints(handed: list[CustomerFacts]) -> dict[str, Any]:
    count = sum(1 for c in handed if _complained(c))
    return {"customers": count, "rate": percent(count, len(handed))}


def _complained(customer: CustomerFacts) -> bool:
    return any(r.outcome == "complaint" for r in customer.revisits)


def _satisfaction(surveys: list[SurveyFact]) -> dict[str, Any]:
    answered = [s for s in surveys if s.answered]
    csat = [s.csat for s in answered if s.csat is not None]
    nps = [s.nps for s in answered if s.nps is not None]
    promoters = sum(1 for n in nps if n >= 9)
    detractors = sum(1 for n in nps if n <= 6)
    return {
        "surveys": len(surveys),
        "answered": len(answered),
        "response_rate": percent(len(answered), len(surveys)),
        "csat_mean": round(sum(csat) / len(csat), 2) if csat else None,
        "csat_distribution": {str(score): csat.count(score) for score in range(1, 6)},
        "nps": None if not nps else round(100 * (promoters - detractors) / len(nps), 1),
        "promoters": promoters,
        "passives": len(nps) - promoters - detractors,
        "detractors": detractors,
    }


def _revisit_state(revisit: RevisitFact, as_of: date) -> str:
    if revisit.done_on is not None and revisit.outcome is None:
        return "closed"
    if revisit.done_on is not None:
        return "on_time" if revisit.done_on <= revisit.due_on else "late"
    return "overdue" if as_of > revisit.due_on else "upcoming"


def _revisits(revisits: list[RevisitFact], as_of: date) -> dict[str, Any]:
    states = Counter(_revisit_state(r, as_of) for r in revisits)
    due = states["on_time"] + states["late"] + states["overdue"]
    return {
        "total": len(revisits),
        "on_time": states["on_time"],
        "late": states["late"],
        "overdue": states["overdue"],
        "upcoming": states["upcoming"],
        "closed": states["closed"],
        "on_time_rate": percent(states["on_time"], due),
    }


def _material(customer: CustomerFacts) -> dict[str, bool | None]:
    """Each completeness item: True/False, or None where it does not apply."""
    return {
        "contacts": customer.has_contacts,
        "history": customer.has_history,
        "open_deals": all(d.recorded for d in customer.open_deals),
        "briefing": customer.briefing_sent,
        "meeting": customer.meeting_held if customer.meeting_required else None,
    }


def _completeness(handed: list[CustomerFacts]) -> dict[str, Any]:
    materials = [_material(c) for c in handed]
    per_customer = {}
    for customer, items in zip(handed, materials):
        applicable = [v for v in items.values() if v is not None]
        per_customer[customer.customer_id] = percent(sum(applicable), len(applicable))
    items = {}
    for name in COMPLETENESS_ITEMS:
        values = [m[name] for m in materials if m[name] is not None]
        items[name] = percent(sum(values), len(values))
    mean = round(sum(per_customer.values()) / len(per_customer), 1) if per_customer else None
    return {"rate": mean, "items": items, "complete_customers": sum(1 for v in per_customer.values() if v == 100.0),
            "per_customer": per_customer}


def _successors(handed: list[CustomerFacts], facts: CaseFacts) -> dict[str, dict[str, Any]]:
    result = {}
    for successor_id in sorted({c.successor_id for c in handed}):
        mine = [c for c in handed if c.successor_id == successor_id]
        retention = _retention(mine, facts)
        complaints = _complaints(mine)
        satisfaction = _satisfaction([c.survey for c in mine if c.survey is not None])
        revisits = _revisits([r for c in mine for r in c.revisits], facts.as_of)
        result[successor_id] = {
            "customers": len(mine),
            "retained": retention["retained"],
            "lost": retention["lost"],
            "pending": retention["pending"],
            "complaints": complaints["customers"],
            "csat_mean": satisfaction["csat_mean"],
            "on_time_rate": revisits["on_time_rate"],
            "score": handover_score(retention["retention_rate"], complaints["rate"],
                                    satisfaction["csat_mean"], revisits["on_time_rate"]),
        }
    return result
