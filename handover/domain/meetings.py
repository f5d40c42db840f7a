"""When three-way meetings take place: important customers first, on working days, within working hours,
before the last day where possible (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handover.domain.workdays import is_working_day, next_working_day

SLOT_STARTS: tuple[time, ...] = (time(10), time(11), time(14), time(15), time(16))
MEETING_LENGTH = timedelta(minutes=45)
# A meeting lies within one of these (local time): the morning or the afternoon, never across lunch.
WORKING_HOURS: tuple[tuple[time, time], ...] = ((time(9), time(12)), (time(13, 30), time(18)))


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


def meeting_time_problem(starts_at: datetime, now: datetime, country: str,
                         busy: Sequence[tuple[datetime, datetime]] = ()) -> str | None:
    """Why a meeting cannot start at ``starts_at`` (aware, company time zone), or None when it can.

    It must be in the future, on a working day of ``country``, fit in the morning or afternoon hours,
    and not overlap ``busy`` (the departing rep's other meetings: they attend every one).
    """
    ends_at = starts_at + MEETING_LENGTH
    when = f"{starts_at:%Y-%m-%d %H:%M}"
    if starts_at <= now:
        return f"{when} is not in the future (it is now {now:%Y-%m-%d %H:%M})"
    if not is_working_day(starts_at.date(), country):
        return f"{when}: {starts_at:%A} {starts_at.date()} is not a working day in {country}"
    if not any(opens <= starts_at.time() and ends_at.time() <= closes and ends_at.date() == starts_at.date()
               for opens, closes in WORKING_HOURS):
        hours = " or ".join(f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in WORKING_HOURS)
        return f"{when}: a {MEETING_LENGTH.seconds // 60}-minute meeting must fit within working hours ({hours})"
    for other_start, other_end in busy:
        if starts_at < other_end and other_start < ends_at:
            return f"{when}: overlaps the departing rep's meeting at {other_start:%Y-%m-%d %H:%M}"
    return None
