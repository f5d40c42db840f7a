"""The sample company: deterministic, internally consistent, realistic in shape, canonical CSV."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from handover.demo import Company, build_company, write_csv
from handover.domain.classify import ClassifyRules, CustomerFacts, status_of, tier_of
from handover.errors import HandoverError

TODAY = date(2026, 11, 23)
RULES = ClassifyRules()
# Written out from the canonical header list (canonical headers first, then the optional extras).
CANONICAL_HEADERS = {
    "employees": "employee_id,name,email,role,level,manager_id,team,regions,industries,capacity,locale,status",
    "customers": "customer_id,name,owner_id,region,industry,expected_amount,contribution,contact_email,"
                 "last_contact_at,locale,size,potential,loyalty,status,contact_name,contact_phone,preferences,"
                 "last_order_at,created_at,first_registered_by",
    "deals": "deal_id,customer_id,owner_id,name,stage,amount,status,expected_close",
    "contracts": "contract_id,customer_id,owner_id,title,amount,starts_on,ends_on,status",
    "interactions": "interaction_id,customer_id,employee_id,at,kind,summary,scheduled",
}
KINDS = tuple(CANONICAL_HEADERS)
ID_COLUMN = {"employees": "employee_id", "customers": "customer_id", "deals": "deal_id",
             "contracts": "contract_id", "interactions": "interaction_id"}


@pytest.fixture(scope="module")
def company() -> Company:
    return build_company()


def rows_of(company: Company, kind: str) -> list[dict]:
    return getattr(company, kind)


def departing_book(company: Company) -> list[dict]:
    return [c for c in company.customers if c["owner_id"] == company.departing_rep_id]


def test_same_seed_same_company_other_seed_other_company():
    first = build_company(seed=11, reps=12, customers=400)
    again = build_company(seed=11, reps=12, customers=400)
    other = build_company(seed=12, reps=12, customers=400)
    assert first == again
    assert first.customers != other.customers


def test_sizes_follow_the_parameters(company):
    assert sum(e["role"] == "rep" for e in company.employees) == 28
    assert len(company.customers) == 2400
    small = build_company(reps=9, customers=150, today=date(2025, 3, 1))
    assert sum(e["role"] == "rep" for e in small.employees) == 9
    assert len(small.customers) == 150
    assert max(c["created_at"] for c in small.customers).date() < date(2025, 3, 1)


@pytest.mark.parametrize("kind", KINDS)
def test_ids_are_unique(company, kind):
    ids = [row[ID_COLUMN[kind]] for row in rows_of(company, kind)]
    assert ids and len(ids) == len(set(ids))


def test_every_reference_names_a_stored_row(company):
    employees = {e["employee_id"]: e for e in company.employees}
    customers = {c["customer_id"] for c in company.customers}
    for e in company.employees:
        if e["manager_id"] is not None:
            assert employees[e["manager_id"]]["role"] == "manager"
            assert employees[e["manager_id"]]["team"] == e["team"]
    for c in company.customers:
        assert c["owner_id"] is None or employees[c["owner_id"]]["role"] == "rep"
        assert employees[c["first_registered_by"]]["role"] == "rep"
    for kind, person in (("deals", "owner_id"), ("contracts", "owner_id"), ("interactions", "employee_id")):
        for row in rows_of(company, kind):
            assert row["customer_id"] in customers, (kind, row)
            assert row[person] in employees, (kind, row)
    assert company.departing_rep_id in employees


def test_organisation_has_teams_managers_hr_and_admin(company):
    roles = Counter(e["role"] for e in company.employees)
    assert roles == {"rep": 28, "manager": 4, "hr": 1, "admin": 1}
    teams = {e["team"] for e in company.employees if e["role"] == "rep"}
    assert teams == {"华东大客户部", "华南销售部", "华北销售部", "International"}
    managers = [e for e in company.employees if e["role"] == "manager"]
    assert sorted(m["team"] for m in managers) == sorted(teams)
    assert all(m["level"] == "senior" for m in managers)
    reps = [e for e in company.employees if e["role"] == "rep"]
    levels = Counter(r["level"] for r in reps)
    assert levels["mid"] > levels["senior"] > 0 and levels["junior"] > 0
    international = [r for r in reps if r["team"] == "International"]
    assert international and all(r["locale"] == "en" and r["regions"] == ["海外"] for r in international)
    assert all(r["locale"] == "zh-CN" for r in reps if r["team"] != "International")


def test_large_forces_are_split_into_groups_of_one_manager_each():
    big = build_company(reps=200, customers=3000)
    reps = [e for e in big.employees if e["role"] == "rep"]
    managers = {e["employee_id"]: e for e in big.employees if e["role"] == "manager"}
    assert len({m["team"] for m in managers.values()}) == len(managers)
    assert "华东大客户部一组" in {m["team"] for m in managers.values()}
    per_manager = Counter(r["manager_id"] for r in reps)
    assert set(per_manager) == set(managers) and max(per_manager.values()) <= 15


def test_capacity_roughly_by_level_and_real_room_left(company):
    reps = [e for e in company.employees if e["role"] == "rep"]
    for level, base in (("senior", 200), ("mid", 150), ("junior", 100)):
        caps = [r["capacity"] for r in reps if r["level"] == level and r["employee_id"] != company.departing_rep_id]
        assert caps and all(abs(c - base) <= 20 for c in caps)
    load = Counter(c["owner_id"] for c in company.customers if c["owner_id"])
    assert all(load[r["employee_id"]] <= r["capacity"] for r in reps)
    free = sum(r["capacity"] for r in reps) - sum(load.values())
    assert free > len(departing_book(company))


def test_tiers_are_few_a_and_many_d(company):
    tiers = Counter(tier_of(c["expected_amount"], RULES) for c in company.customers)
    assert 0 < tiers["A"] < tiers["B"] < tiers["C"] < tiers["D"]
    assert tiers["D"] > len(company.customers) * 0.4


def test_departing_rep_is_a_mid_or_senior_rep_with_a_varied_book(company):
    rep = next(e for e in company.employees if e["employee_id"] == company.departing_rep_id)
    assert rep["role"] == "rep" and rep["level"] in ("senior", "mid") and rep["status"] == "active"
    book = departing_book(company)
    assert 120 <= len(book) <= 180
    assert {tier_of(c["expected_amount"], RULES) for c in book} == {"A", "B", "C", "D"}
    assert len({c["region"] for c in book}) >= 3
    assert len({c["industry"] for c in book}) >= 4
    assert {c["status"] for c in book} >= {"new", "active", "dormant"}


def test_departing_rep_has_open_deals_running_contracts_and_planned_follow_ups(company):
    mine = {c["customer_id"] for c in departing_book(company)}
    open_deals = [d for d in company.deals if d["customer_id"] in mine and d["status"] == "open"]
    running = [k for k in company.contracts if k["customer_id"] in mine and k["status"] == "active"]
    planned = [i for i in company.interactions if i["customer_id"] in mine and i["scheduled"]]
    assert len(open_deals) >= 5 and len(running) >= 5 and len(planned) >= 5
    assert all(d["expected_close"] > TODAY for d in open_deals)
    assert all(k["starts_on"] <= TODAY <= k["ends_on"] for k in running)
    assert all(i["employee_id"] == company.departing_rep_id for i in planned)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_every_seed_gives_the_departing_rep_every_tier_and_a_pipeline(seed):
    company = build_company(seed=seed, reps=8, customers=300)
    book = departing_book(company)
    mine = {c["customer_id"] for c in book}
    assert {tier_of(c["expected_amount"], RULES) for c in book} == {"A", "B", "C", "D"}
    assert any(d["customer_id"] in mine and d["status"] == "open" for d in company.deals)
    assert any(k["customer_id"] in mine and k["status"] == "active" for k in company.contracts)
    assert any(i["customer_id"] in mine and i["scheduled"] for i in company.interactions)


def test_only_a_handful_of_customers_are_in_the_pool(company):
    pooled = [c for c in company.customers if c["owner_id"] is None]
    assert 1 <= len(pooled) <= len(company.customers) // 100
    assert all(c["status"] in ("dormant", "lost") for c in pooled)


def test_statuses_agree_with_the_classification_rules(company):
    counts = Counter(c["status"] for c in company.customers)
    assert counts["active"] > counts["dormant"] > 0 and counts["new"] > 0 and counts["lost"] > 0
    for c in company.customers:
        facts = CustomerFacts(
            c["customer_id"], c["expected_amount"], c["contribution"],
            created_on=c["created_at"].date(),
            last_contact_on=c["last_contact_at"] and c["last_contact_at"].date(),
            last_order_on=c["last_order_at"] and c["last_order_at"].date())
        assert status_of(facts, TODAY, RULES) == c["status"], c["customer_id"]


def test_dates_lie_in_the_past_three_years_in_order(company):
    three_years_ago = TODAY - timedelta(days=3 * 365 + 1)
    for c in company.customers:
        created = c["created_at"]
        assert three_years_ago <= created.date() < TODAY
        assert created.utcoffset() == timedelta(hours=8)
        for later in (c["last_contact_at"], c["last_order_at"]):
            assert later is None or created < later < datetime.combine(TODAY, datetime.min.time(), created.tzinfo)
        if c["status"] == "new":
            assert c["contribution"] == 0 and c["last_order_at"] is None


def test_interactions_cover_the_past_year_and_end_at_the_customers_last_dates(company):
    customers = {c["customer_id"]: c for c in company.customers}
    last_touch: dict[str, datetime] = {}
    last_order: dict[str, datetime] = {}
    midnight = datetime.combine(TODAY, datetime.min.time(), company.customers[0]["created_at"].tzinfo)
    for i in company.interactions:
        if i["scheduled"]:
            assert midnight < i["at"] < midnight + timedelta(days=31)
            assert i["kind"] in ("call", "visit", "meeting")
            continue
        assert midnight - timedelta(days=366) < i["at"] < midnight
        assert i["at"] >= customers[i["customer_id"]]["created_at"]
        latest = last_order if i["kind"] == "order" else last_touch
        latest[i["customer_id"]] = max(latest.get(i["customer_id"], i["at"]), i["at"])
    for customer_id, at in last_touch.items():
        assert customers[customer_id]["last_contact_at"] == at
    for customer_id, at in last_order.items():
        assert customers[customer_id]["last_order_at"] == at
    kinds = Counter(i["kind"] for i in company.interactions)
    assert set(kinds) == {"call", "visit", "email", "meeting", "order"}
    planned = sum(i["scheduled"] for i in company.interactions)
    assert 0 < planned < len(company.customers) * 0.2


def test_deals_and_contracts_are_consistent(company):
    stages = Counter(d["stage"] for d in company.deals if d["status"] == "open")
    assert {"初步接洽", "需求确认", "方案报价", "商务谈判"} <= set(stages)
    assert {d["status"] for d in company.deals} == {"open", "won", "lost"}
    assert all(d["amount"] > 0 for d in company.deals)
    won = {d["customer_id"] for d in company.deals if d["status"] == "won"}
    customers = {c["customer_id"]: c for c in company.customers}
    assert all(customers[customer_id]["contribution"] > 0 for customer_id in won)
    for k in company.contracts:
        assert k["customer_id"] in won and k["starts_on"] < k["ends_on"]
        assert k["status"] == ("active" if k["ends_on"] >= TODAY else "expired")
    assert {k["status"] for k in company.contracts} == {"active", "expired"}


def test_contacts_use_example_domains_and_locales_match(company):
    for row in company.employees + company.customers:
        email = row.get("email") or row["contact_email"]
        assert email.rsplit("@", 1)[1] in ("example.com", "example.cn"), email
    emails = [c["contact_email"] for c in company.customers]
    assert len(set(emails)) == len(emails)
    for c in company.customers:
        assert c["region"] != "海外" or c["locale"] == "en"
        if c["locale"] == "zh-CN":
            assert c["name"].endswith("公司") and c["contact_phone"].startswith("1")
        else:
            assert c["name"].isascii() and c["contact_phone"].startswith("+")
    names = [c["name"] for c in company.customers]
    assert len(set(names)) == len(names)


def test_optional_scores_and_preferences_are_sometimes_empty(company):
    for column in ("potential", "loyalty"):
        values = [c[column] for c in company.customers]
        present = [v for v in values if v is not None]
        assert 0 < len(present) < len(values)
        assert all(0 <= v <= 100 for v in present)
    preferences = [c["preferences"] for c in company.customers]
    assert "" in preferences and any("，" in p for p in preferences)


@pytest.mark.parametrize("reps, customers", [(3, 2400), (28, 39)])
def test_too_small_a_company_is_refused(reps, customers):
    with pytest.raises(HandoverError, match="reps=3|customers=39"):
        build_company(reps=reps, customers=customers)


def test_csv_files_have_exactly_the_canonical_headers(company, tmp_path):
    written = write_csv(company, tmp_path / "out")
    assert list(written) == list(KINDS)
    for kind, path in written.items():
        assert path == tmp_path / "out" / f"{kind}.csv"
        first_line = path.read_bytes().split(b"\r\n", 1)[0]
        assert first_line.decode("utf-8") == CANONICAL_HEADERS[kind]


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def test_csv_round_trips_through_dict_reader(company, tmp_path):
    written = write_csv(company, tmp_path)
    for kind, path in written.items():
        with path.open(encoding="utf-8", newline="") as handle:
            read = list(csv.DictReader(handle))
        rows = rows_of(company, kind)
        assert len(read) == len(rows)
        for original, cells in zip(rows, read):
            assert cells == {column: _as_text(value) for column, value in original.items()}


def test_csv_cells_parse_back_to_the_typed_values(company, tmp_path):
    path = write_csv(company, tmp_path)["customers"]
    with path.open(encoding="utf-8", newline="") as handle:
        read = {row["customer_id"]: row for row in csv.DictReader(handle)}
    for c in company.customers[:200]:
        cells = read[c["customer_id"]]
        assert Decimal(cells["expected_amount"]) == c["expected_amount"]
        assert datetime.fromisoformat(cells["created_at"]) == c["created_at"]
        assert (cells["owner_id"] or None) == c["owner_id"]
    employees = write_csv(company, tmp_path)["employees"].read_text(encoding="utf-8")
    assert ",华东;华中," in employees


def test_rows_per_customer_are_plausible(company):
    per_customer = defaultdict(int)
    for i in company.interactions:
        per_customer[i["customer_id"]] += 1
    active = [c["customer_id"] for c in company.customers if c["status"] == "active"]
    assert sum(per_customer[a] >= 2 for a in active) > len(active) * 0.8
    assert len(company.deals) > len(company.customers) // 2
