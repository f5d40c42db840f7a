"""The sample company's people: sales divisions with managers and reps, one HR, one admin.

Rows are plain dicts keyed by the canonical employee headers, typed (lists, ints, None for empty).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from handover.demo.vocabulary import (
    DIVISIONS,
    ENGLISH_FIRST,
    ENGLISH_LAST,
    GIVEN_NAMES,
    GROUP_NUMERALS,
    INDUSTRIES,
    SURNAMES,
)

REPS_PER_GROUP = 15
LEVEL_MIX = (("senior", 0.25), ("junior", 0.30))  # the rest are mid
BASE_CAPACITY = {"senior": 200, "mid": 150, "junior": 100}
CAPACITY_JITTER = (-20, -10, 0, 0, 10, 20)


@dataclass(frozen=True)
class Rep:
    """What the customer generator needs to know about a rep."""

    id: str
    level: str
    capacity: int
    regions: tuple[str, ...]
    industries: tuple[str, ...]
    locale: str
    division: int


@dataclass(frozen=True)
class Staff:
    employees: list[dict]
    reps: list[Rep]
    departing: Rep


class _Names:
    """Person names and unique e-mail addresses; Chinese names are not reused until all are taken."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._chinese = [(s, g) for s in SURNAMES for g in GIVEN_NAMES]
        self._english = [(f, l) for f in ENGLISH_FIRST for l in ENGLISH_LAST]
        rng.shuffle(self._chinese)
        rng.shuffle(self._english)
        self._next = {"zh-CN": 0, "en": 0}
        self._emails: set[str] = set()

    def person(self, locale: str) -> tuple[str, str]:
        """(name, email) for a new employee of the locale."""
        pool = self._english if locale == "en" else self._chinese
        first, second = pool[self._next[locale] % len(pool)]
        self._next[locale] += 1
        if locale == "en":
            return f"{first} {second}", self._email(f"{first}.{second}".lower(), "example.com")
        (surname, surname_py), (given, given_py) = first, second
        return surname + given, self._email(surname_py + given_py, "example.cn")

    def _email(self, local: str, domain: str) -> str:
        address, n = f"{local}@{domain}", 1
        while address in self._emails:
            n += 1
            address = f"{local}{n}@{domain}"
        self._emails.add(address)
        return address


def split(total: int, shares: list[float], minimum: int = 0) -> list[int]:
    """total split by shares (largest remainder), every part at least minimum."""
    raw = [total * share for share in shares]
    parts = [max(minimum, math.floor(r)) for r in raw]
    by_remainder = sorted(range(len(shares)), key=lambda i: raw[i] - math.floor(raw[i]), reverse=True)
    for k in range(total - sum(parts)):
        parts[by_remainder[k % len(parts)]] += 1
    for _ in range(sum(parts) - total):  # only when minimum lifted small parts
        parts[max(range(len(parts)), key=parts.__getitem__)] -= 1
    return parts


def _group_name(division: str, number: int, groups: int) -> str:
    if groups == 1:
        return division
    if division.isascii():
        return f"{division} {number}"
    label = GROUP_NUMERALS[number - 1] if number <= len(GROUP_NUMERALS) else str(number)
    return f"{division}{label}组"


def _levels(rng: random.Random, reps: int) -> list[str]:
    counts = {level: round(reps * share) for level, share in LEVEL_MIX}
    levels = ["senior"] * counts["senior"] + ["junior"] * counts["junior"]
    levels += ["mid"] * (reps - len(levels))
    rng.shuffle(levels)
    return levels


def _employee(eid: str, name: str, email: str, role: str, level: str | None, manager_id: str | None,
              team: str, regions: tuple[str, ...], industries: tuple[str, ...], capacity: int | None,
              locale: str) -> dict:
    return {
        "employee_id": eid, "name": name, "email": email, "role": role, "level": level,
        "manager_id": manager_id, "team": team, "regions": list(regions), "industries": list(industries),
        "capacity": capacity, "locale": locale, "status": "active",
    }


def _rep_profile(rng: random.Random, eid: str, level: str, division: int) -> Rep:
    _name, home_regions, _share, locale = DIVISIONS[division]
    regions = (home_regions[0],) + tuple(r for r in home_regions[1:] if rng.random() < 0.4)
    industries = tuple(rng.sample(INDUSTRIES, rng.randint(2, 4)))
    capacity = BASE_CAPACITY[level] + rng.choice(CAPACITY_JITTER)
    return Rep(eid, level, capacity, regions, industries, locale, division)


def _choose_departing(rng: random.Random, reps: list[Rep]) -> Rep:
    """A senior (else mid) rep of the first division, covering all its regions and 3+ industries."""
    home = [r for r in reps if r.division == 0]
    candidates = [r for r in home if r.level == "senior"] or [r for r in home if r.level == "mid"] or home
    chosen = rng.choice(candidates)
    level = chosen.level if chosen.level != "junior" else "mid"
    industries = chosen.industries if len(chosen.industries) >= 3 else chosen.industries + tuple(
        rng.sample([i for i in INDUSTRIES if i not in chosen.industries], 3 - len(chosen.industries)))
    return Rep(chosen.id, level, max(chosen.capacity, 180), DIVISIONS[0][1], industries, chosen.locale, 0)


def build_staff(rng: random.Random, reps: int) -> Staff:
    """Managers, reps, HR and admin; reps spread over the divisions and their groups."""
    names = _Names(rng)
    levels = _levels(rng, reps)
    per_division = split(reps, [share for _n, _r, share, _l in DIVISIONS], minimum=1)
    groups_per_division = [math.ceil(n / REPS_PER_GROUP) for n in per_division]
    manager_width = max(2, len(str(sum(groups_per_division))))
    rep_width = max(3, len(str(reps)))
    managers: list[dict] = []
    rep_rows: list[dict] = []
    profiles: list[Rep] = []
    for division, (division_name, regions, _share, locale) in enumerate(DIVISIONS):
        groups = groups_per_division[division]
        sizes = split(per_division[division], [1 / groups] * groups, minimum=1)
        for number, size in enumerate(sizes, start=1):
            team = _group_name(division_name, number, groups)
            manager_id = f"M{len(managers) + 1:0{manager_width}d}"
            name, email = names.person(locale)
            managers.append(_employee(manager_id, name, email, "manager", "senior", None, team, regions, (),
                                      None, locale))
            for _ in range(size):
                eid = f"E{len(profiles) + 1:0{rep_width}d}"
                profile = _rep_profile(rng, eid, levels[len(profiles)], division)
                profiles.append(profile)
                name, email = names.person(locale)
                rep_rows.append(_employee(eid, name, email, "rep", profile.level, manager_id, team,
                                          profile.regions, profile.industries, profile.capacity, locale))
    departing = _choose_departing(rng, profiles)
    index = next(i for i, p in enumerate(profiles) if p.id == departing.id)
    profiles[index] = departing
    rep_rows[index].update(level=departing.level, capacity=departing.capacity,
                           regions=list(departing.regions), industries=list(departing.industries))
    support = []
    for eid, role, team in (("HR01", "hr", "人力资源部"), ("AD01", "admin", "信息技术部")):
        name, email = names.person("zh-CN")
        support.append(_employee(eid, name, email, role, None, None, team, (), (), None, "zh-CN"))
    return Staff(support + managers + rep_rows, profiles, departing)
