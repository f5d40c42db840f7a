"""The Typer application and the conventions every command follows.

- ``--json`` prints exactly one JSON document on stdout; progress and logs go to stderr.
- A ``HandoverError`` is printed as ``error: <message>`` on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Hand over a departing salesperson's customers.")
out = Console()
err = Console(stderr=True)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(document: Any) -> None:
    """The single JSON document of a ``--json`` command, on stdout."""
    typer.echo(json.dumps(document, ensure_ascii=False, default=_default, indent=2))


@app.callback()
def _root() -> None:
    """Hand over a departing salesperson's customers: inventory, classify, plan, approve, meet, notify,
    revisit, evaluate."""
