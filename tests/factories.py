"""Small hand-made companies for tests: a few reps and customers whose plan is easy to reason about."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from handover.db import session_scope
from models import Contract, Customer, Deal, Employee, Interaction

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)  # a Monday

AMOUNTS = {"A": 1_200_000, "B": 500_000, "C": 250_000, "D": 50_000}


def small_company(customers_per_tier: int = 2) -> dict[str, list[str]]:
    """Admin, HR, a manager, the departing rep R0 and four successors; R0 owns customers of each tier."""
    people = [
        Employee(id="ADM", name="Admin", email="admin@example.com", role="admin", level="senior"),
        Employee(id="HR1", name="何静", email="hr@example.com", role="hr", level="mid"),
        Employee(id="M1", name="周强", email="m1@example.com", role="manager", level="senior"),
        Employee(id="R0", name="王伟", email="r0@example.com", manager_id="M1", level="senior", regions=["华东"],
                 industries=["制造业"], capacity=100),
        Employee(id="RS", name="李娜", email="rs@example.com", manager_id="M1", level="senior", regions=["华东"],
                 industries=["制造业"], capacity=50),
        Employee(id="RM", name="张敏", email="rm@example.com", manager_id="M1", level="mid", regions=["华南"],
                 industries=["零售"], capacity=50),
        Employee(id="RJ", name="Emma Li", email="rj@example.com", manager_id="M1", level="junior", regions=["华东"],
                 industries=["零售"], capacity=50, locale="en"),
        Employee(id="RX", name="刘洋", email="rx@example.com", manager_id="M1", level="junior", regions=["华北"],
                 industries=["金融"], capacity=0),
    ]
    customers, n = [], 0
    for tier, amount in AMOUNTS.items():
        for i in range(customers_per_tier):
            n += 1
            customers.append(Customer(
                id=f"C{n:03d}", name=f"{tier} 客户 {i} <b>&</b>", owner_id="R0", region="华东" if i % 2 == 0 else "华南",
                industry="制造业" if n % 2 else "零售", expected_amount=Decimal(amount),
                contribution=Decimal(amount) / 2, locale="en" if n % 3 == 0 else "zh-CN",
                contact_name=f"联系人{n}", contact_email=f"c{n}@example.cn", contact_phone=f"1380000{n:04d}",
                last_contact_at=START - timedelta(days=10), last_order_at=START - timedelta(days=40),
                created_at=START - timedelta(days=800), first_registered_by="R0", owner_since=START - timedelta(days=700)))
    with session_scope() as session:
        session.add_all(people)
        session.flush()
        session.add_all(customers)
        session.flush()
        for c in customers:
            session.add(Deal(id=f"D-{c.id}", customer_id=c.id, owner_id="R0", name="续约", stage="方案报价",
                             amount=Decimal(100_000), status="open"))
            session.add(Contract(id=f"K-{c.id}", customer_id=c.id, owner_id="R0", title="年度框架协议",
                                 amount=Decimal(300_000)))
            session.add(Interaction(id=f"I-{c.id}", customer_id=c.id, employee_id="R0", at=START - timedelta(days=10),
                                    kind="visit", summary="季度拜访"))
            session.add(Interaction(id=f"F-{c.id}", customer_id=c.id, employee_id="R0", at=START + timedelta(days=20),
                                    kind="call", summary="planned follow-up", scheduled=True))
    return {"customers": [c.id for c in customers], "successors": ["RS", "RM", "RJ"]}


def second_departing_rep(employee_id: str = "R1", manager_id: str = "M2", customers_per_tier: int = 2) -> list[str]:
    """Another senior rep of 华东/制造业 (a successor the plan would like) who leaves with R0, managed by
    ``manager_id`` (created when missing); owns customers of each tier, ids C<employee_id>-n."""
    with session_scope() as session:
        if session.get(Employee, manager_id) is None:
            session.add(Employee(id=manager_id, name="孙丽", email=f"{manager_id.lower()}@example.com", role="manager",
                                 level="senior"))
        session.add(Employee(id=employee_id, name=f"Leaver {employee_id}", email=f"{employee_id.lower()}@example.com",
                             manager_id=manager_id, level="senior", regions=["华东", "华南"],
                             industries=["制造业", "零售"], capacity=100))
        session.flush()
        ids = []
        for tier, amount in AMOUNTS.items():
            for i in range(customers_per_tier):
                ids.append(f"C{employee_id}-{len(ids) + 1}")
                session.add(Customer(
                    id=ids[-1], name=f"{tier} 客户 {employee_id}-{i}", owner_id=employee_id,
                    region="华东" if i % 2 else "华南", industry="零售" if len(ids) % 2 else "制造业",
                    expected_amount=Decimal(amount), contribution=Decimal(amount) / 3,
                    contact_name=f"联系人{ids[-1]}", contact_email=f"{ids[-1]}@example.cn",
                    last_contact_at=START - timedelta(days=12), last_order_at=START - timedelta(days=50),
                    created_at=START - timedelta(days=600), first_registered_by=employee_id,
                    owner_since=START - timedelta(days=500)))
    return ids
