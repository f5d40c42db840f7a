"""Working days with real calendars: CN National Day 2025 and its adjusted weekends, US, DE."""

from datetime import date

import pytest

from handover.domain.workdays import (
    add_working_days,
    is_working_day,
    next_working_day,
    previous_working_day,
    working_days_between,
)
from handover.errors import HandoverError


@pytest.mark.parametrize("day", [date(2025, 10, d) for d in range(1, 9)])
def test_cn_national_day_2025_is_a_holiday(day):
    assert not is_working_day(day, "CN")


@pytest.mark.parametrize("day", [date(2025, 9, 28), date(2025, 10, 11)])
def test_cn_adjusted_weekend_days_are_working_days(day):
    assert day.weekday() >= 5
    assert is_working_day(day, "CN")


def test_cn_ordinary_weekend_is_off_and_weekday_is_on():
    assert not is_working_day(date(2025, 10, 12), "CN")  # Sunday
    assert is_working_day(date(2025, 10, 9), "CN")  # Thursday after the holiday


def test_cn_add_working_days_skips_national_day():
    # Sun 28 Sep (adjusted, working) -> Mon 29, Tue 30, then the holiday to 8 Oct, Thu 9 Oct
    assert add_working_days(date(2025, 9, 28), 3, "CN") == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 30), 1, "CN") == date(2025, 10, 9)
    # Thu 9, Fri 10, Sat 11 (adjusted) -> 3 working days after 8 Oct is Sat 11 Oct
    assert add_working_days(date(2025, 10, 8), 3, "CN") == date(2025, 10, 11)


def test_cn_next_and_previous_working_day_around_the_holiday():
    assert next_working_day(date(2025, 10, 3), "CN") == date(2025, 10, 9)
    assert previous_working_day(date(2025, 10, 3), "CN") == date(2025, 9, 30)
    assert next_working_day(date(2025, 9, 28), "CN") == date(2025, 9, 28)


def test_cn_working_days_between_counts_adjusted_days():
    # (26 Sep, 11 Oct]: Sun 28, Mon 29, Tue 30, Thu 9, Fri 10, Sat 11 -> 6 (Fri 26 excluded, Sat 27 off)
    assert working_days_between(date(2025, 9, 26), date(2025, 10, 11), "CN") == 6
    assert working_days_between(date(2025, 10, 11), date(2025, 9, 26), "CN") == -6
    assert working_days_between(date(2025, 10, 2), date(2025, 10, 2), "CN") == 0


def test_cn_outside_published_years_falls_back_to_holidays_and_weekends():
    # chinesecalendar has no data for 2030: the holidays package's CN New Year + Sat/Sun apply
    assert not is_working_day(date(2030, 1, 1), "CN")  # New Year's Day, a Tuesday
    assert is_working_day(date(2030, 1, 2), "CN")
    assert not is_working_day(date(2030, 1, 5), "CN")  # Saturday
    assert next_working_day(date(2030, 1, 5), "CN") == date(2030, 1, 7)


def test_us_independence_day():
    assert not is_working_day(date(2025, 7, 4), "US")  # Friday
    assert add_working_days(date(2025, 7, 3), 1, "US") == date(2025, 7, 7)
    assert previous_working_day(date(2025, 7, 6), "US") == date(2025, 7, 3)


def test_de_unity_day_and_christmas():
    assert not is_working_day(date(2025, 10, 3), "DE")  # Tag der Deutschen Einheit, a Friday
    assert add_working_days(date(2025, 10, 2), 1, "DE") == date(2025, 10, 6)
    # 24 Dec Wed works, 25/26 Dec holidays, 27/28 weekend
    assert is_working_day(date(2025, 12, 24), "DE")
    assert add_working_days(date(2025, 12, 24), 1, "DE") == date(2025, 12, 29)
    # 1 Oct 2025 is a working day in DE but not in CN
    assert is_working_day(date(2025, 10, 1), "DE")


def test_add_zero_is_next_working_day():
    assert add_working_days(date(2025, 10, 4), 0, "DE") == date(2025, 10, 6)  # Saturday -> Monday
    assert add_working_days(date(2025, 10, 6), 0, "DE") == date(2025, 10, 6)


def test_add_from_a_non_working_day_counts_after_it():
    # Saturday 4 Oct 2025 DE: 1 working day after is Monday 6, 2 is Tuesday 7
    assert add_working_days(date(2025, 10, 4), 1, "DE") == date(2025, 10, 6)
    assert add_working_days(date(2025, 10, 4), 2, "DE") == date(2025, 10, 7)


@pytest.mark.parametrize("country", ["CN", "US", "DE"])
@pytest.mark.parametrize("n", [1, 2, 5, 20])
def test_between_inverts_add(country, n):
    start = date(2025, 9, 25)
    assert working_days_between(start, add_working_days(start, n, country), country) == n


def test_country_code_is_case_insensitive():
    assert is_working_day(date(2025, 9, 28), "cn")


@pytest.mark.parametrize("country", ["XX", "", "Narnia"])
def test_unknown_country_is_named(country):
    with pytest.raises(HandoverError, match=repr(country) if country else "country code is required"):
        is_working_day(date(2025, 1, 2), country)


@pytest.mark.parametrize("n", [-1, 1.5, True])
def test_bad_day_count_is_rejected(n):
    with pytest.raises(HandoverError, match="working days to add"):
        add_working_days(date(2025, 1, 2), n, "DE")
