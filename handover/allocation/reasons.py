"""The words that say why each customer went where it went."""

from __future__ import annotations

from operator import attrgetter

import numpy as np

from handover.allocation.problem import Problem
from handover.allocation.types import LEVELS, TIER_LEVEL, TIERS, Placement

_OFF = ("", " (one level off)", " (two levels off)")


def placed_reasons(problem: Problem, note_text: str | None, tier: int, region: int, industry: int, rep: int,
                   left: int) -> tuple[str, ...]:
    """Reasons for a customer of this (tier, region, industry) placed with candidate ``rep``."""
    cand = problem.candidates[rep]
    level = int(problem.level[rep])
    lines = [] if note_text is None else [note_text]
    lines.append(f"tier {TIERS[tier]} → {LEVELS[level]}{_OFF[abs(TIER_LEVEL[TIERS[tier]] - level)]}")
    for code, names, cover, what in ((region, problem.region_names, problem.region_cover, "region"),
                                     (industry, problem.industry_names, problem.industry_cover, "industry")):
        if names[code]:
            lines.append(f"{what} {names[code]} {'matches' if cover[code, rep] else 'not covered'}")
    lines.append(f"capacity {left} of {cand.capacity} left")
    return tuple(lines)


def pool_reason(problem: Problem, source: int, left: np.ndarray, used: np.ndarray | None) -> str:
    """Why a customer of departing rep ``source`` is in the pool, judged on the final plan."""
    if problem.n_candidates == 0:
        return "no eligible rep"
    with_room = left > 0
    if not with_room.any():
        return "no eligible rep has capacity left"
    if problem.share_cap is None or used is None:
        raise AssertionError("a customer was pooled while a rep had room")  # the strategies never do this
    cap = int(problem.share_cap[source])
    if np.all(used[source, with_room] >= cap):
        name = problem.source_names[source] or "the departing rep"
        return (f"every rep with capacity left already has {cap} of {name}'s customers "
                f"(max share {problem.max_share:.0%})")
    raise AssertionError("a customer was pooled while a rep had room")


def build_placements(problem: Problem, assign: np.ndarray, note: np.ndarray,
                     note_texts: list[str]) -> tuple[Placement, ...]:
    """One Placement per customer, in input order. Reasons are built once per distinct
    (note, tier, region, industry, rep) and shared, so large plans stay fast."""
    n_reps = problem.n_candidates
    counts = np.bincount(assign[assign >= 0], minlength=n_reps)
    left = problem.free - counts
    placed = np.flatnonzero(assign >= 0)
    sizes = (len(TIERS), len(problem.region_names), len(problem.industry_names), n_reps)
    key = note[placed] + 1
    for part, size in zip((problem.tier, problem.region, problem.industry, assign), sizes):
        key = key * size + part[placed]
    unique, inverse = np.unique(key, return_inverse=True)
    table_reasons: list[tuple[str, ...]] = []
    table_successor: list[str | None] = []
    for k in unique.tolist():
        k, rep = divmod(k, n_reps)
        k, industry = divmod(k, sizes[2])
        k, region = divmod(k, sizes[1])
        nt, tier = divmod(k, sizes[0])
        nt -= 1
        table_reasons.append(placed_reasons(problem, None if nt < 0 else note_texts[nt], tier, region, industry,
                                            rep, int(left[rep])))
        table_successor.append(problem.candidates[rep].id)
    entry = np.empty(problem.n_customers, dtype=np.int64)
    entry[placed] = inverse.ravel()
    pooled = np.flatnonzero(assign < 0)
    if pooled.size:
        used = _used_by_source(problem, assign)
        sources = np.unique(problem.source[pooled])
        first_pool = len(table_reasons)
        for src in sources.tolist():
            table_reasons.append((pool_reason(problem, src, left, used),))
            table_successor.append(None)
        entry[pooled] = first_pool + np.searchsorted(sources, problem.source[pooled])
    entries = entry.tolist()
    return tuple(map(Placement, map(attrgetter("id"), problem.customers), map(table_successor.__getitem__, entries),
                     map(table_reasons.__getitem__, entries)))


def _used_by_source(problem: Problem, assign: np.ndarray) -> np.ndarray | None:
    if problem.share_cap is None:
        return None
    used = np.zeros((len(problem.source_names), problem.n_candidates), dtype=np.int64)
    placed = assign >= 0
    np.add.at(used, (problem.source[placed], assign[placed]), 1)
    return used

