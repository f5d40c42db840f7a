"""Prefect flows: the procedure as it reads in docs/procedure.md."""
