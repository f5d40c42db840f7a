"""A team plan: several departing reps in one allocation, cut into each rep's part."""

from __future__ import annotations

from datetime import date

import pytest

from handover.allocation import AllocationOptions, Candidate, CustomerToPlace, RepFacts, allocate, eligible, split_plan
from handover.errors import HandoverError

ON = date(2026, 11, 23)


def rep(id, capacity=10, owned=0, level="mid", region="华东") -> RepFacts:
    return RepFacts(id=id, level=level, role="rep", status="active", regions=frozenset({region}),
                    industries=frozenset(), capacity=capacity, owned=owned)


def cust(id, from_rep, tier="B", score=100.0, region="华东") -> CustomerToPlace:
    return CustomerToPlace(id, tier, score, region, "", from_rep)


def test_the_departing_reps_never_receive_each_others_customers_and_capacity_holds_across_them():
    reps = [rep("d1"), rep("d2"), rep("s1", capacity=4, owned=1), rep("s2", capacity=3)]
    customers = [cust(f"a{i}", "d1", score=200 - i) for i in range(4)] + [cust(f"b{i}", "d2", score=150 - i)
                                                                           for i in range(4)]
    candidates, excluded = eligible(reps, ["d1", "d2"], ON)
    assert excluded == {"d1": "departing rep of this plan", "d2": "departing rep of this plan"}
    result = allocate(customers, candidates, "optimal")
    parts = split_plan(result, customers, candidates, ["d1", "d2"])
    loads = {}
    for part in parts.values():
        for p in part.placements:
            if p.successor_id is not None:
                loads[p.successor_id] = loads.get(p.successor_id, 0) + 1
    assert loads == {"s1": 3, "s2": 3}, "free room is 3 + 3 for both departing reps together"
    assert [p.customer_id for p in parts["d1"].placements] == ["a0", "a1", "a2", "a3"]
    assert [p.customer_id for p in parts["d2"].placements] == ["b0", "b1", "b2", "b3"]
    assert parts["d1"].metrics["placed"] + parts["d2"].metrics["placed"] == result.metrics["placed"] == 6
    assert parts["d1"].metrics["pooled"] + parts["d2"].metrics["pooled"] == 2
    assert parts["d1"].metrics["W"] + parts["d2"].metrics["W"] == pytest.approx(result.metrics["W"])


def test_a_part_keeps_the_team_plans_successors_and_reasons():
    candidates = [Candidate("s1", "mid", frozenset({"华东"}), frozenset(), 10, 5),
                  Candidate("s2", "senior", frozenset(), frozenset(), 10, 5)]
    customers = [cust("a", "d1", tier="A", score=250), cust("b", "d2", score=90), cust("c", "d1", tier="C", score=20)]
    result = allocate(customers, candidates, "optimal", AllocationOptions(max_share=0.5))
    parts = split_plan(result, customers, candidates, ["d1", "d2", "d3"])
    whole = {p.customer_id: p for p in result.placements}
    assert all(whole[p.customer_id] == p for part in parts.values() for p in part.placements)
    assert parts["d3"].placements == () and parts["d3"].metrics["placed"] == 0, "a rep with nothing gets an empty part"
    per = parts["d1"].metrics["per_successor"]
    assert sum(line["count"] for line in per.values()) == 2
    assert sum(line["added_value"] for line in per.values()) == pytest.approx(270)


def test_a_customer_of_a_rep_outside_the_team_is_refused():
    candidates = [Candidate("s1", "mid", frozenset(), frozenset(), 10, 5)]
    customers = [cust("a", "d1"), cust("b", "d9")]
    result = allocate(customers, candidates, "round-robin")
    with pytest.raises(HandoverError, match="customer b: its departing rep 'd9' is not one of d1"):
        split_plan(result, customers, candidates, ["d1"])
