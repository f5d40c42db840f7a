"""Resolve who and which customer a row refers to, against what is stored (given as plain data).

Owners, managers and employees may be written as employee id, email or name: an exact id wins, then a
case-insensitive email, then the name. No match or several matches is a problem on that cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from handover.importing.parsing import Parsed
from handover.importing.values import key


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str


@dataclass
class Directory:
    """The employees and customer ids a file's references may point to."""

    people: Iterable[Person]
    customer_ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.by_id: dict[str, Person] = {person.id: person for person in self.people}
        self.by_email: dict[str, set[str]] = defaultdict(set)
        self.by_name: dict[str, set[str]] = defaultdict(set)
        for person in self.by_id.values():
            self.by_email[key(person.email)].add(person.id)
            self.by_name[key(person.name)].add(person.id)

    def employee(self, written: str) -> str:
        """The id of the one employee ``written`` names; ``LookupError`` says why there is none."""
        if written in self.by_id:
            return written
        wanted = key(written)
        for what, index in (("email", self.by_email), ("name", self.by_name)):
            found = index.get(wanted, set())
            if len(found) == 1:
                return next(iter(found))
            if len(found) > 1:
                raise LookupError(f"ambiguous employee {written!r}: {what} of {', '.join(sorted(found))}")
        raise LookupError(f"unknown employee {written!r} (not an employee id, email or name)")


def directory_for(parsed: Parsed, stored: Iterable[Person], customer_ids: set[str]) -> Directory:
    """Stored employees, overlaid with the employees the file itself brings (an employees import)."""
    people = {person.id: person for person in stored}
    if parsed.kind.name == "employees":
        for record in parsed.records:
            values = record.values
            people[values["employee_id"]] = Person(values["employee_id"], values.get("name") or "",
                                                   values.get("email") or "")
    return Directory(people.values(), customer_ids)


def resolve(parsed: Parsed, directory: Directory) -> None:
    """Replace each reference in ``parsed.records`` by the id it names; add a problem for each that fails."""
    references = [spec for spec in parsed.kind.fields if spec.refers_to and spec.name in parsed.columns]
    for record in parsed.records:
        for spec in references:
            written = record.values.get(spec.name)
            if written is None:
                continue
            if spec.refers_to == "customer":
                if written not in directory.customer_ids:
                    parsed.problem(record.row, spec.name, f"unknown customer {written!r} (import customers first)")
                continue
            try:
                record.values[spec.name] = directory.employee(written)
            except LookupError as exc:
                parsed.problem(record.row, spec.name, str(exc))
    if parsed.kind.name == "employees":
        _check_manager_cycles(parsed)


def _check_manager_cycles(parsed: Parsed) -> None:
    managers = {r.values["employee_id"]: r.values.get("manager_id") for r in parsed.records}
    for record in parsed.records:
        seen = {record.values["employee_id"]}
        boss = record.values.get("manager_id")
        while boss is not None and boss in managers:
            if boss in seen:
                parsed.problem(record.row, "manager_id", f"manager chain loops back ({' -> '.join(sorted(seen))})")
                break
            seen.add(boss)
            boss = managers[boss]
