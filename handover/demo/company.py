"""A whole sample company, made up but realistic, for `handover demo` and the benchmarks.

`build_company` is pure and deterministic: the same seed, sizes and `today` give the same company
(random.Random(seed), no clock, no database). `write_csv` writes it as the five canonical CSV files
that `handover import <kind> FILE` loads with the default preset.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from handover.demo.activity import build_activity
from handover.demo.customers import TIERS, build_customers
from handover.demo.draw import Moments
from handover.demo.staff import Rep, build_staff, split
from handover.errors import HandoverError

# Canonical headers (docs: prompts/canonical.md) plus the optional extras the generator fills in.
COLUMNS: dict[str, tuple[str, ...]] = {
    "employees": ("employee_id", "name", "email", "role", "level", "manager_id", "team", "regions",
                  "industries", "capacity", "locale", "status"),
    "customers": ("customer_id", "name", "owner_id", "region", "industry", "expected_amount", "contribution",
                  "contact_email", "last_contact_at", "locale", "size", "potential", "loyalty", "status",
                  "contact_name", "contact_phone", "preferences", "last_order_at", "created_at",
                  "first_registered_by"),
    "deals": ("deal_id", "customer_id", "owner_id", "name", "stage", "amount", "status", "expected_close"),
    "contracts": ("contract_id", "customer_id", "owner_id", "title", "amount", "starts_on", "ends_on", "status"),
    "interactions": ("interaction_id", "customer_id", "employee_id", "at", "kind", "summary", "scheduled"),
}
MIN_REPS = 4  # one per sales division
MIN_CUSTOMERS = 40
POOL_SHARE = 1 / 300  # customers already in the public pool
DEPARTING_BOOK = (135, 165)  # customers the suggested departing rep owns (at default sizes)


@dataclass(frozen=True)
class Company:
    """Rows keyed by the canonical headers, values typed (Decimal, date, datetime, list, bool, None)."""

    employees: list[dict]
    customers: list[dict]
    deals: list[dict]
    contracts: list[dict]
    interactions: list[dict]
    departing_rep_id: str
    today: date


def _owners(rng: random.Random, reps: list[Rep], departing: Rep, customers: int) -> list[Rep | None]:
    """Owner of each customer in order (None: public pool); reps filled in proportion to capacity."""
    pooled = max(1, round(customers * POOL_SHARE))
    owned = customers - pooled
    book = max(len(TIERS), min(rng.randint(*DEPARTING_BOOK), int(departing.capacity * 0.85), owned // 6))
    others = [r for r in reps if r.id != departing.id]
    weights = [r.capacity * (0.6 + 0.4 * rng.random()) for r in others]
    total = sum(weights)
    loads = split(owned - book, [w / total for w in weights])
    owners: list[Rep | None] = [departing] * book + [None] * pooled
    for rep, load in zip(others, loads):
        owners.extend([rep] * load)
    rng.shuffle(owners)
    return owners


def build_company(seed: int = 7, reps: int = 28, customers: int = 2400,
                  today: date = date(2026, 11, 23)) -> Company:
    """A sample company of `reps` sales reps and `customers` customers, dated relative to `today`.

    The suggested departing rep (`departing_rep_id`) is a senior or mid rep of the largest division
    with about 150 customers of every tier, open deals, running contracts and planned follow-ups.
    """
    if reps < MIN_REPS:
        raise HandoverError(f"demo company: reps={reps}: need at least {MIN_REPS} (one per sales division)")
    if customers < MIN_CUSTOMERS:
        raise HandoverError(f"demo company: customers={customers}: need at least {MIN_CUSTOMERS}")
    rng = random.Random(seed)
    staff = build_staff(rng, reps)
    owners = _owners(rng, staff.reps, staff.departing, customers)
    departing_book = [i for i, owner in enumerate(owners) if owner is staff.departing]
    showcase = departing_book[:len(TIERS)]
    moments = Moments(today, rng.random)
    book = build_customers(rng.random, owners, staff.reps, moments,
                           forced={i: (tier, "active") for i, tier in zip(showcase, TIERS)})
    activity = build_activity(rng.random, book, today, moments, showcase=set(departing_book),
                              forced=set(showcase[:2]))
    return Company(staff.employees, book.rows, activity.deals, activity.contracts, activity.interactions,
                   staff.departing.id, today)


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _listed(value: list[str]) -> str:
    return ";".join(value)


# How typed values become cells where str() would not give the canonical text. Everything else goes
# to csv.writer as is: it writes None as an empty cell and str() of Decimal, int and date (plain
# digits, ISO 8601).
_FORMATS: dict[str, Callable[[object], str | None]] = {
    "regions": _listed, "industries": _listed, "last_contact_at": _moment, "last_order_at": _moment,
    "created_at": _moment, "at": _moment, "scheduled": _flag,
}


def _cells(rows: list[dict], columns: tuple[str, ...]) -> Iterator[list[object]]:
    formats = [(i, _FORMATS[column]) for i, column in enumerate(columns) if column in _FORMATS]
    for row in rows:
        cells = [row[column] for column in columns]
        for i, format_cell in formats:
            cells[i] = format_cell(cells[i])
        yield cells


def write_csv(company: Company, folder: Path) -> dict[str, Path]:
    """The five canonical CSV files (UTF-8, header row first) in folder; kind -> path, import order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for kind, columns in COLUMNS.items():
        path = folder / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(_cells(getattr(company, kind), columns))
        written[kind] = path
    return written


__all__ = ["COLUMNS", "Company", "build_company", "write_csv"]
