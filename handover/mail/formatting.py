"""Jinja filters that write dates, times and money the way each locale reads them.

Every filter takes the template's ``locale`` from the render context, so templates just write
``{{ meeting.starts_at|datetime }}`` or ``{{ deal.amount|money }}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import pass_context

from handover.settings import get_settings

_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return _in_company_zone(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise TypeError(f"not a date: {value!r}")


def _in_company_zone(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"not a datetime: {value!r}")
    zone = ZoneInfo(get_settings().timezone)
    return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)


def format_date(value: Any, locale: str) -> str:
    if value is None:  # an optional date the CRM left empty (a deal's expected close, a contract's end)
        return "未定" if locale == "zh-CN" else "not set"
    day = _as_date(value)
    if locale == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日（星期{_WEEKDAYS_ZH[day.weekday()]}）"
    return f"{_WEEKDAYS_EN[day.weekday()]}, {day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_time(value: Any, locale: str) -> str:
    moment = _in_company_zone(value)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    zone = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{moment:%H:%M} ({zone})"


def format_datetime(value: Any, locale: str) -> str:
    moment = _in_company_zone(value)
    return f"{format_date(moment, locale)} {format_time(moment, locale)}"


def _decimal(value: Any) -> Decimal:
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise TypeError(f"not an amount: {value!r}") from None


def format_money(value: Any, locale: str) -> str:
    """CNY with thousands separators and two decimals: ¥1,234.50 in Chinese, CNY 1,234.50 in English."""
    amount = _decimal(value).quantize(Decimal("0.01"))
    text = f"{abs(amount):,.2f}"
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{text}" if locale == "zh-CN" else f"{sign}CNY {text}"


def format_number(value: Any, locale: str) -> str:
    """Figures: integers with separators, other numbers with at most two decimals, text as it is."""
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    number = _decimal(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.quantize(Decimal('0.01')):,.2f}"


def format_plain(value: Any, locale: str) -> str:
    """Free-form values (preferences): a string as it is, a list joined, a mapping as "key: value"."""
    separator = "；" if locale == "zh-CN" else "; "
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return separator.join(f"{key}: {format_plain(item, locale)}" for key, item in value.items())
    if isinstance(value, (list, tuple, set)):
        return separator.join(format_plain(item, locale) for item in value)
    return format_number(value, locale) if isinstance(value, (int, float, Decimal)) else str(value)


def _with_locale(function):
    @pass_context
    def filter_(context, value):
        return function(value, context["locale"])

    filter_.__name__ = function.__name__
    filter_.__doc__ = function.__doc__
    return filter_


FILTERS = {
    "date": _with_locale(format_date),
    "time": _with_locale(format_time),
    "datetime": _with_locale(format_datetime),
    "money": _with_locale(format_money),
    "number": _with_locale(format_number),
    "plain": _with_locale(format_plain),
}
