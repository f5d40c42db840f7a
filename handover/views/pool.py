"""The public pool, pool applications and ownership conflicts as the acting person may see them."""

from __future__ import annotations

from typing import Any

from handover import access
from handover import pool as service
from handover.acting import acting, record_view
from handover.db import session_scope


def pool(by: str | None, region: str | None, industry: str | None, exported: bool) -> list[dict[str, Any]]:
    """The pool is open to every active employee (reps claim from it); each look is audited."""
    with session_scope() as session:
        actor = acting(session, by, "list the public pool")
        rows = service.list_pool(session, region=region, industry=industry)
        record_view(session, actor, exported=exported, subject_type="pool", subject_id="pool",
                    customer_ids=[r["id"] for r in rows], details={"region": region, "industry": industry})
    return rows


def applications(by: str | None, status: str | None) -> list[dict[str, Any]]:
    """A rep sees their own applications, a manager their team's, hr and admins all."""
    with session_scope() as session:
        actor = acting(session, by, "list pool applications")
        rows = service.list_applications(session, status=status)
    owners = access.customer_owners(actor)
    return rows if owners is None else [r for r in rows if r["employee_id"] in owners]


def conflicts(by: str | None, open_only: bool) -> list[dict[str, Any]]:
    """Conflicts a person is party to (as owner or claimant, or as their manager); hr and admins see all."""
    with session_scope() as session:
        actor = acting(session, by, "list ownership conflicts")
        rows = service.list_conflicts(session, open_only=open_only)
    owners = access.customer_owners(actor)
    return rows if owners is None else [r for r in rows if owners & {r["current_owner"], r["claimant"]}]
