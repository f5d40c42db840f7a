"""When three-way meetings take place: important customers first, on working days, before the last day
where possible (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handover.domain.workdays import next_working_day

SLOT_STARTS: tuple[time, ...] = (time(10), time(11), time(14), time(15), time(16))
MEETING_LENGTH = timedelta(minutes=45)


def meeting_slots(count: int, first_day: date, country: str, zone: ZoneInfo,
                  per_day: Sequence[time] = SLOT_STARTS) -> list[tuple[datetime, datetime]]:
    """``count`` consecutive (start, end) slots from ``first_day`` on, working days only.

    The departing rep attends every meeting, so slots never overlap; callers give the customers in
    order of importance so the most important meet first (and before the last day when slots run out).
    """
    slots: list[tuple[datetime, datetime]] = []
    day = next_working_day(first_day, country)
    while len(slots) < count:
        for start in per_day[: count - len(slots)]:
            begins = datetime.combine(day, start, tzinfo=zone)
            slots.append((begins, begins + MEETING_LENGTH))
        day = next_working_day(day + timedelta(days=1), country)
    return slots
