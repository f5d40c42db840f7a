"""Presets: which file header means which canonical field, defaults and date order per CRM.

Every preset also accepts the canonical headers, so a file may mix both. Headers match ignoring case,
full-width forms and extra spaces. A TOML mapping file starts from a preset and renames columns, adds
defaults and value words (format in docs/import.md).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from handover.errors import HandoverError
from handover.importing.fields import KINDS
from handover.importing.values import DATE_ORDERS, key


@dataclass(frozen=True)
class Preset:
    name: str
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> header -> field ("" = ignore)
    defaults: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> field -> cell text
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> file word -> canonical word
    date_order: str = "ymd"

    def header_map(self, kind: str) -> dict[str, str]:
        """Lookup key of a header -> canonical field ("" for a column to ignore)."""
        mapping = {key(name): name for name in KINDS[kind].names}
        mapping.update({key(header): target for header, target in self.columns.get(kind, {}).items()})
        return mapping


_SALESFORCE_TYPE = {  # the standard Account "Type" picklist
    "Prospect": "new",
    "Customer - Direct": "active",
    "Customer - Channel": "active",
    "Channel Partner / Reseller": "active",
    "Installation Partner": "active",
    "Technology Partner": "active",
    "Other": "active",
}
_HUBSPOT_LIFECYCLE = {
    "Subscriber": "new", "Lead": "new", "Marketing Qualified Lead": "new", "Sales Qualified Lead": "new",
    "Opportunity": "new", "Customer": "active", "Evangelist": "active", "Other": "active",
}

CANONICAL = Preset("canonical")

SALESFORCE = Preset(
    "salesforce",
    columns={"customers": {
        "Account ID": "customer_id", "Account Name": "name", "Account Owner": "owner_id",
        "Billing State/Province": "region", "Industry": "industry",
        # Annual Revenue is the account's own turnover (company size), not money it spends with us.
        "Annual Revenue": "size", "Type": "status", "Phone": "contact_phone", "Website": "",
        "Last Activity": "last_contact_at", "Created Date": "created_at", "Billing Country": "",
    }},
    defaults={kind: {"locale": "en"} for kind in ("customers", "employees")},
    values={"status": _SALESFORCE_TYPE},
    date_order="mdy",
)

HUBSPOT = Preset(
    "hubspot",
    columns={"customers": {
        "Record ID": "customer_id", "Company name": "name", "Company owner": "owner_id",
        "State/Region": "region", "Industry": "industry", "Annual Revenue": "size",
        "Last Activity Date": "last_contact_at", "Create Date": "created_at",
        "Phone Number": "contact_phone", "Lifecycle Stage": "status", "Country/Region": "",
        "Company Domain Name": "", "Website URL": "", "City": "",
    }},
    defaults={kind: {"locale": "en"} for kind in ("customers", "employees")},
    values={"status": _HUBSPOT_LIFECYCLE},
    date_order="mdy",
)

ZH = Preset(
    "zh",
    columns={
        "customers": {
            "客户编号": "customer_id", "客户ID": "customer_id", "客户名称": "name", "负责人": "owner_id",
            "所属区域": "region", "区域": "region", "行业": "industry", "预计成交金额": "expected_amount",
            "累计成交金额": "contribution", "联系人": "contact_name", "联系电话": "contact_phone",
            "邮箱": "contact_email", "最近跟进时间": "last_contact_at", "创建时间": "created_at",
            "客户状态": "status", "客户规模": "size", "最近下单时间": "last_order_at", "偏好": "preferences",
            "语言": "locale", "首次登记人": "first_registered_by",
        },
        "employees": {
            "员工编号": "employee_id", "工号": "employee_id", "姓名": "name", "邮箱": "email", "角色": "role",
            "级别": "level", "上级": "manager_id", "直属上级": "manager_id", "团队": "team",
            "负责区域": "regions", "负责行业": "industries", "客户容量": "capacity", "语言": "locale",
            "状态": "status",
        },
        "deals": {
            "商机编号": "deal_id", "客户编号": "customer_id", "负责人": "owner_id", "商机名称": "name",
            "销售阶段": "stage", "阶段": "stage", "金额": "amount", "商机金额": "amount", "状态": "status",
            "预计成交日期": "expected_close",
        },
        "contracts": {
            "合同编号": "contract_id", "客户编号": "customer_id", "负责人": "owner_id", "合同名称": "title",
            "合同金额": "amount", "金额": "amount", "开始日期": "starts_on", "结束日期": "ends_on",
            "合同状态": "status", "状态": "status",
        },
        "interactions": {
            "记录编号": "interaction_id", "跟进记录编号": "interaction_id", "客户编号": "customer_id",
            "跟进人": "employee_id", "跟进时间": "at", "跟进方式": "kind", "跟进内容": "summary",
            "计划跟进": "scheduled",
        },
    },
    defaults={kind: {"locale": "zh-CN"} for kind in ("customers", "employees")},
)

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (CANONICAL, SALESFORCE, HUBSPOT, ZH)}


def load_mapping(spec: str | None, kind: str) -> Preset:
    """``spec`` is a preset name or the path of a TOML mapping file (None: canonical)."""
    if spec is None or spec in PRESETS:
        return PRESETS[spec or "canonical"]
    path = Path(spec)
    if not path.is_file():
        raise HandoverError(f"--mapping {spec}: not a preset ({', '.join(PRESETS)}) and no such file")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise HandoverError(f"{spec}: not a valid TOML mapping file: {exc}") from None
    return mapping_from_document(document, kind, spec)


def _table(document: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise HandoverError(f"{where}: {name} must be a table")
    return table


def mapping_from_document(document: dict[str, Any], kind: str, where: str) -> Preset:
    """A preset from a parsed mapping file; every mistake in it is named."""
    known = set(KINDS[kind].names)
    problems: list[str] = []
    unknown_keys = set(document) - {"base", "date_order", "columns", "defaults", "values"}
    problems += [f"{where}: unknown key {name!r}" for name in sorted(unknown_keys)]
    base = PRESETS.get(str(document.get("base", "canonical")))
    if base is None:
        problems.append(f"{where}: base {document.get('base')!r} is not a preset ({', '.join(PRESETS)})")
        base = CANONICAL
    date_order = document.get("date_order", base.date_order)
    if date_order not in DATE_ORDERS:
        problems.append(f"{where}: date_order {date_order!r} must be one of {', '.join(DATE_ORDERS)}")
    columns = {str(h): t for h, t in _table(document, "columns", where).items()}
    defaults = {str(f): t for f, t in _table(document, "defaults", where).items()}
    words = _table(document, "values", where)
    for header, target in columns.items():
        if not isinstance(target, str) or (target and target not in known):
            problems.append(f"{where}: columns.{header}: {target!r} is not a {kind} field ({', '.join(sorted(known))})")
    for name, text in defaults.items():
        if name not in known or not isinstance(text, str):
            problems.append(f"{where}: defaults.{name}: must name a {kind} field and give a string")
    for name, table in words.items():
        if name not in known or not isinstance(table, dict) or not all(isinstance(w, str) for w in table.values()):
            problems.append(f"{where}: values.{name}: must name a {kind} field and map words to strings")
    if problems:
        raise HandoverError("\n".join(problems))
    return replace(
        base,
        name=where,
        columns={**base.columns, kind: {**base.columns.get(kind, {}), **columns}},
        defaults={**base.defaults, kind: {**base.defaults.get(kind, {}), **defaults}},
        values={**base.values, **{name: {**base.values.get(name, {}), **table} for name, table in words.items()}},
        date_order=date_order,
    )
