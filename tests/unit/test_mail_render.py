"""Every message kind renders in both locales with its documented context; escaping; formatting."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from handover.errors import HandoverError
from handover.mail import Recipient, kinds, render
from handover.mail.examples import KINDS, example_context
from handover.mail.formatting import format_date, format_datetime, format_money, format_number

LOCALES = ("zh-CN", "en")
HOSTILE = "<script>alert('x')</script> A & B"


def _to(locale: str, name: str = "陈静") -> Recipient:
    return Recipient(email="chen.jing@example.cn", name=name, locale=locale)


def test_every_kind_has_a_documented_context():
    assert set(kinds()) == set(KINDS), "add the new kind's documented context to handover/mail/examples.py"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_in_every_locale(settings_env, kind, locale):
    mail = render(kind, _to(locale), example_context(kind))
    for part in (mail.subject, mail.text, mail.html):
        assert part.strip()
        assert "{{" not in part and "{%" not in part and "{#" not in part
    assert "\n" not in mail.subject
    assert "Handover Demo Co." in mail.text and "Handover Demo Co." in mail.html
    assert mail.html.lstrip().startswith("<!DOCTYPE html>")
    assert f'<html lang="{locale}">' in mail.html


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_variable_fails_the_render(settings_env, kind, locale):
    context = example_context(kind)
    first = next(iter(context))
    del context[first]
    with pytest.raises(HandoverError, match=rf"{kind}/.*undefined"):
        render(kind, _to(locale), context)


def test_language_follows_the_recipient(settings_env):
    context = example_context("customer_notice")
    assert "您好" in render("customer_notice", _to("zh-CN"), context).text
    english = render("customer_notice", _to("en"), context)
    assert english.text.startswith("Dear 陈静,") and "您好" not in english.text
    assert "您好" in render("customer_notice", _to("zh_CN"), context).text


@pytest.mark.parametrize("locale", LOCALES)
def test_html_escapes_names_and_text_keeps_them(settings_env, locale):
    context = example_context("successor_briefing")
    context["customer"]["name"] = HOSTILE
    context["notes"] = "<b>bold</b> & more"
    mail = render("successor_briefing", _to(locale, name=HOSTILE), context)
    assert "<script>" not in mail.html and "<b>bold" not in mail.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; A &amp; B" in mail.html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in mail.html
    assert HOSTILE in mail.text and HOSTILE in mail.subject


def test_company_settings_reach_every_message(settings_env, monkeypatch):
    from handover.settings import get_settings

    monkeypatch.setenv("HANDOVER_COMPANY_NAME", "Acme & Sons")
    monkeypatch.setenv("HANDOVER_SIGNATURE", "客户成功部")
    get_settings.cache_clear()
    mail = render("survey_invitation", _to("zh-CN"), example_context("survey_invitation"))
    assert "Acme &amp; Sons" in mail.html and "Acme & Sons" in mail.text and "客户成功部" in mail.text
    assert "Acme & Sons" in mail.subject


def test_meeting_invitation_speaks_to_each_role(settings_env):
    texts = {}
    for role in ("customer", "successor", "departing"):
        context = example_context("meeting_invitation") | {"role": role}
        texts[role] = render("meeting_invitation", _to("en"), context).text
    assert "your new account manager" in texts["customer"]
    assert "briefing" in texts["successor"]
    assert "introduce your successor" in texts["departing"]


def test_overdue_escalation_two_says_second_reminder(settings_env):
    context = example_context("task_revisit_overdue") | {"escalation": 2}
    assert render("task_revisit_overdue", _to("en"), context).subject.startswith("[Second reminder]")
    assert render("task_revisit_overdue", _to("zh-CN"), context).subject.startswith("【再次提醒】")


def test_unknown_kind_and_locale_and_reserved_keys_are_errors(settings_env):
    with pytest.raises(HandoverError, match="unknown email kind 'nope'"):
        render("nope", _to("en"), {})
    with pytest.raises(HandoverError, match="locale 'fr'"):
        render("customer_notice", _to("fr"), example_context("customer_notice"))
    with pytest.raises(HandoverError, match="must not set recipient"):
        render("customer_notice", _to("en"), example_context("customer_notice") | {"recipient": {}})


def test_briefing_lists_render_empty_lists_as_none(settings_env):
    context = example_context("successor_briefing") | {"deals": [], "contracts": [], "interactions": [], "notes": ""}
    text = render("successor_briefing", _to("en"), context).text
    assert re.search(r"Open deals\n  none\n", text)
    assert "(none)" in text


def test_formatting_per_locale(settings_env):
    assert format_money(Decimal("1234567.5"), "zh-CN") == "¥1,234,567.50"
    assert format_money(Decimal("-12"), "en") == "-CNY 12.00"
    assert format_date(date(2025, 3, 14), "zh-CN") == "2025年3月14日（星期五）"
    assert format_date(date(2025, 3, 14), "en") == "Friday, 14 March 2025"
    utc = datetime(2025, 3, 14, 2, 0, tzinfo=ZoneInfo("UTC"))
    assert format_datetime(utc, "en") == "Friday, 14 March 2025 10:00 (UTC+08:00)"
    assert format_number(Decimal("0.0417"), "en") == "0.04"
    assert format_number(12000, "en") == "12,000"
    assert format_number("100%", "en") == "100%"
