"""No customer contact data in Prefect or in logs (issue #6): ids only.

A whole case runs through real `handover` processes against a Prefect server of this module's own, with
Prefect logging at DEBUG. Then every text, JSON and binary column of every table of Prefect's database
(flow and task run parameters, states, results, logs, artifacts, events), the server's log and everything
the processes printed are scanned for every customer's name, contact name, email and phone: zero hits.
A planted value sent through Prefect the same way (a flow parameter and a log line) must be found, so a
scan that sees nothing proves something.
"""

from __future__ import annotations

import html
import json
import subprocess

import psycopg
import pytest
from sqlmodel import select

from handover import clock
from handover.db import session_scope
from handover.settings import get_settings
from models import Customer, OffboardingCase
from tests.factories import START, small_company
from tests.case_script import CUSTOMERS_PER_TIER, World, drive
from tests.processes import BIN, Cli, PrefectServer, SmtpServer

CANARY = {"email": "canary.contact@example.cn", "phone": "13999990000", "name": "金丝雀 <联系人> & Co"}
CANARY_FLOW = """
import sys
from prefect import flow, get_run_logger

@flow(name="privacy-canary")
def canary(contact: str) -> None:
    get_run_logger().info("calling %s", sys.argv[2])

canary(contact=sys.argv[1])
"""


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    with PrefectServer.on_postgresql(tmp_path_factory.mktemp("prefect-privacy")) as server:
        yield server


def variants(value: str) -> set[str]:
    """The forms a value takes where it could be stored: as is, JSON-escaped, HTML-escaped."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1], html.escape(value)}
    return {form for form in forms if form}


def needles_of(values: list[str]) -> dict[str, str]:
    return {form: value for value in values for form in variants(value)}


def prefect_texts(database_url: str) -> list[tuple[str, str]]:
    """Every non-empty cell of every table of Prefect's PostgreSQL database, as (table.column, text)."""
    found = []
    with psycopg.connect(database_url.replace("+asyncpg", "")) as connection:
        columns = connection.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                                     "WHERE table_schema = 'public'").fetchall()
        for table, column, data_type in columns:
            cell = f'"{column}"' if data_type == "bytea" else f'"{column}"::text'
            for (value,) in connection.execute(f'SELECT {cell} FROM "{table}" WHERE "{column}" IS NOT NULL'):
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "replace")
                found.append((f"{table}.{column}", value))
    return found


def hits(needles: dict[str, str], texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted({(where, needles[form]) for where, text in texts for form in needles if form in text})


def test_no_customer_contact_data_in_prefect_or_logs(db, prefect_server, tmp_path, monkeypatch):
    clock.set_now(START)
    small_company(CUSTOMERS_PER_TIER)
    smtp = SmtpServer().start()
    try:
        monkeypatch.setenv("HANDOVER_SMTP_URL", smtp.url)
        get_settings.cache_clear()
        cli = Cli(tmp_path, prefect_server, smtp.url, {"PREFECT_LOGGING_LEVEL": "DEBUG"})
        world = World(db, cli, smtp, [])
        drive(world)
    finally:
        smtp.stop()
    with session_scope() as session:
        assert session.exec(select(OffboardingCase)).one().status == "closed"
        customers = session.exec(select(Customer)).all()
    secrets = [v for c in customers for v in (c.name, c.contact_name, c.contact_email, c.contact_phone) if v]
    assert len(secrets) == 4 * len(customers)
    needles = needles_of(secrets)

    canary = subprocess.run([str(BIN / "python"), "-c", CANARY_FLOW, CANARY["name"],
                             f"{CANARY['email']} {CANARY['phone']}"], env={**cli.env(START), "PYTHONPATH": ""},
                            capture_output=True, text=True, timeout=300)
    assert canary.returncode == 0, canary.stderr
    database = prefect_texts(prefect_server.database_url)
    logs = [(path.name, path.read_text(errors="replace")) for path in sorted(cli.logs.iterdir())]
    logs += [("prefect-server.log", prefect_server.log.read_text(errors="replace")),
             ("canary", canary.stdout + canary.stderr)]
    planted = hits(needles_of(list(CANARY.values())), database)
    assert {value for _, value in planted} == set(CANARY.values()), f"the scan misses planted values: {planted}"
    assert any(where.startswith("log.") for where, _ in planted) and any(
        where.startswith("flow_run.parameters") for where, _ in planted), planted
    assert {value for _, value in hits(needles_of([CANARY["email"]]), logs)} == {CANARY["email"]}

    assert sum(len(text) for _, text in database) > 100_000, "Prefect recorded the case's runs"
    assert hits(needles, database) == [], "customer contact data in Prefect's database"
    assert hits(needles, logs) == [], "customer contact data in the logs"
