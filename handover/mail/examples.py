"""The documented context of every message kind, with realistic values.

This is the contract between the procedure code and the templates: the test suite renders every
kind in every locale with exactly these keys (a template that needs anything else fails there),
the benchmark sends them, and ``handover outbox preview`` shows them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

_SHANGHAI = ZoneInfo("Asia/Shanghai")
_CASE = {"id": 7, "employee_name": "张伟"}


def example_context(kind: str) -> dict[str, Any]:
    """A fresh copy of the documented context of ``kind`` (KeyError for an unknown kind)."""
    return _BUILDERS[kind]()


def _customer_notice() -> dict[str, Any]:
    return {
        "customer": {"id": "C-1001", "name": "上海云帆贸易有限公司", "contact_name": "陈静"},
        "successor": {"name": "李娜", "email": "li.na@example.com", "phone": "+86 138 0000 1234"},
        "departing": {"name": "张伟"},
    }


def _meeting_invitation() -> dict[str, Any]:
    return {
        "meeting": {
            "starts_at": datetime(2025, 3, 14, 10, 0, tzinfo=_SHANGHAI),
            "ends_at": datetime(2025, 3, 14, 10, 45, tzinfo=_SHANGHAI),
            "location": "上海市静安区南京西路 1266 号 18 楼会议室",
            "previous_starts_at": None,  # a reschedule: when the meeting was planned before
        },
        "customer": {"name": "上海云帆贸易有限公司", "contact_name": "陈静"},
        "successor": {"name": "李娜", "email": "li.na@example.com"},
        "departing": {"name": "张伟"},
        "role": "customer",
    }


def _successor_briefing() -> dict[str, Any]:
    return {
        "customer": {
            "id": "C-1001", "name": "上海云帆贸易有限公司", "contact_name": "陈静",
            "contact_email": "chen.jing@yunfan.example.cn", "contact_phone": "+86 21 5555 0101",
            "region": "华东", "industry": "贸易", "tier": "A", "score": Decimal("247.5"),
            "contribution": Decimal("1860000.00"), "expected_amount": Decimal("920000.00"),
            "preferences": "偏好邮件沟通；季度末集中采购",
        },
        "deals": [{"name": "2025 年度框架采购", "stage": "商务谈判", "amount": Decimal("650000.00"),
                   "expected_close": date(2025, 4, 30)}],
        "contracts": [{"title": "2024 年度供货合同", "amount": Decimal("1200000.00"), "starts_on": date(2024, 1, 1),
                       "ends_on": date(2024, 12, 31), "status": "completed"}],
        "interactions": [{"at": datetime(2025, 2, 20, 15, 30, tzinfo=_SHANGHAI), "kind": "visit",
                          "summary": "讨论二季度备货计划"}],
        "notes": "陈总重视交期，报价前先确认库存。",
        "departing": {"name": "张伟"},
    }


def _task_plan_to_approve() -> dict[str, Any]:
    return {
        "case": {**_CASE, "last_day": date(2025, 3, 31)},
        "plan": {"strategy": "optimal", "customers": 48, "placed": 45, "pooled": 3},
        "command": "handover plan approve 7 --by M-001",
    }


def _task_meeting_to_attend() -> dict[str, Any]:
    meeting = _meeting_invitation()["meeting"]
    return {"case": dict(_CASE), "meeting": {"starts_at": meeting["starts_at"], "ends_at": meeting["ends_at"]},
            "customer": {"name": "上海云帆贸易有限公司"}}


def _task_revisit_overdue() -> dict[str, Any]:
    return {"case": dict(_CASE), "revisit": {"number": 1, "due_on": date(2025, 3, 18)},
            "customer": {"name": "上海云帆贸易有限公司"}, "successor": {"name": "李娜"}, "escalation": 1}


def _task_survey_low_score() -> dict[str, Any]:
    return {"case": dict(_CASE), "customer": {"name": "上海云帆贸易有限公司"},
            "survey": {"csat": 2, "nps": 3, "comment": "新客户经理一周后才联系我们。"}}


def _task_case_evaluated() -> dict[str, Any]:
    return {"case": dict(_CASE), "figures": {"customers": 48, "churn_rate": Decimal("0.0417"),
                                             "average_csat": Decimal("4.3"), "completeness": "100%"}}


def _task_delivery_failed() -> dict[str, Any]:
    return {"message": {"kind": "customer_notice", "recipient": "chen.jing@yunfan.example.cn",
                        "error": "550 5.1.1 mailbox unavailable"}}


def _revisit_reminder() -> dict[str, Any]:
    return {"revisit": {"number": 2, "due_on": date(2025, 4, 14)},
            "customer": {"name": "上海云帆贸易有限公司", "contact_name": "陈静", "contact_phone": "+86 21 5555 0101"}}


def _survey() -> dict[str, Any]:
    return {"customer": {"name": "上海云帆贸易有限公司"}, "successor": {"name": "李娜"},
            "link": "https://handover.example.com/survey/7/C-1001?token=3f9a"}


def _reclaim_notice() -> dict[str, Any]:
    return {"customer": {"id": "C-1001", "name": "上海云帆贸易有限公司", "tier": "B"}, "owner": {"name": "李娜"},
            "reclaim_on": date(2025, 5, 20), "kind": "inactive", "days": 75, "to_owner": True}


_BUILDERS = {
    "customer_notice": _customer_notice,
    "introduction": _customer_notice,
    "meeting_invitation": _meeting_invitation,
    "successor_briefing": _successor_briefing,
    "task_plan_to_approve": _task_plan_to_approve,
    "task_meeting_to_attend": _task_meeting_to_attend,
    "task_revisit_overdue": _task_revisit_overdue,
    "task_survey_low_score": _task_survey_low_score,
    "task_case_evaluated": _task_case_evaluated,
    "task_delivery_failed": _task_delivery_failed,
    "revisit_reminder": _revisit_reminder,
    "survey_invitation": _survey,
    "survey_reminder": _survey,
    "reclaim_notice": _reclaim_notice,
}
KINDS = tuple(_BUILDERS)
