"""enqueue: the row commits with the caller's transaction, once per idempotency key."""

from __future__ import annotations

import email
from datetime import datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import select

from handover import clock
from handover.db import session_scope
from handover.errors import HandoverError
from handover.mail import CalendarEvent, Recipient, enqueue
from handover.mail.examples import example_context
from models.outbox import OutboxMessage, OutboxStatus

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
CUSTOMER = Recipient("chen.jing@example.cn", "陈静 <boss> & co", "zh-CN")


def _rows() -> list[OutboxMessage]:
    with session_scope() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_enqueue_stores_a_complete_message_once(db):
    clock.set_now(NOW)
    with session_scope() as session:
        row = enqueue(session, kind="customer_notice", key="7:C-1:customer_notice", to=CUSTOMER,
                      context=example_context("customer_notice"), case_id=7, customer_id="C-1")
        assert row is not None and row.id is not None
        again = enqueue(session, kind="customer_notice", key="7:C-1:customer_notice", to=CUSTOMER,
                        context=example_context("customer_notice"), case_id=7, customer_id="C-1")
        assert again is None
    with session_scope() as session:
        assert enqueue(session, kind="customer_notice", key="7:C-1:customer_notice", to=CUSTOMER,
                       context=example_context("customer_notice")) is None
    [stored] = _rows()
    assert stored.status == OutboxStatus.pending and stored.created_at == NOW and stored.next_attempt_at == NOW
    assert (stored.case_id, stored.customer_id, stored.kind, stored.locale) == (7, "C-1", "customer_notice", "zh-CN")
    parsed = email.message_from_string(stored.mime, policy=policy.default)
    assert parsed["Message-ID"] == stored.message_id
    assert parsed["Date"].datetime == NOW
    assert str(parsed["Subject"]) == stored.subject and "=?utf-8?" in stored.mime
    assert stored.mime.isascii() and "\r\n" in stored.mime
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert "&lt;boss&gt; &amp; co" in parsed.get_body(("html",)).get_content()
    assert parsed["To"].addresses[0].display_name == "陈静 <boss> & co"


def test_enqueue_rolls_back_with_its_cause(db):
    with pytest.raises(RuntimeError):
        with session_scope() as session:
            enqueue(session, kind="customer_notice", key="k1", to=CUSTOMER, context=example_context("customer_notice"))
            raise RuntimeError("the state change failed")
    assert _rows() == []


def test_bad_input_adds_nothing(db):
    with session_scope() as session:
        with pytest.raises(HandoverError, match="undefined"):
            enqueue(session, kind="customer_notice", key="k2", to=CUSTOMER, context={})
        with pytest.raises(HandoverError, match="needs a calendar event"):
            enqueue(session, kind="meeting_invitation", key="k3", to=CUSTOMER,
                    context=example_context("meeting_invitation"))
        with pytest.raises(HandoverError, match="invalid email address"):
            Recipient("not-an-address", "x", "en")
    assert _rows() == []


def test_meeting_invitation_carries_a_request_calendar(db):
    clock.set_now(NOW)
    context = example_context("meeting_invitation")
    starts = context["meeting"]["starts_at"]
    organizer = Recipient("handover@example.com", "Handover Demo Co.", "en")
    people = (CUSTOMER, Recipient("li.na@example.com", "李娜", "zh-CN"), Recipient("zhang.wei@example.com", "张伟", "en"))
    for sequence, key in ((0, "7:C-1:meeting_invitation"), (1, "7:C-1:meeting_invitation:seq2")):
        event = CalendarEvent(uid="meeting-7-C-1@handover", sequence=sequence, starts_at=starts + timedelta(days=sequence),
                              ends_at=starts + timedelta(days=sequence, minutes=45), summary="交接会议",
                              organizer=organizer, attendees=people, location="Room 18")
        with session_scope() as session:
            enqueue(session, kind="meeting_invitation", key=key, to=CUSTOMER, context=context, calendar=event)
    calendars = []
    for row in _rows():
        parsed = email.message_from_string(row.mime, policy=policy.default)
        parts = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
        assert len(parts) == 1 and parts[0].get_param("method") == "REQUEST"
        calendars.append(Calendar.from_ical(parts[0].get_content()))
    first, update = ([c for c in cal.walk("VEVENT")] for cal in calendars)
    assert len(first) == 1 and len(update) == 1
    assert calendars[0]["METHOD"] == "REQUEST"
    assert first[0]["UID"] == update[0]["UID"] == "meeting-7-C-1@handover"
    assert update[0]["SEQUENCE"] > first[0]["SEQUENCE"]
    assert first[0].decoded("DTSTART") == starts and str(first[0].decoded("DTSTART").tzinfo) == "Asia/Shanghai"
    assert sorted(str(a) for a in first[0]["ATTENDEE"]) == sorted(f"mailto:{p.email}" for p in people)
    assert str(first[0]["ORGANIZER"]) == "mailto:handover@example.com"
