"""commit_without_waiting relaxes one unit of work only; every other commit still waits for the disk."""

from __future__ import annotations

from sqlalchemy import text

from handover.db import commit_without_waiting, session_scope
from models.people import Employee

# How each backend reports "a commit waits for the disk" and "it does not".
SETTING = {"sqlite": ("PRAGMA synchronous", 2, 1), "postgresql": ("SHOW synchronous_commit", "on", "off")}


def test_only_the_relaxed_unit_of_work_skips_waiting_for_the_disk(db):
    query, waits, relaxed = SETTING[db.backend]
    with session_scope() as session:
        assert session.execute(text(query)).scalar() == waits
    with session_scope() as session:
        commit_without_waiting(session)
        assert session.execute(text(query)).scalar() == relaxed
        session.add(Employee(id="E1", name="张伟", email="zhang.wei@example.com"))
    for _ in range(3):  # whichever pooled connection comes next waits again, and the commit is there
        with session_scope() as session:
            assert session.execute(text(query)).scalar() == waits
            assert session.get(Employee, "E1") is not None
