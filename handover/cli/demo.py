"""`handover demo`: the product end to end on a sample company and a simulated clock."""

from __future__ import annotations

from typing import Annotated

import typer

from handover.cli.app import app, err, out


@app.command()
def demo(
    reps: Annotated[int, typer.Option(help="sales reps in the sample company")] = 28,
    customers: Annotated[int, typer.Option(help="customers in the sample company")] = 2400,
    days: Annotated[int, typer.Option(help="most simulated days to run")] = 140,
) -> None:
    """Build a sample company, offboard one rep and run the case to its evaluation on a simulated clock."""
    from handover.demo.run import run_demo

    raise typer.Exit(run_demo(out, err, reps=reps, customers=customers, max_days=days))
