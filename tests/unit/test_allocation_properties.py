"""Property tests: every strategy keeps the hard constraints on random instances."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from handover.allocation import STRATEGIES, AllocationOptions, Candidate, CustomerToPlace, allocate, match_value

REGIONS = ["华东", "华北", "华南", ""]
INDUSTRIES = ["制造", "零售", "医药", ""]
LEVELS = ["senior", "mid", "junior"]


@st.composite
def customers(draw):
    n = draw(st.integers(0, 30))
    return [
        CustomerToPlace(
            id=f"c{i}",
            tier=draw(st.sampled_from("ABCD")),
            score=draw(st.integers(0, 30000)) / 100,
            region=draw(st.sampled_from(REGIONS)),
            industry=draw(st.sampled_from(INDUSTRIES)),
            from_rep=draw(st.sampled_from(["d1", "d2", "d3"])),
        )
        for i in range(n)
    ]


@st.composite
def candidates(draw):
    n = draw(st.integers(0, 8))
    result = []
    for j in range(n):
        capacity = draw(st.integers(0, 12))
        result.append(Candidate(
            id=f"r{j}",
            level=draw(st.sampled_from(LEVELS)),
            regions=frozenset(draw(st.sets(st.sampled_from(REGIONS[:3]), max_size=2))),
            industries=frozenset(draw(st.sets(st.sampled_from(INDUSTRIES[:3]), max_size=2))),
            capacity=capacity,
            free=draw(st.integers(0, capacity)),
            handover_score=draw(st.none() | st.floats(0, 100)),
        ))
    return result


shares = st.none() | st.sampled_from([0.2, 0.34, 0.5, 1.0])


def check_hard_constraints(result, customers, candidates, max_share):
    by_id = {c.id: c for c in candidates}
    assert [p.customer_id for p in result.placements] == [c.id for c in customers]
    load = Counter(p.successor_id for p in result.placements if p.successor_id is not None)
    for rep_id, count in load.items():
        assert count <= by_id[rep_id].free, f"{rep_id} overloaded"
    per_source = Counter(c.from_rep for c in customers)
    caps = {d: max(1, int(n * max_share + 1e-9)) for d, n in per_source.items()} if max_share else {}
    pair = Counter((c.from_rep, p.successor_id) for c, p in zip(customers, result.placements) if p.successor_id)
    for (d, rep_id), count in pair.items():
        assert max_share is None or count <= caps[d], f"{rep_id} has {count} of {d}'s customers"
    for c, p in zip(customers, result.placements):
        if p.successor_id is not None:
            continue  # a pooled customer: no rep may still have room for it
        assert len(p.reasons) == 1 and p.reasons[0]
        for r in candidates:
            has_room = load[r.id] < r.free and (max_share is None or pair[(c.from_rep, r.id)] < caps[c.from_rep])
            assert not has_room, f"{c.id} pooled while {r.id} had room ({result.strategy})"
    m = result.metrics
    assert m["placed"] + m["pooled"] == len(customers)
    assert m["placed"] == sum(load.values())
    w = sum(match_value(c, by_id[p.successor_id]) for c, p in zip(customers, result.placements) if p.successor_id)
    assert m["W"] == pytest.approx(w, abs=1e-3)
    assert sum(s["count"] for s in m["per_successor"].values()) == m["placed"]
    assert 0 <= m["gini"] <= 1


@pytest.mark.parametrize("strategy", STRATEGIES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(customers=customers(), candidates=candidates(), max_share=shares)
def test_every_strategy_keeps_the_hard_constraints(strategy, customers, candidates, max_share):
    result = allocate(customers, candidates, strategy, AllocationOptions(max_share=max_share))
    check_hard_constraints(result, customers, candidates, max_share)
    best_placed = result.metrics.get("placed_optimum", result.metrics["placed"])
    assert result.metrics["placed"] <= best_placed
    if result.metrics["placed"] == best_placed:  # the optimum is the best W among plans placing the most
        assert result.metrics["W"] <= result.metrics["W_optimum"] + 1e-6


@settings(max_examples=150, deadline=None)
@given(customers=customers(), candidates=candidates())
def test_optimal_equals_the_assignment_problem_optimum(customers, candidates):
    result = allocate(customers, candidates)
    slots = [r for r in candidates for _ in range(r.free)]
    placed, best = 0, 0.0
    if customers and slots:
        weights = np.array([[match_value(c, s) for s in slots] for c in customers])
        rows, cols = linear_sum_assignment(weights, maximize=True)
        placed, best = len(rows), float(weights[rows, cols].sum())
    assert result.metrics["placed"] == placed
    assert result.metrics["W"] == pytest.approx(best, abs=1e-6)


@settings(max_examples=80, deadline=None)
@given(customers=customers(), candidates=candidates(), max_share=shares)
def test_reasons_agree_with_the_plan(customers, candidates, max_share):
    result = allocate(customers, candidates, "optimal", AllocationOptions(max_share=max_share))
    by_id = {c.id: c for c in candidates}
    left = {r.id: s["free_after"] for r, s in zip(candidates, result.metrics["per_successor"].values())}
    for c, p in zip(customers, result.placements):
        if p.successor_id is None:
            continue
        r = by_id[p.successor_id]
        assert p.reasons[0].startswith(f"tier {c.tier} → {r.level}")
        assert p.reasons[-1] == f"capacity {left[r.id]} of {r.capacity} left"
        if c.region:
            assert f"region {c.region} {'matches' if c.region in r.regions else 'not covered'}" in p.reasons
        if c.industry:
            assert f"industry {c.industry} {'matches' if c.industry in r.industries else 'not covered'}" in p.reasons
