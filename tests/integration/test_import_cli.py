"""The `handover import`, `customers` and `employees` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handover.cli import app
from handover.errors import HandoverError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
runner = CliRunner()


def handover(*args: str) -> subprocess.CompletedProcess:
    """The real command in a child process (the way users run it: exit codes, stdout vs stderr)."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return subprocess.run([sys.executable, "-m", "handover", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_import_json_report_then_idempotent(db):
    result = runner.invoke(app, ["import", "employees", str(FIXTURES / "employees.csv"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 40
    path = str(FIXTURES / "customers_zh_gbk.csv")
    first = runner.invoke(app, ["import", "customers", path, "--mapping", "zh", "--json"])
    second = runner.invoke(app, ["import", "customers", path, "--mapping", "zh", "--json"])
    assert {k: json.loads(first.stdout)[k] for k in ("rows", "created", "updated", "unchanged", "conflicts")} == {
        "rows": 160, "created": 160, "updated": 0, "unchanged": 0, "conflicts": 0}
    assert json.loads(second.stdout)["unchanged"] == 160 and json.loads(second.stdout)["created"] == 0
    assert "160 customers: 0 created, 0 updated, 160 unchanged, 0 owner conflicts" in second.stderr


def test_listing_json_is_exactly_one_document_of_canonical_records(db):
    runner.invoke(app, ["import", "employees", str(FIXTURES / "employees.csv")])
    runner.invoke(app, ["import", "customers", str(FIXTURES / "customers_zh_gbk.csv"), "--mapping", "zh"])
    listed = handover("customers", "--owner", "黄强", "--json", "--by", "HR01")
    assert listed.returncode == 0, listed.stderr
    customers = json.loads(listed.stdout)  # fails on anything but exactly one JSON document
    assert len(customers) == 30 and customers[0]["customer_id"] == "C00001"
    assert customers[0]["expected_amount"] == 120000 and isinstance(customers[0]["expected_amount"], float)
    assert customers[0]["status"] == "active" and customers[0]["owner_id"] == "E007"
    employees = json.loads(runner.invoke(app, ["employees", "--json", "--by", "HR01"]).stdout)
    assert len(employees) == 40 and employees[0]["regions"] == ["华北", "华中"]


def test_listing_tables(db):
    runner.invoke(app, ["import", "employees", str(FIXTURES / "employees.csv")])
    runner.invoke(app, ["import", "customers", str(FIXTURES / "customers_zh_gbk.csv"), "--mapping", "zh"])
    table = runner.invoke(app, ["customers", "--owner", "E001", "--by", "HR01"], env={"COLUMNS": "250"})
    assert table.exit_code == 0 and "customers" in table.stdout
    assert runner.invoke(app, ["employees", "--by", "HR01"], env={"COLUMNS": "250"}).stdout.count("example.cn") == 40


def test_bad_file_exits_2_with_every_problem_and_no_traceback(db):
    runner.invoke(app, ["import", "employees", str(FIXTURES / "employees.csv")])
    path = str(FIXTURES / "malformed" / "bad_employees.csv")
    result = handover("import", "employees", path, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {path}: 6 problems, nothing imported"
    assert f"{path}:2:role: 'boss' is not a role (rep, manager, hr, admin)" in lines
    assert len(json.loads(runner.invoke(app, ["employees", "--json", "--by", "HR01"]).stdout)) == 40


def test_unknown_preset_and_missing_file(db):
    result = runner.invoke(app, ["import", "customers", str(FIXTURES / "customers_zh_gbk.csv"), "--mapping", "sap"])
    assert isinstance(result.exception, HandoverError)
    assert "not a preset (canonical, salesforce, hubspot, zh)" in str(result.exception)
    result = runner.invoke(app, ["import", "customers", "/nonexistent/file.csv"])
    assert "/nonexistent/file.csv:0:-: cannot read the file" in str(result.exception)


def test_problem_lines_quoting_markup_like_cells_print_verbatim(db, tmp_path, monkeypatch, capsys):
    from handover.cli import main

    path = tmp_path / "markup.csv"
    path.write_text("customer_id,name,expected_amount\nQ1,x,[/x]\nQ2,[bold]y,[red]1\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["handover", "import", "customers", str(path)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[1:] == [f"{path}:2:expected_amount: '[/x]' is not an amount (e.g. 1,200,000 or 120万)",
                         f"{path}:3:expected_amount: '[red]1' is not an amount (e.g. 1,200,000 or 120万)"]
