"""`handover import`, `handover customers`, `handover employees`: CRM data in and what is stored."""

from __future__ import annotations

from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from handover.acting import importer
from handover.cli.app import app, err, out, print_json
from handover.importing.upsert import import_file
from handover.views import cases as case_views

LONG_IMPORT_ROWS = 5000  # below this an import is quick and shows no progress bar


class ImportKind(StrEnum):
    employees = "employees"
    customers = "customers"
    deals = "deals"
    contracts = "contracts"
    interactions = "interactions"


@contextmanager
def _progress_bar():
    """A progress callback drawing a Rich bar on stderr once an import turns out to be long."""
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err, transient=True)
    tasks: dict[str, Any] = {}

    def advance(phase: str, done: int, total: int) -> None:
        if total < LONG_IMPORT_ROWS:
            return
        if not tasks:
            bar.start()
        if phase not in tasks:
            tasks[phase] = bar.add_task({"parse": "reading", "write": "writing"}.get(phase, phase), total=total)
        bar.update(tasks[phase], completed=done)

    try:
        yield advance
    finally:
        if tasks:
            bar.stop()


@app.command("import")
def import_(
    kind: Annotated[ImportKind, typer.Argument(help="what the file holds")],
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX")],
    mapping: Annotated[str | None, typer.Option(
        help="preset (canonical, salesforce, hubspot, zh) or a TOML mapping file; default canonical")] = None,
    json: Annotated[bool, typer.Option("--json", help="print the counts as one JSON object")] = False,
    by: Annotated[str, typer.Option("--by", help="the admin importing (default: HANDOVER_USER)")] = "",
) -> None:
    """Import a CRM export; all rows or none. Every problem is listed as FILE:ROW:COLUMN: what is wrong.
    An admin's command, except while no admin is stored (setting the company up)."""
    actor_id = importer(by, kind.value)
    with _progress_bar() as progress:
        report = import_file(file, kind.value, mapping, progress, actor_id=actor_id)
    err.print(report.summary(), highlight=False, soft_wrap=True, markup=False)
    for conflict in report.conflicts:
        err.print(f"{report.file}:{conflict.row}: customer {conflict.customer_id}: stored owner "
                  f"{conflict.stored_owner_id or '(pool)'} kept, file says {conflict.file_owner_id or '(pool)'}",
                  highlight=False, soft_wrap=True, markup=False)
    if report.ignored_columns:
        err.print(f"ignored columns: {', '.join(report.ignored_columns)}", highlight=False, markup=False)
    if json:
        print_json(report.as_dict())


def _table(title: str, records: list[dict[str, Any]], columns: list[str]) -> Table:
    table = Table(title=title)
    for column in columns:
        numeric = column in ("expected_amount", "contribution", "capacity")
        table.add_column(column, justify="right" if numeric else "left")
    for record in records:
        table.add_row(*(Text(_cell(record[column])) for column in columns))  # names are not markup
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


@app.command()
def customers(
    owner: Annotated[str | None, typer.Option(help="only this owner's customers (employee id, email or name)")] = None,
    json: Annotated[bool, typer.Option("--json", help="one JSON array of customers on stdout")] = False,
    by: Annotated[str, typer.Option("--by", help="who is looking (default: HANDOVER_USER)")] = "",
) -> None:
    """List the stored customers you may see (a rep their own, a manager their team's); audited."""
    records = case_views.customers(by, owner, exported=json)
    if json:
        print_json(records)
        return
    columns = ["customer_id", "name", "owner_id", "region", "industry", "expected_amount", "contribution",
               "status", "last_contact_at"]
    out.print(_table(f"{len(records)} customers", records, columns))


@app.command()
def employees(
    json: Annotated[bool, typer.Option("--json", help="one JSON array of employees on stdout")] = False,
    by: Annotated[str, typer.Option("--by", help="who is looking (default: HANDOVER_USER)")] = "",
) -> None:
    """List stored employees."""
    records = case_views.employees(by)
    if json:
        print_json(records)
        return
    columns = ["employee_id", "name", "email", "role", "level", "manager_id", "team", "regions", "capacity",
               "locale", "status"]
    out.print(_table(f"{len(records)} employees", records, columns))
