"""When a meeting may be moved to: future, working day, working hours, no clash for the departing rep."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handover.domain.meetings import MEETING_LENGTH, meeting_time_problem

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 10, 9, 30, tzinfo=SHANGHAI)  # Monday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize("starts", [at(10, 10), at(11, 9), at(11, 11, 15), at(11, 13, 30), at(11, 17, 15)])
def test_times_within_working_hours_of_a_working_day_are_fine(starts):
    assert meeting_time_problem(starts, NOW, "CN") is None


@pytest.mark.parametrize("starts, problem", [
    (at(10, 9, 30), "not in the future"),
    (at(8, 10), "not in the future"),
    (at(15, 10), "not a working day"),                      # Saturday
    (datetime(2025, 10, 1, 10, tzinfo=SHANGHAI), "not a working day"),  # National Day
    (at(11, 8, 45), "working hours"),
    (at(11, 11, 30), "working hours"),                      # runs into lunch
    (at(11, 12, 45), "working hours"),
    (at(11, 17, 30), "working hours"),
    (at(11, 23, 30), "working hours"),                      # would end the next day
])
def test_bad_times_are_named(starts, problem):
    assert problem in meeting_time_problem(starts, NOW, "CN")


def test_a_clash_with_another_meeting_of_the_departing_rep_is_refused_touching_is_not():
    other = (at(11, 15), at(11, 15, 45))
    assert "overlaps" in meeting_time_problem(at(11, 14, 30), NOW, "CN", [other])
    assert "overlaps" in meeting_time_problem(at(11, 15, 30), NOW, "CN", [other])
    assert meeting_time_problem(at(11, 14, 15), NOW, "CN", [other]) is None  # ends as the other starts
    assert meeting_time_problem(at(11, 15, 45), NOW, "CN", [other]) is None  # starts as the other ends
