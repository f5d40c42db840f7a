"""What a person at the command line sees when the database itself fails (not their input)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.pg import PG_SERVER


def test_an_unreachable_database_is_one_plain_error_line_not_a_traceback(tmp_path):
    host = PG_SERVER.split("://", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOVER_")}
    env.update(HANDOVER_HOME=str(tmp_path), HANDOVER_CONFIG=str(tmp_path / "none.toml"),
               HANDOVER_DATABASE_URL=f"postgresql://{host}/handover_no_such_database")
    result = subprocess.run([str(Path(sys.executable).parent / "handover"), "cases", "--by", "HR1"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("error: the database failed: ")
    assert '"handover_no_such_database" does not exist' in result.stderr and "handover doctor" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
