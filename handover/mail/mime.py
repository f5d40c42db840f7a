"""Assemble the complete RFC 5322 message that the outbox stores and the sender transmits unchanged.

text/plain + text/html as multipart/alternative (plus the invitation as text/calendar; method=REQUEST,
inline as the third alternative and as an ``invite.ics`` attachment, the shape calendar programs
recognise). Everything is 7-bit on the wire: UTF-8 subjects and names as RFC 2047 encoded words,
bodies as base64 or quoted-printable, so no server needs SMTPUTF8 or 8BITMIME.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from handover.errors import HandoverError
from handover.mail.message import Recipient
from handover.mail.render import RenderedMail

WIRE_POLICY = email_policy.SMTP.clone(cte_type="7bit")


def message_id_for(key: str, sender: str) -> str:
    """The Message-ID of the message with idempotency key ``key``: the same key always gives the same id,
    so a message resent by a person after an in-doubt delivery can be recognised as a duplicate."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    domain = sender.rpartition("@")[2] or "handover.invalid"
    return f"<{digest}.handover@{domain}>"


def _address(name: str, email: str, what: str) -> Address:
    try:
        return Address(display_name=name, addr_spec=email)
    except (ValueError, IndexError) as exc:
        raise HandoverError(f"{what} address {email!r}: {exc}") from None


def build_mime(rendered: RenderedMail, *, to: Recipient, sender: str, sender_name: str, date: datetime,
               message_id: str, locale: str, ics: str | None = None) -> str:
    """The message as text with CRLF line ends, ready for SMTP DATA."""
    message = EmailMessage(policy=WIRE_POLICY)
    message["From"] = _address(sender_name, sender, "sender")
    message["To"] = _address(to.name, to.email, "recipient")
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Content-Language"] = locale
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if ics is not None:
        message.add_alternative(ics, subtype="calendar", charset="utf-8", params={"method": "REQUEST"})
        message.make_mixed()
        message.add_attachment(ics.encode("utf-8"), maintype="application", subtype="ics", filename="invite.ics")
    return message.as_string(policy=WIRE_POLICY)
