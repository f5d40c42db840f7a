"""The `handover` command. Commands only parse arguments and call the functions the flows call."""

from __future__ import annotations

import sys

from rich.markup import escape
from sqlalchemy.exc import OperationalError

from handover.cli.app import app, err
from handover.errors import HandoverError

# Each module registers its commands on `app`.
from handover.cli import setup as _setup  # noqa: E402,F401
from handover.cli import data as _data  # noqa: E402,F401
from handover.cli import pool as _pool  # noqa: E402,F401
from handover.cli import cases as _cases  # noqa: E402,F401
from handover.cli import demo as _demo  # noqa: E402,F401
from handover.cli import serve as _serve  # noqa: E402,F401
from handover.cli import web as _web  # noqa: E402,F401
from handover.cli import followup as _followup  # noqa: E402,F401
from handover.cli import mail as _mail  # noqa: E402,F401
from handover.cli import deploy as _deploy  # noqa: E402,F401
from handover.cli import audit as _audit  # noqa: E402,F401
from handover.cli import notes as _notes  # noqa: E402,F401
from handover.cli import meetings as _meetings  # noqa: E402,F401


def main() -> None:
    try:
        app()
    except HandoverError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)  # messages quote user data
        sys.exit(2)
    except OperationalError as exc:  # the database went away or refused (restart, failover, network, disk)
        reason = str(exc.orig or exc).strip().splitlines()[0]
        err.print(f"[red]error:[/red] the database failed: {escape(reason)}. Nothing of the step that was running "
                  "was committed; what committed before it stays. Run the command again once the database is "
                  "reachable (`handover doctor` checks it).", highlight=False, soft_wrap=True)
        sys.exit(1)
