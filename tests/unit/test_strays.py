"""Who takes the records a departing rep holds on customers outside their own book."""

from handover.domain.strays import Stray, StrayMove, stray_moves


def test_a_stray_record_goes_to_the_customers_current_owner():
    strays = [Stray("deal", "D1", "C1", "RS"), Stray("follow_up", "F1", "C1", "RS"), Stray("contract", "K2", "C2", "RM")]
    assert stray_moves(strays, "R0") == [StrayMove("deal", "D1", "C1", "RS"), StrayMove("follow_up", "F1", "C1", "RS"),
                                         StrayMove("contract", "K2", "C2", "RM")]


def test_a_stray_record_on_a_pool_customer_is_left_unassigned():
    assert stray_moves([Stray("deal", "D3", "C3", None)], "R0") == [StrayMove("deal", "D3", "C3", None)]


def test_records_on_the_departing_reps_own_customers_are_not_strays():
    strays = [Stray("deal", "D4", "C4", "R0"), Stray("contract", "K5", "C5", "RJ")]
    assert stray_moves(strays, "R0") == [StrayMove("contract", "K5", "C5", "RJ")]
