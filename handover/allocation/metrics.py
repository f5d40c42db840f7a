"""Figures of a plan: total match W, placed/pooled, per-successor load, fairness."""

from __future__ import annotations

import numpy as np

from handover.allocation.problem import Problem


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values: 0 when all are equal, towards 1 when one rep has everything."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    total = x.sum()
    if x.size == 0 or total <= 0:
        return 0.0
    n = x.size
    return float(2.0 * np.dot(np.arange(1, n + 1), x) / (n * total) - (n + 1) / n)


def total_match(problem: Problem, assign: np.ndarray) -> float:
    placed = np.flatnonzero(assign >= 0)
    return float(problem.match(placed, assign[placed]).sum()) if placed.size else 0.0


def plan_metrics(problem: Problem, assign: np.ndarray) -> dict:
    """JSON-serialisable figures of a plan (see docs/allocation.md for what each means)."""
    n_reps = problem.n_candidates
    placed = np.flatnonzero(assign >= 0)
    reps = assign[placed]
    counts = np.bincount(reps, minlength=n_reps)
    added = np.bincount(reps, weights=problem.score[placed], minlength=n_reps)
    match = np.bincount(reps, weights=problem.match(placed, reps), minlength=n_reps)
    with_room = problem.free > 0
    per_unit = added[with_room] / problem.free[with_room]
    low = float(per_unit.min()) if per_unit.size else 0.0
    free, count_list = problem.free.tolist(), counts.tolist()
    added_list, match_list = np.round(added, 4).tolist(), np.round(match, 4).tolist()
    return {
        "W": round(float(match.sum()), 4),
        "placed": int(placed.size),
        "pooled": int(problem.n_customers - placed.size),
        "per_successor": {
            cand.id: {"count": count_list[r], "added_value": added_list[r], "match": match_list[r],
                      "free_before": free[r], "free_after": free[r] - count_list[r]}
            for r, cand in enumerate(problem.candidates)
        },
        "gini": round(gini(per_unit), 6),
        "max_min_ratio": round(float(per_unit.max()) / low, 6) if low > 0 else None,
        "reps_with_nothing": int(np.count_nonzero(counts[with_room] == 0)),
    }
