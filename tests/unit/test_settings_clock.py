"""Settings from the environment and handover.toml; the one clock."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from handover import clock
from handover.errors import HandoverError
from handover.settings import get_settings, load_settings


def test_defaults_are_the_domain_rules(settings_env):
    settings = load_settings()
    assert (settings.tiers.a, settings.tiers.b, settings.tiers.c) == (Decimal(800_000), Decimal(400_000), Decimal(200_000))
    assert settings.revisit.later_days == [30, 90] and settings.suspension.days_by_violation == [7, 15, 30]
    assert settings.resolved_database_url.endswith("home/handover.db")


def test_environment_wins_over_the_toml_file(settings_env, monkeypatch):
    (settings_env / "handover.toml").write_text('company_name = "From TOML"\n[tiers]\na = 900000\n', encoding="utf-8")
    monkeypatch.setenv("HANDOVER_COMPANY_NAME", "From env")
    settings = load_settings()
    assert settings.company_name == "From env" and settings.tiers.a == Decimal(900_000)


@pytest.mark.parametrize("name, value, message", [
    ("HANDOVER_TIERS__A", "100", "tiers"),
    ("HANDOVER_WEIGHTS__LOYALTY", "-1", "weights.loyalty"),
    ("HANDOVER_NOW", "yesterday", "now"),
])
def test_malformed_settings_name_the_setting(settings_env, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(HandoverError, match=message):
        load_settings()


def test_handover_now_fixes_the_clock_and_simulation_moves_it(settings_env, monkeypatch):
    monkeypatch.setenv("HANDOVER_NOW", "2026-11-23T09:00:00")
    get_settings.cache_clear()
    assert clock.now().isoformat() == "2026-11-23T09:00:00+08:00"
    clock.set_now(datetime(2027, 1, 1, 8, 0))
    assert clock.advance(days=2) - datetime.fromisoformat("2027-01-01T08:00:00+08:00") == timedelta(days=2)
    clock.set_now(None)
    assert clock.today().isoformat() == "2026-11-23"
