"""Exact plans as a min-cost flow (strategies "optimal" and "mixed"); see docs/allocation.md.

Network (one unit of flow = one customer):

    source → group (customers of one class with the same score) → (class, rep level) → rep → sink
                                                                 ↘ (departing rep, rep) ↗   with max_share

A class is (tier, region, industry[, departing rep]). Customers of one group are interchangeable, and
w(c, r) splits into a part that depends on (score, tier, level), on the group → (class, level) arc, and a
part that depends on (class, rep), on the (class, level) → rep arc; so every path's cost is exactly
-w(c, r). The network grows with classes × reps, not with customers.

Costs are integers: w is counted in units of 1/10,000 point (score rounded to 1/1000, fit in tenths),
then multiplied by (number of reps + 1) so that a bonus of 1 on each rep's first customer breaks ties
towards plans that leave no rep with nothing without ever changing W. The solver first maximises the
number of customers placed, then minimises cost (max-flow with min cost).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from handover.allocation.problem import FIT_TENTHS, Problem
from handover.allocation.types import INDUSTRY_BONUS, REGION_BONUS
from handover.errors import HandoverError

UNITS_PER_POINT = 10_000
BALANCE_STEPS = 10  # rep → sink arcs per rep for the "balance" penalty of strategy "mixed"
BALANCE_POINTS = 100.0  # penalty (points × balance weight) for a customer placed into a full rep


@dataclass(frozen=True)
class Objective:
    """Integer weights of the flow objective, in units of 1/10,000 point per unit weight."""

    value: float = 1.0
    region: float = 1.0
    industry: float = 1.0
    balance: float = 0.0


def _i32(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.int32)


def _i64(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.int64)


class _Network:
    """Arrays of arcs, added block by block, then handed to OR-Tools in one call."""

    def __init__(self) -> None:
        self.blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.size = 0

    def add(self, tails, heads, capacities, costs) -> slice:
        parts = [part.ravel() for part in np.broadcast_arrays(_i64(tails), _i64(heads), _i64(capacities), _i64(costs))]
        n = parts[0].size
        self.blocks.append(tuple(parts))
        block = slice(self.size, self.size + n)
        self.size += n
        return block

    def solve(self, source: int, sink: int, supply: int) -> np.ndarray:
        """Max-flow with min cost; returns the flow on every arc in the order added."""
        solver = min_cost_flow.SimpleMinCostFlow()
        tails, heads, caps, costs = (np.concatenate(parts) for parts in zip(*self.blocks))
        arcs = solver.add_arcs_with_capacity_and_unit_cost(_i32(tails), _i32(heads), _i64(caps), _i64(costs))
        solver.set_nodes_supplies(_i32([source, sink]), _i64([supply, -supply]))
        status = solver.solve_max_flow_with_min_cost()
        if status != solver.OPTIMAL:
            raise HandoverError(f"allocation solver could not solve the plan: status {status.name}")
        return np.asarray(solver.flows(arcs))


def _groups(problem: Problem, by_source: bool) -> tuple[np.ndarray, ...]:
    """Class and group of each customer; per group its class and score (milli); the class keys
    (rows: tier, region, industry, departing rep)."""
    keys = np.stack([problem.tier, problem.region, problem.industry,
                     problem.source if by_source else np.zeros_like(problem.tier)])
    class_keys, customer_class = np.unique(keys, axis=1, return_inverse=True)
    customer_class = customer_class.ravel()
    group_keys, customer_group = np.unique(np.stack([customer_class, problem.score_milli]), axis=1,
                                           return_inverse=True)
    return customer_class, customer_group.ravel(), group_keys[0], group_keys[1], class_keys


def solve_flow(problem: Problem, objective: Objective) -> np.ndarray:
    """The exact plan for ``objective``: the candidate index of each customer, -1 for the pool."""
    n = problem.n_customers
    assign = np.full(n, -1, dtype=np.int64)
    reps = np.flatnonzero(problem.free > 0)
    if n == 0 or reps.size == 0:
        return assign
    by_source = problem.share_cap is not None
    customer_class, customer_group, group_class, group_milli, class_keys = _groups(problem, by_source)
    n_groups, n_classes, n_reps = group_class.size, class_keys.shape[1], reps.size
    levels = np.unique(problem.level[reps])
    tie = n_reps + 1  # every W unit is worth more than all first-customer bonuses together

    # node numbering
    source, sink = 0, 1
    group_node = 2 + np.arange(n_groups)
    class_level_base = 2 + n_groups  # node of (class k, level l) = base + 3k + l
    pair_base = class_level_base + 3 * n_classes  # node of (source d, rep j) = base + d·n_reps + j
    n_sources = len(problem.source_names) if by_source else 0
    rep_base = pair_base + n_sources * n_reps
    rep_node = rep_base + np.arange(n_reps)

    net = _Network()
    group_size = np.bincount(customer_group, minlength=n_groups)
    net.add(source, group_node, group_size, 0)

    # group → (class, level): the score × fit part of w
    group_tier = class_keys[0][group_class]
    value = np.rint(objective.value * group_milli[:, None] * FIT_TENTHS[group_tier][:, levels]).astype(np.int64)
    to_level = net.add(group_node[:, None], class_level_base + 3 * group_class[:, None] + levels[None, :],
                       group_size[:, None], -tie * value)

    # (class, level) → rep (or → (departing rep, rep)): the region and industry part of w
    rep_level = problem.level[reps]
    region_hit = problem.region_cover[class_keys[1]][:, reps]
    industry_hit = problem.industry_cover[class_keys[2]][:, reps]
    bonus = (np.rint(objective.region * REGION_BONUS * UNITS_PER_POINT) * region_hit
             + np.rint(objective.industry * INDUSTRY_BONUS * UNITS_PER_POINT) * industry_hit).astype(np.int64)
    class_size = np.bincount(customer_class, minlength=n_classes)
    tails = class_level_base + 3 * np.arange(n_classes)[:, None] + rep_level[None, :]
    if by_source:
        heads = pair_base + class_keys[3][:, None] * n_reps + np.arange(n_reps)[None, :]
        to_rep = net.add(tails, heads, class_size[:, None], -tie * bonus)
        net.add(pair_base + np.arange(n_sources * n_reps), np.tile(rep_node, n_sources),
                np.repeat(problem.share_cap, n_reps), 0)
    else:
        to_rep = net.add(tails, rep_node[None, :], class_size[:, None], -tie * bonus)

    _add_rep_to_sink(net, rep_node, sink, problem.free[reps], objective.balance, tie)
    flows = net.solve(source, sink, n)

    level_flow = flows[to_level].reshape(n_groups, levels.size)
    rep_flow = flows[to_rep].reshape(n_classes, n_reps)
    return _decode(assign, reps, levels, customer_group, group_class, level_flow, rep_flow, rep_level)


def _add_rep_to_sink(net: _Network, rep_node: np.ndarray, sink: int, free: np.ndarray, balance: float,
                     tie: int) -> None:
    """Each rep's room: the first place carries the tie-break bonus of 1; with a balance weight the room is
    cut into steps whose cost rises with how full the rep already is (a convex penalty, still exact)."""
    net.add(rep_node, sink, 1, -1)
    rest = free - 1
    if balance <= 0:
        keep = rest > 0
        net.add(rep_node[keep], sink, rest[keep], 0)
        return
    steps = np.minimum(BALANCE_STEPS, free)
    rep_of_step = np.repeat(np.arange(free.size), steps)
    step = np.arange(rep_of_step.size) - np.repeat(np.cumsum(steps) - steps, steps)
    start = (step * free[rep_of_step]) // steps[rep_of_step]
    end = ((step + 1) * free[rep_of_step]) // steps[rep_of_step]
    start_after_first = np.maximum(start, 1)
    size = end - start_after_first
    penalty = np.rint(balance * BALANCE_POINTS * UNITS_PER_POINT * start / free[rep_of_step]).astype(np.int64)
    keep = size > 0
    net.add(rep_node[rep_of_step[keep]], sink, size[keep], tie * penalty[keep])


def _decode(assign, reps, levels, customer_group, group_class, level_flow, rep_flow, rep_level) -> np.ndarray:
    """Turn arc flows back into one rep per customer.

    Within a group, the first f₀ customers go to the first level, the next f₁ to the second...; within a
    (class, level) node, its customers are matched in order to the rep places the flow gives it (any
    matching is equally good there: the remaining cost depends only on class and rep).
    """
    order = np.argsort(customer_group, kind="stable")
    group_sorted = customer_group[order]
    group_start = np.searchsorted(group_sorted, np.arange(level_flow.shape[0]))
    rank = np.arange(order.size) - group_start[group_sorted]
    bounds = np.cumsum(level_flow, axis=1)
    level_pos = (rank[:, None] >= bounds[group_sorted]).sum(axis=1)
    placed = level_pos < levels.size
    customers = order[placed]
    node = 3 * group_class[group_sorted[placed]] + levels[level_pos[placed]]
    by_node = np.argsort(node, kind="stable")

    class_idx, rep_idx = np.nonzero(rep_flow)
    slot_node = 3 * class_idx + rep_level[rep_idx]
    slot_order = np.argsort(slot_node, kind="stable")
    slots = np.repeat(rep_idx[slot_order], rep_flow[class_idx, rep_idx][slot_order])
    if slots.size != customers.size:  # flow conservation guarantees equality; a mismatch is a bug
        raise AssertionError(f"flow decode mismatch: {slots.size} places for {customers.size} customers")
    assign[customers[by_node]] = reps[slots]
    return assign

