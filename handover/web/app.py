"""The survey web app: one form per link, answered once, in the customer's language.

Plain HTML forms, no JavaScript. A link that leads to no open survey (wrong, used, expired) gets a
polite page in both languages, and so does any error: a customer never sees a trace.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from handover import clock
from handover import survey as svc
from handover.db import session_scope
from handover.settings import get_settings
from handover.web.texts import NOTICES, TEXTS
from models import Survey

log = logging.getLogger(__name__)

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

NOTICE_STATUS = {"unknown": 404, "not_found": 404, "answered": 410, "expired": 410, "error": 500}

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}

FormText = Annotated[str, Form()]


def render(name: str, status: int = 200, lang: str = "zh-CN", **context) -> HTMLResponse:
    html = TEMPLATES.get_template(name).render(company=get_settings().company_name, lang=lang, **context)
    return HTMLResponse(html, status_code=status)


def notice_page(reason: str) -> HTMLResponse:
    """The bilingual page for a link with no open survey behind it, or for an error."""
    return render("notice.html", status=NOTICE_STATUS[reason], notice=NOTICES[reason])


def form_page(session: Session, survey: Survey, chosen: dict[str, str], problems: list[str]) -> HTMLResponse:
    t = TEXTS[survey.locale]
    names = svc.parties(session, survey)
    company = get_settings().company_name
    intro = (t["intro"] if names.successor_name else t["intro_no_successor"]).format(
        customer=names.customer_name, company=company, successor=names.successor_name)
    return render("form.html", status=422 if problems else 200, lang=survey.locale, t=t, intro=intro,
                  privacy=t["privacy"].format(company=company), chosen=chosen, problems=problems,
                  csat_values=list(svc.CSAT_RANGE), nps_values=list(svc.NPS_RANGE),
                  comment_max=svc.COMMENT_MAX_CHARS)


def parse_answer(csat: str, nps: str, comment: str, locale: str) -> tuple[tuple[int, int, str] | None, list[str]]:
    """The form's strings as (csat, nps, comment), or the customer-facing problems with them."""
    t = TEXTS[locale]
    csat_value, nps_value = _whole_number(csat), _whole_number(nps)
    comment = comment.replace("\r\n", "\n")
    problems = []
    if csat_value not in svc.CSAT_RANGE:
        problems.append(t["error_csat"])
    if nps_value not in svc.NPS_RANGE:
        problems.append(t["error_nps"])
    if len(comment) > svc.COMMENT_MAX_CHARS:
        problems.append(t["error_comment"].format(limit=svc.COMMENT_MAX_CHARS))
    return (None if problems else (csat_value, nps_value, comment)), problems


def _whole_number(text: str) -> int | None:
    text = text.strip()
    return int(text) if re.fullmatch(r"\d{1,3}", text) else None


def show_survey(token: str) -> HTMLResponse:
    with session_scope() as session:
        found = svc.find_by_token(session, token, clock.now())
        if isinstance(found, svc.Unavailable):
            return notice_page(found.value)
        return form_page(session, found, chosen={"csat": "", "nps": "", "comment": ""}, problems=[])


def submit_survey(token: str, csat: FormText = "", nps: FormText = "", comment: FormText = "") -> HTMLResponse:
    now = clock.now()
    with session_scope() as session:
        found = svc.find_by_token(session, token, now)
        if isinstance(found, svc.Unavailable):
            return notice_page(found.value)
        answer, problems = parse_answer(csat, nps, comment, found.locale)
        if answer is None:
            chosen = {"csat": csat.strip(), "nps": nps.strip(), "comment": comment}
            return form_page(session, found, chosen=chosen, problems=problems)
        try:
            survey = svc.answer_survey(session, token, *answer, now=now)
        except svc.SurveyClosed as closed:  # a concurrent post won, or it expired meanwhile
            return notice_page(closed.reason.value)
        return render("thanks.html", lang=survey.locale, t=TEXTS[survey.locale])


async def _http_error(_request: Request, exc: StarletteHTTPException) -> HTMLResponse:
    return notice_page("not_found" if exc.status_code in (404, 405) else "error")


async def _server_error(request: Request, exc: Exception) -> HTMLResponse:
    log.error("survey page %s failed: %s", redact(request.url.path), type(exc).__name__, exc_info=exc)
    return notice_page("error")


def redact(path: str) -> str:
    """A path fit for logs: survey tokens are credentials."""
    return re.sub(r"/survey/[^/?\s]+", "/survey/<token>", path)


class RedactTokens(logging.Filter):
    """Takes survey tokens out of uvicorn's access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def create_app() -> FastAPI:
    """The survey web app (served by `handover web`)."""
    app = FastAPI(title="Handover survey", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _server_error)
    app.add_api_route("/healthz", lambda: PlainTextResponse("ok"), methods=["GET"])
    app.add_api_route("/survey/{token}", show_survey, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/survey/{token}", submit_survey, methods=["POST"], response_class=HTMLResponse)
    return app
