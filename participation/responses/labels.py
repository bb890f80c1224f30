"""What residents read for each decision and each reason an answer is owed, in one place for forms and templates."""
from participation.core.i18n import lazy_gettext as _l

DECISION_LABELS = {
    "accepted": _l("Accepted"),
    "partially_accepted": _l("Partially accepted"),
    "under_review": _l("Under review"),
    "rejected": _l("Rejected"),
    "in_progress": _l("Already in progress"),
}

# Said under each choice on the answer form, so officials pick the decision residents will understand.
DECISION_HINTS = {
    "accepted": _l("The city will carry out the idea."),
    "partially_accepted": _l("The city will carry out part of the idea; explain which part."),
    "under_review": _l("A decision needs more study; say when residents will hear."),
    "rejected": _l("The city will not carry out the idea; explain why."),
    "in_progress": _l("The city was already doing this before the idea was proposed."),
}

DUE_REASON_LABELS = {
    "selected": _l("Selected in the vote"),
    "tier": _l("Reached a response tier"),
    "scorecard": _l("A monitoring panel's scorecard"),
}
