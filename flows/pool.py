"""The standing pool rule as a flow of its own, so it can be deployed and run on its own schedule."""

from __future__ import annotations

from prefect import flow

from tasks.pool import reclaim_to_pool


@flow(name="pool-reclaim", log_prints=False)
def pool_reclaim() -> dict:
    """Announce reclaims that are due and reclaim customers nobody followed up (docs/pool.md)."""
    return reclaim_to_pool()
