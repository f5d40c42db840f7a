"""Hard constraints on who may receive customers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from handover.allocation.types import Candidate, RepFacts
from handover.errors import HandoverError


def exclusion_reason(rep: RepFacts, departing: Collection[str], on: date) -> str | None:
    """Why this rep may not receive customers on ``on``, in words; None when it may."""
    if rep.id in departing:
        return "departing rep of this plan"
    if rep.role != "rep":
        return f"role {rep.role} does not take customers"
    if rep.status != "active":
        return f"status {rep.status}"
    if rep.suspended_until is not None and rep.suspended_until >= on:
        return f"suspended from allocation through {rep.suspended_until.isoformat()}"
    used = rep.owned + rep.planned_elsewhere
    if used >= rep.capacity:
        elsewhere = f" + {rep.planned_elsewhere} planned in other open cases" if rep.planned_elsewhere else ""
        return f"no capacity left: owns {rep.owned}{elsewhere} of {rep.capacity}"
    return None


def eligible(reps: Sequence[RepFacts], departing: Collection[str], on: date) -> tuple[list[Candidate], dict[str, str]]:
    """Hard constraints: the candidates and, for each excluded rep id, the reason in words.

    A successor is an active rep (not departing, not suspended on ``on``) with room left: capacity minus
    the customers it owns and those planned to it in other open cases.
    """
    departing = frozenset(departing)
    candidates: list[Candidate] = []
    excluded: dict[str, str] = {}
    for rep in reps:
        if isinstance(rep.regions, str) or isinstance(rep.industries, str):
            raise HandoverError(f"rep {rep.id}: regions and industries must be sets of names, not text")
        reason = exclusion_reason(rep, departing, on)
        if reason is not None:
            excluded[rep.id] = reason
            continue
        free = rep.capacity - rep.owned - rep.planned_elsewhere
        candidates.append(
            Candidate(rep.id, rep.level, frozenset(rep.regions), frozenset(rep.industries), rep.capacity, free,
                      rep.handover_score)
        )
    return candidates, excluded
