"""The sample company's customers: who owns them, what they are worth, when they were last seen.

Statuses agree with handover.domain.classify's defaults (new: no order and created within 90 days;
active: last contact or order within 90 days; dormant: within a year; lost: longer ago). Tiers come
from expected_amount (A >= 800k, B >= 400k, C >= 200k, D below), senior reps holding more big ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from handover.demo.draw import Moments, Random, between, pick
from handover.demo.staff import Rep
from handover.demo.vocabulary import (
    BRAND_SYLLABLES,
    CITIES,
    COMPANY_SUFFIXES,
    COUNTRIES,
    DOMESTIC_REGIONS,
    ENGLISH_BRANDS,
    ENGLISH_FIRST,
    ENGLISH_LAST,
    GIVEN_NAMES,
    INDUSTRIES,
    INDUSTRY_WORDS,
    OVERSEAS,
    PREFERENCES,
    SIZES,
    SURNAMES,
)

TIERS = "ABCD"
# Cumulative probability of tiers A, B, C by owner level (D takes the rest): few A, many D.
TIER_ODDS = {"senior": (0.10, 0.28, 0.52), "mid": (0.05, 0.18, 0.42), "junior": (0.02, 0.10, 0.32),
             None: (0.03, 0.12, 0.35)}
STATUS_ODDS = (("new", 0.12), ("active", 0.67), ("dormant", 0.87))  # cumulative; lost takes the rest
OFF_REGION = 0.15  # share of a domestic rep's customers outside the rep's regions
OFF_INDUSTRY = 0.30
FOREIGN_INVESTED = 0.02  # domestic customers with an English name and locale
# Precomputed combinations: one draw instead of two or three per customer.
BRANDS = tuple(a + b for a in BRAND_SYLLABLES for b in BRAND_SYLLABLES if a != b)
ENGLISH_BRAND_PAIRS = tuple(f"{a} {b}" for a in ENGLISH_BRANDS for b in ENGLISH_BRANDS if a != b)
CHINESE_CONTACTS = tuple((s + g, f"{s_py}.{g_py}.") for s, s_py in SURNAMES for g, g_py in GIVEN_NAMES)
ENGLISH_CONTACTS = tuple((f"{f} {l}", f"{f.lower()}.{l.lower()}.") for f in ENGLISH_FIRST for l in ENGLISH_LAST)
SCORED = 0.7  # share of customers whose CRM record has potential / loyalty filled in
POTENTIAL_RANGE = {"A": (70, 100), "B": (55, 90), "C": (35, 75), "D": (10, 60)}
LOYALTY_RANGE = {"new": (20, 60), "active": (50, 95), "dormant": (20, 60), "lost": (0, 30)}
SIZE_DRIFT = (-1, 0, 0, 1)  # size follows tier, give or take one step
OLDEST_DAYS = 1095  # customers were created within the past three years
NEW_DAYS = 90  # handover.domain.classify's default: no order yet and created within this many days


@dataclass(slots=True)  # not frozen: built 200,000 times for a benchmark company, frozen costs twice
class Ages:
    """Days before `today` of a customer's creation, last contact and last order (None: never)."""

    created: int
    contact: int | None
    order: int | None


@dataclass(frozen=True)
class Book:
    """Customers as canonical rows, with each row's ages alongside (for the activity generator)."""

    rows: list[dict]
    ages: list[Ages]


def _thousands(random: Random, tier: str) -> int:
    """Expected deal amount in thousands of CNY, inside the tier's band."""
    r = random()
    if tier == "A":
        thousands = 800 + int(4200 * r * r)
    elif tier == "B":
        thousands = 400 + int(400 * r)
    elif tier == "C":
        thousands = 200 + int(200 * r)
    else:
        thousands = 10 + int(190 * r ** 1.5)
    return thousands


def _contribution(random: Random, status: str, thousands: int) -> Decimal:
    """Revenue to date (to the hundred), in line with the expected amount; new customers: none yet."""
    if status == "new":
        return Decimal(0)
    r = random()
    factor = 0.2 + 1.8 * r if status == "active" else 0.1 + 0.9 * r if status == "dormant" else 0.5 * r
    return Decimal(int(thousands * 10 * factor) * 100)


def _ages(random: Random, status: str) -> Ages:
    """Dates consistent with the status (see module docstring); created before anything else."""
    if status == "new":
        created = between(random, 2, 88)
        return Ages(created, between(random, 1, created - 1), None)
    if status == "active":
        contact = between(random, 1, 60)
        order = between(random, 1, 200) if random() < 0.85 else None
    elif status == "dormant":
        contact = between(random, 91, 365)
        order = between(random, 120, 600) if random() < 0.8 else None
    else:
        contact = between(random, 366, 900)
        order = between(random, 400, 1000) if random() < 0.7 else None
    # Without an order, a customer younger than NEW_DAYS would still count as new.
    oldest = max(contact + 10, order + 10 if order else NEW_DAYS + 1)
    return Ages(between(random, oldest, max(oldest, OLDEST_DAYS)), contact, order)


def _status(random: Random, pooled: bool) -> str:
    r = random()
    if pooled:
        return "dormant" if r < 0.4 else "lost"
    for status, bound in STATUS_ODDS:
        if r < bound:
            return status
    return "lost"


def _tier(random: Random, level: str | None) -> str:
    r = random()
    for tier, bound in zip(TIERS, TIER_ODDS[level]):
        if r < bound:
            return tier
    return "D"


class _CompanyNames:
    """Unique company names: Chinese by city, brand and trade; English by brand, trade and country."""

    def __init__(self, random: Random):
        self._random = random
        self._taken: set[str] = set()

    def name(self, region: str, industry: str, english: bool) -> tuple[str, str]:
        """(name, phone country code)."""
        make = self._english if english else self._chinese
        for _ in range(4):
            name, code = make(region, industry, "")
            if name not in self._taken:
                break
        else:
            name, code = make(region, industry, str(len(self._taken)))
        self._taken.add(name)
        return name, code

    def _chinese(self, region: str, industry: str, tag: str) -> tuple[str, str]:
        random = self._random
        brand = pick(random, BRANDS)
        word = pick(random, INDUSTRY_WORDS[industry])[0]
        city = pick(random, CITIES[region])
        return f"{city}{brand}{tag}{word}{pick(random, COMPANY_SUFFIXES)}", "+86"

    def _english(self, _region: str, industry: str, tag: str) -> tuple[str, str]:
        random = self._random
        _country, suffix, code = pick(random, COUNTRIES)
        brand = pick(random, ENGLISH_BRAND_PAIRS)
        number = f" {tag}" if tag else ""
        return f"{brand}{number} {pick(random, INDUSTRY_WORDS[industry])[1]} {suffix}", code


def _contact(random: Random, customer_id: str, english: bool, code: str) -> tuple[str, str, str]:
    """(name, email, phone) of the customer's contact person; addresses only at example domains."""
    tag = customer_id.lower()
    if english:
        name, local = pick(random, ENGLISH_CONTACTS)
        return name, f"{local}{tag}@example.com", f"{code} {int(random() * 90_000_000) + 10_000_000}"
    name, local = pick(random, CHINESE_CONTACTS)
    domain = "example.cn" if random() < 0.8 else "example.com"
    return name, f"{local}{tag}@{domain}", f"1{pick(random, '35789')}{int(random() * 1_000_000_000):09d}"


def _preferences(random: Random, locale: str) -> str:
    r = random()
    if r < 0.4:
        return ""
    phrases = PREFERENCES[locale]
    first = pick(random, phrases)
    second = pick(random, phrases) if r > 0.75 else first
    parts = [first] if second == first else [first, second]
    return ("，" if locale == "zh-CN" else "; ").join(parts)


def _score(random: Random, low: int, high: int) -> int | None:
    """A 0-100 score the CRM holds for some customers (None: not filled in)."""
    return between(random, low, high) if random() < SCORED else None


def _place(random: Random, owner: Rep | None) -> tuple[str, str]:
    """(region, industry): mostly the owner's, sometimes elsewhere (pool customers: anywhere)."""
    if owner is None:
        return pick(random, DOMESTIC_REGIONS), pick(random, INDUSTRIES)
    if OVERSEAS in owner.regions:
        region = OVERSEAS
    else:
        region = pick(random, DOMESTIC_REGIONS if random() < OFF_REGION else owner.regions)
    industry = pick(random, INDUSTRIES if random() < OFF_INDUSTRY else owner.industries)
    return region, industry


def build_customers(random: Random, owners: list[Rep | None], reps: list[Rep], moments: Moments,
                    forced: dict[int, tuple[str, str]]) -> Book:
    """One customer per entry of owners (None: in the public pool).

    forced maps a customer index to the (tier, status) it must have (the departing rep's showcase).
    """
    names = _CompanyNames(random)
    width = max(6, len(str(len(owners))))
    rows, ages = [], []
    for index, owner in enumerate(owners):
        customer_id = "C%0*d" % (width, index + 1)
        tier, status = forced.get(index) or (_tier(random, owner and owner.level), _status(random, owner is None))
        region, industry = _place(random, owner)
        english = region == OVERSEAS or random() < FOREIGN_INVESTED
        locale = "en" if english else "zh-CN"
        name, code = names.name(region, industry, english)
        contact_name, email, phone = _contact(random, customer_id, english, code)
        thousands = _thousands(random, tier)
        age = _ages(random, status)
        registrar = owner if owner is not None and random() < 0.75 else pick(random, reps)
        size = SIZES[locale][min(3, max(0, TIERS.index(tier) + pick(random, SIZE_DRIFT)))]
        rows.append({
            "customer_id": customer_id, "name": name, "owner_id": owner.id if owner else None,
            "region": region, "industry": industry, "expected_amount": Decimal(thousands * 1000),
            "contribution": _contribution(random, status, thousands), "contact_email": email,
            "last_contact_at": moments.ago(age.contact) if age.contact else None,
            "locale": locale, "size": size, "potential": _score(random, *POTENTIAL_RANGE[tier]),
            "loyalty": _score(random, *LOYALTY_RANGE[status]), "status": status,
            "contact_name": contact_name, "contact_phone": phone, "preferences": _preferences(random, locale),
            "last_order_at": moments.ago(age.order) if age.order else None,
            "created_at": moments.ago(age.created), "first_registered_by": registrar.id,
        })
        ages.append(age)
    return Book(rows, ages)
