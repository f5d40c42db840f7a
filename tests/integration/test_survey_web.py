"""Every state of the survey page through the FastAPI app (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from handover import clock
from handover import survey as svc
from handover.db import session_scope
from handover.web import create_app
from handover.web.app import RedactTokens
from models import Customer, Employee, OffboardingCase, Role, Survey

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def seed_survey(customer_name: str = "Acme Ltd", locale: str = "en") -> str:
    """A case with one customer handed to a successor, and its survey; returns the link's token."""
    with session_scope() as session:
        session.add(Employee(id="m1", name="Mia Manager", email="mia@example.com", role=Role.manager))
        session.flush()
        session.add(Employee(id="d1", name="Dan Departing", email="dan@example.com", manager_id="m1"))
        session.add(Employee(id="s1", name="Sue Successor", email="sue@example.com", manager_id="m1"))
        session.flush()
        session.add(Customer(id="c1", name=customer_name, owner_id="s1", locale=locale))
        case = OffboardingCase(employee_id="d1", last_day=date(2026, 3, 31), strategy="optimal",
                               opened_by="m1", opened_at=T0)
        session.add(case)
        session.flush()
        _survey, token = svc.issue_survey(session, case_id=case.id, customer_id="c1", successor_id="s1",
                                          locale=locale, now=T0)
    clock.set_now(T0 + timedelta(days=1))
    return token


def stored() -> Survey:
    with session_scope() as session:
        return session.exec(select(Survey)).one()


@pytest.fixture
def client():
    return TestClient(create_app())


def test_healthz(client):
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


def test_form_in_english(db, client):
    token = seed_survey()
    response = client.get(f"/survey/{token}")
    assert response.status_code == 200
    page = response.text
    assert '<html lang="en">' in page and 'name="viewport"' in page
    assert "How satisfied are you with the handover?" in page
    assert "recommend us to a friend or colleague" in page
    assert "Dear Acme Ltd" in page and "Sue Successor" in page
    assert sorted(int(v) for v in re.findall(r'name="csat" value="(\d+)"', page)) == [1, 2, 3, 4, 5]
    assert sorted(int(v) for v in re.findall(r'name="nps" value="(\d+)"', page)) == list(range(11))
    assert '<textarea id="comment" name="comment"' in page and '<button type="submit">' in page
    assert "<script" not in page.lower()
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_form_in_chinese(db, client):
    token = seed_survey(customer_name="上海星辰科技有限公司", locale="zh-CN")
    page = client.get(f"/survey/{token}").text
    assert '<html lang="zh-CN">' in page
    assert "您对本次交接的满意程度如何？" in page and "非常满意" in page
    assert "尊敬的上海星辰科技有限公司" in page and "提交" in page


def test_answer_is_stored_and_thanked(db, client):
    token = seed_survey()
    response = client.post(f"/survey/{token}", data={"csat": "4", "nps": "9", "comment": "Quick and clear."})
    assert response.status_code == 200
    assert "Thank you!" in response.text
    survey = stored()
    assert (survey.csat, survey.nps, survey.comment) == (4, 9, "Quick and clear.")
    assert survey.answered_at == T0 + timedelta(days=1)


def test_wrong_token_gets_polite_page_in_both_languages(db, client):
    seed_survey()
    for response in (client.get("/survey/not-a-real-token"),
                     client.post("/survey/not-a-real-token", data={"csat": "5", "nps": "10"})):
        assert response.status_code == 404
        assert "This survey link is not valid" in response.text and "此调查链接无效" in response.text
        assert "Traceback" not in response.text
    assert stored().answered_at is None


def test_used_token_gets_polite_page_and_changes_nothing(db, client):
    token = seed_survey()
    client.post(f"/survey/{token}", data={"csat": "5", "nps": "10", "comment": "first"})
    for response in (client.get(f"/survey/{token}"),
                     client.post(f"/survey/{token}", data={"csat": "1", "nps": "0", "comment": "second"})):
        assert response.status_code == 410
        assert "already been answered" in response.text and "此调查已提交" in response.text
    survey = stored()
    assert (survey.csat, survey.nps, survey.comment) == (5, 10, "first")


def test_expired_token_gets_polite_page(db, client):
    token = seed_survey()
    clock.set_now(T0 + timedelta(days=30))
    for response in (client.get(f"/survey/{token}"),
                     client.post(f"/survey/{token}", data={"csat": "4", "nps": "8"})):
        assert response.status_code == 410
        assert "This survey has closed" in response.text and "此调查已结束" in response.text
    assert stored().answered_at is None


@pytest.mark.parametrize(
    ("form", "messages"),
    [
        ({"nps": "7", "comment": "kept"}, ["choose how satisfied you are, from 1 to 5."]),
        ({"csat": "6", "nps": "7"}, ["choose how satisfied you are, from 1 to 5."]),
        ({"csat": "3", "nps": "11"}, ["choose a number from 0 to 10."]),
        ({"csat": "abc", "nps": "-1"}, ["choose how satisfied you are", "choose a number from 0 to 10."]),
        ({"csat": "3", "nps": "7", "comment": "x" * 2001}, ["keep the comment under 2000 characters."]),
    ],
)
def test_invalid_values_reshow_the_form_with_a_message(db, client, form, messages):
    token = seed_survey()
    response = client.post(f"/survey/{token}", data=form)
    assert response.status_code == 422
    assert "Please check your answer:" in response.text
    for message in messages:
        assert message in response.text
    assert 'name="csat"' in response.text  # the form again, not an error page
    if form.get("nps") == "7":
        assert 'name="nps" value="7" required checked' in response.text
    if form.get("comment") == "kept":
        assert ">kept</textarea>" in response.text
    assert stored().answered_at is None


def test_customer_name_and_comment_are_escaped(db, client):
    token = seed_survey(customer_name='<script>alert("x")</script> & Co')
    page = client.get(f"/survey/{token}").text
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in page
    reshown = client.post(f"/survey/{token}", data={"nps": "3", "comment": "</textarea><b>bold</b>"}).text
    assert "</textarea><b>" not in reshown
    assert "&lt;/textarea&gt;&lt;b&gt;bold&lt;/b&gt;" in reshown


def test_server_error_is_a_friendly_page_without_trace(db, client, monkeypatch, caplog):
    token = seed_survey()

    def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(svc, "find_by_token", broken)
    quiet = TestClient(create_app(), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR):
        response = quiet.get(f"/survey/{token}")
    assert response.status_code == 500
    assert "something went wrong on our side" in response.text and "抱歉" in response.text
    assert "database on fire" not in response.text and "Traceback" not in response.text
    assert token not in caplog.text and "/survey/<token>" in caplog.text


def test_unknown_page_and_method_are_friendly(client):
    for response in (client.get("/nothing-here"), client.put("/survey/abc")):
        assert response.status_code == 404
        assert "Page not found" in response.text and "页面不存在" in response.text


def test_access_log_filter_redacts_tokens():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/survey/s3cr3t-T0ken?x=1", "1.1", 200), None)
    assert RedactTokens().filter(record)
    assert "s3cr3t" not in record.getMessage() and "/survey/<token>?x=1" in record.getMessage()


def test_low_score_through_the_form_queues_the_manager_task(db, client):
    from models import OutboxMessage

    token = seed_survey()
    response = client.post(f"/survey/{token}", data={"csat": "1", "nps": "2", "comment": "No one called."})
    assert response.status_code == 200
    with session_scope() as session:
        messages = session.exec(select(OutboxMessage)).all()
    assert [(m.kind, m.recipient) for m in messages] == [("task_survey_low_score", "mia@example.com")]
