"""Flow runs that a handover process starts itself (``handover tick``, the scheduler, the CLI, the demo).

Prefect 3.8 gives every flow run a heartbeat thread that sleeps in whole seconds, and a sync flow run
waits for it at its end: a second per flow run, whatever the flow did. A tick starts several flow runs
(follow-ups, pool reclaim, each due case), so the heartbeat was most of a tick's time. Heartbeats only
feed Prefect's zombie-flow automation, which handover does not rely on: the database says where a case
stopped and the next tick continues it. So in-process flow runs go without, unless the operator sets
PREFECT_FLOWS_HEARTBEAT_FREQUENCY; runs a worker executes from a deployment keep Prefect's default.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_heartbeats() -> Iterator[None]:
    if {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY"} & os.environ.keys():
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
