"""The Alembic migration and the SQLModel tables describe the same schema, on both backends."""

from handover.schema import schema_differences, upgrade_schema


def test_migrations_match_the_models(db):
    assert schema_differences() == []


def test_upgrading_an_up_to_date_database_changes_nothing(db):
    upgrade_schema()
    assert schema_differences() == []
