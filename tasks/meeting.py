"""Stage 5, meeting: three-way meetings for important customers, an introduction for the others.

Meetings are arranged in batches of ``BATCH`` customers, each in its own short transaction; a re-run
continues with the customers that have no meeting (or introduction) yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func
from sqlmodel import Session, select

from handover import clock, stages
from handover.db import session_scope
from handover.domain.meetings import meeting_slots
from handover.mail import CalendarEvent, enqueue
from handover.people import as_recipient, customer_recipient, employee, manager_of, person_context
from handover.settings import get_settings
from models import Assignment, CaseCustomer, Employee, Meeting, MeetingState, OffboardingCase, OutboxMessage
from tasks._prefect import stage_task
from tasks.plan import latest_plan

# Customers per transaction (of each kind): each transaction holds the case's lock while it renders up to
# four emails per meeting and one per introduction. A multiple of the day's meeting slots, so each batch
# of meetings fills whole days and the next batch starts on the following day.
BATCH = 5


def plan_lines(session: Session, case_id: int, *conditions, limit: int | None = None
               ) -> list[tuple[CaseCustomer, Assignment]]:
    """Each customer of the case with its line in the approved plan, most valuable first. ``conditions``
    narrow the lines and ``limit`` keeps the first ones, in the query: a batch reads only its own rows
    (each row carries the customer's whole snapshot)."""
    plan = latest_plan(session, case_id)
    query = select(CaseCustomer, Assignment).join(
        Assignment, (Assignment.customer_id == CaseCustomer.customer_id) & (Assignment.plan_id == plan.id)
    ).where(CaseCustomer.case_id == case_id, *conditions)
    return list(session.exec(query.order_by(func.coalesce(CaseCustomer.score, 0).desc(), CaseCustomer.customer_id)
                             .limit(limit)).all())


def send_invitations(session: Session, case: OffboardingCase, meeting: Meeting, row: CaseCustomer,
                     successor: Employee, departing: Employee, *, previous_starts_at: datetime | None = None) -> None:
    """The calendar invitation to the three attendees, at the meeting's SEQUENCE (one message each per
    sequence: a reschedule raises it and names the time it had before)."""
    customer = row.snapshot["customer"]
    people = {"customer": customer_recipient(customer), "successor": as_recipient(successor),
              "departing": as_recipient(departing)}
    event = CalendarEvent(uid=f"handover-meeting-{case.id}-{row.customer_id}", sequence=meeting.sequence,
                          starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                          summary=f"{customer['name']} · {departing.name} → {successor.name}",
                          organizer=people["departing"], attendees=tuple(people.values()))
    context = {"meeting": {"starts_at": meeting.starts_at, "ends_at": meeting.ends_at, "location": "",
                           "previous_starts_at": previous_starts_at},
               "customer": {"name": customer["name"], "contact_name": customer["contact_name"]},
               "successor": person_context(successor), "departing": {"name": departing.name}}
    version = f":seq{meeting.sequence}" if meeting.sequence else ""
    for role, recipient in people.items():
        enqueue(session, kind="meeting_invitation", key=f"{case.id}:{row.customer_id}:meeting:{role}{version}",
                to=recipient, case_id=case.id, customer_id=row.customer_id, calendar=event,
                context={**context, "role": role})


def _introduce(session: Session, case: OffboardingCase, row: CaseCustomer, successor: Employee,
               departing: Employee) -> None:
    customer = row.snapshot["customer"]
    enqueue(session, kind="introduction", key=f"{case.id}:{row.customer_id}:introduction",
            to=customer_recipient(customer), case_id=case.id, customer_id=row.customer_id, context={
                "customer": {"id": customer["id"], "name": customer["name"], "contact_name": customer["contact_name"]},
                "successor": {**person_context(successor), "phone": ""}, "departing": {"name": departing.name}})


def arrange_meetings(session: Session, case: OffboardingCase, limit: int | None = None) -> int:
    """Schedule a meeting per A/B customer (others get an introduction), at most ``limit`` customers of
    each kind not yet done; returns how many it did. Idempotent: what exists is not done again."""
    settings = get_settings()
    existing = {m.customer_id: m for m in session.exec(select(Meeting).where(Meeting.case_id == case.id))}
    departing = employee(session, case.employee_id)
    has_successor, tiers = Assignment.successor_id.is_not(None), settings.meeting_tiers
    met = exists().where(Meeting.case_id == case.id, Meeting.customer_id == CaseCustomer.customer_id)
    introduced = exists().where(OutboxMessage.case_id == case.id, OutboxMessage.customer_id == CaseCustomer.customer_id,
                                OutboxMessage.kind == "introduction")
    new = plan_lines(session, case.id, has_successor, CaseCustomer.tier.in_(tiers), ~met, limit=limit)
    introduce = plan_lines(session, case.id, has_successor, CaseCustomer.tier.not_in(tiers), ~introduced, limit=limit)
    first_day = max([clock.today()] + [m.starts_at.astimezone(ZoneInfo(settings.timezone)).date()
                                       for m in existing.values()]) + timedelta(days=1)
    slots = meeting_slots(len(new), first_day, settings.country, ZoneInfo(settings.timezone))
    successors = {e.id: e for e in session.exec(select(Employee).where(
        Employee.id.in_({line.successor_id for _, line in new + introduce})))}
    manager = manager_of(session, departing)
    for (row, line), (starts, ends) in zip(new, slots):
        meeting = Meeting(case_id=case.id, customer_id=row.customer_id, successor_id=line.successor_id,
                          departing_id=departing.id, starts_at=starts, ends_at=ends)
        session.add(meeting)
        send_invitations(session, case, meeting, row, successors[line.successor_id], departing)
        if row.tier == "A":
            enqueue(session, kind="task_meeting_to_attend", key=f"{case.id}:{row.customer_id}:meeting_to_attend",
                    to=as_recipient(manager), case_id=case.id, customer_id=row.customer_id, context={
                        "case": {"id": case.id, "employee_name": departing.name},
                        "meeting": {"starts_at": starts, "ends_at": ends},
                        "customer": {"name": row.snapshot["customer"]["name"]}})
    for row, line in introduce:
        _introduce(session, case, row, successors[line.successor_id], departing)
    return len(new) + len(introduce)


def _arrange_batch(case_id: int) -> int:
    """Arrange the next batch of meetings and introductions in one transaction; returns how many."""
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        if stages.is_done(session, case_id, "meeting"):
            return 0
        stages.start(session, case, "meeting", clock.now())
        return arrange_meetings(session, case, BATCH)


@stage_task(name="meeting")
def hold_meetings(case_id: int) -> bool:
    """True once every three-way meeting has taken place; until then, schedule and wait for them."""
    while _arrange_batch(case_id):
        pass
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        if stages.is_done(session, case_id, "meeting"):
            return True
        now = clock.now()
        meetings = session.exec(select(Meeting).where(Meeting.case_id == case_id)).all()
        for meeting in meetings:
            if meeting.state == MeetingState.scheduled and meeting.ends_at <= now:
                meeting.state = MeetingState.held
                session.add(meeting)
        upcoming = [m.ends_at for m in meetings if m.state == MeetingState.scheduled]
        if upcoming:
            stages.wait(session, case, "meeting", f"{len(upcoming)} meetings to take place", max(upcoming))
            return False
        stages.finish(session, case, "meeting", now)
        return True
