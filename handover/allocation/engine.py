"""allocate(): run one strategy on validated input and describe the plan; compare(): several at once."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from handover.allocation.greedy import GREEDY
from handover.allocation.metrics import plan_metrics
from handover.allocation.network import Objective, solve_flow
from handover.allocation.problem import FIT, Problem, build_problem, check_strategy, mixed_weights
from handover.allocation.reasons import build_placements
from handover.allocation.types import (
    INDUSTRY_BONUS,
    LEVELS,
    REGION_BONUS,
    TIERS,
    AllocationOptions,
    AllocationResult,
    Candidate,
    CustomerToPlace,
)

# An optimal plan is exact when every score is a whole number of thousandths; otherwise each customer's
# w is off by at most half a thousandth in the solver, and W is within 0.001 × placed of the optimum.
_SCORE_STEP = 1e-3


def match_value(customer: CustomerToPlace, candidate: Candidate) -> float:
    """w(c, r) = score × fit(tier, level) + 40·[region covered] + 25·[industry covered]."""
    fit = FIT[TIERS.index(customer.tier), LEVELS.index(candidate.level)]
    return (customer.score * float(fit) + REGION_BONUS * (customer.region in candidate.regions)
            + INDUSTRY_BONUS * (customer.industry in candidate.industries))


def _run(problem: Problem, strategy: str, options: AllocationOptions) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if strategy == "optimal":
        assign = solve_flow(problem, Objective())
        return assign, np.full(assign.size, -1, dtype=np.int64), []
    if strategy == "mixed":
        weights = mixed_weights(options)
        assign = solve_flow(problem, Objective(**weights))
        text = "mixed: best weighted match (" + ", ".join(f"{k} {v:g}" for k, v in weights.items()) + ")"
        return assign, np.zeros(assign.size, dtype=np.int64), [text]
    return GREEDY[strategy](problem)


def _optimality(problem: Problem, placed: int) -> dict:
    exact = bool(np.all(np.abs(problem.score * 1000 - problem.score_milli) < 1e-6))
    gap = 0.0 if exact else round(_SCORE_STEP * placed, 4)
    return {"optimal": True, "exact_scores": exact, "optimality_gap_bound": gap}


def _plan(problem: Problem, strategy: str, options: AllocationOptions) -> AllocationResult:
    started = time.perf_counter()
    assign, note, texts = _run(problem, strategy, options)
    placements = build_placements(problem, assign, note, texts)
    metrics = {"strategy": strategy, **plan_metrics(problem, assign)}
    metrics["solve_seconds"] = round(time.perf_counter() - started, 4)
    if strategy == "optimal":
        metrics.update(W_optimum=metrics["W"], ratio_to_optimum=1.0, **_optimality(problem, metrics["placed"]))
    else:
        metrics.update(optimal=False)
    return AllocationResult(strategy, placements, metrics)


def _set_optimum(result: AllocationResult, optimum: AllocationResult) -> None:
    best = optimum.metrics["W"]
    result.metrics["W_optimum"] = best
    result.metrics["ratio_to_optimum"] = round(result.metrics["W"] / best, 6) if best > 0 else 1.0
    result.metrics["placed_optimum"] = optimum.metrics["placed"]


def allocate(customers: Sequence[CustomerToPlace], candidates: Sequence[Candidate], strategy: str = "optimal",
             options: AllocationOptions = AllocationOptions()) -> AllocationResult:
    """A plan for ``customers`` over eligible ``candidates`` with one strategy (see STRATEGIES).

    Unknown strategy or bad input raises HandoverError naming it. For strategies other than "optimal",
    the optimum is solved as well (unless ``options.measure_optimum`` is False) so W can be compared.
    """
    check_strategy(strategy)
    problem = build_problem(customers, candidates, options)
    if strategy == "mixed":
        mixed_weights(options)
    result = _plan(problem, strategy, options)
    if strategy != "optimal" and options.measure_optimum:
        _set_optimum(result, _plan(problem, "optimal", options))
    return result


def compare(customers: Sequence[CustomerToPlace], candidates: Sequence[Candidate], strategies: Sequence[str],
            options: AllocationOptions = AllocationOptions()) -> list[AllocationResult]:
    """Plans for several strategies on the same input, each with its ratio of W to the optimum."""
    for strategy in strategies:
        check_strategy(strategy)
    problem = build_problem(customers, candidates, options)
    if "mixed" in strategies:
        mixed_weights(options)
    optimum = _plan(problem, "optimal", options)
    results = []
    for strategy in strategies:
        result = optimum if strategy == "optimal" else _plan(problem, strategy, options)
        if strategy != "optimal":
            _set_optimum(result, optimum)
        results.append(result)
    return results
