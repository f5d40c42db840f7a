"""Fixtures shared by the whole suite.

- ``settings_env``: a fresh HANDOVER_HOME per test, settings and engines reset.
- ``db``: a migrated empty database, run once on SQLite and once on PostgreSQL (``db.backend``).
  PostgreSQL is the local server (HANDOVER_TEST_PG, default postgresql://postgres@127.0.0.1:5432);
  the session creates a database of its own and drops it at the end.
- ``prefect``: one Prefect server for the whole session (it takes seconds to start), on PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from tests.pg import pg_url, scratch_pg_database

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# pytest-xdist hands its workers the controller's terminal width as COLUMNS; Rich reads COLUMNS once
# when the CLI's consoles are made (at import) and would pin every table at that width, so the CLI
# tests that set COLUMNS per invocation would see 80 columns under `-n 2` and 250 when run serially.
os.environ.pop("COLUMNS", None)



def _reset() -> None:
    from handover import clock
    from handover.db import reset_engines
    from handover.settings import get_settings

    reset_engines()
    get_settings.cache_clear()
    clock.set_now(None)


@pytest.fixture
def settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in list(os.environ):
        if name.startswith("HANDOVER_") and name not in ("HANDOVER_TEST_PG",):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HANDOVER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HANDOVER_CONFIG", str(tmp_path / "handover.toml"))
    _reset()
    yield tmp_path
    _reset()


@pytest.fixture(scope="session")
def pg_database():
    """A PostgreSQL database of this test session's own, migrated, dropped at the end."""
    from alembic import command

    from handover.db import make_engine, reset_engines
    from handover.schema import alembic_config

    with scratch_pg_database("handover_test") as name:
        url = pg_url("psycopg", name)
        engine = make_engine(url)
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        engine.dispose()
        yield url
        reset_engines()


def _truncate_all(url: str) -> None:
    from sqlalchemy import text

    from handover.db import make_engine

    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


class Database:
    def __init__(self, backend: str, url: str):
        self.backend = backend
        self.url = url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, settings_env, monkeypatch):
    """An empty migrated database; every test using it runs on SQLite and on PostgreSQL."""
    import models  # noqa: F401
    from handover.schema import upgrade_schema

    if request.param == "sqlite":
        url = f"sqlite:///{settings_env / 'home' / 'handover.db'}"
        monkeypatch.setenv("HANDOVER_DATABASE_URL", url)
        _reset()
        upgrade_schema()
    else:
        url = request.getfixturevalue("pg_database")
        _truncate_all(url)
        monkeypatch.setenv("HANDOVER_DATABASE_URL", url)
        _reset()
    yield Database(request.param, url)


@pytest.fixture(scope="session")
def prefect(tmp_path_factory):
    """One Prefect server for the session, shared by every flow test; on PostgreSQL, not Prefect's SQLite
    test harness (PrefectServer.on_postgresql says why)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from tests.processes import PrefectServer

    with PrefectServer.on_postgresql(tmp_path_factory.mktemp("prefect")) as server:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server
