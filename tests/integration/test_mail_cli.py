"""`handover outbox`: list by status (JSON), send, resend with a clear error for bad input."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from handover import clock
from handover.cli import app
from handover.db import session_scope
from handover.mail import Recipient, enqueue
from handover.mail.examples import example_context
from models import Employee

runner = CliRunner()


def test_outbox_list_send_and_bad_status(db):
    clock.set_now(datetime(2025, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")))
    with session_scope() as session:
        session.add(Employee(id="OPS", name="Ops", email="ops@example.com", role="admin"))  # the outbox is an admin's
        for n in range(2):
            enqueue(session, kind="survey_invitation", key=f"1:C-{n}:survey_invitation",
                    to=Recipient(f"c{n}@example.cn", "陈静", "zh-CN"), context=example_context("survey_invitation"))
    listed = runner.invoke(app, ["outbox", "--status", "pending", "--json", "--by", "OPS"])
    assert listed.exit_code == 0, listed.output
    assert [row["recipient"] for row in json.loads(listed.stdout)] == ["c1@example.cn", "c0@example.cn"]
    sent = runner.invoke(app, ["outbox", "send", "--json", "--by", "OPS"])
    assert json.loads(sent.stdout) == {"sent": 2, "retry": 0, "failed": 0, "in_doubt": 0}
    assert json.loads(runner.invoke(app, ["outbox", "--status", "pending", "--json", "--by", "OPS"]).stdout) == []
    bad = runner.invoke(app, ["outbox", "--status", "lost", "--by", "OPS"])
    assert bad.exit_code != 0 and "--status 'lost'" in str(bad.exception)
    missing = runner.invoke(app, ["outbox", "resend", "99", "--by", "nobody"])
    assert missing.exit_code != 0 and "no such employee" in str(missing.exception)
