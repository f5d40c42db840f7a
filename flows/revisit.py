"""The daily follow-up work across all cases: revisit reminders, escalations, surveys."""

from __future__ import annotations

from prefect import flow

from tasks.revisit import escalate_overdue, invite_to_surveys, remind_successors, remind_surveys


@flow(name="follow-up", log_prints=False)
def follow_up() -> dict:
    """Remind successors, escalate overdue revisits, invite and remind surveys."""
    return {
        "revisit_reminders": remind_successors(),
        "escalations": escalate_overdue(),
        "survey_invitations": invite_to_surveys(),
        "survey_reminders": remind_surveys(),
    }
