"""Benchmark: render (enqueue) and deliver N customer notices to a local aiosmtpd server.

    .venv/bin/python bench/mail.py [--count 10000] [--database-url URL]

Target: 10,000 messages in <= 60 s. Uses a throw-away HANDOVER_HOME (SQLite unless --database-url).
The SMTP server runs in a process of its own, as a real server would: in this process it would take
the interpreter lock from the sender and the figure would measure the two fighting over it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from smtp_sink import free_port, serve


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="messages enqueued per transaction")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    port, received = free_port(), multiprocessing.Value("i", 0)
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(port, received, ready, stop), daemon=True)
    server.start()
    if not ready.wait(30):
        raise SystemExit("the aiosmtpd server did not start")
    home = tempfile.mkdtemp(prefix="handover-bench-mail-")
    os.environ.update(HANDOVER_HOME=home, HANDOVER_SMTP_URL=f"smtp://127.0.0.1:{port}")
    if args.database_url:
        os.environ["HANDOVER_DATABASE_URL"] = args.database_url
    from handover import clock
    from handover.db import session_scope
    from handover.mail import Recipient, deliver_pending, enqueue
    from handover.mail.examples import example_context
    from handover.schema import upgrade_schema

    upgrade_schema()
    clock.set_now(datetime(2025, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")))
    context = example_context("customer_notice")
    started, cpu_started = time.perf_counter(), time.process_time()
    for first in range(0, args.count, args.batch):
        with session_scope() as session:
            for n in range(first, min(first + args.batch, args.count)):
                enqueue(session, kind="customer_notice", key=f"bench:C-{n}:customer_notice",
                        to=Recipient(f"c{n}@example.cn", f"客户 {n}", "zh-CN" if n % 2 else "en"),
                        context=context, case_id=1, customer_id=f"C-{n}")
    rendered, cpu_rendered = time.perf_counter(), time.process_time()
    counts = deliver_pending()
    delivered, cpu_delivered = time.perf_counter(), time.process_time()
    stop.set()
    server.join(30)
    shutil.rmtree(home, ignore_errors=True)
    total = delivered - started
    print(f"enqueue (render + store) {args.count} messages: {rendered - started:.1f} s "
          f"({args.count / (rendered - started):.0f}/s)")
    print(f"deliver over SMTP: {delivered - rendered:.1f} s ({args.count / (delivered - rendered):.0f}/s); {counts}")
    print(f"CPU of this process (the machine is shared: wall time also waits for a core): enqueue "
          f"{cpu_rendered - cpu_started:.1f} s, deliver {cpu_delivered - cpu_rendered:.1f} s")
    print(f"total: {total:.1f} s for {args.count} messages (target <= 60 s); server received {received.value}")
    ok = counts["sent"] == args.count == received.value and total <= 60 * args.count / 10_000
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
