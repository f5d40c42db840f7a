"""`handover notes`: the departing rep's handover notes on a customer, for the successor's briefing."""

from __future__ import annotations

from typing import Annotated

import typer

from handover.acting import actor_id
from handover.cli.app import app, out
from handover.notes import write_notes


@app.command()
def notes(
    case_id: int, customer_id: str,
    text: Annotated[str, typer.Option("--text", help="what the successor should know about the customer")],
    by: Annotated[str, typer.Option("--by", help="the departing rep (default: HANDOVER_USER)")] = "",
) -> None:
    """Write handover notes on a customer of your own offboarding case (until your last day)."""
    write_notes(case_id, customer_id, by=actor_id(by), text=text)
    out.print(f"handover notes on {customer_id} saved for the successor's briefing", highlight=False)
