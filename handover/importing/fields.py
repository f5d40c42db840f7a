"""The canonical fields of each import kind (docs: /work/prompts/canonical.md, docs/import.md).

A field has a canonical name (its header in the ``canonical`` preset), how its cells are read, whether
the column is required, and whether it refers to an employee or a customer (resolved later, against the
database, by ``handover.importing.references``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from handover.importing import values as v


@dataclass(frozen=True)
class Context:
    """What reading a cell depends on besides its text."""

    zone: ZoneInfo
    date_order: str = "ymd"


Reader = Callable[[str, Context], Any]


def _plain(parse: Callable[[str], Any]) -> Reader:
    return lambda text, _context: parse(text)


ID: Reader = _plain(v.parse_id)
TEXT: Reader = _plain(v.parse_text)
AMOUNT: Reader = _plain(v.parse_amount)
EMAIL: Reader = _plain(v.parse_email)
LOCALE: Reader = _plain(v.parse_locale)
LIST: Reader = _plain(v.parse_list)
BOOL: Reader = _plain(v.parse_bool)
SCORE: Reader = _plain(lambda text: v.parse_int(text, 0, 100))
COUNT: Reader = _plain(lambda text: v.parse_int(text, 0))
DATE: Reader = lambda text, context: v.parse_date(text, context.date_order)  # noqa: E731
DATETIME: Reader = lambda text, context: v.parse_datetime(text, context.zone, context.date_order)  # noqa: E731


def _size(text: str) -> str:
    """Company size as written; an amount (Salesforce/HubSpot Annual Revenue) is kept as a plain number."""
    try:
        return v.amount_as_text(v.parse_amount(text))
    except v.BadValue:
        return v.parse_text(text)


SIZE: Reader = _plain(_size)


@dataclass(frozen=True)
class Field:
    name: str
    read: Reader
    required: bool = False
    refers_to: str | None = None  # "employee" or "customer"


@dataclass(frozen=True)
class Kind:
    name: str
    id_field: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


EMPLOYEES = Kind("employees", "employee_id", (
    Field("employee_id", ID, required=True),
    Field("name", TEXT, required=True),
    Field("email", EMAIL, required=True),
    Field("role", _plain(v.parse_role)),
    Field("level", _plain(v.parse_level)),
    Field("manager_id", ID, refers_to="employee"),
    Field("team", TEXT),
    Field("regions", LIST),
    Field("industries", LIST),
    Field("capacity", COUNT),
    Field("locale", LOCALE),
    Field("status", _plain(v.parse_employee_status)),
))

CUSTOMERS = Kind("customers", "customer_id", (
    Field("customer_id", ID, required=True),
    Field("name", TEXT, required=True),
    Field("owner_id", ID, refers_to="employee"),
    Field("region", TEXT),
    Field("industry", TEXT),
    Field("expected_amount", AMOUNT),
    Field("contribution", AMOUNT),
    Field("contact_email", EMAIL),
    Field("last_contact_at", DATETIME),
    Field("locale", LOCALE),
    Field("size", SIZE),
    Field("potential", SCORE),
    Field("loyalty", SCORE),
    Field("status", _plain(v.parse_customer_status)),
    Field("contact_name", TEXT),
    Field("contact_phone", TEXT),
    Field("preferences", TEXT),
    Field("last_order_at", DATETIME),
    Field("created_at", DATETIME),
    Field("first_registered_by", ID, refers_to="employee"),
))

DEALS = Kind("deals", "deal_id", (
    Field("deal_id", ID, required=True),
    Field("customer_id", ID, required=True, refers_to="customer"),
    Field("owner_id", ID, refers_to="employee"),
    Field("name", TEXT),
    Field("stage", TEXT),
    Field("amount", AMOUNT),
    Field("status", _plain(v.parse_deal_status)),
    Field("expected_close", DATE),
))

CONTRACTS = Kind("contracts", "contract_id", (
    Field("contract_id", ID, required=True),
    Field("customer_id", ID, required=True, refers_to="customer"),
    Field("owner_id", ID, refers_to="employee"),
    Field("title", TEXT),
    Field("amount", AMOUNT),
    Field("starts_on", DATE),
    Field("ends_on", DATE),
    Field("status", TEXT),
))

INTERACTIONS = Kind("interactions", "interaction_id", (
    Field("interaction_id", ID, required=True),
    Field("customer_id", ID, required=True, refers_to="customer"),
    Field("employee_id", ID, refers_to="employee"),
    Field("at", DATETIME, required=True),
    Field("kind", _plain(v.parse_kind)),
    Field("summary", TEXT),
    Field("scheduled", BOOL),
))

KINDS: dict[str, Kind] = {kind.name: kind for kind in (EMPLOYEES, CUSTOMERS, DEALS, CONTRACTS, INTERACTIONS)}
