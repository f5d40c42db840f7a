"""`handover outbox`: list messages (by status), send the due ones, resend one a person has checked."""

from __future__ import annotations

from typing import Optional

import typer

from handover.acting import actor_id, require
from handover.cli.app import app, err, out, print_json
from handover.mail.sender import deliver_pending, resend
from handover.views import records

outbox_app = typer.Typer(help="The outgoing mail (admins): list it, send it, resend a checked message.")
app.add_typer(outbox_app, name="outbox")

BY_HELP = "the admin acting (default: HANDOVER_USER)"


@outbox_app.callback(invoke_without_command=True)
def outbox(ctx: typer.Context,
           status: Optional[str] = typer.Option(None, help="pending, sending, sent, failed or in_doubt"),
           limit: int = typer.Option(200, min=1, help="show at most this many (newest first)"),
           as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout"),
           by: str = typer.Option("", "--by", help=BY_HELP)) -> None:
    """List outbox messages; `--status in_doubt` shows the ones a person must check."""
    if ctx.invoked_subcommand is not None:
        return
    rows = records.outbox(by, status, limit, exported=as_json)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        out.print(f"{row['id']:>6}  {row['status']:<9} {row['kind']:<22} {row['recipient']:<32} "
                  f"attempts={row['attempts']}  {row['last_error']}", highlight=False, markup=False)
    err.print(f"{len(rows)} message(s)")


@outbox_app.command("send")
def send(limit: Optional[int] = typer.Option(None, min=1, help="send at most this many"),
         as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout"),
         by: str = typer.Option("", "--by", help=BY_HELP)) -> None:
    """Deliver the due pending messages now (SMTP per settings.smtp_url, else .eml files)."""
    require(by, "send the outbox by hand", frozenset({"admin"}))
    counts = deliver_pending(limit=limit)
    if as_json:
        print_json(counts)
    else:
        out.print(", ".join(f"{name} {number}" for name, number in counts.items()))


@outbox_app.command("resend")
def resend_command(message_id: int = typer.Argument(..., help="the outbox id"),
                   by: str = typer.Option("", "--by", help="the admin who checked (default: HANDOVER_USER)"),
                   reason: str = typer.Option("", help="what the check found")) -> None:
    """Queue an in-doubt or failed message again after an admin checked it was not received."""
    row = resend(message_id, by=actor_id(by), reason=reason)
    out.print(f"outbox message {row.id} to {row.recipient} queued again", highlight=False)
