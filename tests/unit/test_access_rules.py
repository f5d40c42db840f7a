"""The rules of who may do what (handover/access.py): plain data in, a refusal in words or None out."""

from __future__ import annotations

from datetime import date

import pytest

from handover import access
from handover.access import Actor

TODAY = date(2026, 11, 23)
ADMIN = Actor("A", "admin", "active")
HR = Actor("H", "hr", "active")
MANAGER = Actor("M", "manager", "active", team=frozenset({"R1", "R2"}))
REP = Actor("R1", "rep", "active")
LEAVING = Actor("R2", "rep", "departing", last_day=date(2026, 12, 4))
LEFT = Actor("R3", "rep", "departed", last_day=date(2026, 11, 1))


def test_only_active_employees_act():
    assert access.standing_refusal(REP) is None
    assert "is leaving (last day 2026-12-04)" in access.standing_refusal(LEAVING)
    assert "has left the company" in access.standing_refusal(LEFT)


def test_role_refusal_names_who_may():
    assert access.role_refusal(HR, access.SEE_ALL, "x") is None
    assert access.role_refusal(REP, frozenset({"admin"}), "run due work") == (
        "R1 (rep) may not run due work: only admin may")


def test_a_departing_rep_does_their_own_handover_until_the_last_day():
    assert access.handover_task_refusal(LEAVING, "R2", TODAY, "write notes") is None
    assert access.handover_task_refusal(LEAVING, "R2", date(2026, 12, 4), "write notes") is None
    assert "has passed" in access.handover_task_refusal(LEAVING, "R2", date(2026, 12, 5), "write notes")
    assert "it is R9's handover" in access.handover_task_refusal(LEAVING, "R9", TODAY, "write notes")
    assert "has passed" in access.handover_task_refusal(LEFT, "R3", date(2026, 10, 1), "write notes")


def test_customer_scope_by_role():
    assert access.customer_owners(ADMIN) is None and access.customer_owners(HR) is None
    assert access.customer_owners(MANAGER) == {"M", "R1", "R2"}
    assert access.customer_owners(REP) == {"R1"}
    assert access.owner_refusal(MANAGER, "R2", "see") is None
    assert "outside their scope" in access.owner_refusal(MANAGER, "R9", "see")
    assert "belongs to nobody" in access.owner_refusal(REP, None, "see")


@pytest.mark.parametrize("actor, successors_too, allowed", [
    (ADMIN, False, True), (HR, False, True), (MANAGER, False, True), (Actor("M2", "manager", "active"), False, False),
    (REP, True, True), (REP, False, False), (Actor("R5", "rep", "active"), True, False),
])
def test_a_case_is_seen_by_hr_admins_its_manager_and_its_successors(actor, successors_too, allowed):
    refusal = access.case_refusal(actor, "R0", "M", frozenset({"R1"}), "see the status", successors_too=successors_too)
    assert (refusal is None) == allowed
    if not allowed:
        assert "of R0's case" in refusal


@pytest.mark.parametrize("actor, owner, case_manager, has_customer, has_case, message", [
    (ADMIN, None, None, False, False, None),
    (HR, None, None, False, False, None),
    (REP, "R1", None, True, False, "only hr, admins and managers"),
    (MANAGER, None, None, False, False, "give --customer or --case"),
    (MANAGER, "R1", None, True, False, None),
    (MANAGER, "R9", None, True, False, "owned by R9"),
    (MANAGER, None, "M", False, True, None),
    (MANAGER, None, "M9", False, True, "outside their team"),
])
def test_who_reads_the_audit(actor, owner, case_manager, has_customer, has_case, message):
    refusal = access.audit_refusal(actor, owner, case_manager, has_customer, has_case)
    assert refusal is None if message is None else message in refusal
