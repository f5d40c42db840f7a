"""The standing pool rule: idle customers are announced, then reclaimed into the public pool."""

from __future__ import annotations

from handover import clock
from handover.db import session_scope
from handover.pool import run_due
from tasks._prefect import stage_task


@stage_task(name="reclaim-to-pool")
def reclaim_to_pool() -> dict:
    """Send reclaim notices that are due and reclaim customers whose notice period ended."""
    with session_scope() as session:
        return run_due(session, now=clock.now())
