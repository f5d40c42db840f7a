"""What an import changes, from plain data (handover.importing.changes)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from handover.importing import parse_bytes
from handover.importing.changes import OwnerConflict, plan

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 1, 10, 9, tzinfo=SHANGHAI)
BLANKS = {"owner_id": None, "region": "", "expected_amount": Decimal(0), "locale": "zh-CN", "in_pool": False,
          "owner_since": None, "first_registered_by": None, "status": "active"}


def parsed(text: str, mapping: str | None = None):
    result = parse_bytes(text.encode(), "f.csv", "customers", mapping, SHANGHAI)
    assert result.problems == []
    return result


def test_new_rows_get_defaults_pool_and_registration():
    changes = plan(parsed("customer_id,name,owner_id\nA,甲,E1\nB,乙,\n", "salesforce"), {}, BLANKS, NOW)
    first, second = changes.creates
    assert (first["id"], first["owner_id"], first["in_pool"], first["owner_since"], first["first_registered_by"]) == (
        "A", "E1", False, NOW, "E1")
    assert (second["owner_id"], second["in_pool"], second["owner_since"]) == (None, True, None)
    assert first["locale"] == "en" and first["expected_amount"] == Decimal(0)


def test_only_changed_columns_are_updated_and_owner_differences_are_conflicts():
    stored = {
        "A": {"id": "A", "name": "甲", "owner_id": "E1", "region": "华北"},
        "B": {"id": "B", "name": "乙", "owner_id": "E1", "region": "华北"},
        "C": {"id": "C", "name": "丙", "owner_id": None, "region": "华北"},
    }
    changes = plan(parsed("customer_id,name,owner_id,region\nA,甲,E1,华北\nB,乙新,E2,\nC,丙,E3,华北\n"), stored,
                   BLANKS, NOW)
    assert changes.unchanged == 2 and changes.creates == []
    assert changes.updates == [{"id": "B", "name": "乙新", "region": ""}]
    assert changes.conflicts == [OwnerConflict("B", "E1", "E2", 3), OwnerConflict("C", None, "E3", 4)]
