"""`handover report` (evaluation reports) and `handover scheduler` (the process that runs due work)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from handover.cli.app import app, err
from handover.errors import HandoverError
from handover.views import cases as case_views


@app.command()
def report(
    case_id: Optional[int] = typer.Argument(None, help="the case whose stored report to render"),
    all_cases: bool = typer.Option(False, "--all", help="compare every closed case and successor over time"),
    fmt: str = typer.Option("md", "--format", help="md, html (with charts) or json"),
    output: Optional[Path] = typer.Option(None, "--output", help="write to this file instead of stdout"),
    by: str = typer.Option("", "--by", help="who reads it (default: HANDOVER_USER); audited as an export"),
) -> None:
    """Render a case's evaluation report, or compare all closed cases with --all."""
    from handover import report as reports

    if all_cases == (case_id is not None):
        raise HandoverError("report: give either a CASE_ID or --all")
    if fmt not in reports.FORMATS:
        raise HandoverError(f"--format {fmt!r}: expected one of {', '.join(reports.FORMATS)}")
    text = case_views.report(by, None if all_cases else case_id, fmt)
    if output is None:
        typer.echo(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise HandoverError(f"--output {output}: cannot write ({exc.strerror})") from None
    err.print(f"report written to {output}")


@app.command()
def scheduler(
    job: str = typer.Option("handover.cases:tick", "--job", help="module:function to run when work is due"),
    wait: bool = typer.Option(True, "--wait/--no-wait",
                              help="stand by while another scheduler holds the lease (--no-wait: exit 2)"),
) -> None:
    """Run due work every few minutes and daily at 08:00 until stopped (jobs are stored in the database)."""
    from handover.scheduler import log_to_stderr, run_scheduler

    log_to_stderr()
    run_scheduler(job, wait=wait)
