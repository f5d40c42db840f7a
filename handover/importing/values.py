"""Cell values as people write them, turned into typed values.

Every parser takes the cell text (already stripped, never empty: empty cells are handled by the caller)
and returns the value or raises ``BadValue`` whose message says what is wrong. No I/O, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo


class BadValue(ValueError):
    """A cell that cannot be read as the field's type; the message is shown to the user."""


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII), trimmed, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def key(text: str) -> str:
    """A lookup key for headers and enum words: normalised and case-folded."""
    return normalise(text).casefold()


# ---------------------------------------------------------------- amounts

_CURRENCY = re.compile(r"^(?:¥|cny|rmb)\s*|\s*(?:元|cny|rmb)$", re.IGNORECASE)
_FOREIGN = re.compile(r"[$€£]|usd|eur|gbp|hkd", re.IGNORECASE)
_NUMBER = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")
_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1_000)}
MAX_AMOUNT = Decimal("1e14")  # Numeric(16, 2)


def parse_amount(text: str) -> Decimal:
    """A CNY amount: ``1,200,000``, ``1200000.00``, ``¥1,200,000``, ``120万``, ``1.5亿``."""
    value = normalise(text).replace("￥", "¥")
    if _FOREIGN.search(value):
        raise BadValue(f"amount {text!r} is not in CNY")
    value = _CURRENCY.sub("", value).strip()
    factor = Decimal(1)
    if value and value[-1] in _UNITS:
        factor, value = _UNITS[value[-1]], value[:-1].strip()
    match = _NUMBER.match(value)
    if not match:
        if value.startswith("-"):
            raise BadValue(f"amount {text!r} is negative")
        raise BadValue(f"{text!r} is not an amount (e.g. 1,200,000 or 120万)")
    amount = Decimal(match.group(1).replace(",", "") + (match.group(2) or "")) * factor
    if amount != amount.quantize(Decimal("0.01")):
        raise BadValue(f"amount {text!r} has more than two decimal places")
    if amount >= MAX_AMOUNT:
        raise BadValue(f"amount {text!r} is too large")
    return amount.quantize(Decimal("0.01"))


# ---------------------------------------------------------------- dates and times

DATE_ORDERS = ("ymd", "mdy", "dmy")
_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_YEAR_LAST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_TIME = re.compile(
    r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(am|pm)?\s*(z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE
)


def _make_date(year: str, month: str, day: str, text: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise BadValue(f"{text!r} is not a real date") from None


def parse_date(text: str, order: str = "ymd") -> date:
    """``2026-01-05``, ``2026/1/5``, ``2026年1月5日``; ``1/5/2026`` only when the date order says which
    number is the month (``mdy`` in US exports, ``dmy``); in ``ymd`` it is refused as ambiguous."""
    value = normalise(text)
    if match := _YEAR_FIRST.match(value):
        return _make_date(*match.groups(), text)
    if match := _YEAR_LAST.match(value):
        first, second, year = match.groups()
        if order == "mdy":
            return _make_date(year, first, second, text)
        if order == "dmy":
            return _make_date(year, second, first, text)
        raise BadValue(f"date {text!r} is ambiguous: write it as YYYY-MM-DD (or set date_order in a mapping)")
    raise BadValue(f"{text!r} is not a date (e.g. 2026-01-05, 2026/1/5, 2026年1月5日)")


def _split_date_time(value: str) -> tuple[str, str]:
    if "T" in value[8:11]:  # ISO 8601 2026-01-05T10:30
        head, _, tail = value.partition("T")
        return head, tail
    if "日" in value:
        head, _, tail = value.partition("日")
        return head + "日", tail.strip()
    head, _, tail = value.replace(", ", " ").partition(" ")
    return head, tail.strip()


def _parse_time(text: str, whole: str) -> tuple[time, str | None]:
    match = _TIME.match(text.replace("时", ":").replace("分", ""))
    if not match:
        raise BadValue(f"{whole!r} has an unreadable time of day {text!r}")
    hour, minute, second, fraction, half, zone = match.groups()
    hour_number = int(hour)
    if half:
        if not 1 <= hour_number <= 12:
            raise BadValue(f"{whole!r} has hour {hour} with {half}")
        hour_number = hour_number % 12 + (12 if half.lower() == "pm" else 0)
    try:
        moment = time(hour_number, int(minute), int(second or 0), int((fraction or "0").ljust(6, "0")))
    except ValueError:
        raise BadValue(f"{whole!r} is not a real time of day") from None
    return moment, zone


def _offset(zone: str) -> str:
    return "+00:00" if zone.upper() == "Z" else zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"


def parse_datetime(text: str, zone: ZoneInfo, order: str = "ymd") -> datetime:
    """A date with an optional time of day (``2026-01-05 14:30``, ``1/5/2026 2:30 PM``, ISO with offset).

    A time without a zone is in the company time zone ``zone``; a date alone means midnight there."""
    value = normalise(text)
    day_text, time_text = _split_date_time(value)
    day = parse_date(day_text, order)
    if not time_text:
        return datetime.combine(day, time(0), zone)
    moment, offset = _parse_time(time_text, text)
    if offset is None:
        return datetime.combine(day, moment, zone)
    iso = f"{day.isoformat()}T{moment.isoformat()}{_offset(offset)}"
    try:
        return datetime.fromisoformat(iso).astimezone(zone)
    except ValueError:
        raise BadValue(f"{text!r} has an unreadable time zone") from None


# ---------------------------------------------------------------- small types

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+$")


def parse_email(text: str) -> str:
    value = normalise(text)
    if not _EMAIL.match(value):
        raise BadValue(f"{text!r} is not an email address")
    return value


_LOCALES = {
    "zh-CN": ("zh-cn", "zh", "zh_cn", "zh-hans", "zh_hans", "cn", "chinese", "中文", "简体中文", "汉语"),
    "en": ("en", "en-us", "en_us", "en-gb", "en_gb", "english", "英文", "英语"),
}


def parse_locale(text: str) -> str:
    """``zh-CN`` or ``en`` (the languages messages are written in), from the usual spellings."""
    wanted = key(text)
    for locale, spellings in _LOCALES.items():
        if wanted in spellings:
            return locale
    raise BadValue(f"locale {text!r} is not supported (zh-CN or en)")


def parse_int(text: str, low: int, high: int | None = None) -> int:
    value = normalise(text).replace(",", "")
    if re.fullmatch(r"\d+(\.0+)?", value) is None:
        raise BadValue(f"{text!r} is not a whole number")
    number = int(value.split(".")[0])
    if number < low or (high is not None and number > high):
        upper = f"-{high}" if high is not None else " or more"
        raise BadValue(f"{number} is out of range ({low}{upper})")
    return number


_TRUE = {"true", "yes", "y", "1", "是", "计划", "计划中", "planned", "x"}
_FALSE = {"false", "no", "n", "0", "否", "已完成", "done"}


def parse_bool(text: str) -> bool:
    wanted = key(text)
    if wanted in _TRUE:
        return True
    if wanted in _FALSE:
        return False
    raise BadValue(f"{text!r} is not true or false")


def parse_list(text: str) -> list[str]:
    """``华北;华中`` (also ``；``, ``、`` or ``|`` between items); empty items are dropped."""
    items = re.split(r"[;；、|]", normalise(text))
    return [item.strip() for item in items if item.strip()]


def parse_text(text: str) -> str:
    """Free text, kept as written (only surrounding whitespace removed and NFC normalised)."""
    return unicodedata.normalize("NFC", text.strip())


def parse_id(text: str) -> str:
    """An external id: full-width characters folded, surrounding whitespace removed."""
    value = normalise(text)
    if re.fullmatch(r"\d+\.0", value):  # a spreadsheet turned the id into a number
        value = value[:-2]
    return value


def make_choice(synonyms: dict[str, tuple[str, ...]], what: str):
    """A parser for an enumerated field: each canonical value with the words that mean it."""
    lookup = {key(word): value for value, words in synonyms.items() for word in (value, *words)}

    def parse(text: str) -> str:
        found = lookup.get(key(text))
        if found is None:
            raise BadValue(f"{text!r} is not a {what} ({', '.join(synonyms)})")
        return found

    parse.__doc__ = f"One of {', '.join(synonyms)} ({what}), in English or Chinese."
    return parse


parse_customer_status = make_choice({
    "new": ("新", "新客户", "新建", "潜在客户", "潜在", "prospect"),
    "active": ("活跃", "活跃客户", "成交客户", "正常", "customer", "current"),
    "dormant": ("沉睡", "沉睡客户", "休眠", "休眠客户", "不活跃", "inactive", "sleeping"),
    "lost": ("流失", "流失客户", "已流失", "churned", "former customer"),
}, "customer status")
parse_deal_status = make_choice({
    "open": ("进行中", "跟进中", "未结束", "in progress", "pending"),
    "won": ("赢单", "已成交", "成交", "赢", "closed won", "closed - won"),
    "lost": ("输单", "丢单", "失败", "输", "closed lost", "closed - lost"),
}, "deal status")
parse_role = make_choice({
    "rep": ("销售", "销售代表", "客户经理", "sales", "sales rep", "representative"),
    "manager": ("经理", "主管", "销售经理", "销售主管", "sales manager"),
    "hr": ("人事", "人力资源", "human resources"),
    "admin": ("管理员", "系统管理员", "administrator"),
}, "role")
parse_level = make_choice({
    "senior": ("高级", "资深", "sr", "sr."),
    "mid": ("中级", "middle", "intermediate"),
    "junior": ("初级", "jr", "jr."),
}, "level")
parse_employee_status = make_choice({
    "active": ("在职", "正常"),
    "departing": ("离职中", "待离职"),
    "departed": ("已离职", "离职", "left"),
}, "employee status")
parse_kind = make_choice({
    "call": ("电话", "通话", "phone", "phone call"),
    "visit": ("拜访", "上门拜访", "上门", "面访"),
    "email": ("邮件", "电子邮件", "e-mail", "mail"),
    "meeting": ("会议", "会面", "视频会议"),
    "order": ("订单", "下单", "采购"),
}, "interaction kind")


def amount_as_text(value: Decimal) -> str:
    """A plain number (``45000000``) for amounts kept in a text field (Salesforce Annual Revenue)."""
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")

