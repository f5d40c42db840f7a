"""Watch one PostgreSQL database from a thread: connections, lock waits, lock-holding transactions.

Samples ``pg_stat_activity`` and ``pg_locks`` every ``interval`` seconds on a connection of its own
(excluded from the figures). Figures are kept per phase (``watch.phase = "cases"``):

- connections: peak number of backends connected to the database, and peak of those active;
- lock wait: the longest a backend was seen waiting for a lock (``now() - pg_locks.waitstart``);
- blocking hold: the longest-running transaction seen holding a lock another backend waits for
  (``now() - xact_start`` of a pid in ``pg_blocking_pids``);
- write transaction: the longest transaction seen holding row locks (it has a transaction id: it
  wrote or locked rows with FOR UPDATE), from the first sample that saw its id to the last; the longest
  few over half a second are kept with the statements seen in them (to tell which code they are).

Sampling sees what exists at each tick: a figure can be short by up to one interval.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psycopg

LONG, LONGEST, TRAIL = 0.5, 8, 90  # transactions longer than LONG s: the LONGEST kept, each statement's first TRAIL chars

SAMPLE = """
SELECT a.pid, a.state, a.xact_start, a.backend_xid IS NOT NULL, pg_blocking_pids(a.pid),
       (SELECT min(l.waitstart) FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted),
       now(), left(regexp_replace(a.query, '\\s+', ' ', 'g'), 160)
FROM pg_stat_activity a
WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
"""


@dataclass
class Worst:
    """The largest duration seen of one kind, and the statement that had it."""

    seconds: float = 0.0
    query: str = ""

    def offer(self, seconds: float, query: str) -> None:
        if seconds > self.seconds:
            self.seconds, self.query = seconds, query


@dataclass
class PhaseFigures:
    samples: int = 0
    peak_connections: int = 0
    peak_active: int = 0
    lock_wait: Worst = field(default_factory=Worst)
    blocking_hold: Worst = field(default_factory=Worst)
    write_transaction: Worst = field(default_factory=Worst)
    waits_seen: int = 0
    long_transactions: dict = field(default_factory=dict)  # (pid, xact_start) -> (seconds, statements seen)

    def as_dict(self) -> dict:
        return {"samples": self.samples, "peak_connections": self.peak_connections, "peak_active": self.peak_active,
                "waits_seen": self.waits_seen,
                "max_lock_wait_s": round(self.lock_wait.seconds, 3), "max_lock_wait_query": self.lock_wait.query,
                "max_blocking_hold_s": round(self.blocking_hold.seconds, 3),
                "max_blocking_hold_query": self.blocking_hold.query,
                "max_write_transaction_s": round(self.write_transaction.seconds, 3),
                "max_write_transaction_query": self.write_transaction.query,
                "longest_write_transactions": [
                    {"seconds": round(seconds, 3), "statements": trail} for seconds, trail in
                    sorted(self.long_transactions.values(), key=lambda item: -item[0])[:LONGEST]]}


class Watch(threading.Thread):
    def __init__(self, url: str, interval: float = 0.1):
        super().__init__(name="pg-watch", daemon=True)
        self.url, self.interval, self.phase = url, interval, "setup"
        self.phases: dict[str, PhaseFigures] = {}
        self._stop_event = threading.Event()
        self._writers: dict[tuple[int, object], tuple[float, list[str]]] = {}  # (pid, xact_start) -> first seen, trail
        self.error: str | None = None

    def run(self) -> None:
        try:
            with psycopg.connect(self.url, autocommit=True, application_name="pg-watch") as connection:
                while not self._stop_event.is_set():
                    self._sample(connection.execute(SAMPLE).fetchall(), time.monotonic())
                    self._stop_event.wait(self.interval)
        except Exception as exc:  # the benchmark fails on a watch that stopped seeing
            self.error = f"{type(exc).__name__}: {exc}"

    def figures(self) -> dict[str, dict]:
        return {name: figures.as_dict() for name, figures in list(self.phases.items())}

    def stop(self) -> dict[str, dict]:
        self._stop_event.set()
        self.join()
        return self.figures()

    def _sample(self, rows: list[tuple], seen_at: float) -> None:
        figures = self.phases.setdefault(self.phase, PhaseFigures())
        figures.samples += 1
        figures.peak_connections = max(figures.peak_connections, len(rows))
        figures.peak_active = max(figures.peak_active, sum(1 for row in rows if row[1] == "active"))
        by_pid = {row[0]: row for row in rows}
        writers = {}
        for pid, _state, xact_start, has_xid, blockers, waitstart, now, query in rows:
            if waitstart is not None:
                figures.waits_seen += 1
                figures.lock_wait.offer((now - waitstart).total_seconds(), query)
            for blocker in blockers or ():
                holder = by_pid.get(blocker)
                if holder is not None and holder[2] is not None:
                    figures.blocking_hold.offer((now - holder[2]).total_seconds(), holder[7])
            if has_xid and xact_start is not None:
                first, trail = self._writers.get((pid, xact_start), (seen_at, []))
                if not trail or trail[-1] != query[:TRAIL]:
                    trail = trail + [query[:TRAIL]]
                writers[(pid, xact_start)] = (first, trail)
                figures.write_transaction.offer(seen_at - first, f"{trail[0]} ... {query}")
                if seen_at - first > LONG:
                    figures.long_transactions[(pid, xact_start)] = (seen_at - first, trail)
        self._writers = writers
