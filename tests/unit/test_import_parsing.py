"""Parsing whole export files (no database): presets, encodings, XLSX, mapping files, the malformed corpus."""

from __future__ import annotations

import functools
import tomllib
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from handover.errors import HandoverError
from handover.importing import ImportRefused, parse_bytes, parse_file
from handover.importing.references import Directory, Person, directory_for, resolve

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
MALFORMED = FIXTURES / "malformed"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@functools.cache
def stored_directory(namesake: bool = False) -> Directory:
    """The sample employees and customers as plain data; ``namesake`` adds a second 王伟 (E900)."""
    people = []
    for name in ("employees.csv", "employees_namesake.csv")[: 2 if namesake else 1]:
        parsed = parse_file(FIXTURES / name, "employees", None, SHANGHAI)
        people += [Person(r.values["employee_id"], r.values["name"], r.values["email"]) for r in parsed.records]
    customers = parse_file(FIXTURES / "customers_zh_gbk.csv", "customers", "zh", SHANGHAI)
    return Directory(people, {r.values["customer_id"] for r in customers.records})


def by_id(parsed):
    return {r.values[parsed.kind.id_field]: r.values for r in parsed.records}


def test_chinese_gbk_export_with_the_zh_preset():
    raw = (FIXTURES / "customers_zh_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is GBK
    parsed = parse_file(FIXTURES / "customers_zh_gbk.csv", "customers", "zh", SHANGHAI)
    assert parsed.problems == [] and len(parsed.records) == 160
    rows = by_id(parsed)
    assert rows["C00001"]["expected_amount"] == Decimal("120000")  # 12万
    assert rows["C00002"]["contribution"] == Decimal("30000")  # "30,000"
    assert rows["C00007"]["expected_amount"] == Decimal("120000")  # ¥120,000
    assert rows["C00001"]["last_contact_at"] == datetime(2026, 9, 18, tzinfo=SHANGHAI)  # 2026年9月18日
    assert rows["C00002"]["created_at"] == datetime(2025, 6, 15, tzinfo=SHANGHAI)  # 2025/6/15
    assert [rows[c]["status"] for c in ("C00001", "C00002", "C00004", "C00007")] == ["active", "lost", "dormant", "new"]
    assert rows["C00004"]["name"] == "<script>alert('x')</script> & 合伙人"  # kept as written; escaping is output's job
    assert parsed.defaults == {"locale": "zh-CN"}
    directory = stored_directory()
    resolve(parsed, directory)
    assert parsed.problems == []
    assert rows["C00001"]["owner_id"] == "E007"  # 黄强 by name


def test_salesforce_export_with_bom_and_us_dates():
    assert (FIXTURES / "accounts_salesforce.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    parsed = parse_file(FIXTURES / "accounts_salesforce.csv", "customers", "salesforce", SHANGHAI)
    assert parsed.problems == [] and len(parsed.records) == 40
    assert parsed.columns["customer_id"] == "Account ID"  # the BOM is not part of the first header
    rows = by_id(parsed)
    first = rows["001000000000000000"]
    assert first["last_contact_at"] == datetime(2026, 9, 20, tzinfo=SHANGHAI)  # 9/20/2026
    assert first["created_at"] == datetime(2024, 4, 19, tzinfo=SHANGHAI)
    assert first["size"] == "250000" and "expected_amount" not in first  # Annual Revenue = company size
    assert rows["001000000000000003"]["status"] == "new" and first["status"] == "active"  # Prospect / Customer
    assert rows["001000000000000007"]["size"] is None  # empty Annual Revenue
    assert parsed.defaults == {"locale": "en"}
    assert sorted(parsed.ignored) == ["Billing Country", "Website"]
    resolve(parsed, stored_directory())
    assert parsed.problems == [] and first["owner_id"] == "E016"  # 郭明


def test_hubspot_companies_export():
    parsed = parse_file(FIXTURES / "companies_hubspot.csv", "customers", "hubspot", SHANGHAI)
    assert parsed.problems == []
    rows = by_id(parsed)
    assert rows["18512345601"]["last_contact_at"] == datetime(2026, 3, 4, 14, 3, tzinfo=SHANGHAI)
    assert rows["18512345603"]["last_contact_at"] == datetime(2026, 3, 15, 16, 45, tzinfo=SHANGHAI)
    assert rows["18512345603"]["name"] == "Summit Health, Inc." and rows["18512345603"]["size"] == "12000000"
    assert [rows[i]["status"] for i in ("18512345601", "18512345602", "18512345604")] == ["active", "new", None]
    resolve(parsed, stored_directory())
    assert parsed.problems == []
    assert [rows[i]["owner_id"] for i in sorted(rows)] == ["E002", "E002", "E015", "E015"]  # email, name, id


def _workbook_bytes(tmp_path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["customer_id", "name", "owner_id", "expected_amount", "last_contact_at", "potential", "status"])
    sheet.append(["W1", "工作簿客户", "E001", 1200000, datetime(2026, 1, 5, 9, 30), 80, "活跃"])
    sheet.append(["W2", "Second", "e002@example.cn", 99.5, datetime(2026, 2, 1), None, None])
    sheet.append([None] * 7)  # Excel leaves blank rows
    sheet.append([3, "Numeric id", None, "120万", "2026/3/1", "70", "new"])
    path = tmp_path / "customers.xlsx"
    book.save(path)
    return path


def test_xlsx_written_by_openpyxl(tmp_path):
    parsed = parse_file(_workbook_bytes(tmp_path), "customers", None, SHANGHAI)
    assert parsed.problems == []
    rows = by_id(parsed)
    assert rows["W1"]["expected_amount"] == Decimal("1200000")
    assert rows["W1"]["last_contact_at"] == datetime(2026, 1, 5, 9, 30, tzinfo=SHANGHAI)
    assert rows["W2"]["expected_amount"] == Decimal("99.50") and rows["W2"]["potential"] is None
    assert rows["3"]["expected_amount"] == Decimal("1200000") and rows["3"]["owner_id"] is None
    assert [r.row for r in parsed.records] == [2, 3, 5]  # sheet row numbers


def test_utf16_tab_separated_and_semicolon_files():
    text = "customer_id\tname\tregions\nT1\t制表符\tx\n"
    parsed = parse_bytes(text.encode("utf-16"), "tabs.txt", "customers", None, SHANGHAI)
    assert by_id(parsed)["T1"]["name"] == "制表符"
    parsed = parse_bytes("customer_id;name\nS1;Semi\n".encode(), "semi.csv", "customers", None, SHANGHAI)
    assert by_id(parsed)["S1"]["name"] == "Semi"


def test_employees_lists_and_defaults():
    parsed = parse_file(FIXTURES / "employees.csv", "employees", None, SHANGHAI)
    rows = by_id(parsed)
    assert rows["E001"]["regions"] == ["华北", "华中"] and rows["E001"]["capacity"] == 180
    assert rows["HR01"]["level"] is None and rows["HR01"]["role"] == "hr"
    resolve(parsed, directory_for(parsed, [], set()))
    assert parsed.problems == [] and rows["E001"]["manager_id"] == "M01"


def test_mapping_file_renames_columns_and_words(tmp_path):
    mapping = tmp_path / "mine.toml"
    mapping.write_text('base = "zh"\ndate_order = "dmy"\n[columns]\n"Kunde" = "customer_id"\n"Firma" = "name"\n'
                       '"Notiz" = ""\n[defaults]\nlocale = "en"\n[values.status]\n"Heiß" = "active"\n', encoding="utf-8")
    data = "Kunde,Firma,创建时间,客户状态,Notiz\nG1,Gmbh,5/1/2026,heiß,x\n".encode()
    parsed = parse_bytes(data, "de.csv", "customers", str(mapping), SHANGHAI)
    assert parsed.problems == [] and parsed.ignored == ["Notiz"]
    assert by_id(parsed)["G1"] == {"customer_id": "G1", "name": "Gmbh", "created_at": datetime(2026, 1, 5, tzinfo=SHANGHAI),
                                   "status": "active"}
    assert parsed.defaults == {"locale": "en"}


def test_bad_mapping_files_name_each_mistake(tmp_path):
    mapping = tmp_path / "bad.toml"
    mapping.write_text('base = "sap"\ndate_order = "ydm"\ncolour = 1\n[columns]\n"X" = "custmer_id"\n', encoding="utf-8")
    with pytest.raises(HandoverError) as caught:
        parse_bytes(b"customer_id,name\n", "x.csv", "customers", str(mapping), SHANGHAI)
    message = str(caught.value)
    for part in ("unknown key 'colour'", "base 'sap' is not a preset", "date_order 'ydm'", "'custmer_id' is not a customers field"):
        assert part in message
    with pytest.raises(HandoverError, match="not a preset .* and no such file"):
        parse_bytes(b"customer_id,name\n", "x.csv", "customers", "nosuchpreset", SHANGHAI)
    (tmp_path / "broken.toml").write_text("[columns\n", encoding="utf-8")
    with pytest.raises(HandoverError, match="not a valid TOML"):
        parse_bytes(b"customer_id,name\n", "x.csv", "customers", str(tmp_path / "broken.toml"), SHANGHAI)


CORPUS = tomllib.loads((MALFORMED / "manifest.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_corpus_gives_the_exact_problem_lines(name):
    """Pure part of the refusal: parsing + reference resolution against plain data."""
    entry = CORPUS[name]
    path = str(MALFORMED / name)
    try:
        parsed = parse_file(path, entry["kind"], entry["mapping"], SHANGHAI)
        directory = stored_directory(namesake=True)
        resolve(parsed, directory_for(parsed, directory.by_id.values(), directory.customer_ids))
        problems = [str(problem) for problem in sorted(parsed.problems)]
    except ImportRefused as refused:
        problems = [str(problem) for problem in refused.problems]
    assert problems == [line.format(file=path) for line in entry["expected"]]


def test_refusal_message_lists_every_problem():
    refused = ImportRefused("f.csv", [])
    assert str(refused).startswith("f.csv: 0 problems")
    with pytest.raises(ImportRefused) as caught:
        parse_file(MALFORMED / "missing.csv", "customers", None, SHANGHAI)
    assert str(caught.value).splitlines()[1].startswith(f"{MALFORMED / 'missing.csv'}:0:-: cannot read the file")
