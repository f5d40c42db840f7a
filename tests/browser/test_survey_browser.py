"""A customer answers the survey in a real headless browser on a phone-size screen.

Debian's Chromium (/usr/bin/chromium, installed by .ci/install-browser) driven by Playwright, with
JavaScript switched off (the page must not need it), against the app served by uvicorn on loopback.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from playwright.sync_api import sync_playwright
from sqlmodel import select

from handover import clock
from handover import survey as svc
from handover.db import session_scope
from handover.web import create_app
from models import Customer, Employee, OffboardingCase, Role, Survey

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def server(db):
    """The survey app on a free loopback port, served by uvicorn in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uvicorn_server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uvicorn_server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uvicorn_server.should_exit = True
    thread.join(15)
    sock.close()


def seed_survey() -> str:
    with session_scope() as session:
        session.add(Employee(id="m1", name="Mia Manager", email="mia@example.com", role=Role.manager))
        session.flush()
        session.add(Employee(id="d1", name="Dan Departing", email="dan@example.com", manager_id="m1"))
        session.add(Employee(id="s1", name="王晓明", email="wang@example.com", manager_id="m1"))
        session.flush()
        session.add(Customer(id="c1", name="上海星辰科技有限公司", owner_id="s1"))
        case = OffboardingCase(employee_id="d1", last_day=date(2026, 3, 31), strategy="optimal",
                               opened_by="m1", opened_at=T0)
        session.add(case)
        session.flush()
        _survey, token = svc.issue_survey(session, case_id=case.id, customer_id="c1", successor_id="s1",
                                          locale="zh-CN", now=T0)
    return token


def test_customer_answers_survey_in_headless_chromium(server, tmp_path, monkeypatch):
    assert CHROMIUM.exists(), "Chromium missing: run .ci/install-browser"
    token = seed_survey()
    clock.set_now(T0 + timedelta(days=2))
    monkeypatch.setenv("HANDOVER_WEB_URL", server)
    from handover.settings import get_settings

    get_settings.cache_clear()
    link = svc.survey_link(token)
    assert link.startswith(server + "/survey/")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                          java_script_enabled=False, locale="zh-CN")
            page = context.new_page()
            response = page.goto(link)
            assert response is not None and response.status == 200
            assert page.get_by_role("heading", name="客户经理交接满意度调查").is_visible()

            submit = page.get_by_role("button", name="提交")
            last_nps = page.locator('label:has(input[name="nps"][value="10"])')
            for element in (submit, last_nps):  # nothing sticks out of a phone's screen
                box = element.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

            page.locator('label:has(input[name="csat"][value="4"])').click()
            page.locator('label:has(input[name="nps"][value="9"])').click()
            page.get_by_label("还有什么想告诉我们的吗？（选填）").fill("交接很顺利，王经理很专业。")
            assert page.locator('input[name="csat"][value="4"]').is_checked()
            assert page.locator('input[name="nps"][value="9"]').is_checked()
            page.screenshot(path=str(tmp_path / "survey-form-phone.png"), full_page=True)

            with page.expect_navigation():
                submit.click()
            assert page.get_by_role("heading", name="感谢您的反馈！").is_visible()
            page.screenshot(path=str(tmp_path / "survey-thanks-phone.png"), full_page=True)

            page.goto(link)  # the link answers once
            assert page.get_by_role("heading", name="此调查已提交").is_visible()
        finally:
            browser.close()

    with session_scope() as session:
        survey = session.exec(select(Survey)).one()
    assert (survey.csat, survey.nps, survey.comment) == (4, 9, "交接很顺利，王经理很专业。")
    assert survey.answered_at == T0 + timedelta(days=2)
    assert (tmp_path / "survey-form-phone.png").stat().st_size > 10_000
