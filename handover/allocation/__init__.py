"""Pure allocation engine: who takes over which customer (strategies, exact min-cost flow, reasons,
fairness). Plain data in, plain data out; see docs/allocation.md."""

from handover.allocation.eligibility import eligible
from handover.allocation.engine import allocate, compare, match_value
from handover.allocation.team import split_plan
from handover.allocation.types import (
    LEVELS,
    STRATEGIES,
    TIERS,
    AllocationOptions,
    AllocationResult,
    Candidate,
    CustomerToPlace,
    Placement,
    RepFacts,
)

__all__ = [
    "LEVELS", "STRATEGIES", "TIERS", "AllocationOptions", "AllocationResult", "Candidate", "CustomerToPlace",
    "Placement", "RepFacts", "allocate", "compare", "eligible", "match_value", "split_plan",
]
