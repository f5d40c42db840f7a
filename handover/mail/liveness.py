"""Which sender runs are alive: each run holds an exclusive lock on a file named after its token.

The operating system drops the lock when the process ends, however it ends. A row found ``sending``
whose claimer holds no lock was claimed by a run that died mid-message: that row is in doubt. A row
claimed by a live run (another sender working at the same moment) is left alone.
The lock files live under the handover home, so this covers senders on one host (the deployment:
one scheduler); see docs/mail.md.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from pathlib import Path


class SenderRun:
    """The lock of one ``deliver_pending`` run; ``token`` is written into the rows it claims."""

    def __init__(self, home: Path):
        self.directory = home / "senders"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.token = uuid.uuid4().hex
        self._path = self.directory / f"{self.token}.lock"
        self._fd = os.open(self._path, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        if self._fd >= 0:
            self._path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> "SenderRun":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_alive(home: Path, token: str) -> bool:
    """True while the run that wrote ``token`` is still running."""
    if not token or not token.isalnum():
        return False
    path = home / "senders" / f"{token}.lock"
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)  # left behind by a run that died
    return False
