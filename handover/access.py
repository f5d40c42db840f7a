"""Who may do what: plain rules over the acting person and what they act on (no DB, no clock).

Roles come from the employee table (docs/access.md has the matrix):
- hr: starts cases, sees every case and customer;
- manager: decides the plans, pool applications, suspensions and conflicts of their team (the employees
  whose manager they are) and sees their team's customers and cases;
- rep: sees and acts on their own customers and the cases they inherit, claims from the pool;
- admin: everything, including imports, mail operations and the audit.
A departing or departed employee may do nothing, except the tasks of their own handover (its meeting,
its handover notes) until their last day.

Each rule returns None when allowed, else the refusal in words (the caller raises NotAllowed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

HR, MANAGER, REP, ADMIN = "hr", "manager", "rep", "admin"
EVERYONE = frozenset({HR, MANAGER, REP, ADMIN})
SEE_ALL = frozenset({HR, ADMIN})


@dataclass(frozen=True)
class Actor:
    """The person acting, as far as the rules need to know them."""

    id: str
    role: str
    status: str
    last_day: date | None = None
    team: frozenset[str] = frozenset()  # the employees this person manages


def standing_refusal(actor: Actor) -> str | None:
    """Only active employees act; a departing one's access was revoked when the case opened."""
    if actor.status == "active":
        return None
    if actor.status == "departing":
        return (f"{actor.id} is leaving (last day {actor.last_day}): their access was revoked; they may only "
                "do what their own handover asks of them")
    return f"{actor.id} has left the company and may do nothing"


def role_refusal(actor: Actor, roles: frozenset[str], what: str) -> str | None:
    if actor.role in roles:
        return None
    return f"{actor.id} ({actor.role}) may not {what}: only {' or '.join(sorted(roles))} may"


def handover_task_refusal(actor: Actor, departing_id: str, today: date, what: str) -> str | None:
    """The departing rep of a case may do its tasks (the meeting, handover notes) until their last day."""
    if actor.id != departing_id:
        return f"{actor.id} may not {what}: it is {departing_id}'s handover"
    if actor.status == "departed" or (actor.last_day is not None and today > actor.last_day):
        return f"{actor.id} may not {what}: their last day ({actor.last_day}) has passed"
    return None


def customer_owners(actor: Actor) -> frozenset[str] | None:
    """Whose customers the actor may see: None for everyone's, else these owners' only."""
    if actor.role in SEE_ALL:
        return None
    if actor.role == MANAGER:
        return actor.team | {actor.id}
    return frozenset({actor.id})


def owner_refusal(actor: Actor, owner_id: str | None, what: str) -> str | None:
    """May the actor see or act on something of ``owner_id`` (a customer's owner, an applicant)?"""
    owners = customer_owners(actor)
    if owners is None or owner_id in owners:
        return None
    return f"{actor.id} ({actor.role}) may not {what}: it belongs to {owner_id or 'nobody'}, outside their scope"


def case_refusal(actor: Actor, departing_id: str, departing_manager_id: str | None,
                 successors: frozenset[str], what: str, *, successors_too: bool = True) -> str | None:
    """A case is seen by hr and admins, the departing rep's manager and (for their part) its successors."""
    if actor.role in SEE_ALL or (actor.role == MANAGER and departing_manager_id == actor.id):
        return None
    if successors_too and actor.role == REP and actor.id in successors:
        return None
    who = "hr, an admin, the departing rep's manager" + (" or a successor" if successors_too else "")
    return f"{actor.id} ({actor.role}) may not {what} of {departing_id}'s case: only {who} may"


def audit_refusal(actor: Actor, customer_owner_id: str | None, case_manager_id: str | None,
                  has_customer: bool, has_case: bool) -> str | None:
    """hr and admins read the whole audit; a manager reads it for one customer or case of their team."""
    if actor.role in SEE_ALL:
        return None
    if actor.role != MANAGER:
        return f"{actor.id} ({actor.role}) may not read the audit: only hr, admins and managers may"
    if not (has_customer or has_case):
        return f"{actor.id} (manager) reads the audit of their team's customers: give --customer or --case"
    if has_customer and customer_owner_id not in actor.team | {actor.id}:
        return f"{actor.id} (manager) may not read the audit of a customer owned by {customer_owner_id or 'nobody'}"
    if has_case and case_manager_id != actor.id:
        return f"{actor.id} (manager) may not read the audit of a case outside their team"
    return None


def meeting_refusal(actor: Actor, departing_id: str, departing_manager_id: str | None, successor_id: str,
                    today: date, what: str) -> str | None:
    """A three-way meeting is moved by those who attend or answer for it: the successor, the departing rep
    (until their last day), the departing rep's manager, or an admin."""
    if actor.id == departing_id:
        return handover_task_refusal(actor, departing_id, today, what)
    refusal = standing_refusal(actor)
    if refusal or actor.role == ADMIN or actor.id in (successor_id, departing_manager_id):
        return refusal
    return (f"{actor.id} ({actor.role}) may not {what}: only the successor {successor_id}, the departing rep "
            f"{departing_id}, their manager or an admin may")
