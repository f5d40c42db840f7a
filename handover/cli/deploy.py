"""`handover deploy` and `handover doctor`: the production set-up of docs/deploy.md."""

from __future__ import annotations

import sys
from contextlib import redirect_stdout
from dataclasses import asdict
from typing import Annotated, Optional

import typer
from rich.markup import escape

from handover.cli.app import app, err, out, print_json
from handover.settings import get_settings

Json = Annotated[bool, typer.Option("--json", help="print one JSON document on stdout")]


@app.command()
def deploy(
    pool: Annotated[Optional[str], typer.Option(help="work pool (default: setting work_pool)")] = None,
    json: Json = False,
) -> None:
    """Register the deployments with the Prefect server (PREFECT_API_URL) in the work pool; safe to repeat."""
    from handover.deployments import register

    with redirect_stdout(sys.stderr):  # Prefect prints its own table; stdout is ours (--json)
        result = register(pool or get_settings().work_pool)
    if json:
        print_json(result)
        return
    made = "created" if result["work_pool_created"] else "exists"
    out.print(f"Prefect server {result['prefect_api']}, work pool {result['work_pool']!r} ({made}); "
              f"registered handover {result['version']}:", highlight=False)
    for d in result["deployments"]:
        out.print(f"  {d['deployment']}  {d['id']}", highlight=False)
    err.print(f"run them with workers: prefect worker start --pool {result['work_pool']}", highlight=False)


@app.command()
def doctor(json: Json = False) -> None:
    """Check the set-up end to end: database, schema, scheduler, Prefect server, deployments, workers, SMTP."""
    from handover.deployments import deployment_names
    from handover.doctor import FAIL, LiveProbe, failed, run_checks

    settings = get_settings()
    checks = run_checks(LiveProbe(settings), settings, deployment_names())
    if json:
        print_json({"ok": not failed(checks), "checks": [asdict(c) for c in checks]})
    else:
        for c in checks:
            colour = {"ok": "green", FAIL: "red"}.get(c.status, "yellow")
            out.print(f"[{colour}]{c.status:<4}[/{colour}]  {c.name:<11}  {escape(c.detail)}", highlight=False,
                      soft_wrap=True)
            if c.fix:
                out.print(f"{'':<17}→ {escape(c.fix)}", highlight=False, soft_wrap=True)
    if failed(checks):
        raise typer.Exit(1)
