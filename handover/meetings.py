"""Moving a three-way meeting (what `handover meeting reschedule` calls).

The attendees get the same calendar event again (same UID) with a higher SEQUENCE, so their calendars
move the meeting they have instead of adding a second one. The new time, the raised sequence, the three
updated invitations and the audit row commit together; the invitations' idempotency keys carry the
sequence, so asking again for the time the meeting already has changes and sends nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from handover import access, clock, stages
from handover.acting import allow, load_actor
from handover.audit import record
from handover.db import session_scope
from handover.domain.meetings import MEETING_LENGTH, meeting_time_problem
from handover.errors import HandoverError, NotFound
from handover.people import employee
from handover.settings import get_settings
from models import CaseCustomer, Meeting, MeetingState

TIME_FORMAT = "%Y-%m-%d %H:%M"


def parse_meeting_time(text: str) -> datetime:
    """'YYYY-MM-DD HH:MM' in the company time zone."""
    try:
        naive = datetime.strptime(text.strip(), TIME_FORMAT)
    except ValueError:
        raise HandoverError(f"--at {text!r}: expected a local time as 'YYYY-MM-DD HH:MM'") from None
    return naive.replace(tzinfo=ZoneInfo(get_settings().timezone))


def _local(moment: datetime) -> datetime:
    """The database gives UTC back; people read the company's local time."""
    return moment.astimezone(ZoneInfo(get_settings().timezone))


def _meeting(session: Session, case_id: int, customer_id: str) -> Meeting:
    meeting = session.exec(select(Meeting).where(Meeting.case_id == case_id, Meeting.customer_id == customer_id)
                           .with_for_update(key_share=True)).first()
    if meeting is None:
        raise NotFound(f"case {case_id}: no three-way meeting with customer {customer_id!r}")
    return meeting


def _busy(session: Session, meeting: Meeting) -> list[tuple[datetime, datetime]]:
    """The departing rep's other scheduled meetings (they attend every one)."""
    return [(_local(m.starts_at), _local(m.ends_at)) for m in session.exec(select(Meeting).where(
        Meeting.departing_id == meeting.departing_id, Meeting.state == MeetingState.scheduled,
        Meeting.id != meeting.id))]


def _summary(meeting: Meeting, changed: bool) -> dict[str, Any]:
    return {"case_id": meeting.case_id, "customer_id": meeting.customer_id, "starts_at": _local(meeting.starts_at),
            "ends_at": _local(meeting.ends_at), "sequence": meeting.sequence, "changed": changed}


def reschedule(case_id: int, customer_id: str, *, at: datetime, by: str | None) -> dict[str, Any]:
    """Move the meeting of the case with the customer to ``at`` (aware); the successor, the departing rep,
    their manager or an admin may. Returns the meeting as it is now and whether anything changed."""
    from tasks.meeting import send_invitations

    now, settings = clock.now(), get_settings()
    starts_at = _local(at)
    with session_scope() as session:
        case = stages.load_case(session, case_id)
        meeting = _meeting(session, case_id, customer_id)
        departing = employee(session, meeting.departing_id)
        actor = load_actor(session, by)
        allow(access.meeting_refusal(actor, departing.id, departing.manager_id, meeting.successor_id, now.date(),
                                     f"reschedule the meeting with customer {customer_id}"))
        if meeting.state != MeetingState.scheduled:
            raise HandoverError(f"case {case_id}, customer {customer_id}: the meeting is {meeting.state.value}; "
                                "only a scheduled meeting can be moved")
        if meeting.starts_at == starts_at:
            return _summary(meeting, changed=False)
        problem = meeting_time_problem(starts_at, now, settings.country, _busy(session, meeting))
        if problem:
            raise HandoverError(f"--at {problem}")
        previous = _local(meeting.starts_at)
        before = {"starts_at": previous.isoformat(), "sequence": meeting.sequence}
        meeting.starts_at, meeting.ends_at = starts_at, starts_at + MEETING_LENGTH
        meeting.sequence += 1
        session.add(meeting)
        row = session.exec(select(CaseCustomer).where(CaseCustomer.case_id == case_id,
                                                      CaseCustomer.customer_id == customer_id)).one()
        send_invitations(session, case, meeting, row, employee(session, meeting.successor_id), departing,
                         previous_starts_at=previous)
        record(session, actor_id=actor.id, action="meeting.reschedule", subject_type="customer",
               subject_id=customer_id, case_id=case_id, before=before,
               after={"starts_at": starts_at.isoformat(), "sequence": meeting.sequence}, at=now)
        return _summary(meeting, changed=True)
