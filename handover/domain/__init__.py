"""Pure business rules: plain functions on plain data (no database, no Prefect, no clock)."""
