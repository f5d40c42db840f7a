"""`handover meeting reschedule`: same calendar UID, higher SEQUENCE, one update per attendee, once."""

from __future__ import annotations

import email
import json
import socket
from datetime import date, datetime
from email import policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlmodel import func, select
from typer.testing import CliRunner

from handover import clock
from handover.cli import app
from handover.db import session_scope
from handover.errors import HandoverError, NotAllowed
from handover.mail import deliver_pending
from handover.meetings import parse_meeting_time, reschedule
from handover.settings import get_settings
from models import (AuditEntry, CaseCustomer, Customer, Employee, EmployeeStatus, Meeting, MeetingState,
                    OffboardingCase, OutboxMessage, Role)
from tasks.meeting import send_invitations

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 10, 9, 30, tzinfo=SHANGHAI)  # a Monday
FIRST = datetime(2025, 3, 12, 10, 0, tzinfo=SHANGHAI)
ATTENDEES = {"chen.jing@yunfan.example.cn", "li.na@example.com", "zhang.wei@example.com"}
runner = CliRunner()


class Inbox:
    def __init__(self):
        self.received: list[tuple[str, bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.extend((rcpt, envelope.content) for rcpt in envelope.rcpt_tos)
        return "250 OK"

    def invitations(self) -> list[tuple[str, email.message.EmailMessage, object]]:
        """(recipient, message, VEVENT) of every calendar message received."""
        found = []
        for recipient, content in self.received:
            message = email.message_from_bytes(content, policy=policy.default)
            [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
            [vevent] = Calendar.from_ical(part.get_content()).walk("VEVENT")
            found.append((recipient, message, vevent))
        return found


@pytest.fixture
def inbox(db, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("HANDOVER_SMTP_URL", f"smtp://127.0.0.1:{port}?timeout=5")
    get_settings.cache_clear()
    clock.set_now(NOW)
    yield handler
    controller.stop()


def _case_with_meetings() -> int:
    """Departing rep E1 (manager M1) hands customers C1 and C2 to successor S1; both meetings on Wednesday."""
    with session_scope() as session:
        session.add_all([
            Employee(id="M1", name="王经理", email="wang.manager@example.com", role=Role.manager),
            Employee(id="M2", name="Other Manager", email="m2@example.com", role=Role.manager),
            Employee(id="A1", name="Admin", email="admin@example.com", role=Role.admin),
            Employee(id="H1", name="HR", email="hr@example.com", role=Role.hr),
            Employee(id="R9", name="Other Rep", email="r9@example.com", manager_id="M1"),
            Employee(id="S1", name="李娜", email="li.na@example.com", manager_id="M1"),
            Employee(id="E1", name="Zhang Wei", email="zhang.wei@example.com", manager_id="M1", locale="en",
                     status=EmployeeStatus.departing, last_day=date(2025, 3, 21)),
        ])
        session.flush()
        case = OffboardingCase(employee_id="E1", last_day=date(2025, 3, 21), strategy="optimal", opened_by="H1",
                               opened_at=NOW)
        session.add(case)
        session.flush()
        for n, starts in ((1, FIRST), (2, FIRST.replace(hour=14))):
            customer = {"id": f"C{n}", "name": f"上海云帆{n}", "contact_name": "陈静", "locale": "zh-CN",
                        "contact_email": "chen.jing@yunfan.example.cn" if n == 1 else "c2@example.cn"}
            session.add(Customer(id=f"C{n}", name=customer["name"], owner_id="E1"))
            session.flush()
            row = CaseCustomer(case_id=case.id, customer_id=f"C{n}", snapshot={"customer": customer}, tier="A")
            meeting = Meeting(case_id=case.id, customer_id=f"C{n}", successor_id="S1", departing_id="E1",
                              starts_at=starts, ends_at=starts.replace(minute=45))
            session.add_all([row, meeting])
            session.flush()
            if n == 1:
                send_invitations(session, case, meeting, row, session.get(Employee, "S1"), session.get(Employee, "E1"))
        return case.id


def _meeting(case_id: int) -> Meeting:
    with session_scope() as session:
        return session.exec(select(Meeting).where(Meeting.case_id == case_id, Meeting.customer_id == "C1")).one()


def _count(model) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_a_reschedule_updates_every_attendees_calendar_once(inbox):
    case_id = _case_with_meetings()
    assert deliver_pending()["sent"] == 3
    moved = reschedule(case_id, "C1", at=parse_meeting_time("2025-03-13 15:00"), by="S1")
    assert moved["changed"] and moved["sequence"] == 1
    meeting = _meeting(case_id)
    assert (meeting.starts_at, meeting.sequence) == (datetime(2025, 3, 13, 15, 0, tzinfo=SHANGHAI), 1)
    assert meeting.ends_at == datetime(2025, 3, 13, 15, 45, tzinfo=SHANGHAI)
    assert deliver_pending()["sent"] == 3
    first, update = inbox.invitations()[:3], inbox.invitations()[3:]
    assert {recipient for recipient, _, _ in update} == ATTENDEES and len(update) == 3
    [uid] = {str(vevent["UID"]) for _, _, vevent in first + update}
    assert uid == f"handover-meeting-{case_id}-C1"
    for recipient, message, vevent in update:
        assert vevent["SEQUENCE"] == 1 > [v for r, _, v in first if r == recipient][0]["SEQUENCE"]
        assert vevent.decoded("DTSTART") == datetime(2025, 3, 13, 15, 0, tzinfo=SHANGHAI)
        assert len(vevent["ATTENDEE"]) == 3
        subject, body = str(message["Subject"]), message.get_body(("plain",)).get_content()
        assert subject.startswith(("Updated invitation", "会议时间变更"))
        assert ("has moved: it was planned for" in body or "时间已调整：原定于" in body) and "10:00" in body
    with session_scope() as session:
        [audit] = session.exec(select(AuditEntry).where(AuditEntry.action == "meeting.reschedule")).all()
    assert (audit.actor_id, audit.case_id, audit.subject_id) == ("S1", case_id, "C1")
    assert audit.before["sequence"] == 0 and audit.after["sequence"] == 1

    again = reschedule(case_id, "C1", at=parse_meeting_time("2025-03-13 15:00"), by="S1")
    assert not again["changed"] and again["sequence"] == 1
    assert _count(OutboxMessage) == 6 and _count(AuditEntry) == 1
    assert deliver_pending()["sent"] == 0 and len(inbox.received) == 6


def test_only_the_attendees_their_manager_or_an_admin_may_move_it(inbox):
    case_id = _case_with_meetings()
    for who in ("R9", "M2", "H1"):
        with pytest.raises(NotAllowed, match="may not reschedule"):
            reschedule(case_id, "C1", at=parse_meeting_time("2025-03-13 10:00"), by=who)
    assert _meeting(case_id).sequence == 0 and _count(OutboxMessage) == 3
    for hour, who in zip((10, 11, 14, 15), ("S1", "E1", "M1", "A1")):
        assert reschedule(case_id, "C1", at=parse_meeting_time(f"2025-03-13 {hour}:00"), by=who)["changed"]
    assert _meeting(case_id).sequence == 4 and _count(OutboxMessage) == 3 + 4 * 3
    clock.set_now(datetime(2025, 3, 24, 9, 0, tzinfo=SHANGHAI))  # after the departing rep's last day
    with pytest.raises(NotAllowed, match="last day"):
        reschedule(case_id, "C1", at=parse_meeting_time("2025-03-25 10:00"), by="E1")


@pytest.mark.parametrize("at, problem", [
    ("2025-03-10 09:00", "not in the future"),
    ("2025-03-15 10:00", "not a working day"),
    ("2025-03-13 08:30", "working hours"),
    ("2025-03-13 11:30", "working hours"),  # would run into lunch
    ("2025-03-13 17:30", "working hours"),
    ("2025-03-12 14:30", "overlaps the departing rep's meeting"),
])
def test_a_bad_time_changes_nothing(inbox, at, problem):
    case_id = _case_with_meetings()
    with pytest.raises(HandoverError, match=problem):
        reschedule(case_id, "C1", at=parse_meeting_time(at), by="S1")
    assert _meeting(case_id).starts_at == FIRST and _meeting(case_id).sequence == 0
    assert _count(OutboxMessage) == 3 and _count(AuditEntry) == 0


def test_the_command_moves_it_and_refuses_clearly(inbox):
    case_id = _case_with_meetings()
    moved = runner.invoke(app, ["meeting", "reschedule", str(case_id), "C1", "--at", "2025-03-14 16:00",
                                "--by", "M1", "--json"])
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.stdout)["sequence"] == 1 and json.loads(moved.stdout)["changed"] is True
    for args, message in (
        (["--at", "14 March 10:00", "--by", "M1"], "expected a local time"),
        (["--at", "2025-03-14 10:00", "--by", "nobody"], "no such employee"),
    ):
        failed = runner.invoke(app, ["meeting", "reschedule", str(case_id), "C1", *args])
        assert failed.exit_code != 0 and message in str(failed.exception)
    unknown = runner.invoke(app, ["meeting", "reschedule", str(case_id), "C9", "--at", "2025-03-14 10:00", "--by", "M1"])
    assert "no three-way meeting with customer 'C9'" in str(unknown.exception)
    with session_scope() as session:
        held = session.exec(select(Meeting).where(Meeting.customer_id == "C2")).one()
        held.state = MeetingState.held
        session.add(held)
    with pytest.raises(HandoverError, match="the meeting is held"):
        reschedule(case_id, "C2", at=parse_meeting_time("2025-03-14 10:00"), by="M1")
    assert _meeting(case_id).sequence == 1 and _count(OutboxMessage) == 6
