"""Working days of a country: weekends and public holidays are skipped.

China ("CN") also works some weekend days to bridge long holidays (调休); the ``chinesecalendar``
package knows those for the years the State Council has published. Outside that range, and for every
other country, a working day is a Monday-Friday that is not a public holiday of the ``holidays``
package. Pure: every date is a parameter, nothing reads the clock.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
import holidays

from handover.errors import HandoverError

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5
# Longest run of non-working days any supported calendar has is far below this; a guard against loops.
_MAX_SCAN_DAYS = 366


@lru_cache(maxsize=32)
def _public_holidays(country: str) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country)
    except NotImplementedError:
        raise HandoverError(f"country {country!r}: unknown country code") from None


def _normalised(country: str) -> str:
    if not isinstance(country, str) or not country.strip():
        raise HandoverError(f"country {country!r}: a country code is required for working days")
    code = country.strip().upper()
    try:
        _public_holidays(code)
    except HandoverError:
        raise HandoverError(
            f"country {country!r}: unknown country code for working days (use an ISO 3166 code such as CN, US, DE)"
        ) from None
    return code


def _weekday_not_holiday(day: date, code: str) -> bool:
    return day.weekday() < _SATURDAY and day not in _public_holidays(code)


def _is_working(day: date, code: str) -> bool:
    if code == "CN":
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # year outside the published adjusted-day calendars
            pass
    return _weekday_not_holiday(day, code)


def is_working_day(day: date, country: str) -> bool:
    """True when people work on ``day`` in ``country`` (CN honours adjusted working weekends)."""
    return _is_working(day, _normalised(country))


def next_working_day(day: date, country: str) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    code = _normalised(country)
    return _scan(day, code, _ONE_DAY)


def previous_working_day(day: date, country: str) -> date:
    """``day`` itself when it is a working day, else the last working day before it."""
    code = _normalised(country)
    return _scan(day, code, -_ONE_DAY)


def add_working_days(day: date, n: int, country: str) -> date:
    """The date ``n`` working days after ``day``; ``n=0`` is ``next_working_day(day)``.

    Counting starts the day after ``day``, so a task due "within 2 working days" of a Friday notice
    falls on Tuesday (no holidays), whether or not ``day`` itself is a working day.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise HandoverError(f"working days to add: expected a whole number >= 0, got {n!r}")
    code = _normalised(country)
    if n == 0:
        return _scan(day, code, _ONE_DAY)
    current = day
    for _ in range(n):
        current = _scan(current + _ONE_DAY, code, _ONE_DAY)
    return current


def working_days_between(a: date, b: date, country: str) -> int:
    """Working days in the half-open span (a, b]: after ``a``, up to and including ``b``.

    Negative when ``b`` is before ``a`` (counting the working days in (b, a]). This is the inverse of
    ``add_working_days``: ``working_days_between(a, add_working_days(a, n, c), c) == n`` for n >= 1.
    """
    code = _normalised(country)
    if b < a:
        return -working_days_between(b, a, code)
    count = 0
    current = a + _ONE_DAY
    while current <= b:
        count += _is_working(current, code)
        current += _ONE_DAY
    return count


def _scan(start: date, code: str, step: timedelta) -> date:
    current = start
    for _ in range(_MAX_SCAN_DAYS):
        if _is_working(current, code):
            return current
        current += step
    raise HandoverError(f"country {code!r}: no working day within {_MAX_SCAN_DAYS} days of {start.isoformat()}")
