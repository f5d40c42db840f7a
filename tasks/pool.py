"""The standing pool rule: idle customers are announced, then reclaimed into the public pool."""

from __future__ import annotations

from handover import clock
from handover.db import session_scope
from handover.pool.reclaim import COUNTS, apply_due, batches, due_reclaims
from tasks._prefect import stage_task


@stage_task(name="reclaim-to-pool")
def reclaim_to_pool() -> dict:
    """Send reclaim notices that are due and reclaim customers whose notice period ended, a batch per transaction."""
    now, counts = clock.now(), dict.fromkeys(COUNTS, 0)
    with session_scope() as session:
        due = due_reclaims(session, now)
    for batch in batches(due):
        with session_scope() as session:
            for key, count in apply_due(session, batch, now=now).items():
                counts[key] += count
    return counts
