"""A table of cell texts + a preset -> records of canonical, typed values and every problem found.

Pure: no database. References to employees and customers stay as written here; they are resolved
against what is stored by ``handover.importing.references``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from handover.importing.fields import KINDS, Context, Kind
from handover.importing.fields import Field as FieldSpec
from handover.importing.presets import Preset
from handover.importing.problems import Problem
from handover.importing.reading import Table
from handover.importing.values import BadValue, key


@dataclass
class Record:
    """One data row: canonical field -> value (None for an empty cell) for the columns the file has."""

    row: int
    values: dict[str, Any]

    def id(self, kind: Kind) -> str:
        return self.values[kind.id_field]


@dataclass
class Parsed:
    file: str
    kind: Kind
    records: list[Record]
    columns: dict[str, str]  # canonical field -> header as written in the file
    defaults: dict[str, Any]  # values for fields the file has no column for (used when creating)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # headers that map to no field

    def problem(self, row: int, name: str, message: str) -> None:
        self.problems.append(Problem(self.file, row, self.columns.get(name, name), message))


Progress = Callable[[int, int], None]


def _columns(table: Table, kind: Kind, preset: Preset,
             parsed_problems: list[Problem]) -> tuple[dict[str, int], list[str]]:
    """Canonical field -> column index; unknown headers are ignored (and listed), clashes are problems."""
    mapping = preset.header_map(kind.name)
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(table.header):
        target = mapping.get(key(header))
        if not header:
            if any(row.cells[index].strip() for row in table.rows):
                parsed_problems.append(Problem(table.file, 1, f"#{index + 1}", "column has values but no header"))
            continue
        if not target:
            ignored.append(header)
            continue
        if target in positions:
            first = table.header[positions[target]]
            parsed_problems.append(Problem(table.file, 1, header, f"column {first!r} already gives {target}"))
            continue
        positions[target] = index
    for spec in kind.fields:
        if spec.required and spec.name not in positions:
            expected = sorted({h for h, t in preset.columns.get(kind.name, {}).items() if t == spec.name} | {spec.name})
            parsed_problems.append(
                Problem(table.file, 1, spec.name, f"missing required column (header: {' or '.join(expected)})"))
    return positions, ignored


def _read_defaults(kind: Kind, preset: Preset, context: Context, parsed: Parsed) -> None:
    for name, text in preset.defaults.get(kind.name, {}).items():
        spec = kind.field(name)
        try:
            parsed.defaults[name] = spec.read(text, context)
        except BadValue as exc:
            parsed.problem(0, name, f"default: {exc}")


def parse_table(table: Table, kind_name: str, preset: Preset, zone: ZoneInfo,
                progress: Progress | None = None) -> Parsed:
    """Every row of ``table`` as a record; problems for every bad cell, duplicate id and missing column."""
    kind = KINDS[kind_name]
    problems = list(table.problems)
    positions, ignored = _columns(table, kind, preset, problems)
    columns = {name: table.header[index] for name, index in positions.items()}
    parsed = Parsed(table.file, kind, [], columns, {}, problems, ignored)
    context = Context(zone, preset.date_order)
    _read_defaults(kind, preset, context, parsed)
    words = {name: {key(w): c for w, c in table_.items()} for name, table_ in preset.values.items()}
    specs = [(kind.field(name), index) for name, index in positions.items()]
    first_row: dict[str, int] = {}
    for done, source in enumerate(table.rows, start=1):
        record, ok = _record(source.number, source.cells, specs, words, context, parsed)
        if progress is not None and done % 5000 == 0:
            progress(done, len(table.rows))
        ident = record.values.get(kind.id_field)
        if ident is None:
            continue
        if ident in first_row:
            parsed.problem(record.row, kind.id_field,
                           f"duplicate {kind.id_field} {ident!r} (first on row {first_row[ident]})")
            continue
        first_row[ident] = record.row
        consistent = _consistent(record, parsed)
        if ok and consistent:
            parsed.records.append(record)
    if progress is not None:
        progress(len(table.rows), len(table.rows))
    return parsed


def _record(row: int, cells: list[str], specs: list[tuple[FieldSpec, int]],
            words: dict[str, dict[str, str]], context: Context, parsed: Parsed) -> tuple[Record, bool]:
    """The row's values, and whether every cell was good."""
    values: dict[str, Any] = {}
    ok = True
    for spec, index in specs:
        name = spec.name
        text = cells[index].strip()
        if not text:
            if spec.required:
                parsed.problem(row, name, f"{name} is required")
                ok = False
            values[name] = parsed.defaults.get(name)
            continue
        if name in words:
            text = words[name].get(key(text), text)
        try:
            values[name] = spec.read(text, context)
        except BadValue as exc:
            parsed.problem(row, name, str(exc))
            ok = False
    return Record(row, values), ok


def _consistent(record: Record, parsed: Parsed) -> bool:
    """Rules across the cells of one row."""
    values = record.values
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if parsed.kind.name == "contracts" and starts and ends and ends < starts:
        parsed.problem(record.row, "ends_on", f"contract ends ({ends}) before it starts ({starts})")
        return False
    manager = values.get("manager_id")
    if parsed.kind.name == "employees" and manager is not None and manager == values["employee_id"]:
        parsed.problem(record.row, "manager_id", "an employee cannot be their own manager")
        return False
    return True
