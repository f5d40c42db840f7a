"""The one clock. Nothing else in the project reads the system time.

``HANDOVER_NOW`` (ISO 8601) fixes the current time for a process; the demo and tests move a
simulated clock with ``set_now``/``advance``. Times are timezone-aware in the company time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handover.settings import get_settings

_simulated: datetime | None = None


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=_zone()) if moment.tzinfo is None else moment.astimezone(_zone())


def now() -> datetime:
    """The current time: the simulated clock, else HANDOVER_NOW, else the real clock."""
    if _simulated is not None:
        return _simulated
    fixed = get_settings().now
    return _aware(fixed) if fixed is not None else datetime.now(_zone())


def today() -> date:
    return now().date()


def set_now(moment: datetime | None) -> None:
    """Fix the simulated time (None returns to HANDOVER_NOW or the real clock)."""
    global _simulated
    _simulated = None if moment is None else _aware(moment)


def advance(days: float = 0, hours: float = 0) -> datetime:
    """Move the simulated clock forward, starting from the current time."""
    set_now(now() + timedelta(days=days, hours=hours))
    return now()
