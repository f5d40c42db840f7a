"""`handover audit`: the audit trail, filtered (hr and admins; a manager for their team's customers)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from handover.cli.app import app, out, print_json
from handover.errors import HandoverError
from handover.views.records import audit_trail


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HandoverError(f"--since {value!r}: expected a date YYYY-MM-DD") from None


def _change(row: dict[str, Any]) -> str:
    if row["action"] in ("view", "export"):
        return f"{(row['after'] or {}).get('count', '')} customers"
    before, after = row["before"] or {}, row["after"] or {}
    return "; ".join(f"{k}: {before.get(k)} -> {after.get(k)}" for k in sorted(set(before) | set(after)))


@app.command("audit")
def audit(
    customer: Annotated[Optional[str], typer.Option("--customer", help="rows about this customer")] = None,
    actor: Annotated[Optional[str], typer.Option("--actor", help="rows of this employee's actions")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="from this day on, YYYY-MM-DD")] = None,
    case: Annotated[Optional[int], typer.Option("--case", help="rows of this offboarding case")] = None,
    by: Annotated[str, typer.Option("--by", help="who reads (default: HANDOVER_USER)")] = "",
    json: Annotated[bool, typer.Option("--json", help="one JSON array on stdout")] = False,
) -> None:
    """Who did or looked at what, when, before and after (oldest first). The rows cannot be changed."""
    rows = audit_trail(by, customer_id=customer, actor_id=actor, since=_since(since), case_id=case)
    if json:
        print_json(rows)
        return
    table = Table("at", "actor", "action", "subject", "case", "change", "reason", title=f"audit: {len(rows)} rows")
    for row in rows:
        table.add_row(f"{row['at']:%Y-%m-%d %H:%M}", row["actor_id"] or "(system)", row["action"],
                      f"{row['subject_type']} {row['subject_id']}", str(row["case_id"] or ""),
                      Text(_change(row)), Text(row["reason"]))  # reasons quote user text: not markup
    out.print(table)
