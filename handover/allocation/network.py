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

    def arrays(self) -> tuple[np.ndarray, ...]:
        """tails, heads, capacities, costs of all arcs so far (concatenated once and kept)."""
        if len(self.blocks) != 1:
            self.blocks = [tuple(np.concatenate(parts) for parts in zip(*self.blocks))]
        return self.blocks[0]

    def solve(self, source: int, sink: int, supply: int) -> np.ndarray:
        """Max-flow with min cost; returns the flow on every arc in the order added."""
        solver = min_cost_flow.SimpleMinCostFlow()
        tails, heads, caps, costs = self.arrays()
        arcs = solver.add_arcs_with_capacity_and_unit_cost(_i32(tails), _i32(heads), _i64(caps), _i64(costs))
        solver.set_nodes_supplies(_i32([source, sink]), _i64([supply, -supply]))
        status = solver.solve_max_flow_with_min_cost()
        if status != solver.OPTIMAL:
            raise HandoverError(f"allocation solver could not solve the plan: status {status.name}")
        return np.asarray(solver.flows(arcs))


class _Layout:
    """Customers keyed by cell (departing rep, region, industry) and group (cell, tier, score)."""

    def __init__(self, problem: Problem, by_source: bool) -> None:
        self.n_src = len(problem.source_names) if by_source else 1
        self.n_reg, self.n_ind = len(problem.region_names), len(problem.industry_names)
        source = problem.source if by_source else np.zeros_like(problem.tier)
        cell_keys, self.customer_cell = np.unique((source * self.n_reg + problem.region) * self.n_ind + problem.industry,
                                                  return_inverse=True)
        self.cell_src = cell_keys // (self.n_reg * self.n_ind)
        self.cell_reg = (cell_keys // self.n_ind) % self.n_reg
        self.cell_ind = cell_keys % self.n_ind
        span = _MILLI_SPAN * len(FIT_TENTHS)
        group_keys, self.customer_group = np.unique(
            self.customer_cell * span + problem.tier * _MILLI_SPAN + problem.score_milli, return_inverse=True)
        self.group_cell = group_keys // span
        self.group_tier = (group_keys // _MILLI_SPAN) % len(FIT_TENTHS)
        self.group_milli = group_keys % _MILLI_SPAN
        self.group_size = np.bincount(self.customer_group, minlength=group_keys.size)
        self.cell_size = np.bincount(self.customer_cell, minlength=cell_keys.size)


_MILLI_SPAN = 300_001  # score in thousandths is 0..300,000


def solve_flow(problem: Problem, objective: Objective) -> np.ndarray:
    """The exact plan for ``objective``: the candidate index of each customer, -1 for the pool."""
    n = problem.n_customers
    assign = np.full(n, -1, dtype=np.int64)
    reps = np.flatnonzero(problem.free > 0)
    if n == 0 or reps.size == 0:
        return assign
    by_source = problem.share_cap is not None
    lay = _Layout(problem, by_source)
    n_groups, n_cells, n_reps, n_src = lay.group_size.size, lay.cell_size.size, reps.size, lay.n_src
    levels = np.unique(problem.level[reps])
    rep_level = problem.level[reps]
    tie = n_reps + 1  # every W unit is worth more than all first-customer bonuses together
    region_points = int(np.rint(objective.region * REGION_BONUS * UNITS_PER_POINT))
    industry_points = int(np.rint(objective.industry * INDUSTRY_BONUS * UNITS_PER_POINT))

    # node numbering: source 0, sink 1, then each block in turn
    group_node = 2 + np.arange(n_groups)
    cell_level = 2 + n_groups  # (cell k, level l) → cell_level + 3k + l
    region_hub = cell_level + 3 * n_cells  # (departing s, region x, level l) → region_hub + 3(s·n_reg + x) + l
    industry_hub = region_hub + 3 * n_src * lay.n_reg
    level_hub = industry_hub + 3 * n_src * lay.n_ind  # (s, l) → level_hub + 3s + l
    pair = level_hub + 3 * n_src  # (s, rep j) → pair + s·n_reps + j, only with max_share
    rep_base = pair + (n_src * n_reps if by_source else 0)
    rep_node = rep_base + np.arange(n_reps)

    def target(s, j):
        return pair + s * n_reps + j if by_source else rep_base + j

    net = _Network()
    net.add(0, group_node, lay.group_size, 0)
    # group → (cell, level): the score × fit part of w
    value = np.rint(objective.value * lay.group_milli[:, None] * FIT_TENTHS[lay.group_tier][:, levels]).astype(np.int64)
    to_level = net.add(group_node[:, None], cell_level + 3 * lay.group_cell[:, None] + levels[None, :],
                       lay.group_size[:, None], -tie * value)

    # (cell, level) → rep: direct arcs to reps covering both region and industry; hubs for one or neither
    region_hit = problem.region_cover[:, reps]
    industry_hit = problem.industry_cover[:, reps]
    cells, js = np.nonzero(region_hit[lay.cell_reg] & industry_hit[lay.cell_ind])
    direct = net.add(cell_level + 3 * cells + rep_level[js], target(lay.cell_src[cells], js), lay.cell_size[cells],
                     -tie * (region_points + industry_points))
    k = np.arange(n_cells)[:, None]
    lv = levels[None, :]
    hub_tails = np.concatenate([(cell_level + 3 * k + lv).ravel()] * 3)
    hub_heads = np.concatenate([(region_hub + 3 * (lay.cell_src[:, None] * lay.n_reg + lay.cell_reg[:, None]) + lv).ravel(),
                                (industry_hub + 3 * (lay.cell_src[:, None] * lay.n_ind + lay.cell_ind[:, None]) + lv).ravel(),
                                (level_hub + 3 * lay.cell_src[:, None] + lv).ravel()])
    into_hub = net.add(hub_tails, hub_heads, np.tile(np.repeat(lay.cell_size, levels.size), 3), 0)
    out_parts = []
    for base, hit, stride, points in ((region_hub, region_hit, lay.n_reg, region_points),
                                      (industry_hub, industry_hit, lay.n_ind, industry_points),
                                      (level_hub, np.ones((1, n_reps), dtype=bool), 1, 0)):
        codes, js = np.nonzero(hit)
        s = np.repeat(np.arange(n_src), codes.size)
        codes, js = np.tile(codes, n_src), np.tile(js, n_src)
        out_parts.append(net.add(base + 3 * (s * stride + codes) + rep_level[js], target(s, js), n, -tie * points))
    if by_source:
        net.add(pair + np.arange(n_src * n_reps), np.tile(rep_node, n_src), np.repeat(problem.share_cap, n_reps), 0)

    _add_rep_to_sink(net, rep_node, 1, problem.free[reps], objective.balance, tie)
    flows = net.solve(0, 1, n)

    arcs = net.arrays()
    level_flow = flows[to_level].reshape(n_groups, levels.size)
    customer_node = _customer_nodes(lay, levels, level_flow, cell_level)
    units = [_direct_units(arcs, flows, direct, rep_base, pair, n_reps, by_source)]
    units += [_hub_units(arcs, flows, into_hub, part, rep_base, pair, n_reps, by_source) for part in out_parts]
    unit_node = np.concatenate([u[0] for u in units])
    unit_rep = np.concatenate([u[1] for u in units])
    placed = np.flatnonzero(customer_node >= 0)
    if unit_node.size != placed.size:  # flow conservation guarantees equality; a mismatch is a bug
        raise AssertionError(f"flow decode mismatch: {unit_node.size} places for {placed.size} customers")
    by_node = placed[np.argsort(customer_node[placed], kind="stable")]
    assign[by_node] = reps[unit_rep[np.argsort(unit_node, kind="stable")]]
    return assign


def _rep_of(heads: np.ndarray, rep_base: int, pair: int, n_reps: int, by_source: bool) -> np.ndarray:
    return (heads - pair) % n_reps if by_source else heads - rep_base


def _direct_units(arcs, flows, block, rep_base, pair, n_reps, by_source) -> tuple[np.ndarray, np.ndarray]:
    """(cell-level node, rep) once per customer sent along a direct arc."""
    tails, heads, used = arcs[0][block], arcs[1][block], flows[block]
    return np.repeat(tails, used), np.repeat(_rep_of(heads, rep_base, pair, n_reps, by_source), used)


def _hub_units(arcs, flows, into, out, rep_base, pair, n_reps, by_source) -> tuple[np.ndarray, np.ndarray]:
    """(cell-level node, rep) per customer through hubs of one kind: at each hub, the customers coming in
    are matched in order with the places going out (all equally good: a hub's out-arcs cost the same
    whichever cell the customer came from)."""
    in_tails, in_hubs, in_flow = arcs[0][into], arcs[1][into], flows[into]
    out_hubs, out_heads, out_flow = arcs[0][out], arcs[1][out], flows[out]
    mine = np.isin(in_hubs, out_hubs) & (in_flow > 0)
    in_order = np.argsort(in_hubs[mine], kind="stable")
    out_order = np.argsort(out_hubs, kind="stable")
    nodes = np.repeat(in_tails[mine][in_order], in_flow[mine][in_order])
    rep = _rep_of(out_heads[out_order], rep_base, pair, n_reps, by_source)
    return nodes, np.repeat(rep, out_flow[out_order])


def _customer_nodes(lay: _Layout, levels: np.ndarray, level_flow: np.ndarray, cell_level: int) -> np.ndarray:
    """The (cell, level) node each customer goes through, -1 for the pool: within a group the first f₀
    customers take the first level, the next f₁ the second, and so on."""
    order = np.argsort(lay.customer_group, kind="stable")
    group_sorted = lay.customer_group[order]
    group_start = np.searchsorted(group_sorted, np.arange(level_flow.shape[0]))
    rank = np.arange(order.size) - group_start[group_sorted]
    level_pos = (rank[:, None] >= np.cumsum(level_flow, axis=1)[group_sorted]).sum(axis=1)
    node = np.full(order.size, -1, dtype=np.int64)
    placed = level_pos < levels.size
    node[order[placed]] = cell_level + 3 * lay.group_cell[group_sorted[placed]] + levels[level_pos[placed]]
    return node


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
