"""Public pool (公海池) and standing rules as pure functions: when a customer is reclaimed, whether a
rep may claim, how long a suspension lasts, who keeps a contested customer.

Dates are parameters; nothing here reads the clock or the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

INACTIVE, PROSPECT, NO_ORDER = "inactive", "prospect", "no_order"
_KIND_ORDER = {INACTIVE: 0, PROSPECT: 1, NO_ORDER: 2}


@dataclass(frozen=True)
class ReclaimRules:
    reclaim_after_days: Mapping[str, int]  # by tier A-D
    prospect_cycle_days: int = 365
    no_order_days: int = 365
    notice_days: int = 7


@dataclass(frozen=True)
class ReclaimFacts:
    """What decides an owned customer's reclaim date. ``last_follow_up_on`` counts only the owner's own
    interactions; every date is as of the day it happened."""

    customer_id: str
    owner_id: str
    tier: str
    status: str
    owner_since: date | None = None
    created_on: date | None = None
    last_follow_up_on: date | None = None
    last_order_on: date | None = None


@dataclass(frozen=True)
class ReclaimDue:
    kind: str
    due_on: date


def _latest(*days: date | None) -> date | None:
    return max((d for d in days if d is not None), default=None)


def reclaim_due(facts: ReclaimFacts, rules: ReclaimRules) -> ReclaimDue | None:
    """The earliest reason and date the customer goes back to the pool, or None when nothing dates it.

    Every clock starts no earlier than the day the current owner received the customer, so a rep who
    just claimed a long-idle customer gets the full period:
    - inactive: no follow-up by the owner for ``reclaim_after_days[tier]`` days;
    - prospect: status new and never ordered, not converted within ``prospect_cycle_days``;
    - no_order: a past customer (has ordered) with no order for ``no_order_days``.
    """
    candidates: list[ReclaimDue] = []
    follow_anchor = _latest(facts.owner_since, facts.last_follow_up_on) or facts.created_on
    if follow_anchor is not None:
        days = rules.reclaim_after_days.get(facts.tier)
        if days is None:
            raise ValueError(f"no reclaim period configured for tier {facts.tier!r}")
        candidates.append(ReclaimDue(INACTIVE, follow_anchor + timedelta(days=days)))
    if facts.last_order_on is None and facts.status == "new":
        cycle_anchor = _latest(facts.owner_since, facts.created_on)
        if cycle_anchor is not None:
            candidates.append(ReclaimDue(PROSPECT, cycle_anchor + timedelta(days=rules.prospect_cycle_days)))
    if facts.last_order_on is not None:
        order_anchor = _latest(facts.last_order_on, facts.owner_since)
        candidates.append(ReclaimDue(NO_ORDER, order_anchor + timedelta(days=rules.no_order_days)))
    return min(candidates, key=lambda c: (c.due_on, _KIND_ORDER[c.kind]), default=None)


def describe_reclaim(facts: ReclaimFacts, due: ReclaimDue, rules: ReclaimRules) -> str:
    """Why the customer is (to be) reclaimed, in words for the owner, the manager and the audit trail."""
    if due.kind == INACTIVE:
        return (f"no follow-up recorded by {facts.owner_id} for {rules.reclaim_after_days[facts.tier]} days "
                f"(tier {facts.tier}); due {due.due_on.isoformat()}")
    if due.kind == PROSPECT:
        return f"prospect not converted within {rules.prospect_cycle_days} days; due {due.due_on.isoformat()}"
    return f"no order for {rules.no_order_days} days; due {due.due_on.isoformat()}"


@dataclass(frozen=True)
class ReclaimStep:
    notify: bool           # send the reclaim notice now
    reclaim_on: date | None  # when the reclaim happens (set once a notice exists or is sent now)
    reclaim: bool          # reclaim now


def reclaim_step(due_on: date, notice_reclaim_on: date | None, today: date, notice_days: int) -> ReclaimStep:
    """What the daily tick does for one customer whose reclaim is due on ``due_on``.

    The owner and manager are always told ``notice_days`` before the reclaim: a notice that could only
    go out late (the tick did not run, or the data arrived late) moves the reclaim to ``notice_days``
    after the notice. ``notice_reclaim_on`` is the reclaim date of a notice already sent for this due
    date (None when none was sent).
    """
    if notice_reclaim_on is not None:
        return ReclaimStep(False, notice_reclaim_on, today >= notice_reclaim_on)
    if today < due_on - timedelta(days=notice_days):
        return ReclaimStep(False, None, False)
    reclaim_on = max(due_on, today + timedelta(days=notice_days))
    return ReclaimStep(True, reclaim_on, today >= reclaim_on)


@dataclass(frozen=True)
class ClaimFacts:
    """What decides whether a rep may take one more customer from the pool."""

    rep_id: str
    role: str
    status: str
    suspended_until: date | None
    owned: int
    capacity: int
    claims_in_window: int  # claims in the last 30 days
    claims_limit: int
    cooldown_until: date | None  # may not claim this customer back before this day


def claim_refusal(facts: ClaimFacts, today: date) -> str | None:
    """Why the rep may not claim now, or None when the claim may go ahead."""
    if facts.role != "rep":
        return f"{facts.rep_id} is a {facts.role}, only reps claim customers from the pool"
    if facts.status != "active":
        return f"{facts.rep_id} is {facts.status} and cannot take new customers"
    if facts.suspended_until is not None and facts.suspended_until >= today:
        return f"{facts.rep_id} is suspended from new customers through {facts.suspended_until.isoformat()}"
    if facts.owned >= facts.capacity:
        return f"{facts.rep_id} already owns {facts.owned} customers, the capacity is {facts.capacity}"
    if facts.claims_in_window >= facts.claims_limit:
        return (f"{facts.rep_id} has claimed {facts.claims_in_window} customers in the last 30 days, "
                f"the limit is {facts.claims_limit}")
    if facts.cooldown_until is not None and today < facts.cooldown_until:
        return (f"{facts.rep_id} lost or released this customer and may claim it back from "
                f"{facts.cooldown_until.isoformat()}")
    return None


def cooldown_until(rep_id: str, previous_owner_id: str | None, entered_on: date | None,
                   cooldown_days: int) -> date | None:
    """The first day a rep who lost or released the customer (its last pool entry) may claim it back."""
    if previous_owner_id != rep_id or entered_on is None:
        return None
    return entered_on + timedelta(days=cooldown_days)


def suspension_days(violation_number: int, days_by_violation: Sequence[int]) -> int:
    """7, 15, 30 ... by default: the last figure applies to every later violation."""
    if violation_number < 1:
        raise ValueError(f"violation number must be 1 or more, got {violation_number}")
    if not days_by_violation:
        raise ValueError("suspension.days_by_violation is empty")
    return days_by_violation[min(violation_number, len(days_by_violation)) - 1]


def suspended_through(periods: Iterable[tuple[date, date]], on: date) -> date | None:
    """The last day of the suspension covering ``on`` (back-to-back periods join), or None."""
    ordered = sorted(periods)
    end: date | None = None
    for starts_on, ends_on in ordered:
        if end is None:
            if starts_on <= on <= ends_on:
                end = ends_on
        elif starts_on <= end + timedelta(days=1):
            end = max(end, ends_on)
    return end


def next_suspension(periods: Iterable[tuple[date, date]], today: date, days: int) -> tuple[date, date]:
    """A new suspension of ``days`` days (inclusive): from today, or from the day after a current one ends."""
    current_end = suspended_through(periods, today)
    starts_on = today if current_end is None else current_end + timedelta(days=1)
    return starts_on, starts_on + timedelta(days=days - 1)


def claim_is_conflict(claimant: str, first_registered_by: str | None, owner_took_it_from_pool: bool) -> bool:
    """A claim of a customer someone else owns is a conflict for the manager when the claimant has a
    standing: it registered the customer first, or the owner did not take it from the pool. A rep who
    only lost the first-come race for a pool customer is simply refused."""
    return first_registered_by == claimant or not owner_took_it_from_pool


def rightful_owner(current_owner: str, claimant: str, first_registered_by: str | None) -> str:
    """Who should keep a contested customer: the rep who registered it first, else the current owner."""
    return claimant if first_registered_by == claimant else current_owner
