"""The civil-request blueprint: filing, tracking, handling, the public list. One module per concern."""
from __future__ import annotations

from flask import Blueprint

from participation.civil_requests import (
    labels,
    models,  # noqa: F401  (the tables, for the app and migrations)
    permissions,
)

bp = Blueprint("civil_requests", __name__, url_prefix="/requests")


@bp.record
def _template_globals(state):
    # Globals rather than context, so macros imported without context (and cached) can use them.
    state.app.jinja_env.globals.update(
        request_permissions=permissions,
        request_status_labels=labels.STATUS_LABELS,
        request_result_labels=labels.RESULT_LABELS,
        request_channel_labels=labels.CHANNEL_LABELS,
        request_satisfaction_labels=labels.SATISFACTION_LABELS,
        request_event_labels=labels.EVENT_LABELS,
        request_due_shown=labels.DUE_SHOWN,
        request_note_shown=labels.note_shown,
        request_clock_state=labels.clock_state,
        request_is_overdue=labels.is_overdue,
    )


from participation.civil_requests.views import admin, applicant, detail, filing, handle, location, public  # noqa: E402,F401  (their routes register on bp)
