"""The sample company's CSV files import cleanly with the default (canonical) preset, on both databases."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import SQLModel

from handover.db import session_scope
from handover.demo import build_company, write_csv
from handover.importing.upsert import import_file
from models import Contract, Customer, Deal, Employee, Interaction

MODELS: dict[str, type[SQLModel]] = {
    "employees": Employee, "customers": Customer, "deals": Deal, "contracts": Contract, "interactions": Interaction,
}


def count(model: type[SQLModel], *where) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_sample_company_imports_completely(db, tmp_path):
    company = build_company(seed=5, reps=10, customers=300)
    files = write_csv(company, tmp_path / "csv")

    reports = {kind: import_file(path, kind) for kind, path in files.items()}

    for kind, model in MODELS.items():
        rows = len(getattr(company, kind))
        assert (reports[kind].rows, reports[kind].created) == (rows, rows), kind
        assert reports[kind].ignored_columns == [], kind
        assert count(model) == rows, kind
    departing = company.departing_rep_id
    book = [c for c in company.customers if c["owner_id"] == departing]
    assert count(Customer, Customer.owner_id == departing) == len(book)
    pooled = sum(c["owner_id"] is None for c in company.customers)
    assert count(Customer, Customer.in_pool.is_(True)) == pooled
    planned = sum(i["scheduled"] for i in company.interactions)
    assert count(Interaction, Interaction.scheduled.is_(True)) == planned
    with session_scope() as session:
        first = company.customers[0]
        stored = session.get(Customer, first["customer_id"])
        assert stored.expected_amount == first["expected_amount"]
        assert stored.created_at == first["created_at"]
        assert stored.potential == first["potential"] and stored.preferences == first["preferences"]
        total = session.scalar(select(func.sum(Deal.amount)))
        assert Decimal(total) == sum(d["amount"] for d in company.deals)
        rep = session.get(Employee, departing)
        assert rep.regions == next(e["regions"] for e in company.employees if e["employee_id"] == departing)


def test_importing_the_same_files_again_changes_nothing(db, tmp_path):
    company = build_company(seed=6, reps=6, customers=120)
    files = write_csv(company, tmp_path)
    for kind, path in files.items():
        import_file(path, kind)
    again = {kind: import_file(path, kind) for kind, path in files.items()}
    assert all((r.created, r.updated, r.unchanged) == (0, 0, r.rows) for r in again.values())
