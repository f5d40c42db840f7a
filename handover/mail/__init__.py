"""Communications: templates in the recipient's language, ICS invitations, the transactional outbox
and the SMTP/file sender that delivers each message exactly once (see docs/mail.md).

    from handover.mail import enqueue, deliver_pending, CalendarEvent, Recipient
"""

from handover.mail.message import CalendarEvent, Recipient
from handover.mail.outbox import enqueue
from handover.mail.render import RenderedMail, kinds, render
from handover.mail.sender import deliver_pending, resend

__all__ = ["CalendarEvent", "Recipient", "RenderedMail", "deliver_pending", "enqueue", "kinds", "render", "resend"]
