"""What the procedure code hands to the mail package: who gets a message, and the meeting it is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handover.errors import HandoverError

LOCALES = ("zh-CN", "en")
_ALIASES = {"zh-cn": "zh-CN", "zh_cn": "zh-CN", "zh": "zh-CN", "zh-hans": "zh-CN", "en": "en", "en-us": "en",
            "en_us": "en", "en-gb": "en", "en_gb": "en"}


def normalise_locale(locale: str) -> str:
    """The template locale for a stored locale ("zh_CN" -> "zh-CN"); unknown locales are an error."""
    found = _ALIASES.get((locale or "").strip().lower())
    if found is None:
        raise HandoverError(f"locale {locale!r}: emails exist in {', '.join(LOCALES)} only")
    return found


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    locale: str  # "zh-CN" | "en"

    def __post_init__(self) -> None:
        address = self.email.strip()
        if address.count("@") != 1 or not address.isascii() or any(c in address for c in " <>,;\r\n"):
            raise HandoverError(f"recipient {self.name!r}: invalid email address {self.email!r}")

    def as_context(self) -> dict[str, str]:
        return {"email": self.email, "name": self.name, "locale": normalise_locale(self.locale)}


@dataclass(frozen=True)
class CalendarEvent:
    """One meeting as calendar programs see it; a reschedule keeps ``uid`` and raises ``sequence``."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    organizer: Recipient
    attendees: tuple[Recipient, ...]
    location: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise HandoverError(f"meeting {self.uid}: start and end must be timezone-aware (take them from handover.clock)")
        if self.ends_at <= self.starts_at:
            raise HandoverError(f"meeting {self.uid}: ends at {self.ends_at} which is not after its start {self.starts_at}")
        if self.sequence < 0:
            raise HandoverError(f"meeting {self.uid}: SEQUENCE must be >= 0, got {self.sequence}")
