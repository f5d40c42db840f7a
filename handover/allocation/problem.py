"""Checks the input of a plan and encodes it as numpy arrays the strategies share.

Names (regions, industries, departing reps) become small integer codes; "does rep r cover region x"
becomes a boolean matrix indexed by (region code, rep), so strategies never loop over strings.
"""

from __future__ import annotations

from operator import attrgetter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from handover.allocation.types import (
    DEFAULT_MIXED_WEIGHTS,
    FIT_BY_DISTANCE,
    LEVELS,
    MAX_SCORE,
    MIXED_WEIGHT_KEYS,
    STRATEGIES,
    TIER_LEVEL,
    TIERS,
    AllocationOptions,
    Candidate,
    CustomerToPlace,
)
from handover.errors import HandoverError

MAX_WEIGHT = 100  # keeps the solver's integer costs far from overflow
_TIER_CODE = {tier: code for code, tier in enumerate(TIERS)}
_LEVEL_CODE = {level: code for code, level in enumerate(LEVELS)}
# FIT[tier code, level code]
FIT = np.array([[FIT_BY_DISTANCE[abs(TIER_LEVEL[t] - lv)] for lv in range(len(LEVELS))] for t in TIERS])
FIT_TENTHS = np.rint(FIT * 10).astype(np.int64)


@dataclass
class Problem:
    """One plan's input as arrays; customers and candidates keep the order they were given in."""

    customers: Sequence[CustomerToPlace]
    candidates: Sequence[Candidate]
    tier: np.ndarray  # int64 tier code per customer
    score: np.ndarray  # float64
    score_milli: np.ndarray  # int64, round(score × 1000)
    region: np.ndarray  # int64 region code per customer
    industry: np.ndarray
    source: np.ndarray  # int64 code of the departing rep per customer
    region_names: list[str]
    industry_names: list[str]
    source_names: list[str]
    level: np.ndarray  # int64 level code per candidate
    free: np.ndarray  # int64 room per candidate
    capacity: np.ndarray
    capability: np.ndarray  # float64 handover score (50 when unknown)
    region_cover: np.ndarray  # bool [region code, candidate]
    industry_cover: np.ndarray  # bool [industry code, candidate]
    share_cap: np.ndarray | None  # int64 per source: most customers of that departing rep one successor may get
    max_share: float | None

    @property
    def n_customers(self) -> int:
        return len(self.customers)

    @property
    def n_candidates(self) -> int:
        return len(self.candidates)

    def match(self, customers: np.ndarray, reps: np.ndarray) -> np.ndarray:
        """w(c, r) for paired arrays of customer and candidate indices (floats, exact formula)."""
        fit = FIT[self.tier[customers], self.level[reps]]
        region = self.region_cover[self.region[customers], reps]
        industry = self.industry_cover[self.industry[customers], reps]
        return self.score[customers] * fit + 40.0 * region + 25.0 * industry


def check_strategy(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise HandoverError(f"unknown allocation strategy {strategy!r}; valid strategies: {', '.join(STRATEGIES)}")


def mixed_weights(options: AllocationOptions) -> dict[str, float]:
    """The weights for strategy "mixed": defaults overlaid with the given ones, each a number >= 0."""
    given = options.mixed_weights or {}
    if not isinstance(given, dict):
        raise HandoverError(f"mixed_weights must be a mapping of {', '.join(MIXED_WEIGHT_KEYS)} to numbers")
    unknown = sorted(set(given) - set(MIXED_WEIGHT_KEYS))
    if unknown:
        raise HandoverError(f"mixed_weights: unknown weight {', '.join(map(str, unknown))}; "
                            f"valid: {', '.join(MIXED_WEIGHT_KEYS)}")
    weights = dict(DEFAULT_MIXED_WEIGHTS)
    for key, value in given.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_WEIGHT:
            raise HandoverError(f"mixed_weights.{key}: {value!r} is not a number from 0 to {MAX_WEIGHT}")
        weights[key] = float(value)
    if weights["value"] == weights["region"] == weights["industry"] == 0:
        raise HandoverError("mixed_weights: value, region and industry are all 0; nothing to match on")
    return weights


def _codes(names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Dense integer codes in order of first appearance (map/dict at C speed: this runs per customer)."""
    distinct = list(dict.fromkeys(names))
    table = {name: code for code, name in enumerate(distinct)}
    return np.fromiter(map(table.__getitem__, names), dtype=np.int64, count=len(names)), distinct


def _customer_arrays(customers: Sequence[CustomerToPlace]) -> tuple[np.ndarray, np.ndarray]:
    try:
        tier = np.fromiter(map(_TIER_CODE.__getitem__, map(attrgetter("tier"), customers)), dtype=np.int64,
                           count=len(customers))
    except (KeyError, TypeError):
        bad = next(c for c in customers if c.tier not in _TIER_CODE)
        raise HandoverError(f"customer {bad.id}: tier {bad.tier!r} is not one of {', '.join(TIERS)}") from None
    scores = list(map(attrgetter("score"), customers))
    if not set(map(type, scores)) <= {int, float, np.float64}:
        bad = next(c for c in customers if type(c.score) not in (int, float, np.float64))
        raise HandoverError(f"customer {bad.id}: score {bad.score!r} is not a number")
    score = np.array(scores, dtype=np.float64)
    wrong = ~(np.isfinite(score) & (score >= 0) & (score <= MAX_SCORE))
    if wrong.any():
        bad = customers[int(np.argmax(wrong))]
        raise HandoverError(f"customer {bad.id}: score {bad.score!r} is outside 0..{MAX_SCORE:g}")
    return tier, score


def _check_unique(ids: list[str], what: str) -> None:
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        duplicate = next(i for i in ids if i in seen or seen.add(i))
        raise HandoverError(f"{what} {duplicate} appears twice")


def _candidate_arrays(candidates: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    for cand in candidates:
        if cand.level not in _LEVEL_CODE:
            raise HandoverError(f"rep {cand.id}: level {cand.level!r} is not one of {', '.join(LEVELS)}")
        if not isinstance(cand.free, int) or not isinstance(cand.capacity, int) or cand.capacity < 0:
            raise HandoverError(f"rep {cand.id}: capacity {cand.capacity!r} and free {cand.free!r} "
                                "must be whole numbers >= 0")
        if not 0 <= cand.free <= cand.capacity:
            raise HandoverError(f"rep {cand.id}: free {cand.free} is outside 0..capacity {cand.capacity}")
    level = np.array([_LEVEL_CODE[c.level] for c in candidates], dtype=np.int64)
    free = np.array([c.free for c in candidates], dtype=np.int64)
    capacity = np.array([c.capacity for c in candidates], dtype=np.int64)
    capability = np.array([50.0 if c.handover_score is None else float(c.handover_score) for c in candidates])
    return level, free, capacity, capability


def _cover(names: list[str], candidates: Sequence[Candidate], attribute: str) -> np.ndarray:
    cover = np.zeros((len(names), len(candidates)), dtype=bool)
    for r, cand in enumerate(candidates):
        held = getattr(cand, attribute)
        if not isinstance(held, (set, frozenset)):
            raise HandoverError(f"rep {cand.id}: {attribute} must be a set of names, got {held!r}")
        for code, name in enumerate(names):
            cover[code, r] = name in held
    return cover


def share_caps(source: np.ndarray, n_sources: int, max_share: float | None) -> np.ndarray | None:
    """Most customers of each departing rep one successor may get: floor(share × count), at least 1.

    At least one, so a departing rep with few customers (1 customer, share 0.3) can still hand over.
    """
    if max_share is None:
        return None
    counts = np.bincount(source, minlength=n_sources)
    return np.maximum(1, np.floor(counts * max_share + 1e-9).astype(np.int64))


def build_problem(customers: Sequence[CustomerToPlace], candidates: Sequence[Candidate],
                  options: AllocationOptions) -> Problem:
    """Validate the input (HandoverError naming the bad item) and encode it."""
    customers = list(customers)
    candidates = list(candidates)
    _check_unique(list(map(attrgetter("id"), customers)), "customer")
    _check_unique([c.id for c in candidates], "rep")
    share = options.max_share
    if share is not None and (isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1):
        raise HandoverError(f"max_share {share!r} must be a number in (0, 1]")
    tier, score = _customer_arrays(customers)
    region, region_names = _codes(list(map(attrgetter("region"), customers)))
    industry, industry_names = _codes(list(map(attrgetter("industry"), customers)))
    source, source_names = _codes(list(map(attrgetter("from_rep"), customers)))
    level, free, capacity, capability = _candidate_arrays(candidates)
    return Problem(
        customers=customers, candidates=candidates, tier=tier, score=score,
        score_milli=np.rint(score * 1000).astype(np.int64), region=region, industry=industry, source=source,
        region_names=region_names, industry_names=industry_names, source_names=source_names,
        level=level, free=free, capacity=capacity, capability=capability,
        region_cover=_cover(region_names, candidates, "regions"),
        industry_cover=_cover(industry_names, candidates, "industries"),
        share_cap=share_caps(source, len(source_names), share), max_share=None if share is None else float(share),
    )
