"""`handover meeting reschedule`: move a three-way meeting; the attendees' calendars follow."""

from __future__ import annotations

from typing import Annotated

import typer

from handover import meetings
from handover.cli.app import app, out, print_json

meeting_app = typer.Typer(help="Three-way meetings: move one to another time.")
app.add_typer(meeting_app, name="meeting")


@meeting_app.command("reschedule")
def reschedule(
    case_id: Annotated[int, typer.Argument(help="the offboarding case")],
    customer_id: Annotated[str, typer.Argument(help="the customer the meeting is with")],
    at: Annotated[str, typer.Option("--at", help="new start, local time 'YYYY-MM-DD HH:MM'")],
    by: Annotated[str, typer.Option("--by", help="the successor, the departing rep, their manager or an admin "
                                                 "(default: HANDOVER_USER)")] = "",
    json: Annotated[bool, typer.Option("--json", help="print one JSON document on stdout")] = False,
) -> None:
    """Move a meeting: every attendee gets an updated invitation (same calendar event, next SEQUENCE)."""
    moved = meetings.reschedule(case_id, customer_id, at=meetings.parse_meeting_time(at), by=by)
    if json:
        print_json(moved)
        return
    if not moved["changed"]:
        out.print(f"the meeting with {customer_id} is already at {moved['starts_at']:%Y-%m-%d %H:%M}; nothing sent",
                  highlight=False)
        return
    out.print(f"meeting with {customer_id} moved to {moved['starts_at']:%Y-%m-%d %H:%M}-{moved['ends_at']:%H:%M} "
              f"(sequence {moved['sequence']}); updated invitations queued for the three attendees", highlight=False)
