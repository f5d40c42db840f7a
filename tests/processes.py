"""Real processes for the crash-safety and privacy tests: a Prefect server of the test's own, an SMTP
server that counts what it receives, and `handover` CLI processes (with the test-only fault injection of
tests/faults/sitecustomize.py on their path)."""

from __future__ import annotations

import email
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.pg import pg_url, scratch_pg_database

BIN = Path(sys.executable).parent
FAULTS = Path(__file__).resolve().parent / "faults"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


class PrefectServer:
    """`prefect server start` with a PREFECT_HOME of its own, keeping its data in the given database
    (which tests may scan)."""

    def __init__(self, root: Path, database_url: str):
        self.home = root / "prefect-home"
        self.database_url = database_url
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.env = {"PREFECT_HOME": str(self.home), "PREFECT_API_URL": self.api_url,
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false",
                    "PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url}
        self.log = root / "prefect-server.log"
        self.process: subprocess.Popen | None = None

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"prefect server ended:\n{self.log.read_text()}")
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    def start(self) -> "PrefectServer":
        env = {**os.environ, **self.env}
        env.pop("PREFECT_API_URL")
        with self.log.open("w") as log:
            self.process = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                                             "--port", str(self.port)], env=env, stdout=log, stderr=subprocess.STDOUT)
        until(self._healthy, 180, "the Prefect server")
        return self

    @classmethod
    @contextmanager
    def on_postgresql(cls, root: Path) -> Iterator["PrefectServer"]:
        """A started server keeping its data in a scratch PostgreSQL database, stopped and dropped after.

        Not SQLite: a SQLite-backed Prefect server answers 503 "database is locked" when a flow run is
        created while it still records the previous run's task runs, and the client waits two seconds
        each time; flow tests spent most of their time in those waits."""
        with scratch_pg_database("handover_prefect") as name:
            server = cls(root, database_url=pg_url("asyncpg", name)).start()
            try:
                yield server
            finally:
                server.stop()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Mailbox:
    """aiosmtpd handler: every accepted message, by recipient and Message-ID."""

    def __init__(self):
        self.received: list[tuple[str, str]] = []  # (recipient, Message-ID)

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        for recipient in envelope.rcpt_tos:
            self.received.append((recipient, parsed["Message-ID"]))
        return "250 Message accepted"

    def by_message_id(self) -> Counter:
        return Counter(message_id for _, message_id in self.received)


class SmtpServer:
    """A real SMTP server on localhost that can be stopped and started again on the same port."""

    def __init__(self):
        self.mailbox = Mailbox()
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}?timeout=10"
        self.controller: Controller | None = None

    def start(self) -> "SmtpServer":
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@dataclass
class Run:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    points: list[tuple[str, str]] = field(default_factory=list)

    @property
    def killed(self) -> bool:
        return self.code == -signal.SIGKILL

    def explain(self) -> str:
        return f"handover {' '.join(self.args)} -> {self.code}\n{self.stderr[-3000:]}"


class Cli:
    """`handover` processes sharing the test's database, home, Prefect server and SMTP server.

    Every run's stdout and stderr are kept under ``root/logs`` (the privacy test scans them)."""

    def __init__(self, root: Path, prefect: PrefectServer, smtp_url: str, extra: dict[str, str] | None = None):
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.prefect, self.smtp_url, self.extra = prefect, smtp_url, extra or {}
        self.count = 0

    def env(self, now: datetime, **faults: str) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("PREFECT_", "HANDOVER_FAULTS"))}
        env.update(self.prefect.env)
        env.update({"HANDOVER_SMTP_URL": self.smtp_url, "HANDOVER_NOW": now.isoformat(), "HANDOVER_USER": "ADM",
                    "PREFECT_LOGGING_LEVEL": "INFO", "PYTHONPATH": str(FAULTS)})
        env.update(self.extra)
        env.update({f"HANDOVER_FAULTS_{name.upper()}": value for name, value in faults.items() if value})
        return env

    def start(self, *args: str, now: datetime, **faults: str) -> tuple[subprocess.Popen, Path]:
        self.count += 1
        stem = self.logs / f"{self.count:03d}-{args[0]}"
        points = stem.with_suffix(".points")
        process = subprocess.Popen([str(BIN / "handover"), *args], env=self.env(now, log=str(points), **faults),
                                   stdout=stem.with_suffix(".out").open("w"), stderr=stem.with_suffix(".err").open("w"))
        return process, stem

    @staticmethod
    def finish(process: subprocess.Popen, stem: Path, args: tuple[str, ...], timeout: float = 300) -> Run:
        code = process.wait(timeout=timeout)
        points_file = stem.with_suffix(".points")
        points = [tuple(line.split()) for line in points_file.read_text().splitlines()] if points_file.exists() else []
        return Run(args, code, stem.with_suffix(".out").read_text(), stem.with_suffix(".err").read_text(), points)

    def run(self, *args: str, now: datetime, **faults: str) -> Run:
        process, stem = self.start(*args, now=now, **faults)
        return self.finish(process, stem, args)

    def output(self) -> str:
        """Everything every process printed (stdout and stderr)."""
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.logs.glob("*.out")) +
                         sorted(self.logs.glob("*.err")))
