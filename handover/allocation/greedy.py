"""The rule-of-thumb strategies the articles describe, as greedy passes over the customers.

Each takes customers in a fixed order (highest value first, ties in the given order) and gives each one
to the first rep its rule picks that still has room (capacity, and the max-share limit of the customer's
departing rep). A customer goes to the pool only when no rep has room for it. Each returns the candidate
index per customer (-1 = pool), a note code per customer (-1 = none) and the texts of the notes.
"""

from __future__ import annotations

import heapq

import numpy as np

from handover.allocation.problem import Problem
from handover.allocation.types import LEVELS, TIER_LEVEL, TIERS

Plan = tuple[np.ndarray, np.ndarray, list[str]]


class Room:
    """What each rep can still take during a greedy pass."""

    def __init__(self, problem: Problem) -> None:
        self.free = problem.free.tolist()
        self.cap = None if problem.share_cap is None else problem.share_cap.tolist()
        self.used: dict[tuple[int, int], int] = {}

    def fits(self, rep: int, source: int) -> bool:
        if self.free[rep] <= 0:
            return False
        return self.cap is None or self.used.get((source, rep), 0) < self.cap[source]

    def take(self, rep: int, source: int) -> None:
        self.free[rep] -= 1
        if self.cap is not None:
            self.used[(source, rep)] = self.used.get((source, rep), 0) + 1


class Rota:
    """Turn-taking over a fixed order of reps; reps that are full drop out for good."""

    def __init__(self, reps: list[int], room: Room) -> None:
        self.reps = [r for r in reps if room.free[r] > 0]
        self.room = room
        self.pos = 0

    def next(self, source: int) -> int | None:
        """The next rep in turn with room for a customer of ``source``, or None."""
        reps, room = self.reps, self.room
        checked = 0
        while checked < len(reps):
            if self.pos >= len(reps):
                self.pos = 0
            rep = reps[self.pos]
            if room.free[rep] <= 0:
                del reps[self.pos]
                continue
            self.pos += 1
            if room.fits(rep, source):
                return rep
            checked += 1
        return None


def _by_value_order(problem: Problem) -> list[int]:
    return np.argsort(-problem.score, kind="stable").tolist()


def _empty(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    n = problem.n_customers
    return np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)


def round_robin(problem: Problem) -> Plan:
    """Reps take turns in the order given; customers come highest value first."""
    assign, note = _empty(problem)
    room = Room(problem)
    rota = Rota(list(range(problem.n_candidates)), room)
    source = problem.source.tolist()
    for c in _by_value_order(problem):
        rep = rota.next(source[c])
        if rep is not None:
            room.take(rep, source[c])
            assign[c], note[c] = rep, 0
    return assign, note, ["round-robin: next rep in turn"]


def _by_attribute(problem: Problem, codes: np.ndarray, cover: np.ndarray, names: list[str], what: str) -> Plan:
    """Customers go in turn to the reps covering their region (industry); if none has room, to any rep."""
    assign, note = _empty(problem)
    room = Room(problem)
    every = Rota(list(range(problem.n_candidates)), room)
    rotas = [Rota(np.flatnonzero(cover[code]).tolist(), room) for code in range(len(names))]
    texts = [f"by {what}: next rep in turn covering {what} {name}" for name in names]
    texts += [f"by {what}: no rep with room covers {what} {name}; next rep in turn" for name in names]
    source, code_of = problem.source.tolist(), codes.tolist()
    for c in _by_value_order(problem):
        code = code_of[c]
        rep = rotas[code].next(source[c])
        fallback = rep is None
        if fallback:
            rep = every.next(source[c])
        if rep is not None:
            room.take(rep, source[c])
            assign[c], note[c] = rep, code + len(names) * fallback
    return assign, note, texts


def by_region(problem: Problem) -> Plan:
    return _by_attribute(problem, problem.region, problem.region_cover, problem.region_names, "region")


def by_industry(problem: Problem) -> Plan:
    return _by_attribute(problem, problem.industry, problem.industry_cover, problem.industry_names, "industry")


def by_value(problem: Problem) -> Plan:
    """High value to the most capable: the tier's own level first (A→senior, B→mid, C/D→junior), then the
    nearest level; within a level, reps in order of capability (past handover score, then room)."""
    assign, note = _empty(problem)
    room = Room(problem)
    rotas = []
    for level in range(len(LEVELS)):
        reps = np.flatnonzero(problem.level == level)
        ranked = reps[np.lexsort((reps, -problem.free[reps], -problem.capability[reps]))]
        rotas.append(Rota(ranked.tolist(), room))
    preference = [sorted(range(len(LEVELS)), key=lambda lv, t=TIER_LEVEL[tier]: (abs(lv - t), lv)) for tier in TIERS]
    texts = [f"by value: most capable {level} rep in turn" for level in LEVELS]
    texts += [f"by value: no {LEVELS[TIER_LEVEL[tier]]} rep with room for tier {tier}; nearest level" for tier in TIERS]
    source, tier_of = problem.source.tolist(), problem.tier.tolist()
    for c in _by_value_order(problem):
        tier = tier_of[c]
        for rank, level in enumerate(preference[tier]):
            rep = rotas[level].next(source[c])
            if rep is not None:
                room.take(rep, source[c])
                assign[c] = rep
                note[c] = level if rank == 0 else len(LEVELS) + tier
                break
    return assign, note, texts


def balanced(problem: Problem) -> Plan:
    """Each customer (highest value first) goes to the rep with the least value added so far per unit of
    room; so every rep ends with about the same added value per unit of capacity."""
    assign, note = _empty(problem)
    room = Room(problem)
    free0 = problem.free.tolist()
    added = [0.0] * problem.n_candidates
    heap = [(0.0, -free0[r], r) for r in range(problem.n_candidates) if free0[r] > 0]
    heapq.heapify(heap)
    source, score = problem.source.tolist(), problem.score.tolist()
    for c in _by_value_order(problem):
        held = []
        while heap:
            entry = heapq.heappop(heap)
            rep = entry[2]
            if room.fits(rep, source[c]):
                room.take(rep, source[c])
                assign[c], note[c] = rep, 0
                added[rep] += score[c]
                if room.free[rep] > 0:
                    heapq.heappush(heap, (added[rep] / free0[rep], -free0[rep], rep))
                break
            if room.free[rep] > 0:
                held.append(entry)
        for entry in held:
            heapq.heappush(heap, entry)
    return assign, note, ["balanced: least value added per unit of room so far"]


GREEDY = {
    "round-robin": round_robin,
    "by-region": by_region,
    "by-industry": by_industry,
    "by-value": by_value,
    "balanced": balanced,
}
