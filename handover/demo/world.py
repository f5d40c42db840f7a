"""What the outside world does during the demo: successors call back, customers answer and order.

The procedure's code is not simulated; only the people around it are, with fixed odds and a seeded
random generator so every demo tells the same story. Survey answers go through the real web page
(FastAPI test client) using the link found in the real invitation email in the outbox.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta
from email import message_from_string, policy

from sqlmodel import select

from handover import cases, clock
from handover.db import session_scope
from models import Customer, Interaction, OutboxMessage, Revisit, Survey

LINK = re.compile(r"https?://[^\s\"<>]+/survey/([A-Za-z0-9_\-]+)")
OUTCOMES = (("ok", 0.86), ("concern", 0.08), ("complaint", 0.03), ("lost", 0.03))


class World:
    def __init__(self, seed: int = 11):
        self.rng = random.Random(seed)
        self.answered: set[int] = set()

    def day(self) -> dict[str, int]:
        """One working day of the people around the procedure."""
        routine = self._routine_follow_ups() if clock.today().weekday() == 0 else 0
        return {"revisits": self._call_back(), "surveys": self._answer_surveys(), "orders": self._order(),
                "routine_follow_ups": routine}

    def _routine_follow_ups(self) -> int:
        """Every Monday the other reps call some of their customers (the rest risk the pool's reclaim)."""
        now, count = clock.now(), 0
        with session_scope() as session:
            owned = session.exec(select(Customer.id, Customer.owner_id).where(Customer.owner_id.is_not(None))).all()
            for customer_id, owner_id in owned:
                if self.rng.random() < 0.4:
                    session.add(Interaction(id=f"DEMO-CALL-{customer_id}-{now:%Y%m%d}", customer_id=customer_id,
                                            employee_id=owner_id, at=now - timedelta(hours=1), kind="call",
                                            summary="demo: routine follow-up"))
                    count += 1
        return count

    def _call_back(self) -> int:
        """Successors record revisits: most on the due day, some late, a few forgotten (escalated)."""
        today, done = clock.today(), 0
        with session_scope() as session:
            due = session.exec(select(Revisit).join(Customer, Customer.id == Revisit.customer_id).where(
                Revisit.done_at.is_(None), Revisit.due_on <= today, Customer.owner_id == Revisit.successor_id)
                .order_by(Revisit.id)).all()
        for revisit in due:
            late = (today - revisit.due_on).days
            if self._forgets(revisit, late):
                continue
            outcome = self.rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
            cases.record_revisit(revisit.case_id, revisit.customer_id, by=revisit.successor_id, outcome=outcome,
                                 note="回访完成" if outcome == "ok" else "需要跟进")
            done += 1
        return done

    def _forgets(self, revisit: Revisit, late: int) -> bool:
        key = (revisit.id * 2654435761) % 100  # fixed per revisit, same in every run
        return (key < 12 and late < 4) or (key < 3 and late < 30)

    def _answer_surveys(self) -> int:
        from fastapi.testclient import TestClient

        from handover.web import create_app

        with session_scope() as session:
            invitations = session.exec(select(OutboxMessage).where(
                OutboxMessage.kind.in_(("survey_invitation", "survey_reminder")))
                .order_by(OutboxMessage.id)).all()
            answered = {s.customer_id for s in session.exec(select(Survey).where(Survey.answered_at.is_not(None)))}
        client, count = TestClient(create_app()), 0
        for message in invitations:
            if message.id in self.answered or message.customer_id in answered or self.rng.random() > 0.35:
                continue
            self.answered.add(message.id)
            token = LINK.search(_plain_text(message.mime)).group(1)
            csat = self.rng.choices([5, 4, 3, 2, 1], [45, 35, 12, 5, 3])[0]
            nps = min(10, max(0, csat * 2 + self.rng.randint(-1, 1)))
            reply = client.post(f"/survey/{token}", data={"csat": csat, "nps": nps, "comment": "交接顺利" if csat > 3 else "新经理还不熟悉我们的业务"})
            count += reply.status_code == 200
        return count

    def _order(self) -> int:
        """Handed-over customers keep ordering, at a rate that falls for those with complaints."""
        now, placed = clock.now(), 0
        with session_scope() as session:
            owners = session.exec(select(Revisit.customer_id, Revisit.successor_id).where(Revisit.number == 1)).all()
            for customer_id, successor_id in owners:
                if self.rng.random() < 0.035:
                    session.add(Interaction(id=f"DEMO-ORD-{customer_id}-{now:%Y%m%d}", customer_id=customer_id,
                                            employee_id=successor_id, at=now - timedelta(hours=2), kind="order",
                                            summary="demo: repeat order"))
                    placed += 1
        return placed


def _plain_text(mime: str) -> str:
    """The text part of a stored message, decoded (links in it are what the customer clicks)."""
    return message_from_string(mime, policy=policy.default).get_body(("plain",)).get_content()
