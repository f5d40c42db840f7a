"""`handover outbox`: list messages (by status), send the due ones, resend one a person has checked."""

from __future__ import annotations

from typing import Optional

import typer
from sqlmodel import select

from handover.cli.app import app, err, out, print_json
from handover.db import session_scope
from handover.errors import HandoverError
from handover.mail.sender import deliver_pending, resend
from models.outbox import OutboxMessage, OutboxStatus

outbox_app = typer.Typer(help="The outgoing mail: list it, send it, resend a checked message.")
app.add_typer(outbox_app, name="outbox")

_FIELDS = ("id", "status", "kind", "recipient", "idempotency_key", "case_id", "customer_id", "attempts",
           "created_at", "next_attempt_at", "sent_at", "subject", "last_error")


def _list(status: str | None, limit: int) -> list[dict]:
    if status is not None and status not in OutboxStatus.__members__:
        raise HandoverError(f"--status {status!r}: choose one of {', '.join(OutboxStatus.__members__)}")
    with session_scope() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if status is not None:
            query = query.where(OutboxMessage.status == OutboxStatus(status))
        return [{name: getattr(row, name) for name in _FIELDS} for row in session.exec(query)]


@outbox_app.callback(invoke_without_command=True)
def outbox(ctx: typer.Context,
           status: Optional[str] = typer.Option(None, help="pending, sending, sent, failed or in_doubt"),
           limit: int = typer.Option(200, min=1, help="show at most this many (newest first)"),
           as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout")) -> None:
    """List outbox messages; `--status in_doubt` shows the ones a person must check."""
    if ctx.invoked_subcommand is not None:
        return
    rows = _list(status, limit)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        out.print(f"{row['id']:>6}  {row['status']:<9} {row['kind']:<22} {row['recipient']:<32} "
                  f"attempts={row['attempts']}  {row['last_error']}", highlight=False, markup=False)
    err.print(f"{len(rows)} message(s)")


@outbox_app.command("send")
def send(limit: Optional[int] = typer.Option(None, min=1, help="send at most this many"),
         as_json: bool = typer.Option(False, "--json", help="one JSON document on stdout")) -> None:
    """Deliver the due pending messages now (SMTP per settings.smtp_url, else .eml files)."""
    counts = deliver_pending(limit=limit)
    if as_json:
        print_json(counts)
    else:
        out.print(", ".join(f"{name} {number}" for name, number in counts.items()))


@outbox_app.command("resend")
def resend_command(message_id: int = typer.Argument(..., help="the outbox id"),
                   by: str = typer.Option(..., "--by", help="employee id of the person who checked"),
                   reason: str = typer.Option("", help="what the check found")) -> None:
    """Queue an in-doubt or failed message again after a person checked it was not received."""
    row = resend(message_id, by=by, reason=reason)
    out.print(f"outbox message {row.id} to {row.recipient} queued again", highlight=False)
