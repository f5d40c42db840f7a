"""`handover web` serves the survey pages (a real process on a loopback port)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
from typer.testing import CliRunner


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_handover_web_serves_health_and_friendly_pages(settings_env):
    port = free_port()
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    process = subprocess.Popen([sys.executable, "-m", "handover", "web", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read()
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "handover web did not start within 30 s"
                time.sleep(0.2)
        assert (health.status_code, health.text) == (200, "ok")
        missing = httpx.get(f"{base}/nothing", timeout=5)
        assert missing.status_code == 404 and "Page not found" in missing.text
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=15)
    assert "survey pages on http://127.0.0.1" in err


def test_handover_web_rejects_a_bad_port(settings_env):
    import handover.cli  # noqa: F401 - registers the commands
    from handover.cli.app import app

    result = CliRunner().invoke(app, ["web", "--port", "70000"], terminal_width=200)
    assert result.exit_code == 2
    assert "Invalid value for '--port': Input should be less than or equal to 65535" in result.output
