"""How every stage task is declared: no result caching (the database is the source of truth)."""

from __future__ import annotations

from functools import partial

from prefect import task
from prefect.cache_policies import NO_CACHE

stage_task = partial(task, cache_policy=NO_CACHE, persist_result=False, log_prints=False)
