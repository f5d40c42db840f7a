"""One settings object, read from HANDOVER_* environment variables and an optional handover.toml.

Environment variables win over the file. Nested business settings use a double underscore,
e.g. ``HANDOVER_TIERS__A=1000000`` or ``[tiers] a = 1000000`` in handover.toml.
The TOML file is looked up as ``$HANDOVER_CONFIG`` or ``./handover.toml``.
"""

from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from handover.errors import HandoverError


class ScoreWeights(BaseModel):
    """Weights of the three value-score parts; each part is 0-100 before weighting."""

    contribution: float = Field(1.0, ge=0)
    potential: float = Field(1.0, ge=0)
    loyalty: float = Field(1.0, ge=0)


class TierThresholds(BaseModel):
    """Lower bounds (CNY) of expected deal amount for tiers A, B, C; below C is D."""

    a: Decimal = Decimal(800_000)
    b: Decimal = Decimal(400_000)
    c: Decimal = Decimal(200_000)

    @model_validator(mode="after")
    def _descending(self) -> "TierThresholds":
        if not (self.a > self.b > self.c >= 0):
            raise ValueError(f"tier thresholds must satisfy a > b > c >= 0, got a={self.a} b={self.b} c={self.c}")
        return self


class StatusRules(BaseModel):
    """Customer status from activity: dormant after this many days without interaction, lost after more."""

    new_days: int = Field(90, ge=1, description="created within this many days and no order yet: new")
    dormant_days: int = Field(90, ge=1)
    lost_days: int = Field(365, ge=1)


class RevisitRules(BaseModel):
    """When successors follow up after the notice."""

    first_within_working_days: int = Field(2, ge=1)
    later_days: list[int] = Field(default_factory=lambda: [30, 90])
    remind_days_before: int = Field(1, ge=0)
    escalate_after_days: int = Field(1, ge=0)
    escalate_again_after_days: int = Field(7, ge=1)
    window_days: int = Field(7, ge=1, description="a revisit window closes this many days after it is due")


class PoolRules(BaseModel):
    """Public pool (公海池) rules."""

    reclaim_after_days: dict[str, int] = Field(default_factory=lambda: {"A": 90, "B": 75, "C": 60, "D": 60})
    prospect_cycle_days: int = Field(365, ge=1)
    no_order_days: int = Field(365, ge=1)
    reclaim_notice_days: int = Field(7, ge=0)
    claims_per_30_days: int = Field(10, ge=0)
    claim_back_cooldown_days: int = Field(30, ge=0)


class SuspensionRules(BaseModel):
    days_by_violation: list[int] = Field(default_factory=lambda: [7, 15, 30])


class SchedulerRules(BaseModel):
    """`handover scheduler`: how often due work runs, and the lease that keeps a second scheduler idle."""

    tick_seconds: int = Field(900, ge=1, description="run due work this often")
    daily_at: str = Field("08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="daily run, company time")
    misfire_grace_seconds: int = Field(7 * 24 * 3600, ge=1, description="a missed run this late still runs, once")
    lease_seconds: int = Field(30, ge=2, description="a scheduler that stops renewing loses the lease after this")


class MixedWeights(BaseModel):
    """Weights of strategy "mixed": value fit, region, industry (the parts of the match) and balance."""

    model_config = ConfigDict(extra="forbid")  # a misspelt weight is an error, not silently the default
    value: float = Field(1.0, ge=0, le=100)
    region: float = Field(1.0, ge=0, le=100)
    industry: float = Field(1.0, ge=0, le=100)
    balance: float = Field(1.0, ge=0, le=100, description="penalty on filling one successor up")

    @model_validator(mode="after")
    def _something_to_match_on(self) -> "MixedWeights":
        if self.value == self.region == self.industry == 0:
            raise ValueError("value, region and industry are all 0: nothing to match on")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HANDOVER_", env_nested_delimiter="__", extra="forbid")

    home: Path = Path(".handover")
    database_url: str | None = None
    smtp_url: str | None = None
    now: datetime | None = None
    user: str = Field("", description="employee id of the person using the CLI when a command has no --by")

    company_name: str = "Handover Demo Co."
    sender: str = "handover@example.com"
    signature: str = "Customer Success Team"
    timezone: str = "Asia/Shanghai"
    country: str = "CN"
    default_strategy: str = "optimal"
    max_share: float | None = Field(
        None, gt=0, le=1, description="no successor gets more than this share of one departing rep's customers")
    mixed_weights: MixedWeights = Field(default_factory=MixedWeights)

    weights: ScoreWeights = Field(default_factory=ScoreWeights)
    tiers: TierThresholds = Field(default_factory=TierThresholds)
    status: StatusRules = Field(default_factory=StatusRules)
    revisit: RevisitRules = Field(default_factory=RevisitRules)
    pool: PoolRules = Field(default_factory=PoolRules)
    suspension: SuspensionRules = Field(default_factory=SuspensionRules)
    scheduler: SchedulerRules = Field(default_factory=SchedulerRules)
    meeting_tiers: list[str] = Field(default_factory=lambda: ["A", "B"])
    survey_low_score: int = Field(2, ge=1, le=5, description="CSAT at or below this notifies the manager")
    survey_reminder_days: int = Field(5, ge=1)
    survey_expiry_days: int = Field(30, ge=1)
    web_url: str = Field("http://127.0.0.1:8000", description="base URL of `handover web`, used in survey links")
    work_pool: str = Field("handover", min_length=1,
                           description="Prefect work pool whose workers run the deployments of `handover deploy`")

    @field_validator("now", "max_share", mode="before")
    @classmethod
    def _blank_is_unset(cls, value):
        return None if value in ("", None) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("HANDOVER_CONFIG", "handover.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_file))

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'handover.db').resolve()}"

    @property
    def outbox_dir(self) -> Path:
        return self.home / "outbox"


def load_settings() -> Settings:
    """Read the settings; malformed values become one HandoverError naming each bad setting."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise HandoverError(f"invalid settings: {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests call ``get_settings.cache_clear()`` after changing the environment)."""
    return load_settings()
