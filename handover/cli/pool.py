"""Commands of the public pool and the standing rules: `pool` (list, claim, release, applications, decide),
`suspend`, `conflicts` (list, resolve)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Optional
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from handover import clock
from handover import pool as service
from handover.acting import actor_id
from handover.cli.app import app, err, out, print_json
from handover.db import session_scope
from handover.errors import HandoverError
from handover.settings import get_settings
from handover.views import pool as pool_views

Json = Annotated[bool, typer.Option("--json", help="print one JSON document on stdout")]
By = Annotated[str, typer.Option("--by", help="the employee id of the person acting (default: HANDOVER_USER)")]

pool_app = typer.Typer(invoke_without_command=True, help="The public pool (公海池): list, claim, release, apply.")
conflicts_app = typer.Typer(invoke_without_command=True, help="Ownership conflicts waiting for a manager.")
app.add_typer(pool_app, name="pool")
app.add_typer(conflicts_app, name="conflicts")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    out.print(table)


@pool_app.callback()
def pool(ctx: typer.Context,
         region: Annotated[Optional[str], typer.Option(help="only customers in this region")] = None,
         industry: Annotated[Optional[str], typer.Option(help="only customers in this industry")] = None,
         json: Json = False, by: By = "") -> None:
    """List the customers in the public pool (longest waiting first); audited."""
    if ctx.invoked_subcommand is not None:
        return
    rows = pool_views.pool(by, region, industry, exported=json)
    if json:
        print_json(rows)
    else:
        _table(f"public pool: {len(rows)} customers", rows,
               ["id", "name", "region", "industry", "tier", "kind", "entered_at", "previous_owner_id"])


@pool_app.command("claim")
def claim(customer_id: Annotated[str, typer.Argument(help="the customer to take from the pool")], by: By = "",
          apply: Annotated[bool, typer.Option("--apply", help="ask the manager instead of claiming directly")] = False,
          reason: Annotated[str, typer.Option(help="with --apply: why you want this customer")] = "",
          json: Json = False) -> None:
    """Claim a pool customer (first come, first served) or, with --apply, apply for it."""
    now, by = clock.now(), actor_id(by)
    with session_scope() as session:
        if apply:
            application = service.apply(session, customer_id=customer_id, rep_id=by, now=now, reason=reason)
            document = {"application_id": application.id, "customer_id": customer_id, "employee_id": by,
                        "status": application.status.value}
        else:
            result = service.claim(session, customer_id=customer_id, rep_id=by, now=now)
            document = {"granted": result.granted, "customer_id": customer_id, "owner_id": result.owner_id,
                        "conflict_id": result.conflict_id, "message": result.message}
    if not apply and not document["granted"]:
        raise HandoverError(document["message"])  # the conflict is committed; the claim is refused
    if json:
        print_json(document)
    elif apply:
        out.print(f"application {document['application_id']} for customer {customer_id} waits for the manager")
    else:
        out.print(document["message"])


@pool_app.command("release")
def release(customer_id: Annotated[str, typer.Argument(help="the customer to give up")], by: By = "",
            reason: Annotated[str, typer.Option(help="why the customer goes to the pool")] = "") -> None:
    """Give a customer up to the public pool."""
    by = actor_id(by)
    with session_scope() as session:
        entry = service.release(session, customer_id=customer_id, by=by, reason=reason, now=clock.now())
        previous = entry.previous_owner_id
    out.print(f"customer {customer_id} (owner {previous}) released into the public pool by {by}")


@pool_app.command("applications")
def applications(status: Annotated[Optional[str], typer.Option(help="pending, approved or rejected")] = None,
                 json: Json = False, by: By = "") -> None:
    """List the applications for pool customers you may see (a rep their own, a manager their team's)."""
    rows = pool_views.applications(by, status)
    if json:
        print_json(rows)
    else:
        _table(f"applications: {len(rows)}", rows, ["id", "customer_id", "employee_id", "status", "applied_at",
                                                    "decided_by", "reason"])


@pool_app.command("decide")
def decide(application_id: Annotated[int, typer.Argument(help="the application")], by: By = "",
           approve: Annotated[Optional[bool], typer.Option("--approve/--reject", help="the decision")] = None,
           reason: Annotated[str, typer.Option(help="why")] = "") -> None:
    """Approve or reject an application for a pool customer (the applicant's manager or an admin)."""
    if approve is None:
        raise HandoverError("decide: give --approve or --reject")
    with session_scope() as session:
        application = service.decide(session, application_id=application_id, by=actor_id(by), approve=approve,
                                     now=clock.now(), reason=reason)
        status, customer_id, employee_id = application.status.value, application.customer_id, application.employee_id
    out.print(f"application {application_id} {status}: customer {customer_id}, {employee_id}")


@app.command()
def suspend(rep_id: Annotated[str, typer.Argument(help="the rep who broke a company rule")], by: By = "",
            reason: Annotated[str, typer.Option(help="the violation")] = "", json: Json = False) -> None:
    """Suspend a rep from new customers: 7, 15, then 30 days by violation count (settings)."""
    with session_scope() as session:
        s = service.suspend(session, employee_id=rep_id, by=actor_id(by), reason=reason, now=clock.now())
        document = {"id": s.id, "employee_id": s.employee_id, "violation_number": s.violation_number,
                    "starts_on": s.starts_on, "ends_on": s.ends_on, "decided_by": s.decided_by, "reason": s.reason}
    if json:
        print_json(document)
    else:
        out.print(f"{rep_id} suspended from new customers {document['starts_on']} through {document['ends_on']} "
                  f"(violation {document['violation_number']})")


@conflicts_app.callback()
def conflicts(ctx: typer.Context,
              open_only: Annotated[bool, typer.Option("--open", help="only conflicts not yet resolved")] = False,
              json: Json = False, by: By = "") -> None:
    """List the ownership conflicts you are party to (hr and admins: all)."""
    if ctx.invoked_subcommand is not None:
        return
    rows = pool_views.conflicts(by, open_only)
    if json:
        print_json(rows)
    else:
        _table(f"ownership conflicts: {len(rows)}", rows, ["id", "customer_id", "current_owner", "claimant",
                                                           "first_registered_by", "source", "at", "resolution"])


@conflicts_app.command("resolve")
def resolve(conflict_id: Annotated[int, typer.Argument(help="the conflict")], by: By = "",
            keep: Annotated[Optional[bool], typer.Option("--keep/--give", help="keep the owner or give to the claimant")] = None,
            reason: Annotated[str, typer.Option(help="why")] = "") -> None:
    """Decide an ownership conflict (a manager of either rep, or an admin)."""
    if keep is None:
        raise HandoverError("resolve: give --keep or --give")
    with session_scope() as session:
        conflict = service.resolve_conflict(session, conflict_id=conflict_id, by=actor_id(by), keep=keep,
                                            now=clock.now(), reason=reason)
        owner = conflict.current_owner if keep else conflict.claimant
        customer_id = conflict.customer_id
    err.print(f"conflict {conflict_id} resolved")
    out.print(f"customer {customer_id} stays with {owner}" if keep else f"customer {customer_id} now belongs to {owner}")
