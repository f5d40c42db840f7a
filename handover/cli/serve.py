"""`handover serve`: the deployments, served against the configured Prefect API (PREFECT_API_URL)."""

from __future__ import annotations

from typing import Annotated

import typer

from handover.cli.app import app


@app.command()
def serve(
    follow_up_minutes: Annotated[int, typer.Option(help="how often the follow-up and pool-reclaim flows run")] = 60,
) -> None:
    """Serve the deployments from this process so HR and managers can use the Prefect UI (no workers)."""
    from prefect import serve as serve_deployments

    from handover.deployments import TAGS, handover_flows

    periodic = {"follow-up", "pool-reclaim"}
    serve_deployments(*(flow.to_deployment(name=name, tags=TAGS,
                                           interval=follow_up_minutes * 60 if name in periodic else None)
                        for flow, name in handover_flows()))
