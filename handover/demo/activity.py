"""Deals, contracts and interactions of the sample company's customers.

Consistent with each customer's row: the newest non-order interaction is its last_contact_at, the newest
order its last_order_at; won deals exist only where there is revenue, and contracts follow won deals.
Interactions cover the past year; a few are planned follow-ups (scheduled) in the coming weeks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from handover.demo.customers import Ages, Book
from handover.demo.draw import Moments, Random, between, pick
from handover.demo.vocabulary import (
    CLOSED_STAGES,
    CONTRACT_TITLES,
    FOLLOW_UPS,
    OPEN_STAGES,
    PRODUCTS,
    SUMMARIES,
)

OPEN_DEAL_ODDS = {"new": 0.5, "active": 0.3, "dormant": 0.08, "lost": 0.0}
LOST_DEAL_ODDS = {"new": 0.05, "active": 0.15, "dormant": 0.25, "lost": 0.5}
EXTRA_CONTACTS = {"new": (0, 1), "active": (1, 4), "dormant": (0, 1), "lost": (0, 0)}
FOLLOW_UP_ODDS = 0.06
SHOWCASE_BOOST = 0.25  # the departing rep's book: more open deals and planned follow-ups
CONTRACT_ODDS = 0.8
CONTRACT_YEARS = (1, 1, 2, 3)
FOLLOW_UP_DAYS = 30  # planned follow-ups fall within the coming month
TOUCH_KINDS = ("call", "call", "email", "visit", "meeting")
PLANNED_KINDS = ("call", "visit", "meeting")
YEAR = 365
DEAL_SUFFIX = {"zh-CN": "项目", "en": ""}
DEAL_NAMES = {locale: tuple(product + DEAL_SUFFIX[locale] for product in products)
              for locale, products in PRODUCTS.items()}


@dataclass
class Activity:
    deals: list[dict] = field(default_factory=list)
    contracts: list[dict] = field(default_factory=list)
    interactions: list[dict] = field(default_factory=list)


class _Generator:
    def __init__(self, random: Random, today: date, moments: Moments, customers: int):
        self.random = random
        self.today = today
        self.moments = moments
        self.width = max(7, len(str(customers * 8)))
        self.out = Activity()
        self._titles: dict[tuple[str, int], str] = {}

    def _id(self, prefix: str, rows: list) -> str:
        return "%s%0*d" % (prefix, self.width, len(rows) + 1)

    def customer(self, row: dict, age: Ages, showcase: bool, forced: bool) -> None:
        actor = row["owner_id"] or row["first_registered_by"]
        self._deals(row, age, actor, showcase, forced)
        self._touches(row, age, actor)
        if row["owner_id"] and row["status"] in ("new", "active"):
            odds = 1.0 if forced else FOLLOW_UP_ODDS + (SHOWCASE_BOOST if showcase else 0.0)
            if self.random() < odds:
                self._follow_up(row, actor)

    def _deals(self, row: dict, age: Ages, actor: str, showcase: bool, forced: bool) -> None:
        random, status, locale = self.random, row["status"], row["locale"]
        expected = float(row["expected_amount"])
        open_odds = OPEN_DEAL_ODDS[status] + (SHOWCASE_BOOST if showcase and status != "lost" else 0.0)
        if row["owner_id"] and (forced or random() < open_odds):
            stages = OPEN_STAGES[locale][:2] if status == "new" else OPEN_STAGES[locale]
            amount = Decimal(max(1, int(expected * (0.4 + 0.7 * random()) / 1000)) * 1000)
            close = self.moments.date(-between(random, 10, 180))
            self._deal(row, actor, pick(random, stages), amount, "open", close)
        if row["contribution"] > 0:
            wins = 2 if status == "active" and random() < 0.3 else 1
            for n in range(wins):
                self._won(row, age, actor, wins, forced and n == 0)
        if random() < LOST_DEAL_ODDS[status]:
            amount = Decimal(max(1, int(expected * (0.3 + 0.7 * random()) / 1000)) * 1000)
            closed = self.moments.date(between(random, 1, age.created - 1))
            self._deal(row, actor, CLOSED_STAGES[locale]["lost"], amount, "lost", closed)

    def _won(self, row: dict, age: Ages, actor: str, wins: int, forced: bool) -> None:
        """A won deal, usually with its contract (forced: always, and still running today)."""
        random = self.random
        share = float(row["contribution"]) * (0.3 + 0.5 * random()) / wins
        amount = Decimal(max(1, int(share / 100)) * 100)
        days_ago = between(random, 1, age.created - 1)
        closed = self.moments.date(days_ago)
        deal = self._deal(row, actor, CLOSED_STAGES[row["locale"]]["won"], amount, "won", closed)
        if forced or random() < CONTRACT_ODDS:
            years = days_ago // YEAR + 1 if forced else pick(random, CONTRACT_YEARS)
            self._contract(row, actor, deal, years)

    def _deal(self, row: dict, actor: str, stage: str, amount: Decimal, status: str, close: date) -> dict:
        deals = self.out.deals
        deal = {
            "deal_id": self._id("D", deals), "customer_id": row["customer_id"], "owner_id": actor,
            "name": pick(self.random, DEAL_NAMES[row["locale"]]), "stage": stage,
            "amount": amount, "status": status, "expected_close": close,
        }
        deals.append(deal)
        return deal

    def _contract(self, row: dict, actor: str, deal: dict, years: int) -> None:
        contracts = self.out.contracts
        starts = deal["expected_close"]
        ends = starts + timedelta(days=YEAR * years - 1)
        contracts.append({
            "contract_id": self._id("K", contracts), "customer_id": row["customer_id"], "owner_id": actor,
            "title": self._title(row["locale"], deal["name"], starts.year),
            "amount": deal["amount"], "starts_on": starts, "ends_on": ends,
            "status": "active" if ends >= self.today else "expired",
        })

    def _title(self, locale: str, deal_name: str, year: int) -> str:
        """The contract's title after the deal's product and the year it starts (memoised)."""
        title = self._titles.get((deal_name, year))
        if title is None:
            product = deal_name.removesuffix(DEAL_SUFFIX[locale])
            title = self._titles[deal_name, year] = CONTRACT_TITLES[locale].format(year=year, product=product)
        return title

    def _touches(self, row: dict, age: Ages, actor: str) -> None:
        """Past year's calls, visits, e-mails, meetings and orders ending at the row's last dates."""
        random, ago, oldest = self.random, self.moments.ago, min(YEAR, age.created - 1)
        if age.contact is not None and age.contact <= YEAR:
            self._interaction(row, actor, row["last_contact_at"], pick(random, TOUCH_KINDS), False)
            low, high = EXTRA_CONTACTS[row["status"]]
            for _ in range(between(random, low, high) if age.contact < oldest else 0):
                at = ago(between(random, age.contact + 1, oldest))
                self._interaction(row, actor, at, pick(random, TOUCH_KINDS), False)
        if age.order is not None and age.order <= YEAR:
            self._interaction(row, actor, row["last_order_at"], "order", False)
            repeats = between(random, 0, 1) if row["status"] == "active" and age.order < oldest else 0
            for _ in range(repeats):
                at = ago(between(random, age.order + 1, oldest))
                self._interaction(row, actor, at, "order", False)

    def _follow_up(self, row: dict, actor: str) -> None:
        random = self.random
        at = self.moments.ago(-between(random, 1, FOLLOW_UP_DAYS))
        summary = pick(random, FOLLOW_UPS[row["locale"]])
        self._interaction(row, actor, at, pick(random, PLANNED_KINDS), True, summary)

    def _interaction(self, row: dict, actor: str, at: datetime, kind: str, scheduled: bool,
                     summary: str | None = None) -> None:
        interactions = self.out.interactions
        interactions.append({
            "interaction_id": self._id("I", interactions), "customer_id": row["customer_id"],
            "employee_id": actor, "at": at, "kind": kind,
            "summary": summary or pick(self.random, SUMMARIES[row["locale"]][kind]), "scheduled": scheduled,
        })


def build_activity(random: Random, book: Book, today: date, moments: Moments,
                   showcase: set[int], forced: set[int]) -> Activity:
    """Deals, contracts and interactions for every customer of the book.

    showcase: indexes of the departing rep's customers (richer pipeline); forced: indexes that must get
    an open deal, a running contract and a planned follow-up.
    """
    generator = _Generator(random, today, moments, len(book.rows))
    for index, (row, age) in enumerate(zip(book.rows, book.ages)):
        generator.customer(row, age, index in showcase, index in forced)
    return generator.out
