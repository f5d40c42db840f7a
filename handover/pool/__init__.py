"""The public pool (公海池) and the standing rules around ownership, as service functions over the DB.

What the procedure and the tick call: ``put_in_pool``, ``run_due``, ``is_suspended``; what the CLI calls:
the rest. Each takes the caller's session (one unit of work) and an explicit ``now``.
"""

from handover.pool.applications import apply, decide, list_applications
from handover.pool.claims import ClaimResult, claim
from handover.pool.conflicts import list_conflicts, record_conflict, resolve_conflict
from handover.pool.entries import list_pool, put_in_pool, release
from handover.pool.reclaim import run_due
from handover.pool.suspensions import is_suspended, list_suspensions, suspend

__all__ = [
    "ClaimResult", "apply", "claim", "decide", "is_suspended", "list_applications", "list_conflicts",
    "list_pool", "list_suspensions", "put_in_pool", "record_conflict", "release", "resolve_conflict", "run_due",
    "suspend",
]
