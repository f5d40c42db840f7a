"""A local aiosmtpd server for the benchmarks, in a process of its own, counting what it accepts.

In the benchmark's own process it would take the interpreter lock from the sender being measured.
"""

from __future__ import annotations

import socket


class Counting:
    def __init__(self, received):
        self.received = received  # a multiprocessing.Value shared with the benchmark

    async def handle_DATA(self, server, session, envelope):
        with self.received.get_lock():
            self.received.value += len(envelope.rcpt_tos)
        return "250 OK"


def serve(port: int, received, ready, stop) -> None:
    """Accept mail on ``port`` until ``stop`` is set; ``ready`` is set once it listens."""
    from aiosmtpd.controller import Controller

    controller = Controller(Counting(received), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
