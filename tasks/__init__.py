"""Prefect tasks, one module per stage: load, call the domain, persist."""
