"""Stray records: open deals, contracts and planned follow-ups a departing rep holds on customers outside
their own book (owned by another rep, or in the pool). The hand-over moves a customer's records with the
customer, so these would otherwise stay with someone who has left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Stray:
    """A record the departing rep holds, and who owns its customer now (None: the customer is in the pool)."""

    kind: str  # "deal", "contract" or "follow_up"
    record_id: str
    customer_id: str
    customer_owner_id: str | None


@dataclass(frozen=True)
class StrayMove:
    kind: str
    record_id: str
    customer_id: str
    to: str | None  # None: unassigned, like the records of a customer the plan puts in the pool


def stray_moves(strays: Iterable[Stray], departing_id: str) -> list[StrayMove]:
    """Who takes each stray record: the customer's current owner, who answers for the customer now; nobody
    for a pool customer, exactly as when a plan puts one of the departing rep's own customers in the pool.

    Records on customers the departing rep still owns are not strays (they follow the customer) and are
    left out.
    """
    return [StrayMove(kind=s.kind, record_id=s.record_id, customer_id=s.customer_id, to=s.customer_owner_id)
            for s in strays if s.customer_owner_id != departing_id]
