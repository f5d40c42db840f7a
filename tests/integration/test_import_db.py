"""Importing into the database (SQLite and PostgreSQL): presets, atomicity, idempotence, owner conflicts."""

from __future__ import annotations

import tomllib
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlmodel import SQLModel

from handover.db import session_scope
from handover.importing import ImportRefused
from handover.importing.listing import list_customers, list_employees
from handover.importing.upsert import import_file
from models import AuditEntry, Contract, Customer, Deal, Employee, Interaction

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
MALFORMED = FIXTURES / "malformed"
CORPUS = tomllib.loads((MALFORMED / "manifest.toml").read_text(encoding="utf-8"))
TABLES = (Employee, Customer, Deal, Contract, Interaction, AuditEntry)


def snapshot() -> dict[str, list]:
    """Every row of the tables an import may touch, to compare before and after."""
    with session_scope() as session:
        return {model.__name__: sorted(tuple(str(v) for v in row) for row in session.execute(select(model.__table__)))
                for model in TABLES}


def count(model: type[SQLModel]) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def stored(db):
    """Sample employees and the Chinese customer export, stored."""
    import_file(FIXTURES / "employees.csv", "employees")
    import_file(FIXTURES / "customers_zh_gbk.csv", "customers", "zh")
    return db


def test_sample_exports_import_unchanged(db):
    report = import_file(FIXTURES / "employees.csv", "employees")
    assert (report.created, report.updated, report.unchanged) == (40, 0, 0)
    report = import_file(FIXTURES / "customers_zh_gbk.csv", "customers", "zh")
    assert (report.rows, report.created) == (160, 160)
    report = import_file(FIXTURES / "accounts_salesforce.csv", "customers", "salesforce")
    assert report.created == 40 and report.ignored_columns == ["Billing Country", "Website"]
    report = import_file(FIXTURES / "companies_hubspot.csv", "customers", "hubspot")
    assert report.created == 4
    with session_scope() as session:
        zh = session.get(Customer, "C00007")
        assert (zh.owner_id, zh.locale, zh.status, zh.in_pool) == ("E007", "zh-CN", "new", False)
        assert zh.expected_amount == Decimal("120000") and zh.contribution == Decimal("800000")
        assert zh.last_contact_at == datetime(2026, 9, 19, 16, tzinfo=timezone.utc)  # 2026-09-20 in Shanghai
        assert zh.first_registered_by == "E007" and zh.owner_since is not None
        sf = session.get(Customer, "001000000000000003")
        assert (sf.owner_id, sf.locale, sf.size, sf.status) == ("E033", "en", "45000000", "new")
        assert sf.expected_amount == Decimal(0)  # Annual Revenue is size, not an expected deal
        assert session.get(Employee, "E001").regions == ["华北", "华中"]
        assert session.get(Employee, "HR01").capacity == 100  # empty cell: the model default
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "import.customers")).all()
        assert len(audit) == 3 and audit[0].after["created"] == 160


def test_same_file_twice_changes_nothing(stored):
    import_file(FIXTURES / "accounts_salesforce.csv", "customers", "salesforce")
    import_file(FIXTURES / "companies_hubspot.csv", "customers", "hubspot")
    before = snapshot()
    for path, kind, mapping in ((FIXTURES / "employees.csv", "employees", None),
                                (FIXTURES / "customers_zh_gbk.csv", "customers", "zh"),
                                (FIXTURES / "accounts_salesforce.csv", "customers", "salesforce"),
                                (FIXTURES / "companies_hubspot.csv", "customers", "hubspot")):
        report = import_file(path, kind, mapping)
        assert (report.created, report.updated, report.unchanged, report.conflicts) == (0, 0, report.rows, [])
    assert snapshot() == before


def test_changed_rows_are_updated_only_in_the_columns_the_file_has(stored, tmp_path):
    path = tmp_path / "update.csv"
    path.write_text("customer_id,name,region\nC00001,改名公司,华东\nC00002,深圳鑫科技有限公司1,华南\n"
                    "C00003,深圳恒贸易有限公司2,华东\nN1,全新客户,华南\n", encoding="utf-8")
    report = import_file(path, "customers")
    assert (report.created, report.updated, report.unchanged) == (1, 2, 1)
    with session_scope() as session:
        assert session.get(Customer, "C00002").region == "华南"
        changed = session.get(Customer, "C00001")
        assert (changed.name, changed.region, changed.owner_id) == ("改名公司", "华东", "E007")
        assert changed.expected_amount == Decimal("120000")  # no column in the file: kept
        new = session.get(Customer, "N1")
        assert (new.owner_id, new.in_pool, new.locale) == (None, True, "zh-CN")


def test_a_different_owner_is_a_conflict_and_the_stored_owner_is_kept(stored, tmp_path):
    path = tmp_path / "owners.csv"
    path.write_text("customer_id,name,owner_id\nC00001,上海鑫物流有限公司0,E002\n"
                    "C00002,深圳鑫科技有限公司1,\nC00003,深圳恒贸易有限公司2,黄强\n", encoding="utf-8")
    report = import_file(path, "customers")
    assert [(c.customer_id, c.stored_owner_id, c.file_owner_id) for c in report.conflicts] == [
        ("C00001", "E007", "E002"), ("C00002", "E007", None)]
    assert (report.updated, report.unchanged) == (0, 3)
    with session_scope() as session:
        assert [session.get(Customer, c).owner_id for c in ("C00001", "C00002")] == ["E007", "E007"]


def test_deals_contracts_interactions(stored, tmp_path):
    (tmp_path / "deals.csv").write_text(
        "deal_id,customer_id,owner_id,name,stage,amount,status,expected_close\n"
        "D1,C00001,黄强,年度采购,proposal,120万,进行中,2026/3/1\n", encoding="utf-8")
    (tmp_path / "contracts.csv").write_text(
        "合同编号,客户编号,负责人,合同名称,合同金额,开始日期,结束日期,合同状态\n"
        "K1,C00001,e007@example.cn,框架合同,\"¥1,200,000\",2026年1月1日,2026年12月31日,active\n", encoding="gb18030")
    (tmp_path / "interactions.csv").write_text(
        "interaction_id,customer_id,employee_id,at,kind,summary,scheduled\n"
        "I1,C00001,E007,2026-01-05 10:30,拜访,面谈,否\nI2,C00001,E007,2026-02-01,call,,true\n", encoding="utf-8")
    assert import_file(tmp_path / "deals.csv", "deals").created == 1
    assert import_file(tmp_path / "contracts.csv", "contracts", "zh").created == 1
    assert import_file(tmp_path / "interactions.csv", "interactions").created == 2
    assert import_file(tmp_path / "interactions.csv", "interactions").unchanged == 2
    with session_scope() as session:
        deal = session.get(Deal, "D1")
        assert (deal.owner_id, deal.amount, deal.status, str(deal.expected_close)) == (
            "E007", Decimal("1200000"), "open", "2026-03-01")
        assert session.get(Contract, "K1").amount == Decimal("1200000")
        visit = session.get(Interaction, "I1")
        assert (visit.kind, visit.scheduled, visit.at) == ("visit", False, datetime(2026, 1, 5, 2, 30, tzinfo=timezone.utc))
        assert session.get(Interaction, "I2").scheduled is True


def test_xlsx_written_by_openpyxl(stored, tmp_path):
    book = Workbook()
    book.active.append(["客户编号", "客户名称", "负责人", "预计成交金额", "最近跟进时间"])
    book.active.append(["X1", "表格客户", "e001@example.cn", 900000, datetime(2026, 1, 5, 9, 30)])
    book.save(tmp_path / "book.xlsx")
    assert import_file(tmp_path / "book.xlsx", "customers", "zh").created == 1
    with session_scope() as session:
        customer = session.get(Customer, "X1")
        assert (customer.owner_id, customer.expected_amount) == ("E001", Decimal("900000"))
        assert customer.last_contact_at == datetime(2026, 1, 5, 1, 30, tzinfo=timezone.utc)


def test_employees_whose_manager_comes_later_in_the_file(db, tmp_path):
    path = tmp_path / "team.csv"
    path.write_text("employee_id,name,email,role,manager_id\nR1,甲,r1@x.cn,rep,经理乙\nB1,经理乙,b1@x.cn,manager,\n",
                    encoding="utf-8")
    assert import_file(path, "employees").created == 2
    assert [e["manager_id"] for e in list_employees()] == [None, "B1"]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_corpus_is_refused_and_changes_nothing(stored, name):
    import_file(FIXTURES / "employees_namesake.csv", "employees")
    entry = CORPUS[name]
    path = str(MALFORMED / name)
    before = snapshot()
    with pytest.raises(ImportRefused) as refused:
        import_file(path, entry["kind"], entry["mapping"])
    assert [str(p) for p in refused.value.problems] == [line.format(file=path) for line in entry["expected"]]
    assert str(refused.value).splitlines()[1:] == [line.format(file=path) for line in entry["expected"]]
    assert snapshot() == before


def test_a_good_file_with_one_bad_row_imports_nothing(stored, tmp_path):
    rows = "".join(f"G{i},好客户{i},E001\n" for i in range(50))
    path = tmp_path / "one_bad.csv"
    path.write_text("customer_id,name,owner_id\n" + rows + "G99,坏客户,nobody\n", encoding="utf-8")
    before = count(Customer)
    with pytest.raises(ImportRefused, match=":52:owner_id: unknown employee 'nobody'"):
        import_file(path, "customers")
    assert count(Customer) == before


def test_listing_canonical_records(stored):
    mine = list_customers("黄强")
    assert len(mine) == 30 and {c["owner_id"] for c in mine} == {"E007"}
    assert list_customers("E007") == mine == list_customers("e007@example.cn")
    first = list_customers()[0]
    assert list(first) == ["customer_id", "name", "owner_id", "region", "industry", "expected_amount",
                           "contribution", "contact_email", "last_contact_at", "locale", "size", "potential",
                           "loyalty", "status", "contact_name", "contact_phone", "preferences", "last_order_at",
                           "created_at", "first_registered_by"]
    assert first["last_contact_at"].isoformat() == "2026-09-18T00:00:00+08:00"
    from handover.errors import NotFound
    with pytest.raises(NotFound, match="unknown employee 'nobody'"):
        list_customers("nobody")
