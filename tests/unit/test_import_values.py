"""Cell values as people write them (handover.importing.values)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from handover.importing import values as v
from handover.importing.values import BadValue

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("text, expected", [
    ("1,200,000", "1200000"), ("1200000.00", "1200000"), ("¥1,200,000", "1200000"), ("￥1,200,000", "1200000"),
    ("120万", "1200000"), ("1.5亿", "150000000"), ("12.5万", "125000"), ("0", "0"), ("¥0", "0"),
    ("3万", "30000"), (" 250000 ", "250000"), ("１２０万", "1200000"), ("1200000.5", "1200000.50"),
    ("RMB 800,000", "800000"), ("800,000元", "800000"), ("CNY1000", "1000"), ("5千", "5000"),
])
def test_amounts_as_people_write_them(text, expected):
    assert v.parse_amount(text) == Decimal(expected)
    assert v.parse_amount(text).as_tuple().exponent == -2


@pytest.mark.parametrize("text, why", [
    ("abc", "not an amount"), ("1,20,000", "not an amount"), ("-500", "negative"), ("$1,000", "not in CNY"),
    ("1.234", "more than two decimal places"), ("1e6", "not an amount"), ("万", "not an amount"),
    ("1" * 15, "too large"), ("1,2", "not an amount"),
])
def test_bad_amounts_say_why(text, why):
    with pytest.raises(BadValue, match=why):
        v.parse_amount(text)


@pytest.mark.parametrize("text, order, expected", [
    ("2026-01-05", "ymd", date(2026, 1, 5)), ("2026/1/5", "ymd", date(2026, 1, 5)),
    ("2026年1月5日", "ymd", date(2026, 1, 5)), ("2026.1.5", "ymd", date(2026, 1, 5)),
    ("1/5/2026", "mdy", date(2026, 1, 5)), ("1/5/2026", "dmy", date(2026, 5, 1)),
    ("2026-01-05", "mdy", date(2026, 1, 5)), ("12/23/2026", "mdy", date(2026, 12, 23)),
    ("２０２６年１月５日", "ymd", date(2026, 1, 5)),
])
def test_dates(text, order, expected):
    assert v.parse_date(text, order) == expected


@pytest.mark.parametrize("text, order, why", [
    ("1/5/2026", "ymd", "ambiguous"), ("2026-02-30", "ymd", "not a real date"), ("13/23/2026", "mdy", "not a real date"),
    ("yesterday", "ymd", "not a date"), ("2026-1", "ymd", "not a date"), ("20260105", "ymd", "not a date"),
])
def test_bad_dates(text, order, why):
    with pytest.raises(BadValue, match=why):
        v.parse_date(text, order)


@pytest.mark.parametrize("text, order, expected", [
    ("2026-01-05", "ymd", datetime(2026, 1, 5, tzinfo=SHANGHAI)),
    ("2026-01-05 14:30", "ymd", datetime(2026, 1, 5, 14, 30, tzinfo=SHANGHAI)),
    ("2026-01-05T14:30:15", "ymd", datetime(2026, 1, 5, 14, 30, 15, tzinfo=SHANGHAI)),
    ("2026年1月5日 9:05", "ymd", datetime(2026, 1, 5, 9, 5, tzinfo=SHANGHAI)),
    ("1/5/2026 2:30 PM", "mdy", datetime(2026, 1, 5, 14, 30, tzinfo=SHANGHAI)),
    ("1/5/2026, 12:10 am", "mdy", datetime(2026, 1, 5, 0, 10, tzinfo=SHANGHAI)),
    ("2026-01-05T06:30:00Z", "ymd", datetime(2026, 1, 5, 14, 30, tzinfo=SHANGHAI)),
    ("2026-01-05 08:30+02:00", "ymd", datetime(2026, 1, 5, 14, 30, tzinfo=SHANGHAI)),
])
def test_datetimes_without_zone_are_in_the_company_zone(text, order, expected):
    parsed = v.parse_datetime(text, SHANGHAI, order)
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_a_naive_time_uses_the_given_zone_not_utc():
    assert v.parse_datetime("2026-01-05 08:00", ZoneInfo("UTC")) != v.parse_datetime("2026-01-05 08:00", SHANGHAI)


@pytest.mark.parametrize("text", ["2026-01-05 25:00", "2026-01-05 13:00 pm", "2026-01-05 noon", "2026-01-05T1"])
def test_bad_times(text):
    with pytest.raises(BadValue):
        v.parse_datetime(text, SHANGHAI)


@pytest.mark.parametrize("text, expected", [
    ("新客户", "new"), ("活跃", "active"), ("沉睡", "dormant"), ("流失", "lost"), ("Active", "active"),
    ("DORMANT", "dormant"), ("lost", "lost"), ("Prospect", "new"), ("休眠", "dormant"),
])
def test_customer_statuses_in_chinese_or_english(text, expected):
    assert v.parse_customer_status(text) == expected


def test_unknown_status_lists_the_choices():
    with pytest.raises(BadValue, match="not a customer status \\(new, active, dormant, lost\\)"):
        v.parse_customer_status("热情")


@pytest.mark.parametrize("parse, text, expected", [
    (v.parse_deal_status, "赢单", "won"), (v.parse_deal_status, "Closed Lost", "lost"),
    (v.parse_role, "经理", "manager"), (v.parse_level, "初级", "junior"), (v.parse_kind, "拜访", "visit"),
    (v.parse_employee_status, "离职中", "departing"),
])
def test_other_choices(parse, text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text, expected", [("zh-CN", "zh-CN"), ("zh", "zh-CN"), ("中文", "zh-CN"),
                                            ("EN", "en"), ("en-US", "en"), ("English", "en")])
def test_locales(text, expected):
    assert v.parse_locale(text) == expected


def test_bad_locale_and_email():
    with pytest.raises(BadValue, match="locale 'fr' is not supported"):
        v.parse_locale("fr")
    for text in ("no-at-sign", "a@b", "two@@x.cn", "a b@x.cn"):
        with pytest.raises(BadValue, match="not an email address"):
            v.parse_email(text)
    assert v.parse_email(" Someone@Example.cn ") == "Someone@Example.cn"


def test_numbers_lists_bools_ids():
    assert v.parse_int("180", 0) == 180
    assert v.parse_int("80.0", 0, 100) == 80
    with pytest.raises(BadValue, match="out of range"):
        v.parse_int("101", 0, 100)
    with pytest.raises(BadValue, match="not a whole number"):
        v.parse_int("1.5", 0)
    assert v.parse_list("华北;华中；华南、西北") == ["华北", "华中", "华南", "西北"]
    assert v.parse_list(" ; ") == []
    assert [v.parse_bool(t) for t in ("true", "是", "0", "No")] == [True, True, False, False]
    with pytest.raises(BadValue):
        v.parse_bool("maybe")
    assert v.parse_id(" Ｃ00001 ") == "C00001"
    assert v.parse_id("1234.0") == "1234"
    assert v.amount_as_text(Decimal("45000000.00")) == "45000000"
