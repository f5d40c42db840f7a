"""Assemble the complete RFC 5322 message that the outbox stores and the sender transmits unchanged.

text/plain + text/html as multipart/alternative (plus the invitation as text/calendar; method=REQUEST,
inline as the third alternative and as an ``invite.ics`` attachment, the shape calendar programs
recognise). Everything is 7-bit on the wire: UTF-8 subjects and names as RFC 2047 encoded words,
bodies in base64, so no server needs SMTPUTF8 or 8BITMIME.

Written out directly rather than through ``email.message.EmailMessage``, whose header registry costs
~25x more per message (the benchmark renders 10,000); the tests parse the result with the standard
``email`` parser.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from email.utils import format_datetime, formataddr

from handover.errors import HandoverError
from handover.mail.message import Recipient
from handover.mail.render import RenderedMail


def message_id_for(key: str, sender: str) -> str:
    """The Message-ID of the message with idempotency key ``key``: the same key always gives the same id,
    so a message resent by a person after an in-doubt delivery can be recognised as a duplicate."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    domain = sender.rpartition("@")[2] or "handover.invalid"
    return f"<{digest}.handover@{domain}>"


def _encoded_words(value: str) -> str:
    """RFC 2047 "B" encoded words of at most 75 characters each, folded onto continuation lines."""
    words, chunk = [], b""
    for char in value:
        piece = char.encode("utf-8")
        if len(chunk) + len(piece) > 45:  # 45 bytes -> 60 base64 characters -> a 72-character word
            words.append(chunk)
            chunk = b""
        chunk += piece
    words.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words)


def _header_text(value: str) -> str:
    """A header value: short ASCII as is, anything else as RFC 2047 encoded words."""
    if any(c in value for c in "\r\n"):
        raise HandoverError(f"header value {value!r} contains a line break")
    return value if value.isascii() and len(value) < 900 else _encoded_words(value)


def _address(name: str, email: str, what: str) -> str:
    if not email.isascii() or any(c in email for c in " <>,;\"\r\n") or email.count("@") != 1:
        raise HandoverError(f"{what} address {email!r} is not a plain email address")
    if any(c in name for c in "\r\n"):
        raise HandoverError(f"{what} name {name!r} contains a line break")
    return formataddr((name, email)) if name.isascii() else f"{_encoded_words(name)} <{email}>"


def _part(content_type: str, payload: bytes, extra: tuple[str, ...] = ()) -> list[str]:
    body = base64.encodebytes(payload).decode("ascii").rstrip("\n")
    return [f"Content-Type: {content_type}", "Content-Transfer-Encoding: base64", *extra, "", body]


def _multipart(subtype: str, boundary: str, parts: list[list[str]]) -> list[str]:
    lines = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"', ""]
    for part in parts:
        lines += [f"--{boundary}", *part]
    return lines + [f"--{boundary}--", ""]


def build_mime(rendered: RenderedMail, *, to: Recipient, sender: str, sender_name: str, date: datetime,
               message_id: str, locale: str, ics: str | None = None) -> str:
    """The message as text with CRLF line ends, ready for SMTP DATA."""
    # Boundaries never occur in base64 bodies (no '-' or '_' in its alphabet).
    seed = message_id.strip("<>").partition(".")[0][:24]
    headers = [
        f"From: {_address(sender_name, sender, 'sender')}",
        f"To: {_address(to.name, to.email, 'recipient')}",
        f"Subject: {_header_text(rendered.subject)}",
        f"Date: {format_datetime(date)}",
        f"Message-ID: {message_id}",
        f"Content-Language: {locale}",
        "Auto-Submitted: auto-generated",
        "MIME-Version: 1.0",
    ]
    alternatives = [_part('text/plain; charset="utf-8"', rendered.text.encode("utf-8")),
                    _part('text/html; charset="utf-8"', rendered.html.encode("utf-8"))]
    if ics is None:
        body = _multipart("alternative", f"==alt-{seed}==", alternatives)
    else:
        invitation = ics.encode("utf-8")
        alternatives.append(_part('text/calendar; charset="utf-8"; method=REQUEST', invitation))
        attachment = _part('application/ics; name="invite.ics"', invitation,
                           ('Content-Disposition: attachment; filename="invite.ics"',))
        body = _multipart("mixed", f"==mixed-{seed}==",
                          [_multipart("alternative", f"==alt-{seed}==", alternatives), attachment])
    return "\r\n".join(headers + body).replace("\r\n", "\n").replace("\n", "\r\n")
