"""Allocation engine: hard constraints, the exact optimum, reasons, errors."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from handover.allocation import (
    STRATEGIES,
    AllocationOptions,
    Candidate,
    CustomerToPlace,
    RepFacts,
    allocate,
    compare,
    eligible,
    match_value,
)
from handover.errors import HandoverError

ON = date(2025, 3, 10)


def rep(id, **kw) -> RepFacts:
    base = dict(level="mid", role="rep", status="active", regions=frozenset({"华东"}), industries=frozenset(),
                capacity=10, owned=0)
    base.update(kw)
    return RepFacts(id=id, **base)


def cand(id, level="mid", free=5, capacity=10, regions=(), industries=(), handover_score=None) -> Candidate:
    return Candidate(id, level, frozenset(regions), frozenset(industries), capacity, free, handover_score)


def cust(id, tier="B", score=100.0, region="", industry="", from_rep="d1") -> CustomerToPlace:
    return CustomerToPlace(id, tier, score, region, industry, from_rep)


# --- eligible ---------------------------------------------------------------------------------------

def test_eligible_excludes_each_kind_of_rep_with_its_reason():
    reps = [
        rep("ok", owned=4, planned_elsewhere=1),
        rep("leaver"),
        rep("boss", role="manager"),
        rep("gone", status="departed"),
        rep("going", status="departing"),
        rep("punished", suspended_until=ON),
        rep("was_punished", suspended_until=date(2025, 3, 9)),
        rep("full", owned=8, planned_elsewhere=2),
    ]
    candidates, excluded = eligible(reps, {"leaver"}, ON)
    assert [c.id for c in candidates] == ["ok", "was_punished"]
    assert candidates[0].free == 5 and candidates[0].capacity == 10
    assert excluded == {
        "leaver": "departing rep of this plan",
        "boss": "role manager does not take customers",
        "gone": "status departed",
        "going": "status departing",
        "punished": "suspended from allocation through 2025-03-10",
        "full": "no capacity left: owns 8 + 2 planned in other open cases of 10",
    }


def test_team_departure_never_hands_one_leavers_customers_to_another():
    reps = [rep("d1", level="senior"), rep("d2", level="senior"), rep("s1", capacity=3), rep("s2", capacity=3)]
    candidates, excluded = eligible(reps, ["d1", "d2"], ON)
    customers = [cust(f"c{i}", from_rep="d1" if i % 2 else "d2") for i in range(8)]
    result = allocate(customers, candidates)
    assert {p.successor_id for p in result.placements} == {"s1", "s2", None}
    assert result.metrics["placed"] == 6 and result.metrics["pooled"] == 2
    assert set(excluded) == {"d1", "d2"}


# --- optimal ----------------------------------------------------------------------------------------

def _lsa_optimum(customers, candidates) -> tuple[int, float]:
    """Reference: each rep expanded into `free` slots; rectangular assignment places min(n, slots)."""
    slots = [c for c in candidates for _ in range(c.free)]
    if not customers or not slots:
        return 0, 0.0
    weights = np.array([[match_value(cu, s) for s in slots] for cu in customers])
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return len(rows), float(weights[rows, cols].sum())


def test_optimal_matches_linear_sum_assignment_on_random_instances():
    rng = np.random.default_rng(7)
    regions, industries = ["华东", "华北", "华南", ""], ["制造", "零售", "医药"]
    for _ in range(60):
        customers = [
            cust(f"c{i}", tier=rng.choice(list("ABCD")), score=float(rng.integers(0, 3001)) / 10,
                 region=rng.choice(regions), industry=rng.choice(industries))
            for i in range(rng.integers(1, 25))
        ]
        candidates = [
            cand(f"r{j}", level=rng.choice(["senior", "mid", "junior"]), free=int(rng.integers(0, 6)),
                 regions=set(rng.choice(regions[:3], size=rng.integers(0, 3), replace=False)),
                 industries=set(rng.choice(industries, size=rng.integers(0, 3), replace=False)))
            for j in range(rng.integers(1, 7))
        ]
        result = allocate(customers, candidates)
        placed, best = _lsa_optimum(customers, candidates)
        assert result.metrics["placed"] == placed
        assert result.metrics["W"] == pytest.approx(best, abs=1e-6)
        assert result.metrics["optimal"] is True and result.metrics["exact_scores"] is True


def _brute_force(customers, candidates, max_share):
    """Best (placed, W, -reps with nothing) over every assignment, honouring capacity and max share."""
    counts = {d: sum(c.from_rep == d for c in customers) for d in {c.from_rep for c in customers}}
    caps = {d: max(1, int(n * max_share + 1e-9)) for d, n in counts.items()} if max_share else None
    best = None
    for choice in itertools.product(range(-1, len(candidates)), repeat=len(customers)):
        load = [0] * len(candidates)
        pair: dict = {}
        for cu, r in zip(customers, choice):
            if r >= 0:
                load[r] += 1
                pair[(cu.from_rep, r)] = pair.get((cu.from_rep, r), 0) + 1
        if any(load[r] > candidates[r].free for r in range(len(candidates))):
            continue
        if caps and any(n > caps[d] for (d, _), n in pair.items()):
            continue
        w = round(sum(match_value(cu, candidates[r]) for cu, r in zip(customers, choice) if r >= 0), 6)
        empty = sum(1 for r in range(len(candidates)) if candidates[r].free > 0 and load[r] == 0)
        key = (sum(r >= 0 for r in choice), w, -empty)
        best = key if best is None or key > best else best
    return best


@pytest.mark.parametrize("max_share", [None, 0.5, 0.34])
def test_optimal_matches_brute_force_placed_first_then_W_then_nobody_left_out(max_share):
    rng = np.random.default_rng(11)
    for _ in range(40):
        customers = [
            cust(f"c{i}", tier=rng.choice(list("ABCD")), score=float(rng.integers(0, 40)) * 5,
                 region=rng.choice(["E", "N"]), industry=rng.choice(["m", "r"]), from_rep=rng.choice(["d1", "d2"]))
            for i in range(rng.integers(1, 6))
        ]
        candidates = [
            cand(f"r{j}", level=rng.choice(["senior", "mid", "junior"]), free=int(rng.integers(0, 3)),
                 regions=set(rng.choice(["E", "N"], size=rng.integers(0, 2))), industries={"m"} if j % 2 else set())
            for j in range(rng.integers(1, 4))
        ]
        result = allocate(customers, candidates, options=AllocationOptions(max_share=max_share))
        placed, w, not_empty = _brute_force(customers, candidates, max_share)
        m = result.metrics
        assert (m["placed"], m["W"], -m["reps_with_nothing"]) == (placed, pytest.approx(w, abs=1e-6), not_empty)


def test_placing_more_customers_beats_a_higher_match():
    # r_a can take one customer, r_b one; d1's share limit is 1 per rep (2 customers, share 0.5).
    customers = [cust("big", tier="A", score=300, region="E", from_rep="d1"), cust("small", tier="D", score=0, from_rep="d1")]
    candidates = [cand("r_a", "senior", free=1, regions={"E"}), cand("r_b", "junior", free=1)]
    result = allocate(customers, candidates, options=AllocationOptions(max_share=0.5))
    assert result.metrics["placed"] == 2
    assert {p.customer_id: p.successor_id for p in result.placements} == {"big": "r_a", "small": "r_b"}


def test_equal_plans_leave_no_rep_with_nothing():
    customers = [cust(f"c{i}", tier="B", score=100) for i in range(3)]
    candidates = [cand(f"r{j}", "mid", free=3) for j in range(3)]
    result = allocate(customers, candidates)
    assert sorted(p.successor_id for p in result.placements) == ["r0", "r1", "r2"]
    assert result.metrics["reps_with_nothing"] == 0


def test_scores_finer_than_a_thousandth_are_flagged_with_a_gap_bound():
    customers = [cust("c1", score=100.00001), cust("c2", score=99.5)]
    result = allocate(customers, [cand("r", free=5)])
    assert result.metrics["exact_scores"] is False
    assert result.metrics["optimality_gap_bound"] == pytest.approx(0.002)


# --- reasons ----------------------------------------------------------------------------------------

def test_reasons_name_tier_region_industry_and_capacity_left():
    customers = [cust("c1", tier="A", score=250, region="华东", industry="制造"),
                 cust("c2", tier="C", score=20, region="华北", industry="零售")]
    candidates = [cand("s", "senior", free=36, capacity=150, regions={"华东"}, industries={"制造"})]
    by_id = {p.customer_id: p for p in allocate(customers, candidates).placements}
    assert by_id["c1"].reasons == ("tier A → senior", "region 华东 matches", "industry 制造 matches",
                                   "capacity 34 of 150 left")
    assert by_id["c2"].reasons == ("tier C → senior (two levels off)", "region 华北 not covered",
                                   "industry 零售 not covered", "capacity 34 of 150 left")


def test_pool_reasons_say_why():
    customers = [cust("c1"), cust("c2"), cust("c3")]
    assert allocate(customers, []).placements[0].reasons == ("no eligible rep",)
    full = allocate(customers, [cand("r", free=2)])
    assert [p.successor_id for p in full.placements].count(None) == 1
    assert next(p for p in full.placements if p.successor_id is None).reasons == ("no eligible rep has capacity left",)
    shared = allocate(customers, [cand("r", free=5)], options=AllocationOptions(max_share=0.5))
    pooled = [p for p in shared.placements if p.successor_id is None]
    assert len(pooled) == 2
    assert pooled[0].reasons == ("every rep with capacity left already has 1 of d1's customers (max share 50%)",)


def test_strategy_reasons_lead_with_the_rule():
    customers = [cust("c1", tier="B", region="华南")]
    candidates = [cand("r1", "senior", regions={"华东"})]
    assert allocate(customers, candidates, "by-region").placements[0].reasons[0] == (
        "by region: no rep with room covers region 华南; next rep in turn")
    assert allocate(customers, candidates, "by-value").placements[0].reasons[0] == (
        "by value: no mid rep with room for tier B; nearest level")
    assert allocate(customers, candidates, "round-robin").placements[0].reasons[0] == "round-robin: next rep in turn"


# --- strategies -------------------------------------------------------------------------------------

def test_round_robin_takes_turns():
    customers = [cust(f"c{i}", score=100 - i) for i in range(5)]
    candidates = [cand("r1", free=5), cand("r2", free=1), cand("r3", free=5)]
    plan = [p.successor_id for p in allocate(customers, candidates, "round-robin").placements]
    assert plan == ["r1", "r2", "r3", "r1", "r3"]


def test_by_region_prefers_covering_reps_and_spreads_among_them():
    customers = [cust(f"c{i}", region="华东", score=100 - i) for i in range(4)]
    candidates = [cand("x", free=9, regions={"华北"}), cand("e1", free=9, regions={"华东"}), cand("e2", free=9, regions={"华东"})]
    plan = [p.successor_id for p in allocate(customers, candidates, "by-region").placements]
    assert plan == ["e1", "e2", "e1", "e2"]


def test_by_industry_falls_back_when_covering_reps_are_full():
    customers = [cust(f"c{i}", industry="医药", score=100 - i) for i in range(3)]
    candidates = [cand("m", free=1, industries={"医药"}), cand("o", free=9)]
    plan = [p.successor_id for p in allocate(customers, candidates, "by-industry").placements]
    assert plan == ["m", "o", "o"]


def test_by_value_gives_the_top_customer_to_the_most_capable_rep_of_its_level():
    customers = [cust("top", tier="A", score=290), cust("next", tier="A", score=200), cust("b", tier="B", score=150)]
    candidates = [cand("s_low", "senior", handover_score=60), cand("s_high", "senior", handover_score=90),
                  cand("mid", "mid")]
    plan = {p.customer_id: p.successor_id for p in allocate(customers, candidates, "by-value").placements}
    assert plan == {"top": "s_high", "next": "s_low", "b": "mid"}


def test_balanced_evens_added_value_per_unit_of_room():
    customers = [cust(f"c{i}", score=s) for i, s in enumerate([90, 80, 70, 60, 50, 40, 30, 20])]
    candidates = [cand("big", free=8), cand("small", free=4)]
    result = allocate(customers, candidates, "balanced")
    per = result.metrics["per_successor"]
    ratios = [per["big"]["added_value"] / 8, per["small"]["added_value"] / 4]
    assert max(ratios) / min(ratios) < 1.3
    rr = allocate(customers, candidates, "round-robin")
    assert result.metrics["gini"] < rr.metrics["gini"]


def test_mixed_with_default_balance_spreads_more_than_optimal_and_stays_exact_without_it():
    # senior w = 140, mid w = 110: 30 points apart; the balance penalty passes 30 once star is 30 % full
    customers = [cust(f"c{i}", tier="A", score=100, region="E") for i in range(10)]
    candidates = [cand("star", "senior", free=10, regions={"E"}), cand("other", "mid", free=10, regions={"E"})]
    optimal = allocate(customers, candidates)
    mixed = allocate(customers, candidates, "mixed")
    assert optimal.metrics["per_successor"]["star"]["count"] == 10
    assert 0 < mixed.metrics["per_successor"]["other"]["count"] < 10
    assert mixed.metrics["W"] < optimal.metrics["W"] and mixed.metrics["gini"] < optimal.metrics["gini"]
    no_balance = allocate(customers, candidates, "mixed", AllocationOptions(mixed_weights={"balance": 0}))
    assert no_balance.metrics["W"] == optimal.metrics["W"]
    region_only = allocate([cust("c", tier="A", score=100, region="E")],
                           [cand("s", "senior"), cand("j", "junior", regions={"E"})], "mixed",
                           AllocationOptions(mixed_weights={"value": 0, "balance": 0}))
    assert region_only.placements[0].successor_id == "j"


def test_compare_reports_ratio_to_the_optimum_for_each_strategy():
    rng = np.random.default_rng(3)
    customers = [cust(f"c{i}", tier=rng.choice(list("ABCD")), score=float(rng.integers(0, 300)),
                      region=rng.choice(["E", "N"])) for i in range(40)]
    candidates = [cand(f"r{j}", level=["senior", "mid", "junior"][j % 3], free=6, regions={"E"} if j % 2 else {"N"})
                  for j in range(8)]
    results = compare(customers, candidates, STRATEGIES)
    assert [r.strategy for r in results] == list(STRATEGIES)
    best = results[0].metrics["W"]
    for r in results:
        assert r.metrics["W_optimum"] == best
        assert 0 < r.metrics["ratio_to_optimum"] <= 1.0 + 1e-9
        assert r.metrics["ratio_to_optimum"] == pytest.approx(r.metrics["W"] / best, abs=1e-6)


# --- errors -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("customers", "candidates", "strategy", "options", "message"),
    [
        ([cust("c")], [cand("r")], "random", AllocationOptions(), "unknown allocation strategy 'random'; valid strategies: optimal, round-robin"),
        ([cust("c", tier="E")], [cand("r")], "optimal", AllocationOptions(), "customer c: tier 'E' is not one of A, B, C, D"),
        ([cust("c", score=301)], [cand("r")], "optimal", AllocationOptions(), "customer c: score 301 is outside 0..300"),
        ([cust("c", score=float("nan"))], [cand("r")], "optimal", AllocationOptions(), "customer c: score nan"),
        ([cust("c", score="12")], [cand("r")], "optimal", AllocationOptions(), "customer c: score '12' is not a number"),
        ([cust("c")], [Candidate("r", "mid", "华东", frozenset(), 5, 5)], "optimal", AllocationOptions(), "rep r: regions must be a set of names, got '华东'"),
        ([cust("c"), cust("c")], [cand("r")], "optimal", AllocationOptions(), "customer c appears twice"),
        ([cust("c")], [cand("r"), cand("r")], "optimal", AllocationOptions(), "rep r appears twice"),
        ([cust("c")], [cand("r", level="lead")], "optimal", AllocationOptions(), "rep r: level 'lead' is not one of"),
        ([cust("c")], [cand("r", free=11)], "optimal", AllocationOptions(), "rep r: free 11 is outside 0..capacity 10"),
        ([cust("c")], [cand("r")], "optimal", AllocationOptions(max_share=1.5), "max_share 1.5 must be a number in (0, 1]"),
        ([cust("c")], [cand("r")], "mixed", AllocationOptions(mixed_weights={"speed": 1}), "mixed_weights: unknown weight speed"),
        ([cust("c")], [cand("r")], "mixed", AllocationOptions(mixed_weights={"region": -1}), "mixed_weights.region: -1 is not a number from 0 to 100"),
        ([cust("c")], [cand("r")], "mixed", AllocationOptions(mixed_weights={"value": float("inf")}), "mixed_weights.value: inf is not"),
    ],
)
def test_bad_input_is_a_handover_error_naming_it(customers, candidates, strategy, options, message):
    with pytest.raises(HandoverError) as caught:
        allocate(customers, candidates, strategy, options)
    assert message in str(caught.value)


def test_match_value_is_the_documented_formula():
    c = cust("c", tier="A", score=200, region="华东", industry="制造")
    assert match_value(c, cand("s", "senior", regions={"华东"}, industries={"制造"})) == pytest.approx(265)
    assert match_value(c, cand("m", "mid", regions={"华东"})) == pytest.approx(180)
    assert match_value(c, cand("j", "junior", industries={"制造"})) == pytest.approx(105)


def test_no_customers_or_no_room_still_gives_a_plan():
    assert allocate([], [cand("r")]).placements == ()
    result = allocate([cust("c")], [cand("r", free=0)])
    assert result.placements[0].successor_id is None
    assert result.metrics["pooled"] == 1 and result.metrics["per_successor"]["r"]["count"] == 0


def _mixed_objective(customers, candidates, plan, weights) -> float:
    """The documented objective of "mixed": weighted match minus, for each rep, the balance penalty of
    each place by how full the rep already was at the start of that place's tenth of its room."""
    total = 0.0
    load = Counter()
    for c, r in zip(customers, plan):
        if r is None:
            continue
        rep = candidates[r]
        fit = match_value(CustomerToPlace(c.id, c.tier, c.score), replace(rep, regions=frozenset(), industries=frozenset()))
        total += weights["value"] * fit + weights["region"] * 40 * (c.region in rep.regions)
        total += weights["industry"] * 25 * (c.industry in rep.industries)
        load[r] += 1
    for r, count in load.items():
        free = candidates[r].free
        steps = min(10, free)
        for place in range(count):
            step = next(j for j in range(steps) if place < (j + 1) * free // steps)
            total -= weights["balance"] * 100 * (step * free // steps) / free
    return total


def test_mixed_is_the_exact_optimum_of_its_weighted_objective_with_balance():
    rng = np.random.default_rng(5)
    for _ in range(25):
        weights = {"value": float(rng.choice([0.5, 1, 2])), "region": float(rng.choice([0, 1, 3])),
                   "industry": float(rng.choice([0, 1])), "balance": float(rng.choice([0.5, 1, 4]))}
        customers = [cust(f"c{i}", tier=rng.choice(list("ABCD")), score=float(rng.integers(0, 60)) * 5,
                          region=rng.choice(["E", "N"]), industry=rng.choice(["m", "r"])) for i in range(rng.integers(1, 6))]
        candidates = [cand(f"r{j}", level=rng.choice(["senior", "mid", "junior"]), free=int(rng.integers(1, 4)),
                           regions=set(rng.choice(["E", "N"], size=rng.integers(0, 2))), industries={"m"} if j else set())
                      for j in range(rng.integers(1, 4))]
        result = allocate(customers, candidates, "mixed", AllocationOptions(mixed_weights=weights))
        index = {c.id: j for j, c in enumerate(candidates)}
        got = _mixed_objective(customers, candidates, [None if p.successor_id is None else index[p.successor_id]
                                                       for p in result.placements], weights)
        best = None
        for plan in itertools.product([None, *range(len(candidates))], repeat=len(customers)):
            loads = Counter(r for r in plan if r is not None)
            if any(n > candidates[r].free for r, n in loads.items()):
                continue
            key = (sum(r is not None for r in plan), _mixed_objective(customers, candidates, plan, weights))
            best = key if best is None or key > best else best
        assert result.metrics["placed"] == best[0]
        assert got == pytest.approx(best[1], abs=1e-3)


def test_eligible_rejects_regions_given_as_text():
    with pytest.raises(HandoverError, match="rep x: regions and industries must be sets of names"):
        eligible([rep("x", regions="华东")], [], ON)


def test_metrics_are_plain_json():
    import json

    customers = [cust(f"c{i}", tier="ABCD"[i % 4], score=10.0 * i, region="华东") for i in range(12)]
    for result in compare(customers, [cand("a", "senior", free=4), cand("b", "junior", free=3)], STRATEGIES,
                          AllocationOptions(max_share=0.5)):
        assert json.loads(json.dumps(result.metrics)) == result.metrics
        assert result.metrics["pooled"] == 5
