"""Pure pool rules: reclaim dates per tier and entry path, notice timing, claim checks, suspensions."""

from datetime import date, timedelta

import pytest

from handover.domain.pool import (
    ClaimFacts,
    ReclaimFacts,
    ReclaimRules,
    claim_is_conflict,
    claim_refusal,
    cooldown_until,
    describe_reclaim,
    next_suspension,
    reclaim_due,
    reclaim_step,
    rightful_owner,
    suspended_through,
    suspension_days,
)

RULES = ReclaimRules(reclaim_after_days={"A": 90, "B": 75, "C": 60, "D": 60}, prospect_cycle_days=365,
                     no_order_days=365, notice_days=7)
D0 = date(2025, 1, 1)


def facts(**changes) -> ReclaimFacts:
    base = dict(customer_id="C1", owner_id="R1", tier="D", status="active", owner_since=D0, created_on=D0 - timedelta(days=400),
                last_follow_up_on=None, last_order_on=None)
    base.update(changes)
    return ReclaimFacts(**base)


def test_inactive_counts_from_when_the_owner_received_the_customer():
    due = reclaim_due(facts(status="dormant"), RULES)
    assert (due.kind, due.due_on) == ("inactive", D0 + timedelta(days=60))


def test_inactive_counts_from_the_owners_last_follow_up_when_later():
    due = reclaim_due(facts(status="dormant", last_follow_up_on=D0 + timedelta(days=20)), RULES)
    assert due.due_on == D0 + timedelta(days=80)


def test_a_follow_up_before_the_owner_received_the_customer_does_not_count():
    due = reclaim_due(facts(status="dormant", last_follow_up_on=D0 - timedelta(days=30)), RULES)
    assert due.due_on == D0 + timedelta(days=60)


@pytest.mark.parametrize(("tier", "days"), [("A", 90), ("B", 75), ("C", 60), ("D", 60)])
def test_inactive_period_depends_on_the_tier(tier, days):
    assert reclaim_due(facts(tier=tier, status="dormant"), RULES).due_on == D0 + timedelta(days=days)


def test_unknown_tier_is_an_error():
    with pytest.raises(ValueError, match="tier 'E'"):
        reclaim_due(facts(tier="E"), RULES)


def test_prospect_not_converted_within_the_cycle():
    rules = ReclaimRules(reclaim_after_days={"D": 1000}, prospect_cycle_days=365, no_order_days=365)
    due = reclaim_due(facts(status="new", created_on=D0 - timedelta(days=10)), rules)
    assert (due.kind, due.due_on) == ("prospect", D0 + timedelta(days=365))


def test_past_customer_without_an_order_for_a_year():
    rules = ReclaimRules(reclaim_after_days={"D": 1000}, prospect_cycle_days=365, no_order_days=365)
    due = reclaim_due(facts(last_order_on=D0 + timedelta(days=5)), rules)
    assert (due.kind, due.due_on) == ("no_order", D0 + timedelta(days=370))
    # an order long before the owner received it: the year starts with the owner
    assert reclaim_due(facts(last_order_on=D0 - timedelta(days=900)), rules).due_on == D0 + timedelta(days=365)


def test_a_customer_that_has_ordered_is_not_a_prospect():
    rules = ReclaimRules(reclaim_after_days={"D": 1000}, prospect_cycle_days=30, no_order_days=365)
    due = reclaim_due(facts(status="new", last_order_on=D0), rules)
    assert due.kind == "no_order"


def test_earliest_reason_wins():
    due = reclaim_due(facts(status="new", last_follow_up_on=D0 + timedelta(days=400)), RULES)
    assert (due.kind, due.due_on) == ("prospect", D0 + timedelta(days=365))


def test_no_dates_means_no_reclaim():
    assert reclaim_due(facts(owner_since=None, created_on=None), RULES) is None


def test_describe_names_period_and_tier():
    text = describe_reclaim(facts(tier="A"), reclaim_due(facts(tier="A"), RULES), RULES)
    assert "90 days" in text and "tier A" in text and "R1" in text


def test_notice_goes_out_a_week_before_and_the_reclaim_on_the_due_date():
    due = D0 + timedelta(days=60)
    assert reclaim_step(due, None, due - timedelta(days=8), 7).notify is False
    step = reclaim_step(due, None, due - timedelta(days=7), 7)
    assert (step.notify, step.reclaim_on, step.reclaim) == (True, due, False)
    assert reclaim_step(due, due, due - timedelta(days=1), 7).reclaim is False
    assert reclaim_step(due, due, due, 7) == reclaim_step(due, due, due, 7)
    assert reclaim_step(due, due, due, 7).reclaim is True
    assert reclaim_step(due, due, due, 7).notify is False


def test_a_late_notice_moves_the_reclaim_a_full_notice_period_out():
    due = D0 + timedelta(days=60)
    step = reclaim_step(due, None, due + timedelta(days=3), 7)
    assert (step.notify, step.reclaim_on, step.reclaim) == (True, due + timedelta(days=10), False)


def test_zero_notice_days_reclaims_on_the_due_date_in_one_step():
    due = D0 + timedelta(days=60)
    step = reclaim_step(due, None, due, 0)
    assert (step.notify, step.reclaim) == (True, True)


def claim(**changes) -> ClaimFacts:
    base = dict(rep_id="R1", role="rep", status="active", suspended_until=None, owned=5, capacity=10,
                claims_in_window=0, claims_limit=3, cooldown_until=None)
    base.update(changes)
    return ClaimFacts(**base)


def test_claim_allowed():
    assert claim_refusal(claim(), D0) is None


@pytest.mark.parametrize(("changes", "words"), [
    ({"role": "manager"}, "only reps"),
    ({"status": "departing"}, "departing"),
    ({"status": "departed"}, "departed"),
    ({"suspended_until": D0}, "suspended"),
    ({"owned": 10}, "capacity is 10"),
    ({"claims_in_window": 3}, "limit is 3"),
    ({"cooldown_until": D0 + timedelta(days=1)}, "claim it back from"),
])
def test_claim_refusals(changes, words):
    assert words in claim_refusal(claim(**changes), D0)


def test_suspension_and_cooldown_end():
    assert claim_refusal(claim(suspended_until=D0 - timedelta(days=1)), D0) is None
    assert claim_refusal(claim(cooldown_until=D0), D0) is None


def test_cooldown_only_for_the_rep_who_lost_it():
    assert cooldown_until("R1", "R1", D0, 30) == D0 + timedelta(days=30)
    assert cooldown_until("R2", "R1", D0, 30) is None
    assert cooldown_until("R1", None, None, 30) is None


def test_suspension_lengths():
    days = [7, 15, 30]
    assert [suspension_days(n, days) for n in (1, 2, 3, 4, 9)] == [7, 15, 30, 30, 30]
    with pytest.raises(ValueError):
        suspension_days(0, days)


def test_suspended_through_joins_back_to_back_periods():
    periods = [(D0, D0 + timedelta(days=6)), (D0 + timedelta(days=7), D0 + timedelta(days=21))]
    assert suspended_through(periods, D0 + timedelta(days=2)) == D0 + timedelta(days=21)
    assert suspended_through(periods, D0 + timedelta(days=10)) == D0 + timedelta(days=21)
    assert suspended_through(periods, D0 + timedelta(days=22)) is None
    assert suspended_through(periods, D0 - timedelta(days=1)) is None


def test_next_suspension_starts_after_a_running_one():
    first = next_suspension([], D0, 7)
    assert first == (D0, D0 + timedelta(days=6))
    second = next_suspension([first], D0 + timedelta(days=3), 15)
    assert second == (D0 + timedelta(days=7), D0 + timedelta(days=21))
    assert next_suspension([first], D0 + timedelta(days=30), 15)[0] == D0 + timedelta(days=30)


def test_conflict_rules():
    assert rightful_owner("R1", "R2", "R2") == "R2"
    assert rightful_owner("R1", "R2", "R1") == "R1"
    assert rightful_owner("R1", "R2", None) == "R1"
    assert claim_is_conflict("R2", "R2", True) is True
    assert claim_is_conflict("R2", "R1", True) is False
    assert claim_is_conflict("R2", None, False) is True
