"""Plain data the allocation engine takes and gives: no DB, no clock, no Prefect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

TIERS: tuple[str, ...] = ("A", "B", "C", "D")
LEVELS: tuple[str, ...] = ("senior", "mid", "junior")
STRATEGIES: tuple[str, ...] = ("optimal", "round-robin", "by-region", "by-industry", "by-value", "balanced", "mixed")

# Which rep level each tier is meant for (A→senior, B→mid, C/D→junior), and how well a level fits a tier
# by its distance from that level: the same level 1.0, one level off 0.7, two levels off 0.4.
TIER_LEVEL: dict[str, int] = {"A": 0, "B": 1, "C": 2, "D": 2}
FIT_BY_DISTANCE: tuple[float, ...] = (1.0, 0.7, 0.4)
REGION_BONUS = 40
INDUSTRY_BONUS = 25
MAX_SCORE = 300.0

MIXED_WEIGHT_KEYS: tuple[str, ...] = ("value", "region", "industry", "balance")
DEFAULT_MIXED_WEIGHTS: dict[str, float] = {"value": 1.0, "region": 1.0, "industry": 1.0, "balance": 1.0}


@dataclass(frozen=True, slots=True)
class CustomerToPlace:
    """A customer of a departing rep, already scored and tiered."""

    id: str
    tier: str  # "A" | "B" | "C" | "D"
    score: float  # value score 0..300
    region: str = ""
    industry: str = ""
    from_rep: str = ""  # the departing rep who owned it (max_share is per departing rep)


@dataclass(frozen=True, slots=True)
class RepFacts:
    """What the database knows about a rep, as plain data."""

    id: str
    level: str  # "senior" | "mid" | "junior"
    role: str  # only "rep" may receive customers
    status: str  # "active" | "departing" | "departed"
    regions: frozenset[str]
    industries: frozenset[str]
    capacity: int
    owned: int  # customers owned now
    planned_elsewhere: int = 0  # customers planned to them in other open cases
    suspended_until: date | None = None  # suspended through this date (inclusive)
    handover_score: float | None = None  # 0..100, past handover outcomes


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible successor after the hard constraints; ``free`` is the room left for this plan."""

    id: str
    level: str
    regions: frozenset[str]
    industries: frozenset[str]
    capacity: int
    free: int
    handover_score: float | None = None


@dataclass(frozen=True, slots=True)
class AllocationOptions:
    """Knobs of a plan.

    ``max_share``: no successor gets more than this share of one departing rep's customers (at least one).
    ``mixed_weights``: weights of value fit, region, industry and balance for strategy "mixed".
    ``measure_optimum``: also solve the optimal plan so a heuristic plan's W can be compared with it.
    """

    max_share: float | None = None
    mixed_weights: dict | None = None
    measure_optimum: bool = True


@dataclass(frozen=True, slots=True)
class Placement:
    """One customer's destination: a successor, or the public pool (``successor_id`` None), and why."""

    customer_id: str
    successor_id: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """A plan: one placement per customer, in the order the customers were given, and its figures."""

    strategy: str
    placements: tuple[Placement, ...]
    metrics: dict = field(default_factory=dict)
