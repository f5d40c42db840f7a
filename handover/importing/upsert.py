"""Apply an export file to the database: all of it in one transaction, or nothing.

Batch queries only: the stored employees, customer ids and rows of the kind are loaded with one query
each, new rows are inserted and changed rows updated in bulk (no per-row SELECT).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlmodel import Session, SQLModel

from handover import clock
from handover.db import session_scope
from handover.importing import parse_file
from handover.importing.changes import Changes, OwnerConflict, attribute, plan
from handover.importing.parsing import Parsed
from handover.importing.problems import ImportRefused
from handover.importing.references import Person, directory_for, resolve
from handover.pool import record_conflict
from handover.settings import get_settings
from models import AuditEntry, Contract, Customer, Deal, Employee, Interaction

MODELS: dict[str, type[SQLModel]] = {
    "employees": Employee, "customers": Customer, "deals": Deal, "contracts": Contract, "interactions": Interaction,
}
BATCH = 5000

Progress = Callable[[str, int, int], None]  # phase ("parse" or "write"), done, total


@dataclass
class ImportReport:
    file: str
    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int
    conflicts: list[OwnerConflict] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["conflicts"] = len(self.conflicts)
        document["owner_conflicts"] = [asdict(conflict) for conflict in self.conflicts]
        return document

    def summary(self) -> str:
        return (f"{self.file}: {self.rows} {self.kind}: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {len(self.conflicts)} owner conflicts (stored owner kept)")


def import_file(path: Path | str, kind: str, mapping: str | None = None,
                progress: Progress | None = None, actor_id: str | None = None) -> ImportReport:
    """Import ``path`` as ``kind``; raises ``ImportRefused`` listing every problem (nothing is changed).
    ``actor_id``: the admin importing, for the audit (None: the company being set up)."""
    zone = ZoneInfo(get_settings().timezone)
    parse_progress = (lambda done, total: progress("parse", done, total)) if progress else None
    parsed = parse_file(path, kind, mapping, zone, parse_progress)
    with session_scope() as session:
        _resolve(session, parsed)
        if parsed.problems:
            raise ImportRefused(parsed.file, parsed.problems)
        model = MODELS[kind]
        changes = plan(parsed, _stored(session, model, parsed), blanks(model), clock.now())
        _write(session, model, changes, progress)
        _record_conflicts(session, changes.conflicts)
        report = ImportReport(parsed.file, kind, len(parsed.records), len(changes.creates), len(changes.updates),
                              changes.unchanged, changes.conflicts, parsed.ignored)
        if changes.creates or changes.updates:
            session.add(_audit(report, actor_id))
    return report


def _resolve(session: Session, parsed: Parsed) -> None:
    people = [Person(*row) for row in session.execute(select(Employee.id, Employee.name, Employee.email))]
    needs_customers = any(spec.refers_to == "customer" for spec in parsed.kind.fields)
    customer_ids = set(session.scalars(select(Customer.id))) if needs_customers else set()
    resolve(parsed, directory_for(parsed, people, customer_ids))


def blanks(model: type[SQLModel]) -> dict[str, Any]:
    """The value of each attribute when nothing is given (the model's defaults)."""
    return {name: info.get_default(call_default_factory=True) for name, info in model.model_fields.items()
            if not info.is_required()}


def _stored(session: Session, model: type[SQLModel], parsed: Parsed) -> dict[str, dict[str, Any]]:
    """External id -> stored attributes, only the columns the file has (one query)."""
    table = model.__table__
    names = {"id"} | {attribute(parsed, name) for name in parsed.columns}
    if model is Customer:
        names.add("owner_id")
    query = select(*(table.c[name] for name in sorted(names)))
    return {row["id"]: dict(row) for row in session.execute(query).mappings()}


def _write(session: Session, model: type[SQLModel], changes: Changes, progress: Progress | None) -> None:
    creates = _managers_first(changes.creates) if model is Employee else changes.creates
    total, done = len(creates) + len(changes.updates), 0
    # Core INSERT (one executemany per batch); ORM bulk UPDATE by primary key groups rows by changed columns.
    for rows, statement in ((creates, insert(model.__table__)), (changes.updates, update(model))):
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            session.execute(statement, batch)
            done += len(batch)
            if progress is not None:
                progress("write", done, total)


def _record_conflicts(session: Session, conflicts: list[OwnerConflict]) -> None:
    """A file naming another rep as owner is an ownership conflict for the manager (the stored owner stays)."""
    for conflict in conflicts:
        if conflict.stored_owner_id and conflict.file_owner_id:
            record_conflict(session, customer_id=conflict.customer_id, claimant_id=conflict.file_owner_id,
                            source="import", now=clock.now())


def _managers_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New employees ordered so that a manager created by the same file is inserted before their team."""
    by_id = {row["id"]: row for row in rows}
    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()

    def place(row: dict[str, Any]) -> None:
        chain = []
        while row is not None and row["id"] not in placed and row not in chain:
            chain.append(row)
            row = by_id.get(row.get("manager_id"))
        for member in reversed(chain):
            placed.add(member["id"])
            ordered.append(member)

    for row in rows:
        place(row)
    return ordered


def _audit(report: ImportReport, actor_id: str | None) -> AuditEntry:
    """One entry per import that changed something: counts only, never customer data."""
    return AuditEntry(at=clock.now(), actor_id=actor_id, action=f"import.{report.kind}", subject_type="file",
                      subject_id=Path(report.file).name,
                      after={"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                             "owner_conflicts": len(report.conflicts)})
