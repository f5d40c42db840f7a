"""Putting one stored message on the wire: SMTP (one connection reused for a batch) or .eml files.

Every outcome that is not success is one of three exceptions, and the sender's bookkeeping depends
only on which: ``NotSent`` (certainly not delivered: retry later), ``Rejected`` (the server refused
it for good: 5xx) and ``InDoubt`` (the whole message went out but the server's verdict was lost:
it may have been accepted, so it must not be retried blindly).
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from handover.errors import HandoverError

_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
_NETWORK_ERRORS = (smtplib.SMTPServerDisconnected, OSError)


class DeliveryError(Exception):
    """Base of the outcomes that are not success."""


class NotSent(DeliveryError):
    """Temporary: the message certainly did not go out (4xx, refused or dropped connection before DATA)."""


class Unavailable(NotSent):
    """No connection to the server at all: the rest of the batch waits for the next run."""


class Rejected(DeliveryError):
    """Permanent: the server refused the message (5xx); retrying cannot help."""


class InDoubt(DeliveryError):
    """The message was transmitted but the server's answer never arrived: it may have been accepted."""


class Transport(Protocol):
    def send(self, *, name: str, sender: str, recipient: str, mime: str) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpTarget:
    security: str  # "plain" | "starttls" | "tls"
    host: str
    port: int
    username: str | None
    password: str | None
    timeout: float


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://host:port``, ``smtp+starttls://user:pass@host:587`` or ``smtps://...``; ``?timeout=SECONDS``."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS:
        raise HandoverError(f"setting smtp_url: scheme {parts.scheme!r} is not one of smtp, smtp+starttls, smtps")
    if not parts.hostname:
        raise HandoverError("setting smtp_url: no host name")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
        timeout = float(parse_qs(parts.query).get("timeout", ["30"])[0])
    except ValueError as exc:
        raise HandoverError(f"setting smtp_url: {exc}") from None
    security = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}[parts.scheme]
    return SmtpTarget(security, parts.hostname, port, unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None, timeout)


def _verdict(stage: str, code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    message = f"{stage}: {code} {text}".strip()
    return Rejected(message) if 500 <= code < 600 else NotSent(message)


def _dot_stuffed(mime: str) -> bytes:
    data = re.sub(r"(?:\r\n|\n|\r)", "\r\n", mime).encode("ascii")
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n"


class SmtpTransport:
    """One SMTP connection, opened on first use and kept for the whole batch."""

    def __init__(self, target: SmtpTarget):
        self.target = target
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        t = self.target
        try:
            if t.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(t.host, t.port, timeout=t.timeout,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(t.host, t.port, timeout=t.timeout)
            smtp.ehlo_or_helo_if_needed()
            if t.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if t.username:
                smtp.login(t.username, t.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise Unavailable(f"login to {t.host}:{t.port} refused: {exc.smtp_code} {exc.smtp_error!r}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise Unavailable(f"cannot connect to {t.host}:{t.port}: {exc}") from None
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def _reset(self) -> None:
        """After a refusal the session must be reset before the next message; a broken one is dropped."""
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _envelope(self, smtp: smtplib.SMTP, sender: str, recipient: str) -> None:
        """MAIL, RCPT, DATA up to the server's go-ahead (354). Nothing of the message is sent yet."""
        for stage, (code, reply), accepted in (
            ("MAIL FROM", smtp.mail(sender), (250,)),
            ("RCPT TO", smtp.rcpt(recipient), (250, 251)),
            ("DATA", smtp.docmd("DATA"), (354,)),
        ):
            if code not in accepted:
                if code == 421:
                    self._drop()
                else:
                    self._reset()
                raise _verdict(stage, code, reply)

    def send(self, *, name: str, sender: str, recipient: str, mime: str) -> None:
        payload = _dot_stuffed(mime)
        for attempt in (1, 2):
            reused = self._smtp is not None
            smtp = self._smtp = self._smtp or self._connect()
            try:
                self._envelope(smtp, sender, recipient)
                break
            except _NETWORK_ERRORS as exc:
                self._drop()
                if not (reused and attempt == 1):  # a kept connection may have timed out: one fresh try
                    raise NotSent(f"connection lost before the message was sent: {exc}") from None
        try:
            smtp.send(payload)
            code, reply = smtp.getreply()
        except _NETWORK_ERRORS as exc:
            self._drop()
            raise InDoubt(f"connection lost after the message was transmitted, before the server answered: {exc}") from None
        if code != 250:
            self._reset()
            raise _verdict("end of DATA", code, reply)

    def verify(self) -> None:
        """Connect (and log in) once, then hang up; raises Unavailable naming what failed (`handover doctor`)."""
        self._smtp = self._connect()
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        self._drop()


class FileTransport:
    """Without an SMTP server: each message becomes ``<outbox_dir>/<name>.eml`` (written atomically)."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, *, name: str, sender: str, recipient: str, mime: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            target = self.directory / f"{name}.eml"
            partial = target.with_suffix(".eml.partial")
            partial.write_bytes(mime.encode("ascii"))
            os.replace(partial, target)
        except OSError as exc:
            raise Unavailable(f"cannot write to {self.directory}: {exc}") from None

    def close(self) -> None:
        pass


def open_transport(smtp_url: str | None, outbox_dir: Path) -> Transport:
    return SmtpTransport(parse_smtp_url(smtp_url)) if smtp_url else FileTransport(outbox_dir)
