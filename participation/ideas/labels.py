"""What residents read for each idea status and timeline event (one lookup each, in their language)."""
from participation.core.i18n import lazy_gettext as _l

STATUS_LABELS = {
    "published": _l("Open"),
    "hidden": _l("Hidden"),
    "withdrawn": _l("Withdrawn"),
    "selected": _l("Selected"),
    "not_selected": _l("Not selected"),
    "answered": _l("Answered"),
    "implemented": _l("Implemented"),
    # Shown instead of a result status until the round's outcome is published (ideas.visibility).
    "results_pending": _l("Voting closed"),
}
# The status filter says more than a badge has room for.
STATUS_FILTER_LABELS = {"results_pending": _l("Voting closed, results not yet published")}
EVENT_LABELS = {
    "submitted": _l("Submitted"),
    "edited": _l("Edited"),
    "update_posted": _l("Update posted"),
    "withdrawn": _l("Withdrawn"),
    "hidden": _l("Hidden by moderation"),
    "restored": _l("Restored"),
    "tier_reached": _l("Reached a response tier"),
    "selected": _l("Selected"),
    "not_selected": _l("Not selected"),
    "answered": _l("Answered"),
    "response_revised": _l("Official response revised"),
    "progress": _l("Implementation progress"),
    "implemented": _l("Implemented"),
}
