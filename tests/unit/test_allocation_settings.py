"""The allocation settings: max_share and mixed_weights from the environment and handover.toml."""

from __future__ import annotations

import pytest

from handover.allocation import AllocationOptions, Candidate, CustomerToPlace, allocate
from handover.errors import HandoverError
from handover.settings import load_settings
from tasks.plan import options_from


def test_by_default_there_is_no_share_limit_and_the_mixed_weights_are_one(settings_env):
    options = options_from(load_settings())
    assert options == AllocationOptions(max_share=None,
                                        mixed_weights={"value": 1.0, "region": 1.0, "industry": 1.0, "balance": 1.0})


def test_the_environment_and_the_toml_file_set_them(settings_env, monkeypatch):
    (settings_env / "handover.toml").write_text("max_share = 0.5\n[mixed_weights]\nregion = 0\nbalance = 3\n",
                                                encoding="utf-8")
    monkeypatch.setenv("HANDOVER_MIXED_WEIGHTS__VALUE", "2.5")
    options = options_from(load_settings())
    assert options.max_share == 0.5
    assert options.mixed_weights == {"value": 2.5, "region": 0.0, "industry": 1.0, "balance": 3.0}
    monkeypatch.setenv("HANDOVER_MAX_SHARE", "")
    assert options_from(load_settings()).max_share is None, "a blank variable means no limit"


@pytest.mark.parametrize("name, value, message", [
    ("HANDOVER_MAX_SHARE", "0", "max_share: Input should be greater than 0"),
    ("HANDOVER_MAX_SHARE", "1.5", "max_share: Input should be less than or equal to 1"),
    ("HANDOVER_MAX_SHARE", "a third", "max_share: Input should be a valid number"),
    ("HANDOVER_MIXED_WEIGHTS__BALANCE", "-1", "mixed_weights.balance: Input should be greater than or equal to 0"),
    ("HANDOVER_MIXED_WEIGHTS__REGION", "101", "mixed_weights.region: Input should be less than or equal to 100"),
    ("HANDOVER_MIXED_WEIGHTS__SPEED", "1", "mixed_weights.speed: Extra inputs are not permitted"),
])
def test_a_malformed_value_is_one_error_naming_the_setting(settings_env, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(HandoverError, match=f"invalid settings: {message}"):
        load_settings()


def test_weights_with_nothing_to_match_on_are_refused(settings_env):
    (settings_env / "handover.toml").write_text("[mixed_weights]\nvalue = 0\nregion = 0\nindustry = 0\n",
                                                encoding="utf-8")
    with pytest.raises(HandoverError, match="mixed_weights: .*nothing to match on"):
        load_settings()


def test_the_settings_reach_the_engine(settings_env, monkeypatch):
    monkeypatch.setenv("HANDOVER_MAX_SHARE", "0.5")
    monkeypatch.setenv("HANDOVER_MIXED_WEIGHTS__REGION", "0")
    options = options_from(load_settings())
    candidates = [Candidate("s1", "mid", frozenset({"华东"}), frozenset(), 10, 10),
                  Candidate("s2", "mid", frozenset(), frozenset(), 10, 10)]
    customers = [CustomerToPlace(f"c{i}", "B", 100.0 + i, "华东", "", "d1") for i in range(4)]
    plan = allocate(customers, candidates, "mixed", options)
    assert [p.successor_id for p in plan.placements].count("s1") == 2, "max share 0.5 of four customers"
    assert "region 0" in plan.placements[0].reasons[0]
