"""Test-only fault injection for `handover` processes started by the crash-safety tests.

Python imports ``sitecustomize`` at start-up from the first directory on ``sys.path`` that has one;
the tests put this directory on PYTHONPATH of the processes they start, and only then. Nothing in the
application knows about it. It watches three kinds of points of the process's own work:

- ``commit<`` / ``commit>``: before / after every database commit (SQLAlchemy session events);
- ``smtp``: right after a whole message (up to the final ``.``) went to the SMTP server, before its reply
  (``smtp-notice`` when that message is a customer notice).

Each point is labelled with the stage it belongs to, found on the call stack (innermost known function
wins). Environment:

- ``HANDOVER_FAULTS_LOG=FILE``: append ``label event`` per point (calibration, and where a process died);
- ``HANDOVER_FAULTS_KILL=LABEL:EVENT:K``: SIGKILL this process at the K-th point with that label and event
  (``*`` matches any), a real kill: no cleanup, no atexit, no rollback by the client;
- ``HANDOVER_FAULTS_PAUSE=LABEL:EVENT:K:PATH``: at that point create ``PATH.paused`` and wait until
  ``PATH.go`` exists (the test does something to the world meanwhile);
- ``HANDOVER_FAULTS_NOTICE_BATCH=N``: customers per notice-stage transaction (so a small company has
  several batches).
"""

from __future__ import annotations

import os
import signal
import sys
import time

LABELS = {
    "open_case": "open", "take_inventory": "inventory", "classify_customers": "classify", "draft_plan": "plan",
    "request_approval": "approve", "decide_plan": "decide", "hold_meetings": "meeting",
    "notify_customers": "notice", "schedule_revisits": "revisit", "evaluate_case": "evaluate",
    "deliver_pending": "mail", "follow_up": "follow-up", "_mark_departed": "depart",
}


class Trigger:
    """``LABEL:EVENT:K[:PATH]``: the K-th point with that label and event (``*`` matches any)."""

    def __init__(self, value: str | None, parts: int):
        fields = value.split(":", parts - 1) if value else None
        self.active = bool(fields)
        if fields:
            self.label, self.event, self.k = fields[0], fields[1], int(fields[2])
            self.path = fields[3] if parts == 4 else None
        self.count = 0

    def hit(self, label: str, event: str) -> bool:
        if not self.active or self.label not in ("*", label) or self.event not in ("*", event):
            return False
        self.count += 1
        return self.count == self.k


class Faults:
    def __init__(self, environ):
        self.log_path = environ.get("HANDOVER_FAULTS_LOG")
        self.kill = Trigger(environ.get("HANDOVER_FAULTS_KILL"), 3)
        self.pause = Trigger(environ.get("HANDOVER_FAULTS_PAUSE"), 4)

    @staticmethod
    def label() -> str:
        frame = sys._getframe(2)
        while frame is not None:
            found = LABELS.get(frame.f_code.co_name)
            if found:
                return found
            frame = frame.f_back
        return "other"

    def point(self, event: str) -> None:
        label = self.label()
        if self.log_path:
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(f"{label} {event}\n")
        if self.kill.hit(label, event):
            os.kill(os.getpid(), signal.SIGKILL)
        if self.pause.hit(label, event):
            open(f"{self.pause.path}.paused", "w").close()
            while not os.path.exists(f"{self.pause.path}.go"):
                time.sleep(0.05)


def _install(faults: Faults) -> None:
    import smtplib

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    event.listen(Session, "before_commit", lambda session: faults.point("commit<"))
    event.listen(Session, "after_commit", lambda session: faults.point("commit>"))
    from handover.mail import transport

    send, deliver, sending = smtplib.SMTP.send, transport.SmtpTransport.send, {"name": ""}

    def watched_send(self, data):
        send(self, data)
        if isinstance(data, bytes) and data.endswith(b"\r\n.\r\n"):
            faults.point("smtp-notice" if sending["name"].endswith("customer_notice") else "smtp")

    def named_deliver(self, *, name, **message):
        sending["name"] = name
        return deliver(self, name=name, **message)

    smtplib.SMTP.send, transport.SmtpTransport.send = watched_send, named_deliver
    batch = os.environ.get("HANDOVER_FAULTS_NOTICE_BATCH")
    if batch:
        import tasks.notice

        tasks.notice.BATCH = int(batch)


if any(os.environ.get(name) for name in ("HANDOVER_FAULTS_LOG", "HANDOVER_FAULTS_KILL", "HANDOVER_FAULTS_PAUSE",
                                          "HANDOVER_FAULTS_NOTICE_BATCH")):
    _install(Faults(os.environ))
