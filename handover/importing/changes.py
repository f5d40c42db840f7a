"""What an import changes, computed from plain data: new rows, updated fields, owner conflicts.

Pure: the stored rows and the time come in as arguments. Rules:
- a row whose external id is not stored is created; fields the file lacks get the preset default, else
  the model default;
- a stored row gets only the fields the file has columns for (an empty cell clears the field to its
  default); when nothing differs it is unchanged;
- an import never changes a stored customer's owner: a different owner in the file (a name, another
  rep, or empty = pool) keeps the stored owner and is reported as an ``OwnerConflict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handover.importing.parsing import Parsed, Record


@dataclass(frozen=True)
class OwnerConflict:
    customer_id: str
    stored_owner_id: str | None
    file_owner_id: str | None
    row: int


@dataclass
class Changes:
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)  # "id" plus only the changed attributes
    unchanged: int = 0
    conflicts: list[OwnerConflict] = field(default_factory=list)


def attribute(parsed: Parsed, name: str) -> str:
    """Model attribute of a canonical field: the external id column is the primary key ``id``."""
    return "id" if name == parsed.kind.id_field else name


def _attributes(parsed: Parsed, values: dict[str, Any], blanks: dict[str, Any]) -> dict[str, Any]:
    """Canonical values -> model attributes, an empty cell (None) becoming the model's blank value."""
    result = {}
    for name, value in values.items():
        name = attribute(parsed, name)
        result[name] = blanks.get(name) if value is None else value
    return result


def plan(parsed: Parsed, stored: dict[str, dict[str, Any]], blanks: dict[str, Any], now: datetime) -> Changes:
    """The changes that bring the stored rows in line with the file.

    ``stored``: external id -> attributes of the stored row; ``blanks``: attribute -> model default.
    """
    changes = Changes()
    defaults = _attributes(parsed, parsed.defaults, blanks)
    for record in parsed.records:
        values = _attributes(parsed, record.values, blanks)
        current = stored.get(values["id"])
        if current is None:
            changes.creates.append(_new_row(parsed, {**blanks, **defaults, **values}, now))
            continue
        if parsed.kind.name == "customers":
            _keep_owner(record, values, current, changes)
        different = {name: value for name, value in values.items() if current.get(name) != value}
        if different:
            changes.updates.append({"id": values["id"], **different})
        else:
            changes.unchanged += 1
    return changes


def _new_row(parsed: Parsed, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    if parsed.kind.name == "customers":
        row["in_pool"] = row["owner_id"] is None
        row["owner_since"] = now if row["owner_id"] is not None else None
        row["first_registered_by"] = row["first_registered_by"] or row["owner_id"]
    return row


def _keep_owner(record: Record, values: dict[str, Any], current: dict[str, Any], changes: Changes) -> None:
    if "owner_id" not in values or values["owner_id"] == current["owner_id"]:
        return
    changes.conflicts.append(OwnerConflict(values["id"], current["owner_id"], values["owner_id"], record.row))
    del values["owner_id"]
