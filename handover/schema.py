"""Create or upgrade the database schema with Alembic (migrations/), and check it matches the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models  # noqa: F401 - registers the tables
from handover.db import MIGRATIONS, get_engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_schema() -> None:
    """Bring the configured database to the newest migration (creating it if empty)."""
    with get_engine().begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_differences() -> list:
    """What the migrated database lacks or has beyond the models (empty when in sync)."""
    with get_engine().connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)
