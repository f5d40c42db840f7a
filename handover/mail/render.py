"""Render one message kind in one locale: subject, plain text and HTML.

Templates live in ``templates/emails/<kind>/{subject,body}.<locale>.{txt,html}`` and extend
``templates/emails/_base``. The environment is built once per process (templates compile once),
autoescapes HTML (never text or subjects) and is strict: a missing variable is an error at render
time, caught by the test that renders every kind, never a blank in a customer's inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, select_autoescape

from handover.errors import HandoverError
from handover.mail.formatting import FILTERS
from handover.mail.message import Recipient, normalise_locale
from handover.settings import get_settings

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
RESERVED = ("company", "recipient", "locale")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja environment (compiled templates are cached in it)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=-1,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(FILTERS)
    return env


def kinds() -> tuple[str, ...]:
    """Every message kind there are templates for."""
    return tuple(sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir() and not p.name.startswith("_")))


def _company() -> dict[str, str]:
    settings = get_settings()
    return {"name": settings.company_name, "sender": settings.sender, "signature": settings.signature}


def _render_one(kind: str, name: str, values: dict[str, Any]) -> str:
    path = f"{kind}/{name}"
    try:
        return environment().get_template(path).render(values)
    except TemplateNotFound as exc:
        if not (TEMPLATES / kind).is_dir():
            raise HandoverError(f"unknown email kind {kind!r}; known kinds: {', '.join(kinds())}") from None
        raise HandoverError(f"email template {exc.name} is missing") from None
    except TemplateError as exc:
        raise HandoverError(f"email template {path}: {exc}") from None


def render(kind: str, recipient: Recipient, context: dict[str, Any]) -> RenderedMail:
    """Subject, text and HTML of ``kind`` in the recipient's language, with ``company`` and ``recipient`` added."""
    clash = sorted(set(RESERVED) & set(context))
    if clash:
        raise HandoverError(f"email {kind}: context must not set {', '.join(clash)} (the renderer adds them)")
    locale = normalise_locale(recipient.locale)
    values = {**context, "company": _company(), "recipient": recipient.as_context(), "locale": locale}
    subject = " ".join(_render_one(kind, f"subject.{locale}.txt", values).split())
    if not subject:
        raise HandoverError(f"email template {kind}/subject.{locale}.txt renders an empty subject")
    text = _render_one(kind, f"body.{locale}.txt", values)
    html = _render_one(kind, f"body.{locale}.html", values)
    return RenderedMail(subject=subject, text=text, html=html)
