"""`handover web`: serve the customer survey pages."""

from __future__ import annotations

import logging

import typer

from handover.cli.app import app, err


@app.command()
def web(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, min=1, max=65535, help="port to listen on"),
) -> None:
    """Serve the satisfaction survey pages customers open from their email link."""
    import uvicorn

    from handover.web import create_app
    from handover.web.app import RedactTokens

    logging.getLogger("uvicorn.access").addFilter(RedactTokens())
    err.print(f"survey pages on http://{host}:{port}/survey/<token> (set HANDOVER_WEB_URL to the public address)")
    uvicorn.run(create_app(), host=host, port=port, proxy_headers=True)
