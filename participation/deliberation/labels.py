"""Labels for stances, reasons and moderation actions, in one place for templates and forms."""
from __future__ import annotations

from participation.core.i18n import lazy_gettext as _l

STANCE_LABELS = {"for": _l("For"), "against": _l("Against"), "neutral": _l("Neutral")}

FLAG_REASON_LABELS = {
    "spam": _l("Spam or advertising"),
    "abuse": _l("Abuse, insults or hate"),
    "personal_data": _l("Someone's personal data"),
    "off_topic": _l("Off-topic"),
    "other": _l("Something else"),
}

MODERATION_REASON_LABELS = {**FLAG_REASON_LABELS, "no_violation": _l("No rule was broken")}

DECISION_LABELS = {"hide": _l("Hide"), "restore": _l("Show (restore or approve)")}

ACTION_LABELS = {
    "auto_hidden": _l("Hidden after 3 reports, until reviewed"),
    "hidden": _l("Hidden by moderators"),
    "restored": _l("Restored by moderators"),
    "approved": _l("Approved by moderators"),
    "rejected": _l("Not published by moderators"),
    "dismissed": _l("Reports reviewed; left as it was"),
    "suspended": _l("Account suspended"),
    "suspension_lifted": _l("Suspension lifted"),
}

QUEUE_REASON_LABELS = {
    "flagged": _l("Reported"),
    "held": _l("New account's comment with links"),
    "review_requested": _l("Author asked for a review"),
    "moderator": _l("Raised by a moderator"),
}

COMMENT_STATUS_LABELS = {
    "visible": _l("Shown"),
    "held": _l("Waiting for a moderator"),
    "rejected": _l("Not published"),
    "hidden": _l("Hidden"),
    "deleted": _l("Deleted by its author"),
}
