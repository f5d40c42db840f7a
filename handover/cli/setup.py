"""`handover init`: create or upgrade the database schema."""

from __future__ import annotations

from handover.cli.app import app, err
from handover.settings import get_settings


@app.command()
def init() -> None:
    """Create or upgrade the database schema (Alembic)."""
    from handover.schema import upgrade_schema  # Alembic is a quarter second of every command's start-up

    upgrade_schema()
    err.print(f"database ready: {get_settings().resolved_database_url}")
