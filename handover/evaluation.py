"""Load a case's facts from the database and evaluate them (stage 8).

The facts come from what the case froze at inventory (``CaseCustomer.snapshot``), the approved plan,
revisits, meetings, the outbox (briefings), surveys and the CRM's orders and deals since. The result is
JSON-ready (money as decimal strings) so it can be stored as ``CaseReport.figures`` as it is.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from handover import clock
from handover.domain.evaluation import CaseFacts, CustomerFacts, DealFact, RevisitFact, SurveyFact, evaluate
from handover.errors import HandoverError, NotFound
from handover.settings import get_settings
from models import (
    Assignment,
    CaseCustomer,
    CaseReport,
    Deal,
    DealStatus,
    Interaction,
    Meeting,
    MeetingState,
    OffboardingCase,
    OutboxMessage,
    OutboxStatus,
    Plan,
    PlanStatus,
    Revisit,
    Survey,
)

BRIEFING_KIND = "successor_briefing"
ORDER_KIND = "order"


def compute_case_report(session: Session, case_id: int, *, as_of: date | None = None) -> dict[str, Any]:
    """The case's evaluation figures, JSON-ready; ``as_of`` defaults to ``clock.today()``."""
    return json_ready(evaluate(load_case_facts(session, case_id, as_of or clock.today())))


def save_case_report(session: Session, case_id: int, figures: dict[str, Any] | None = None) -> CaseReport:
    """Store ``figures`` (computed now when None) as the case's report, replacing an earlier one."""
    report = session.get(CaseReport, case_id) or CaseReport(case_id=case_id)
    report.figures = compute_case_report(session, case_id) if figures is None else figures
    report.computed_at = clock.now()
    session.add(report)
    session.flush()
    return report


def load_case_facts(session: Session, case_id: int, as_of: date) -> CaseFacts:
    case = session.get(OffboardingCase, case_id)
    if case is None:
        raise NotFound(f"case {case_id}: no such offboarding case")
    rows = session.exec(select(CaseCustomer).where(CaseCustomer.case_id == case_id)
                        .order_by(CaseCustomer.customer_id)).all()
    loader = _Loader(session, case_id, [r.customer_id for r in rows])
    return CaseFacts(case_id=case_id, departing_id=case.employee_id, last_day=case.last_day, as_of=as_of,
                     customers=tuple(loader.customer(row) for row in rows))


def json_ready(value: Any) -> Any:
    """Decimals to strings, dates to ISO text, recursively: what a JSON column stores."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value


def _local_date(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(ZoneInfo(get_settings().timezone)).date()


def _money(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise HandoverError(f"{where}: amount {value!r} is not a number") from None


class _Loader:
    """Bulk-loads everything the case's customers need, once per table, then builds facts per customer."""

    def __init__(self, session: Session, case_id: int, customer_ids: list[str]):
        self.case_id = case_id
        self.meeting_tiers = set(get_settings().meeting_tiers)
        self.successors = _approved_successors(session, case_id)
        self.revisits = _grouped(session.exec(select(Revisit).where(Revisit.case_id == case_id)
                                              .order_by(Revisit.number)))
        self.meetings = _grouped(session.exec(select(Meeting).where(Meeting.case_id == case_id)))
        self.surveys = {s.customer_id: s for s in session.exec(select(Survey).where(Survey.case_id == case_id))}
        self.briefed = {m.customer_id for m in session.exec(select(OutboxMessage).where(
            OutboxMessage.case_id == case_id, OutboxMessage.kind == BRIEFING_KIND,
            OutboxMessage.status == OutboxStatus.sent))}
        self.orders = _grouped(_chunked(session, Interaction, customer_ids,
                                        lambda q: q.where(Interaction.kind == ORDER_KIND,
                                                          Interaction.scheduled == False)))  # noqa: E712
        self.deals = {d.id: d for d in _chunked(session, Deal, customer_ids)}

    def customer(self, row: CaseCustomer) -> CustomerFacts:
        where = f"case {self.case_id}: customer {row.customer_id!r}"
        snapshot = row.snapshot or {}
        crm = snapshot.get("customer") or {}
        assigned = row.customer_id in self.successors
        successor_id = self.successors.get(row.customer_id)
        handed_over_on = _local_date(row.handed_over_at) if successor_id else None
        survey = self.surveys.get(row.customer_id)
        return CustomerFacts(
            customer_id=row.customer_id,
            tier=row.tier,
            successor_id=successor_id,
            pooled=assigned and successor_id is None,
            handed_over_on=handed_over_on,
            baseline=_money(crm.get("contribution"), where),
            has_contacts=bool(crm.get("contact_email") or crm.get("contact_phone")),
            has_history=bool(snapshot.get("interactions")),
            open_deals=self._open_deals(snapshot, where),
            briefing_sent=row.customer_id in self.briefed,
            meeting_required=successor_id is not None and row.tier in self.meeting_tiers,
            meeting_held=any(m.state == MeetingState.held for m in self.meetings[row.customer_id]),
            first_order_on=self._first_order(row),
            revisits=tuple(RevisitFact(r.number, r.due_on, _local_date(r.done_at),
                                       None if r.outcome is None else str(r.outcome))
                           for r in self.revisits[row.customer_id]),
            survey=None if survey is None else SurveyFact(survey.answered_at is not None, survey.csat, survey.nps),
        )

    def _open_deals(self, snapshot: dict[str, Any], where: str) -> tuple[DealFact, ...]:
        """Deals open at inventory, with whether they are won now (the CRM's current deal row)."""
        facts = []
        for deal in snapshot.get("deals") or []:
            if deal.get("status") != DealStatus.open:
                continue
            current = self.deals.get(deal.get("id"))
            facts.append(DealFact(
                deal_id=str(deal.get("id")),
                amount=_money(deal.get("amount"), f"{where}: deal {deal.get('id')!r}"),
                won=current is not None and current.status == DealStatus.won,
                recorded=bool(deal.get("stage")) and bool(deal.get("expected_close")),
            ))
        return tuple(facts)

    def _first_order(self, row: CaseCustomer) -> date | None:
        if row.handed_over_at is None:
            return None
        handed_on = _local_date(row.handed_over_at)
        days = [_local_date(i.at) for i in self.orders[row.customer_id]]
        return min((d for d in days if d >= handed_on), default=None)


def _approved_successors(session: Session, case_id: int) -> dict[str, str | None]:
    """customer id -> successor id (None: the pool) from the case's latest approved plan."""
    plan = session.exec(select(Plan).where(Plan.case_id == case_id, Plan.status == PlanStatus.approved)
                        .order_by(Plan.version.desc())).first()
    if plan is None:
        return {}
    return {a.customer_id: a.successor_id for a in session.exec(select(Assignment).where(Assignment.plan_id == plan.id))}


def _grouped(records) -> defaultdict[str, list]:
    grouped: defaultdict[str, list] = defaultdict(list)
    for record in records:
        grouped[record.customer_id].append(record)
    return grouped


def _chunked(session: Session, table, customer_ids: list[str], refine=lambda q: q) -> list:
    found = []
    for start in range(0, len(customer_ids), 1000):
        chunk = customer_ids[start:start + 1000]
        found.extend(session.exec(refine(select(table).where(table.customer_id.in_(chunk)))))
    return found
