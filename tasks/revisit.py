"""Stage 7, revisit: successors follow up; reminders, escalations and surveys keep it honest.

``schedule_revisits`` is the case's stage (it waits until the last revisit window closes); the other
tasks are the daily follow-up work of flows/revisit.py, each over every open case at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy import exists, func
from sqlmodel import Session, select

from handover import clock, stages
from handover.db import session_scope
from handover.domain.revisits import escalation_due, revisit_due_dates
from handover.mail import enqueue
from handover.people import as_recipient, customer_recipient, employee, manager_of
from handover.settings import get_settings
from handover.survey import due_reminders, issue_survey, remind_survey, survey_link
from models import Assignment, CaseCustomer, Customer, Employee, OffboardingCase, Revisit, Survey
from tasks._prefect import stage_task
from tasks.plan import latest_plan


def _window_closes(revisit: Revisit) -> datetime:
    day = revisit.due_on + timedelta(days=get_settings().revisit.window_days)
    return datetime.combine(day, time(9), tzinfo=clock.now().tzinfo)


@stage_task(name="revisit")
def schedule_revisits(case_id: int) -> bool:
    """Schedule the follow-ups once; True when the last revisit window has closed.

    The revisits are worked out before the case is locked (a case's customers and their due dates take
    a while at scale) and stored in a short transaction, unless another run stored them meanwhile."""
    settings = get_settings()
    with session_scope() as session:
        scheduled = _has_revisits(session, case_id) or stages.is_done(session, case_id, "revisit")
        planned = [] if scheduled else _planned_revisits(session, case_id, settings)
    with session_scope() as session:
        case = stages.load_case(session, case_id, for_update=True)
        if stages.is_done(session, case_id, "revisit"):
            return True
        now = clock.now()
        stages.start(session, case, "revisit", now)
        revisits = session.exec(select(Revisit).where(Revisit.case_id == case_id)).all()
        if not revisits:
            session.add_all(planned)
            revisits = planned
        closes = max((_window_closes(r) for r in revisits), default=now)
        if now < closes:
            stages.wait(session, case, "revisit", f"revisit windows close {closes:%Y-%m-%d}", closes)
            return False
        stages.finish(session, case, "revisit", now)
        return True


def _has_revisits(session: Session, case_id: int) -> bool:
    return session.exec(select(exists().where(Revisit.case_id == case_id))).one()


def _planned_revisits(session: Session, case_id: int, settings) -> list[Revisit]:
    """The case's revisits (unsaved): each handed-over customer with a successor, on the rules' due dates."""
    rules, tz = settings.revisit, clock.now().tzinfo
    plan = latest_plan(session, case_id)
    handed_over = session.exec(select(CaseCustomer.customer_id, CaseCustomer.handed_over_at, Assignment.successor_id)
                               .join(Assignment, (Assignment.customer_id == CaseCustomer.customer_id)
                                     & (Assignment.plan_id == plan.id))
                               .where(CaseCustomer.case_id == case_id, Assignment.successor_id.is_not(None))
                               .order_by(func.coalesce(CaseCustomer.score, 0).desc(), CaseCustomer.customer_id)).all()
    return [Revisit(case_id=case_id, customer_id=customer_id, successor_id=successor_id, number=n, due_on=due)
            for customer_id, handed_over_at, successor_id in handed_over
            for n, due in enumerate(revisit_due_dates(handed_over_at.astimezone(tz).date(),
                                                      rules.first_within_working_days, rules.later_days,
                                                      settings.country), start=1)]


FOLLOW_UP_BATCH = 25  # items per transaction: the daily follow-up spans every open case and holds rows briefly


def _ids(query) -> list[int]:
    """The ids a follow-up task may act on, read without holding anything."""
    with session_scope() as session:
        return list(session.exec(query).all())


def _in_batches(ids: list[int], work: Callable[[Session, list[int]], int]) -> int:
    """``work`` over ``ids``, one transaction per batch (each re-checks its items); the sum of what it did."""
    done = 0
    for start in range(0, len(ids), FOLLOW_UP_BATCH):
        with session_scope() as session:
            done += work(session, ids[start:start + FOLLOW_UP_BATCH])
    return done


def _open_revisits(session: Session, ids: list[int]) -> list[tuple[Revisit, Customer, Employee]]:
    return session.exec(select(Revisit, Customer, Employee).join(Customer, Customer.id == Revisit.customer_id)
                        .join(Employee, Employee.id == Revisit.successor_id)
                        .where(Revisit.id.in_(ids), Revisit.done_at.is_(None)).order_by(Revisit.id)).all()


@stage_task(name="remind-successors")
def remind_successors() -> int:
    """Remind each successor the day before a revisit is due (once)."""
    return _in_batches(_ids(_due(clock.now())["revisit_reminders"].order_by(Revisit.id)), _remind_successors)


def _remind_successors(session: Session, ids: list[int]) -> int:
    now, sent = clock.now(), 0
    for revisit, customer, successor in _open_revisits(session, ids):
        if revisit.reminded_at:
            continue
        revisit.reminded_at = now
        session.add(revisit)
        enqueue(session, kind="revisit_reminder", key=f"{revisit.case_id}:{customer.id}:revisit_reminder:{revisit.number}",
                to=as_recipient(successor), case_id=revisit.case_id, customer_id=customer.id, context={
                    "revisit": {"number": revisit.number, "due_on": revisit.due_on},
                    "customer": {"name": customer.name, "contact_name": customer.contact_name,
                                 "contact_phone": customer.contact_phone}})
        sent += 1
    return sent


@stage_task(name="escalate-overdue")
def escalate_overdue() -> int:
    """Tell the successor's manager about an overdue revisit; again after a further delay."""
    return _in_batches(_ids(_due(clock.now())["escalations"].order_by(Revisit.id)), _escalate)


def _escalate(session: Session, ids: list[int]) -> int:
    rules, now, sent = get_settings().revisit, clock.now(), 0
    for revisit, customer, successor in _open_revisits(session, ids):
        level = escalation_due(revisit.due_on, now.date(), revisit.escalated_at is not None,
                               revisit.escalated_again_at is not None,
                               revisit.escalated_at.date() if revisit.escalated_at else None,
                               rules.escalate_after_days, rules.escalate_again_after_days)
        if not level:
            continue
        if level == 1:
            revisit.escalated_at = now
        else:
            revisit.escalated_again_at = now
        session.add(revisit)
        case = session.get(OffboardingCase, revisit.case_id)
        enqueue(session, kind="task_revisit_overdue",
                key=f"{revisit.case_id}:{customer.id}:revisit_overdue:{revisit.number}:{level}",
                to=as_recipient(manager_of(session, successor)), case_id=revisit.case_id, customer_id=customer.id,
                context={"case": {"id": case.id, "employee_name": employee(session, case.employee_id).name},
                         "revisit": {"number": revisit.number, "due_on": revisit.due_on},
                         "customer": {"name": customer.name}, "successor": {"name": successor.name},
                         "escalation": level})
        sent += 1
    return sent


@stage_task(name="invite-surveys")
def invite_to_surveys() -> int:
    """After the first revisit window, each handed-over customer is asked how the handover went."""
    return _in_batches(_ids(_due(clock.now())["survey_invitations"].order_by(Revisit.id)), _invite)


def _invite(session: Session, ids: list[int]) -> int:
    now, sent = clock.now(), 0
    firsts = session.exec(select(Revisit, CaseCustomer, Employee).join(
        CaseCustomer, (CaseCustomer.case_id == Revisit.case_id) & (CaseCustomer.customer_id == Revisit.customer_id)
    ).join(Employee, Employee.id == Revisit.successor_id).where(Revisit.id.in_(ids)).order_by(Revisit.id)).all()
    for revisit, row, successor in firsts:
        customer = row.snapshot["customer"]
        issued = issue_survey(session, case_id=revisit.case_id, customer_id=row.customer_id,
                              successor_id=successor.id, locale=customer["locale"], now=now)
        if issued is None:
            continue
        enqueue(session, kind="survey_invitation", key=f"{revisit.case_id}:{row.customer_id}:survey_invitation",
                to=customer_recipient(customer), case_id=revisit.case_id, customer_id=row.customer_id,
                context={"customer": {"name": customer["name"]}, "successor": {"name": successor.name},
                         "link": survey_link(issued[1])})
        sent += 1
    return sent


@stage_task(name="remind-surveys")
def remind_surveys() -> int:
    """One reminder for a survey left unanswered for a while."""
    with session_scope() as session:
        due = [survey.id for survey in due_reminders(session, clock.now())]
    return _in_batches(due, _remind_surveys)


def _remind_surveys(session: Session, ids: list[int]) -> int:
    now, sent = clock.now(), 0
    for survey_id in ids:
        reminded = remind_survey(session, survey_id, now)
        if reminded is None:
            continue
        survey = reminded[0]
        row = session.exec(select(CaseCustomer).where(CaseCustomer.case_id == survey.case_id,
                                                      CaseCustomer.customer_id == survey.customer_id)).one()
        customer = row.snapshot["customer"]
        enqueue(session, kind="survey_reminder", key=f"{survey.case_id}:{survey.customer_id}:survey_reminder",
                to=customer_recipient(customer), case_id=survey.case_id, customer_id=survey.customer_id,
                context={"customer": {"name": customer["name"]},
                         "successor": {"name": employee(session, survey.successor_id).name},
                         "link": survey_link(reminded[1])})
        sent += 1
    return sent


def _due(now: datetime) -> dict:
    """What each follow-up task acts on now (the revisit ids): one definition for the tasks and follow_up_due."""
    rules, today = get_settings().revisit, now.date()
    open_revisit = Revisit.done_at.is_(None)
    return {
        "revisit_reminders": select(Revisit.id).where(open_revisit, Revisit.reminded_at.is_(None),
                                                      Revisit.due_on <= today + timedelta(days=rules.remind_days_before)),
        "escalations": select(Revisit.id).where(open_revisit, (
            (Revisit.escalated_at.is_(None) & (Revisit.due_on < today - timedelta(days=rules.escalate_after_days)))
            | (Revisit.escalated_again_at.is_(None)
               & (Revisit.escalated_at <= now - timedelta(days=rules.escalate_again_after_days))))),
        "survey_invitations": select(Revisit.id).where(
            Revisit.number == 1, Revisit.due_on <= today - timedelta(days=rules.window_days),
            ~exists().where(Survey.case_id == Revisit.case_id, Survey.customer_id == Revisit.customer_id)),
    }


def follow_up_due(session: Session, now: datetime) -> list[str]:
    """Which follow-up work is due now (cheap checks; lets a simulation skip quiet days)."""
    due = [name for name, query in _due(now).items() if session.exec(query.limit(1)).first() is not None]
    return due + (["survey_reminders"] if due_reminders(session, now) else [])
