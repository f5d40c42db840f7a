"""Exact plans as a min-cost flow (strategies "optimal" and "mixed"); docs/allocation.md argues why.

One unit of flow is one customer; the solver first maximises the flow (customers placed), then
minimises cost = -(weighted match) (OR-Tools max-flow with min cost).

    source ─(per score group)→ chain of (cell, tier) ─→ (cell, level) ─→ rep ─→ sink
                                                        ├→ region hub  ─↗
                                                        ├→ industry hub ↗        (with max_share every hub
                                                        └→ level hub ──↗          and rep is per departing rep,
                                                                                   then a share-capped arc)
- cell = (departing rep when max_share is set, region, industry); customers of one cell with one tier form
  a chain; customers with the same score form a group (one arc per group per band, never per customer).
- The value part score × fit(tier, level) is paid along the chain: fits of the tier's levels in
  decreasing order F₀ > F₁ > ... are bands; a customer reaching band b has paid F_last·s on the source arc
  plus (F_{k-1} − F_k)·s on each step up to b, i.e. exactly F_b·s. Each step takes the highest scores
  first, so the decoded plan (top scores of a chain to the best band) is worth at least the flow.
- The bonus part 40·[region] + 25·[industry] depends only on (cell, rep): direct arcs to reps covering
  both, and hubs for reps covering only the region, only the industry, or neither. Every path to a rep
  pays at most its true bonus and the best path pays exactly it.

Costs are integers: 1 unit = 1/10,000 point (score in thousandths × fit in tenths), multiplied by
(reps + 1) so that a bonus of 1 on each rep's first place breaks ties towards plans that leave no rep
with nothing, without ever changing W.
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
_MILLI_SPAN = 300_001  # a score in thousandths is 0..300,000
_N_TIERS = FIT_TENTHS.shape[0]


@dataclass(frozen=True)
class Objective:
    """Weights of the flow objective: w = value·score·fit + region·40·[..] + industry·25·[..] − balance penalty."""

    value: float = 1.0
    region: float = 1.0
    industry: float = 1.0
    balance: float = 0.0


def _i64(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.int64)


class _Network:
    """Arcs added block by block as numpy arrays, handed to OR-Tools in one call."""

    def __init__(self) -> None:
        self.blocks: list[tuple[np.ndarray, ...]] = []
        self.size = 0

    def add(self, tails, heads, capacities, costs) -> slice:
        """Arcs from broadcast arrays; returns where they sit, to read their flows back."""
        parts = tuple(p.ravel() for p in np.broadcast_arrays(_i64(tails), _i64(heads), _i64(capacities), _i64(costs)))
        self.blocks.append(parts)
        block = slice(self.size, self.size + parts[0].size)
        self.size += parts[0].size
        return block

    def arrays(self) -> tuple[np.ndarray, ...]:
        """tails, heads, capacities, costs of all arcs (concatenated once)."""
        if len(self.blocks) != 1:
            self.blocks = [tuple(np.concatenate(parts) for parts in zip(*self.blocks))]
        return self.blocks[0]

    def solve(self, source: int, sink: int, supply: int) -> np.ndarray:
        """Max-flow with min cost; the flow on every arc in the order added."""
        solver = min_cost_flow.SimpleMinCostFlow()
        tails, heads, caps, costs = self.arrays()
        arcs = solver.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), caps, costs)
        solver.set_nodes_supplies(np.array([source, sink], dtype=np.int32), _i64([supply, -supply]))
        status = solver.solve_max_flow_with_min_cost()
        if status != solver.OPTIMAL:
            raise HandoverError(f"allocation solver could not solve the plan: status {status.name}")
        return np.asarray(solver.flows(arcs))


class _Layout:
    """Customers keyed by cell (departing rep, region, industry), chain (cell, tier) and group (chain, score)."""

    def __init__(self, problem: Problem, by_source: bool) -> None:
        self.n_src = len(problem.source_names) if by_source else 1
        self.n_reg, self.n_ind = len(problem.region_names), len(problem.industry_names)
        source = problem.source if by_source else np.zeros_like(problem.tier)
        cell_keys, customer_cell = np.unique((source * self.n_reg + problem.region) * self.n_ind + problem.industry,
                                             return_inverse=True)
        self.cell_src = cell_keys // (self.n_reg * self.n_ind)
        self.cell_reg = (cell_keys // self.n_ind) % self.n_reg
        self.cell_ind = cell_keys % self.n_ind
        self.cell_size = np.bincount(customer_cell, minlength=cell_keys.size)
        chain_keys, self.customer_chain = np.unique(customer_cell * _N_TIERS + problem.tier, return_inverse=True)
        self.chain_cell, self.chain_tier = chain_keys // _N_TIERS, chain_keys % _N_TIERS
        self.chain_size = np.bincount(self.customer_chain, minlength=chain_keys.size)
        group_keys, customer_group = np.unique(self.customer_chain * _MILLI_SPAN + problem.score_milli,
                                               return_inverse=True)
        self.group_chain, self.group_milli = group_keys // _MILLI_SPAN, group_keys % _MILLI_SPAN
        self.group_size = np.bincount(customer_group, minlength=group_keys.size)


class _Bands:
    """Per tier: the present levels in order of decreasing weighted fit, grouped into bands of equal fit."""

    def __init__(self, levels: np.ndarray, value_weight: float) -> None:
        self.order = np.zeros((_N_TIERS, levels.size), dtype=np.int64)  # level at each position
        self.band = np.zeros((_N_TIERS, levels.size), dtype=np.int64)  # band of each position
        self.fits: list[np.ndarray] = []  # per tier, the weighted fit (tenths) of each band, best first
        for tier in range(_N_TIERS):
            fit = value_weight * FIT_TENTHS[tier, levels]
            position = np.lexsort((levels, -fit))
            self.order[tier] = levels[position]
            distinct, band_of = np.unique(-fit[position], return_inverse=True)
            self.band[tier] = band_of.ravel()
            self.fits.append(-distinct)


def solve_flow(problem: Problem, objective: Objective) -> np.ndarray:
    """The exact plan for ``objective``: the candidate index of each customer, -1 for the pool."""
    n = problem.n_customers
    assign = np.full(n, -1, dtype=np.int64)
    reps = np.flatnonzero(problem.free > 0)
    if n == 0 or reps.size == 0:
        return assign
    by_source = problem.share_cap is not None
    lay = _Layout(problem, by_source)
    bands = _Bands(np.unique(problem.level[reps]), objective.value)
    nodes = _Nodes(lay, reps.size, by_source)
    tie = reps.size + 1  # every W unit is worth more than all first-place bonuses together

    net = _Network()
    _add_chains(net, nodes, lay, bands, tie)
    to_level = _add_chain_exits(net, nodes, lay, bands)
    routes = _add_routes(net, nodes, lay, problem, reps, objective, tie, n)
    _add_rep_to_sink(net, nodes.rep(np.arange(reps.size)), 1, problem.free[reps], objective.balance, tie)
    flows = net.solve(0, 1, n)

    customer_node = _customer_nodes(problem, lay, bands, flows[to_level].reshape(lay.chain_size.size, -1), nodes)
    unit_node, unit_rep = _units(net.arrays(), flows, routes, nodes)
    placed = np.flatnonzero(customer_node >= 0)
    if unit_node.size != placed.size:  # flow conservation guarantees equality; a mismatch is a bug
        raise AssertionError(f"flow decode mismatch: {unit_node.size} places for {placed.size} customers")
    by_node = placed[np.argsort(customer_node[placed], kind="stable")]
    assign[by_node] = reps[unit_rep[np.argsort(unit_node, kind="stable")]]
    return assign


class _Nodes:
    """Node numbering: source 0, sink 1, then one block per kind of node."""

    def __init__(self, lay: _Layout, n_reps: int, by_source: bool) -> None:
        self.n_reps, self.by_source, self.lay = n_reps, by_source, lay
        self.chain_base = 2  # (chain c, band b) → 3c + b
        self.cell_level_base = self.chain_base + 3 * lay.chain_size.size  # (cell k, level l) → 3k + l
        self.region_hub_base = self.cell_level_base + 3 * lay.cell_size.size  # (src s, region x, level l)
        self.industry_hub_base = self.region_hub_base + 3 * lay.n_src * lay.n_reg
        self.level_hub_base = self.industry_hub_base + 3 * lay.n_src * lay.n_ind  # (src s, level l)
        self.pair_base = self.level_hub_base + 3 * lay.n_src  # (src s, rep j), only with max_share
        self.rep_base = self.pair_base + (lay.n_src * n_reps if by_source else 0)

    def chain(self, c, b):
        return self.chain_base + 3 * c + b

    def cell_level(self, k, level):
        return self.cell_level_base + 3 * k + level

    def rep(self, j):
        return self.rep_base + j

    def target(self, s, j):
        """Where a route to rep j of departing rep s's customer ends: the share-capped pair node or the rep."""
        return self.pair_base + s * self.n_reps + j if self.by_source else self.rep_base + j

    def rep_of_target(self, heads):
        return (heads - self.pair_base) % self.n_reps if self.by_source else heads - self.rep_base


def _add_chains(net: _Network, nodes: _Nodes, lay: _Layout, bands: _Bands, tie: int) -> None:
    """Per score group: source → the chain's last band, and one step arc up to each better band."""
    group_tier = lay.chain_tier[lay.group_chain]
    for tier in range(_N_TIERS):
        mine = np.flatnonzero(group_tier == tier)
        if mine.size == 0:
            continue
        fits, chain, milli, size = bands.fits[tier], lay.group_chain[mine], lay.group_milli[mine], lay.group_size[mine]
        last = fits.size - 1
        net.add(0, nodes.chain(chain, last), size, -tie * np.rint(fits[last] * milli).astype(np.int64))
        for b in range(last, 0, -1):
            step = np.rint((fits[b - 1] - fits[b]) * milli).astype(np.int64)
            net.add(nodes.chain(chain, b), nodes.chain(chain, b - 1), size, -tie * step)


def _add_chain_exits(net: _Network, nodes: _Nodes, lay: _Layout, bands: _Bands) -> slice:
    """(chain, band) → (cell, level) for each level of the band; flows read back as [chain, position]."""
    tier = lay.chain_tier
    tails = nodes.chain(np.arange(tier.size)[:, None], bands.band[tier])
    heads = nodes.cell_level(lay.chain_cell[:, None], bands.order[tier])
    return net.add(tails, heads, lay.chain_size[:, None], 0)


def _add_routes(net: _Network, nodes: _Nodes, lay: _Layout, problem: Problem, reps: np.ndarray, objective: Objective,
                tie: int, n: int) -> list[tuple[slice, slice | None]]:
    """(cell, level) → reps: the region and industry part of w. Returns (arcs in, arcs out of the hubs)."""
    region_points = int(np.rint(objective.region * REGION_BONUS * UNITS_PER_POINT))
    industry_points = int(np.rint(objective.industry * INDUSTRY_BONUS * UNITS_PER_POINT))
    rep_level = problem.level[reps]
    region_hit, industry_hit = problem.region_cover[:, reps], problem.industry_cover[:, reps]
    cells, js = np.nonzero(region_hit[lay.cell_reg] & industry_hit[lay.cell_ind])
    direct = net.add(nodes.cell_level(cells, rep_level[js]), nodes.target(lay.cell_src[cells], js),
                     lay.cell_size[cells], -tie * (region_points + industry_points))
    routes: list[tuple[slice, slice | None]] = [(direct, None)]
    levels = np.unique(rep_level)[None, :]
    k, src = np.arange(lay.cell_size.size)[:, None], lay.cell_src[:, None]
    hubs = (
        (nodes.region_hub_base, lay.n_reg, lay.cell_reg[:, None], region_hit, region_points),
        (nodes.industry_hub_base, lay.n_ind, lay.cell_ind[:, None], industry_hit, industry_points),
        (nodes.level_hub_base, 1, np.zeros_like(src), np.ones((1, reps.size), dtype=bool), 0),
    )
    for base, stride, code, hit, points in hubs:
        into = net.add(nodes.cell_level(k, levels), base + 3 * (src * stride + code) + levels,
                       lay.cell_size[:, None], 0)
        codes, js = np.nonzero(hit)
        s = np.repeat(np.arange(lay.n_src), codes.size)
        codes, js = np.tile(codes, lay.n_src), np.tile(js, lay.n_src)
        out = net.add(base + 3 * (s * stride + codes) + rep_level[js], nodes.target(s, js), n, -tie * points)
        routes.append((into, out))
    if nodes.by_source:
        net.add(nodes.pair_base + np.arange(lay.n_src * reps.size), np.tile(nodes.rep(np.arange(reps.size)), lay.n_src),
                np.repeat(problem.share_cap, reps.size), 0)
    return routes


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
    size = end - np.maximum(start, 1)
    penalty = np.rint(balance * BALANCE_POINTS * UNITS_PER_POINT * start / free[rep_of_step]).astype(np.int64)
    keep = size > 0
    net.add(rep_node[rep_of_step[keep]], sink, size[keep], tie * penalty[keep])


def _customer_nodes(problem: Problem, lay: _Layout, bands: _Bands, exits: np.ndarray, nodes: _Nodes) -> np.ndarray:
    """The (cell, level) node of each customer, -1 for the pool: a chain's customers, highest score first,
    fill its exits in band order (as many as the flow sent through each)."""
    chain = lay.customer_chain
    order = np.lexsort((np.arange(chain.size), -problem.score_milli, chain))
    chain_sorted = chain[order]
    rank = np.arange(order.size) - (np.cumsum(lay.chain_size) - lay.chain_size)[chain_sorted]
    position = (rank[:, None] >= np.cumsum(exits, axis=1)[chain_sorted]).sum(axis=1)
    placed = position < exits.shape[1]
    node = np.full(order.size, -1, dtype=np.int64)
    tier = lay.chain_tier[chain_sorted[placed]]
    level = bands.order[tier, position[placed]]
    node[order[placed]] = nodes.cell_level(lay.chain_cell[chain_sorted[placed]], level)
    return node


def _units(arcs, flows, routes, nodes: _Nodes) -> tuple[np.ndarray, np.ndarray]:
    """(cell-level node, rep) once per placed customer. At a hub the customers coming in are matched in
    order with the places going out: all equally good, since a hub's out-arcs cost the same whichever
    cell the customer came from."""
    tails, heads = arcs[0], arcs[1]
    node_parts, rep_parts = [], []
    for into, out in routes:
        if out is None:
            node_parts.append(np.repeat(tails[into], flows[into]))
            rep_parts.append(np.repeat(nodes.rep_of_target(heads[into]), flows[into]))
            continue
        in_order = np.argsort(heads[into], kind="stable")
        out_order = np.argsort(tails[out], kind="stable")
        node_parts.append(np.repeat(tails[into][in_order], flows[into][in_order]))
        rep_parts.append(np.repeat(nodes.rep_of_target(heads[out][out_order]), flows[out][out_order]))
    return np.concatenate(node_parts), np.concatenate(rep_parts)
