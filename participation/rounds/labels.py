"""What residents read for each round phase and responder."""
from participation.core.i18n import lazy_gettext as _l

PHASE_LABELS = {
    "draft": _l("Draft"),
    "upcoming": _l("Upcoming"),
    "submission": _l("Accepting ideas"),
    "review": _l("Under review"),
    "voting": _l("Voting"),
    "closed": _l("Closed"),
    "published": _l("Outcome published"),
}
RESPONDER_LABELS = {
    "department": _l("the owning department"),
    "mayor_office": _l("the mayor's office"),
}
