"""Cheap random draws for generating hundreds of thousands of rows in a few seconds.

`random.Random.randint` and `choice` cost several times a bare `random()`; these helpers take the
bound `random` method and do the arithmetic inline. Moments come from precomputed tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import TypeVar

CHINA_TIME = timezone(timedelta(hours=8))
WORKDAY_START_MINUTES = 9 * 60
WORKDAY_MINUTES = 9 * 60
T = TypeVar("T")
Random = Callable[[], float]


def pick(random: Random, seq: Sequence[T]) -> T:
    """A uniformly chosen element of seq."""
    return seq[int(random() * len(seq))]


def between(random: Random, low: int, high: int) -> int:
    """A uniformly chosen integer in [low, high] (both included)."""
    return low + int(random() * (high - low + 1))


class Moments:
    """Working-hours moments counted in days from `today` (China time, to the minute).

    Negative days are in the future (planned follow-ups); tables cover `past` days back and `future` ahead
    (dates: a further 400 days ahead, for deals expected to close and contracts running on).
    """

    def __init__(self, today: date, random: Random, past: int = 1500, future: int = 60):
        midnight = datetime.combine(today, time(0), CHINA_TIME)
        self._future = future
        self._days = [midnight - timedelta(days=d) for d in range(-future, past + 1)]
        self._minutes = [timedelta(minutes=WORKDAY_START_MINUTES + m) for m in range(WORKDAY_MINUTES)]
        self._dates = [today - timedelta(days=d) for d in range(-future - 400, past + 1)]
        self._date_offset = future + 400
        self._random = random

    def ago(self, days: int) -> datetime:
        """A working-hours moment `days` days before today (negative: after today)."""
        return self._days[days + self._future] + self._minutes[int(self._random() * WORKDAY_MINUTES)]

    def date(self, days: int) -> date:
        """The date `days` days before today (negative: after today)."""
        return self._dates[days + self._date_offset]
