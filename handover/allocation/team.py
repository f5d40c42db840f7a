"""A team plan (several reps leaving together, planned in one call) cut into each departing rep's part."""

from __future__ import annotations

from collections.abc import Sequence

from handover.allocation.engine import match_value
from handover.allocation.types import AllocationResult, Candidate, CustomerToPlace, Placement
from handover.errors import HandoverError


def _part_metrics(strategy: str, placements: Sequence[Placement], customers: dict[str, CustomerToPlace],
                  reps: dict[str, Candidate]) -> dict:
    """The figures of one departing rep's part: its W, placed, pooled and what each successor takes of it."""
    per_successor: dict[str, dict] = {}
    for placement in placements:
        if placement.successor_id is None:
            continue
        customer = customers[placement.customer_id]
        line = per_successor.setdefault(placement.successor_id, {"count": 0, "added_value": 0.0, "match": 0.0})
        line["count"] += 1
        line["added_value"] += customer.score
        line["match"] += match_value(customer, reps[placement.successor_id])
    for line in per_successor.values():
        line["added_value"], line["match"] = round(line["added_value"], 4), round(line["match"], 4)
    placed = sum(line["count"] for line in per_successor.values())
    return {"strategy": strategy, "W": round(sum(line["match"] for line in per_successor.values()), 4),
            "placed": placed, "pooled": len(placements) - placed, "per_successor": per_successor}


def split_plan(result: AllocationResult, customers: Sequence[CustomerToPlace], candidates: Sequence[Candidate],
               departing: Sequence[str]) -> dict[str, AllocationResult]:
    """Each departing rep's customers of a team plan, in plan order, with the figures of that part.

    Every rep of ``departing`` gets a part (an empty one when it has no customers). The parts' placements
    are the team plan's own: cutting a global plan never changes a successor.
    """
    by_id = {c.id: c for c in customers}
    reps = {c.id: c for c in candidates}
    parts: dict[str, list[Placement]] = {rep: [] for rep in departing}
    for placement in result.placements:
        owner = by_id[placement.customer_id].from_rep
        if owner not in parts:
            raise HandoverError(f"customer {placement.customer_id}: its departing rep {owner!r} is not one of "
                                f"{', '.join(departing)}")
        parts[owner].append(placement)
    return {rep: AllocationResult(result.strategy, tuple(lines), _part_metrics(result.strategy, lines, by_id, reps))
            for rep, lines in parts.items()}
