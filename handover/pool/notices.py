"""The reclaim notice: a row per customer, owner and due date, an audit row, and an email to the owner
and their manager (templates/emails/reclaim_notice) through the transactional outbox."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from handover import audit, mail
from handover.domain.pool import INACTIVE, PROSPECT, ReclaimDue, ReclaimFacts
from handover.people import as_recipient
from handover.pool._common import customer as load_customer
from handover.pool._common import employee, reclaim_rules
from models import Employee
from models.pool import PoolEntryKind, ReclaimNotice

MAIL_KIND = "reclaim_notice"


def send_reclaim_notice(session: Session, *, facts: ReclaimFacts, due: ReclaimDue, reclaim_on: date,
                        now: datetime) -> ReclaimNotice:
    owner = employee(session, facts.owner_id)
    notice = ReclaimNotice(customer_id=facts.customer_id, owner_id=owner.id, manager_id=owner.manager_id,
                           kind=PoolEntryKind(due.kind), due_on=due.due_on, reclaim_on=reclaim_on, sent_at=now)
    session.add(notice)
    session.flush()
    audit.record(session, actor_id=None, action="pool.reclaim_notice", subject_type="customer",
                 subject_id=facts.customer_id, at=now,
                 after={"owner_id": owner.id, "manager_id": owner.manager_id, "kind": due.kind,
                        "due_on": due.due_on.isoformat(), "reclaim_on": reclaim_on.isoformat()},
                 reason=f"reclaim into the pool on {reclaim_on.isoformat()}")
    recipients = [owner] + ([employee(session, owner.manager_id)] if owner.manager_id else [])
    for person in recipients:
        _enqueue(session, notice=notice, facts=facts, owner=owner, person=person)
    return notice


def _period_days(facts: ReclaimFacts, kind: str) -> int:
    rules = reclaim_rules()
    if kind == INACTIVE:
        return rules.reclaim_after_days[facts.tier]
    return rules.prospect_cycle_days if kind == PROSPECT else rules.no_order_days


def _enqueue(session: Session, *, notice: ReclaimNotice, facts: ReclaimFacts, owner: Employee,
             person: Employee) -> None:
    customer = load_customer(session, facts.customer_id)
    context = {
        "customer": {"id": customer.id, "name": customer.name, "tier": facts.tier},
        "owner": {"id": owner.id, "name": owner.name, "email": owner.email},
        "kind": notice.kind.value, "days": _period_days(facts, notice.kind.value),
        "due_on": notice.due_on, "reclaim_on": notice.reclaim_on, "to_owner": person.id == owner.id,
    }
    mail.enqueue(session, kind=MAIL_KIND, to=as_recipient(person), context=context, customer_id=customer.id,
                 key=f"reclaim:{notice.customer_id}:{notice.owner_id}:{notice.due_on.isoformat()}:{person.id}")
