"""The survey service: tokens, expiry, answering once, validation, reminders (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from handover import clock
from handover import survey as svc
from handover.db import session_scope
from handover.errors import HandoverError
from models import Customer, Employee, OffboardingCase, OutboxMessage, Role, Survey

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def seed(customer_name: str = "Acme Ltd") -> int:
    """A departing rep, a successor with a manager, one customer, one case; returns the case id."""
    with session_scope() as session:
        session.add(Employee(id="m1", name="Mia Manager", email="mia@example.com", role=Role.manager))
        session.flush()
        session.add(Employee(id="d1", name="Dan Departing", email="dan@example.com", manager_id="m1"))
        session.add(Employee(id="s1", name="Sue Successor", email="sue@example.com", manager_id="m1"))
        session.flush()
        session.add(Customer(id="c1", name=customer_name, owner_id="s1"))
        case = OffboardingCase(employee_id="d1", last_day=date(2026, 3, 31), strategy="optimal",
                               opened_by="m1", opened_at=T0)
        session.add(case)
        session.flush()
        return case.id


def issue(case_id: int, now: datetime = T0, locale: str = "en") -> str:
    with session_scope() as session:
        issued = svc.issue_survey(session, case_id=case_id, customer_id="c1", successor_id="s1",
                                  locale=locale, now=now)
    assert issued is not None
    return issued[1]


def stored() -> Survey:
    with session_scope() as session:
        return session.exec(select(Survey)).one()


def test_token_is_long_random_and_only_its_hash_is_stored(db):
    case_id = seed()
    token = issue(case_id)
    survey = stored()
    assert len(token) >= 43  # 32 bytes base64url = 256 bits
    assert survey.token_hash == svc.hash_token(token)
    assert len(survey.token_hash) == 64 and token not in survey.token_hash
    assert survey.expires_at == T0 + timedelta(days=30)
    assert survey.sent_at == T0 and survey.locale == "en" and survey.answered_at is None
    assert svc.hash_token(token) != svc.hash_token(token + "x")


def test_issue_is_idempotent_per_case_and_customer(db):
    case_id = seed()
    issue(case_id)
    with session_scope() as session:
        again = svc.issue_survey(session, case_id=case_id, customer_id="c1", successor_id="s1",
                                 locale="en", now=T0 + timedelta(days=1))
    assert again is None
    with session_scope() as session:
        assert len(session.exec(select(Survey)).all()) == 1


def test_issue_rejects_unknown_locale(db):
    case_id = seed()
    with pytest.raises(HandoverError, match="locale 'fr'"), session_scope() as session:
        svc.issue_survey(session, case_id=case_id, customer_id="c1", successor_id="s1", locale="fr", now=T0)


def test_link_uses_web_url_setting(settings_env, monkeypatch):
    from handover.settings import get_settings

    monkeypatch.setenv("HANDOVER_WEB_URL", "https://survey.example.com/")
    get_settings.cache_clear()
    assert svc.survey_link("abc_-1") == "https://survey.example.com/survey/abc_-1"


def test_find_by_token_reasons(db):
    case_id = seed()
    token = issue(case_id)
    with session_scope() as session:
        assert svc.find_by_token(session, "not-a-token", T0) == "unknown"
        assert isinstance(svc.find_by_token(session, token, T0 + timedelta(days=29, hours=23)), Survey)
        assert svc.find_by_token(session, token, T0 + timedelta(days=30)) == "expired"
    with session_scope() as session:
        svc.answer_survey(session, token, 4, 9, "fine", T0 + timedelta(days=1))
    with session_scope() as session:
        assert svc.find_by_token(session, token, T0 + timedelta(days=2)) == "answered"
        assert svc.find_by_token(session, token, T0 + timedelta(days=40)) == "answered"


def test_answer_stores_values_and_answers_once(db):
    case_id = seed()
    token = issue(case_id)
    with session_scope() as session:
        answered = svc.answer_survey(session, token, 5, 10, "  Smooth handover.  ", T0 + timedelta(days=1))
    assert (answered.csat, answered.nps, answered.comment) == (5, 10, "Smooth handover.")
    with pytest.raises(svc.SurveyClosed) as closed, session_scope() as session:
        svc.answer_survey(session, token, 1, 0, "changed my mind", T0 + timedelta(days=2))
    assert closed.value.reason == "answered"
    survey = stored()
    assert (survey.csat, survey.nps, survey.answered_at) == (5, 10, T0 + timedelta(days=1))


def test_expired_token_cannot_answer(db):
    case_id = seed()
    token = issue(case_id)
    with pytest.raises(svc.SurveyClosed) as closed, session_scope() as session:
        svc.answer_survey(session, token, 4, 8, "", T0 + timedelta(days=31))
    assert closed.value.reason == "expired"
    assert stored().answered_at is None


@pytest.mark.parametrize(
    ("csat", "nps", "comment", "message"),
    [
        (0, 5, "", "csat: must be a whole number from 1 to 5, got 0"),
        (6, 5, "", "csat: must be a whole number from 1 to 5, got 6"),
        (None, 5, "", "csat: must be a whole number from 1 to 5, got None"),
        (True, 5, "", "csat: must be a whole number from 1 to 5, got True"),
        (3, -1, "", "nps: must be a whole number from 0 to 10, got -1"),
        (3, 11, "", "nps: must be a whole number from 0 to 10, got 11"),
        (3, "7", "", "nps: must be a whole number from 0 to 10, got '7'"),
        (3, 7, "x" * 2001, "comment: at most 2000 characters, got 2001"),
    ],
)
def test_invalid_answers_are_rejected_and_change_nothing(db, csat, nps, comment, message):
    case_id = seed()
    token = issue(case_id)
    with pytest.raises(HandoverError, match=message.replace("(", r"\(").replace(")", r"\)")), \
            session_scope() as session:
        svc.answer_survey(session, token, csat, nps, comment, T0 + timedelta(days=1))
    survey = stored()
    assert survey.answered_at is None and survey.csat is None and survey.nps is None


def test_two_concurrent_answers_count_once(db, monkeypatch):
    """Both posts find the survey open before either writes; the conditional UPDATE lets one count."""
    case_id = seed()
    token = issue(case_id)
    both_found_it_open = threading.Barrier(2)
    outcomes: list[str] = []
    find = svc.find_by_token

    def find_then_wait(*args):
        found = find(*args)
        both_found_it_open.wait(10)
        return found

    monkeypatch.setattr(svc, "find_by_token", find_then_wait)

    def post(csat: int) -> None:
        try:
            with session_scope() as session:
                svc.answer_survey(session, token, csat, 8, f"post {csat}", T0 + timedelta(days=1))
            outcomes.append(f"ok {csat}")
        except svc.SurveyClosed as closed:
            outcomes.append(closed.reason.value)

    threads = [threading.Thread(target=post, args=(csat,)) for csat in (3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(o.split()[0] for o in outcomes) == ["answered", "ok"]
    winner = int(next(o for o in outcomes if o.startswith("ok")).split()[1])
    survey = stored()
    assert survey.csat == winner and survey.comment == f"post {winner}"


def test_due_reminders_and_remind_rotates_the_token(db):
    case_id = seed()
    token = issue(case_id)
    with session_scope() as session:
        assert svc.due_reminders(session, T0 + timedelta(days=4, hours=23)) == []
        due = svc.due_reminders(session, T0 + timedelta(days=5))
        assert [s.customer_id for s in due] == ["c1"]
        assert svc.due_reminders(session, T0 + timedelta(days=30)) == []  # expired
    with session_scope() as session:
        reminded = svc.remind_survey(session, due[0].id, T0 + timedelta(days=5))
    assert reminded is not None
    survey, new_token = reminded
    assert survey.reminded_at == T0 + timedelta(days=5) and new_token != token
    with session_scope() as session:
        assert svc.remind_survey(session, survey.id, T0 + timedelta(days=6)) is None
        assert svc.due_reminders(session, T0 + timedelta(days=6)) == []
        assert svc.find_by_token(session, token, T0 + timedelta(days=6)) == "unknown"
        assert isinstance(svc.find_by_token(session, new_token, T0 + timedelta(days=6)), Survey)


def test_answered_survey_is_not_due_for_a_reminder(db):
    case_id = seed()
    token = issue(case_id)
    with session_scope() as session:
        svc.answer_survey(session, token, 4, 9, "", T0 + timedelta(days=1))
    with session_scope() as session:
        assert svc.due_reminders(session, T0 + timedelta(days=6)) == []
        assert svc.remind_survey(session, stored().id, T0 + timedelta(days=6)) is None


def outbox() -> list[OutboxMessage]:
    with session_scope() as session:
        return list(session.exec(select(OutboxMessage)).all())


def test_low_score_queues_a_task_to_the_successors_manager(db):
    case_id = seed(customer_name="Acme Ltd")
    token = issue(case_id)
    clock.set_now(T0 + timedelta(days=1))
    with session_scope() as session:
        svc.answer_survey(session, token, 2, 3, "Nobody called back.", T0 + timedelta(days=1))
    [message] = outbox()
    assert message.kind == "task_survey_low_score" and message.recipient == "mia@example.com"
    assert message.idempotency_key == f"{case_id}:c1:survey_low_score"
    assert (message.case_id, message.customer_id) == (case_id, "c1")
    assert "Acme Ltd" in message.subject


def test_score_above_threshold_queues_nothing(db):
    case_id = seed()
    token = issue(case_id)
    with session_scope() as session:
        svc.answer_survey(session, token, 3, 6, "", T0 + timedelta(days=1))
    assert outbox() == []


def test_low_score_threshold_is_a_setting(db, monkeypatch):
    from handover.settings import get_settings

    monkeypatch.setenv("HANDOVER_SURVEY_LOW_SCORE", "3")
    get_settings.cache_clear()
    case_id = seed()
    token = issue(case_id)
    with session_scope() as session:
        svc.answer_survey(session, token, 3, 6, "", T0 + timedelta(days=1))
    assert [m.kind for m in outbox()] == ["task_survey_low_score"]


def test_low_score_without_a_reachable_manager_keeps_the_answer(db, caplog):
    case_id = seed()
    token = issue(case_id)
    with session_scope() as session:
        session.get(Employee, "m1").email = "not-an-address"
    with session_scope() as session:
        svc.answer_survey(session, token, 1, 0, "bad", T0 + timedelta(days=1))
    assert stored().csat == 1 and outbox() == []
    assert "low-score task to the manager not queued" in caplog.text and "not-an-address" in caplog.text
