"""When successors follow up after the notice (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from handover.domain.workdays import add_working_days, next_working_day


def revisit_due_dates(notice_day: date, first_within_working_days: int, later_days: Sequence[int],
                      country: str) -> list[date]:
    """First contact within N working days of the notice, then at +30/+90 days (on a working day)."""
    first = add_working_days(notice_day, first_within_working_days, country)
    later = [next_working_day(notice_day + timedelta(days=days), country) for days in later_days]
    return [first, *later]


def escalation_due(due_on: date, today: date, escalated: bool, escalated_again: bool, escalated_on: date | None,
                   after_days: int, again_after_days: int) -> int:
    """Which escalation of an overdue revisit is due today: 0 none, 1 first, 2 second (each once)."""
    if not escalated:
        return 1 if (today - due_on).days > after_days else 0
    if not escalated_again and escalated_on is not None:
        return 2 if (today - escalated_on).days >= again_after_days else 0
    return 0
