"""Scratch databases on the local PostgreSQL server (HANDOVER_TEST_PG, default
postgresql://postgres@127.0.0.1:5432) for the test session and the tests' own Prefect servers."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import psycopg

PG_SERVER = os.environ.get("HANDOVER_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


@contextmanager
def scratch_pg_database(prefix: str):
    """A PostgreSQL database of its own on the local server (its name), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_url(driver: str, name: str) -> str:
    return f"postgresql+{driver}://{PG_SERVER.split('://', 1)[1]}/{name}"
