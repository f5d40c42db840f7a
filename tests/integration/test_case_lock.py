"""A stage transaction holds its case: a second one (another `handover tick`) waits and then reads what the
first committed. PostgreSQL does it with SELECT ... FOR UPDATE; SQLite ignores FOR UPDATE, so the lock is
the database's write lock, taken before the stage reads anything."""

from __future__ import annotations

import threading
import time
from datetime import date

from handover import cases, clock, stages
from handover.db import session_scope
from tests.factories import START, small_company


def test_a_second_stage_transaction_waits_for_the_first_and_sees_its_work(db):
    clock.set_now(START)
    small_company(1)
    case_id, _ = cases.open_case("R0", date(2026, 12, 4), "optimal", "HR1")
    holding, seen = threading.Event(), []

    def first() -> None:
        with session_scope() as session:
            case = stages.load_case(session, case_id, for_update=True)
            holding.set()
            time.sleep(1.5)
            case.strategy = "round-robin"
            session.add(case)

    def second() -> None:
        holding.wait(30)
        with session_scope() as session:
            seen.append(stages.load_case(session, case_id, for_update=True).strategy)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert seen == ["round-robin"], "the second read the case before the first committed"
