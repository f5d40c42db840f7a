"""`handover serve`: the deployments, served against the configured Prefect API (PREFECT_API_URL)."""

from __future__ import annotations

from typing import Annotated

import typer

from handover.cli.app import app


@app.command()
def serve(
    follow_up_minutes: Annotated[int, typer.Option(help="how often the follow-up flow runs")] = 60,
) -> None:
    """Serve start-offboarding, offboarding and follow-up so HR and managers can use the Prefect UI."""
    from prefect import serve as serve_deployments

    from flows.offboarding import offboarding, start_offboarding
    from flows.revisit import follow_up

    serve_deployments(
        start_offboarding.to_deployment(name="start-offboarding", tags=["handover"]),
        offboarding.to_deployment(name="offboarding", tags=["handover"]),
        follow_up.to_deployment(name="follow-up", tags=["handover"], interval=follow_up_minutes * 60),
    )
