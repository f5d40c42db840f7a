"""Database engine and the unit of work.

``session_scope()`` is the only way code writes: one transaction, committed on success,
rolled back on any exception. Schema changes go through Alembic (``handover init``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timezone
from pathlib import Path

from sqlalchemy import DateTime, Engine, event, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

from handover.settings import get_settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class AwareDateTime(TypeDecorator):
    """Stores UTC, returns timezone-aware datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: take times from handover.clock")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk when it returns (see commit_without_waiting)
    cursor.close()


def _sqlite_durable_again(dbapi_connection, _record) -> None:
    """A connection goes back to the pool waiting for the disk again (commit_without_waiting relaxed it)."""
    if dbapi_connection is not None:
        dbapi_connection.execute("PRAGMA synchronous=FULL")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkin", _sqlite_durable_again)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


_engines: dict[str, Engine] = {}


def get_engine() -> Engine:
    """The engine for the configured database, created once per process and URL."""
    url = get_settings().resolved_database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def reset_engines() -> None:
    """Dispose every engine (tests switch databases; forked processes must not share sockets)."""
    while _engines:
        _engines.popitem()[1].dispose()


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def commit_without_waiting(session: Session) -> None:
    """Let this unit of work's commit return before it reaches the disk; call it before any write.

    The commit still survives a crash of any of our processes (SQLite: the operating system holds it;
    PostgreSQL: the server does). An operating-system crash or power loss (PostgreSQL: also a crash of
    the database server) may undo it, with the other such commits since the last one that waited.
    For bookkeeping that a later commit makes durable within a bounded number of steps (the outbox
    sender); SQLite: synchronous=NORMAL on this connection until it goes back to the pool, PostgreSQL:
    synchronous_commit off for this transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))
    else:
        session.execute(text("PRAGMA synchronous=NORMAL"))
