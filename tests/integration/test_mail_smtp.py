"""Delivery to a real SMTP server (aiosmtpd in-process): exactly once through outages, 4xx, 5xx and crashes."""

from __future__ import annotations

import email
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from datetime import date, datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlmodel import select

from handover import clock
from handover.db import session_scope
from handover.errors import HandoverError
from handover.mail import CalendarEvent, Recipient, deliver_pending, enqueue, resend
from handover.mail.examples import example_context
from handover.mail.liveness import SenderRun
from handover.mail.sender import _claim, backoff, flag_in_doubt
from handover.settings import get_settings
from models.audit import AuditEntry
from models.case import OffboardingCase
from models.outbox import OutboxMessage, OutboxStatus
from models.people import Employee, Role

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
HOSTILE = "<script>alert(1)</script> A & B"


class Mailbox:
    """An aiosmtpd handler that records what it accepts and can misbehave on request."""

    def __init__(self):
        self.received: list[tuple[list[str], bytes]] = []
        self.refuse: dict[str, str] = {}  # recipient -> reply to RCPT, e.g. "550 5.1.1 no such user"
        self.outage_after: int | None = None  # stop listening and answer 421 once this many were accepted
        self.hang_up_in_data: set[str] = set()  # recipients whose DATA is swallowed without a reply
        self.controller: Controller | None = None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.outage_after is not None and len(self.received) >= self.outage_after:
            self.controller.server.close()  # no new connections from here on
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refuse.get(address)
        if reply is not None:
            if reply.startswith("4"):
                del self.refuse[address]  # temporary: the next attempt is accepted
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        if set(envelope.rcpt_tos) & self.hang_up_in_data:
            server.transport.abort()
        return "250 Message accepted"

    def per_recipient(self) -> Counter:
        return Counter(address for recipients, _ in self.received for address in recipients)

    def parsed(self, recipient: str) -> email.message.EmailMessage:
        [content] = [content for recipients, content in self.received if recipient in recipients]
        return email.message_from_bytes(content, policy=policy.default)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, mailbox: Mailbox, port: int):
        self.mailbox, self.port, self.controller = mailbox, port, None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.mailbox.controller = self.controller
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp(db, monkeypatch):
    mailbox = Mailbox()
    server = Server(mailbox, _free_port())
    server.start()
    monkeypatch.setenv("HANDOVER_SMTP_URL", f"smtp://127.0.0.1:{server.port}?timeout=5")
    get_settings.cache_clear()
    clock.set_now(NOW)
    yield server
    if server.controller is not None and server.controller._thread is not None:
        server.stop()


def _notice(n: int, *, name: str = "陈静", locale: str = "zh-CN", case_id: int | None = None) -> OutboxMessage:
    with session_scope() as session:
        return enqueue(session, kind="customer_notice", key=f"1:C-{n}:customer_notice",
                       to=Recipient(f"c{n}@example.cn", name, locale), context=example_context("customer_notice"),
                       case_id=case_id, customer_id=f"C-{n}")


def _rows() -> dict[str, OutboxMessage]:
    with session_scope() as session:
        return {row.recipient: row for row in session.exec(select(OutboxMessage))}


def _case_with_manager() -> int:
    with session_scope() as session:
        session.add(Employee(id="M1", name="王经理", email="wang.manager@example.com", role=Role.manager,
                             locale="zh-CN"))
        session.add(Employee(id="E1", name="张伟", email="zhang.wei@example.com", manager_id="M1"))
        session.flush()
        case = OffboardingCase(employee_id="E1", last_day=date(2025, 3, 31), strategy="optimal", opened_by="M1",
                               opened_at=NOW)
        session.add(case)
        session.flush()
        return case.id


def test_messages_arrive_multipart_with_headers_and_escaped_names(smtp):
    _notice(1, name=HOSTILE)
    _notice(2, locale="en")
    assert deliver_pending() == {"sent": 2, "retry": 0, "failed": 0, "in_doubt": 0}
    assert smtp.mailbox.per_recipient() == {"c1@example.cn": 1, "c2@example.cn": 1}
    rows = _rows()
    for recipient in ("c1@example.cn", "c2@example.cn"):
        message = smtp.mailbox.parsed(recipient)
        row = rows[recipient]
        assert row.status == OutboxStatus.sent and row.sent_at == NOW and row.attempts == 1
        assert message["Message-ID"] == row.message_id and message["Date"].datetime == NOW
        assert message["From"].addresses[0].addr_spec == "handover@example.com"
        assert message["To"].addresses[0].addr_spec == recipient
        assert str(message["Subject"]) == row.subject
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        for body in (text, html):
            assert "{{" not in body and "{%" not in body
    raw = [content for recipients, content in smtp.mailbox.received if "c1@example.cn" in recipients][0]
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]  # RFC 2047 subject and names
    first = smtp.mailbox.parsed("c1@example.cn")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; A &amp; B" in first.get_body(("html",)).get_content()
    assert "<script>" not in first.get_body(("html",)).get_content()
    assert first["To"].addresses[0].display_name == HOSTILE
    assert "Dear 陈静" in smtp.mailbox.parsed("c2@example.cn").get_body(("plain",)).get_content()


def test_meeting_invitation_delivers_a_calendar_request(smtp):
    context = example_context("meeting_invitation")
    people = (Recipient("c@example.cn", "陈静", "zh-CN"), Recipient("s@example.com", "李娜", "zh-CN"),
              Recipient("d@example.com", "Zhang Wei", "en"))
    event = CalendarEvent(uid="meeting-1-C-1@handover", sequence=0, starts_at=context["meeting"]["starts_at"],
                          ends_at=context["meeting"]["ends_at"], summary="交接会议",
                          organizer=Recipient("handover@example.com", "Handover", "en"), attendees=people)
    with session_scope() as session:
        for person, role in zip(people, ("customer", "successor", "departing")):
            enqueue(session, kind="meeting_invitation", key=f"1:C-1:meeting_invitation:{role}", to=person,
                    context=context | {"role": role}, calendar=event)
    assert deliver_pending()["sent"] == 3
    assert smtp.mailbox.per_recipient() == {p.email: 1 for p in people}
    for person in people:
        message = smtp.mailbox.parsed(person.email)
        calendars = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert len(calendars) == 1 and calendars[0].get_param("method") == "REQUEST"
        [vevent] = Calendar.from_ical(calendars[0].get_content()).walk("VEVENT")
        assert vevent["UID"] == "meeting-1-C-1@handover" and vevent["SEQUENCE"] == 0
        assert vevent.decoded("DTSTART") == context["meeting"]["starts_at"]
        assert len(vevent["ATTENDEE"]) == 3


def test_outage_mid_batch_ends_with_every_message_delivered_once(smtp):
    for n in range(6):
        _notice(n)
    smtp.mailbox.outage_after = 3
    # message 4 is refused with 421 as the server goes down, message 5 finds no server: the batch stops
    assert deliver_pending() == {"sent": 3, "retry": 2, "failed": 0, "in_doubt": 0}
    smtp.stop()
    assert deliver_pending() == {"sent": 0, "retry": 1, "failed": 0, "in_doubt": 0}  # connection refused
    waiting = [row for row in _rows().values() if row.status == OutboxStatus.pending]
    assert len(waiting) == 3 and all(row.attempts == 1 and row.next_attempt_at == NOW + backoff(1) for row in waiting)
    smtp.mailbox.outage_after = None
    smtp.start()
    assert deliver_pending()["sent"] == 0  # each waits for its next attempt time
    clock.advance(hours=1)
    assert deliver_pending() == {"sent": 3, "retry": 0, "failed": 0, "in_doubt": 0}
    assert deliver_pending() == {"sent": 0, "retry": 0, "failed": 0, "in_doubt": 0}
    assert smtp.mailbox.per_recipient() == {f"c{n}@example.cn": 1 for n in range(6)}
    assert {row.status for row in _rows().values()} == {OutboxStatus.sent}


def test_temporary_refusal_is_retried_with_backoff(smtp):
    _notice(1)
    smtp.mailbox.refuse["c1@example.cn"] = "451 4.3.0 try again later"
    assert deliver_pending()["retry"] == 1
    row = _rows()["c1@example.cn"]
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.pending, 1, NOW + timedelta(minutes=1))
    assert "451" in row.last_error
    assert deliver_pending()["sent"] == 0  # not due yet
    clock.advance(hours=0.02)
    assert deliver_pending()["sent"] == 1
    assert smtp.mailbox.per_recipient() == {"c1@example.cn": 1}


def test_permanent_refusal_is_flagged_failed_and_the_manager_told(smtp):
    case_id = _case_with_manager()
    _notice(1, case_id=case_id)
    _notice(2, case_id=case_id)
    smtp.mailbox.refuse["c1@example.cn"] = "550 5.1.1 no such user"
    assert deliver_pending() == {"sent": 1, "retry": 0, "failed": 1, "in_doubt": 0}
    failed = _rows()["c1@example.cn"]
    assert failed.status == OutboxStatus.failed and "550 5.1.1" in failed.last_error
    notice = _rows()["wang.manager@example.com"]
    assert notice.kind == "task_delivery_failed" and notice.case_id == case_id
    assert deliver_pending()["sent"] == 1
    assert smtp.mailbox.per_recipient() == {"c2@example.cn": 1, "wang.manager@example.com": 1}
    body = smtp.mailbox.parsed("wang.manager@example.com").get_body(("plain",)).get_content()
    assert "c1@example.cn" in body and "550 5.1.1" in body and "王经理" in body


def test_a_row_left_sending_by_a_dead_sender_is_in_doubt_and_not_resent(smtp):
    _notice(1)
    _notice(2)
    row_id = _rows()["c1@example.cn"].id
    with SenderRun(get_settings().home) as crashed:  # claims, then "dies" before SMTP finishes
        assert _claim(row_id, crashed.token) is not None
        assert flag_in_doubt() == 0  # its sender is alive: left alone
    assert deliver_pending() == {"sent": 1, "retry": 0, "failed": 0, "in_doubt": 1}
    assert deliver_pending() == {"sent": 0, "retry": 0, "failed": 0, "in_doubt": 0}
    row = _rows()["c1@example.cn"]
    assert row.status == OutboxStatus.in_doubt and "in doubt" in row.last_error
    assert smtp.mailbox.per_recipient() == {"c2@example.cn": 1}
    with session_scope() as session:
        session.add(Employee(id="OPS", name="Ops", email="ops@example.com", role="admin"))
    with pytest.raises(HandoverError, match="is sent"):
        resend(_rows()["c2@example.cn"].id, by="OPS")
    resend(row_id, by="OPS", reason="customer says it never arrived")
    assert deliver_pending()["sent"] == 1
    assert smtp.mailbox.per_recipient() == {"c1@example.cn": 1, "c2@example.cn": 1}
    with session_scope() as session:
        [audit] = session.exec(select(AuditEntry).where(AuditEntry.action == "outbox.resend")).all()
        assert (audit.actor_id, audit.subject_id, audit.before["status"]) == ("OPS", str(row_id), "in_doubt")


_KILLED_SENDER = """
import os, signal
from handover.mail import deliver_pending, transport

real_send, accepted = transport.SmtpTransport.send, []

def send(self, **message):
    real_send(self, **message)
    accepted.append(message["recipient"])
    if len(accepted) == 3:  # the server has the third message; its row is not marked yet
        os.kill(os.getpid(), signal.SIGKILL)

transport.SmtpTransport.send = send
deliver_pending()
"""


def test_a_sender_killed_between_accept_and_mark_leaves_exactly_one_in_doubt(smtp):
    for n in range(6):
        _notice(n)
    environment = {**os.environ, "HANDOVER_NOW": NOW.isoformat()}
    killed = subprocess.run([sys.executable, "-c", _KILLED_SENDER], env=environment, capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    assert smtp.mailbox.per_recipient() == {f"c{n}@example.cn": 1 for n in range(3)}
    states = Counter(row.status for row in _rows().values())
    assert states == {OutboxStatus.sent: 2, OutboxStatus.sending: 1, OutboxStatus.pending: 3}  # the window: one
    assert _rows()["c2@example.cn"].status == OutboxStatus.sending
    assert deliver_pending() == {"sent": 3, "retry": 0, "failed": 0, "in_doubt": 1}
    assert smtp.mailbox.per_recipient() == {f"c{n}@example.cn": 1 for n in range(6)}
    [doubt] = [row for row in _rows().values() if row.status == OutboxStatus.in_doubt]
    assert doubt.recipient == "c2@example.cn" and "sender stopped" in doubt.last_error
    assert deliver_pending() == {"sent": 0, "retry": 0, "failed": 0, "in_doubt": 0}


def test_a_lost_reply_after_the_message_went_out_is_in_doubt(smtp):
    _notice(1)
    _notice(2)
    smtp.mailbox.hang_up_in_data.add("c1@example.cn")
    counts = deliver_pending()
    assert counts == {"sent": 1, "retry": 0, "failed": 0, "in_doubt": 1}
    assert _rows()["c1@example.cn"].status == OutboxStatus.in_doubt
    assert deliver_pending()["sent"] == 0
    assert smtp.mailbox.per_recipient() == {"c1@example.cn": 1, "c2@example.cn": 1}


def test_two_senders_at_once_never_send_a_row_twice(smtp):
    for n in range(40):
        _notice(n)
    results: list[dict] = []
    workers = [threading.Thread(target=lambda: results.append(deliver_pending())) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(r["sent"] for r in results) == 40
    assert smtp.mailbox.per_recipient() == {f"c{n}@example.cn": 1 for n in range(40)}


def test_without_smtp_url_messages_become_eml_files(db):
    clock.set_now(NOW)
    row = _notice(1)
    assert deliver_pending() == {"sent": 1, "retry": 0, "failed": 0, "in_doubt": 0}
    [written] = list(get_settings().outbox_dir.glob("*.eml"))
    assert written.name == f"{row.id:07d}-1_C-1_customer_notice.eml"
    parsed = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == row.message_id
    assert deliver_pending()["sent"] == 0
