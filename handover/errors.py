"""The one exception type the project raises for things a user did or gave wrong.

The CLI prints its message (no traceback) and exits non-zero; nothing was changed.
"""


class HandoverError(Exception):
    """A user-facing error: the message names what is wrong and where."""


class NotFound(HandoverError):
    """An id that names nothing stored."""


class NotAllowed(HandoverError):
    """The acting person's role or state does not allow the action."""
