"""Every event a person can be told of: its kind (which preference governs it) and its words.

A notification stores its event's name and plain parameters; the words are made when it is
shown or mailed, in the reader's language. Codes among the parameters (a status, a decision,
a reason, a phase) are turned into words here, with the labels their domains already use.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import ngettext

from participation.core.i18n import lazy_gettext as _l
from participation.notifications.models import Kind


@dataclass(frozen=True)
class Event:
    kind: Kind
    text: object  # a lazy string with %(name)s parameters
    subject: object  # the email's subject line


EVENTS: dict[str, Event] = {
    # The author of an idea (and, for status and answers, its followers).
    "tier_reached": Event(Kind.MY_IDEAS, _l("Your idea “%(title)s” reached %(votes)s: an official answer is now due by %(due)s."),
                          _l("Your idea reached a response tier")),
    "commented": Event(Kind.MY_IDEAS, _l("%(name)s commented on your idea “%(title)s”."), _l("A new comment on your idea")),
    "status": Event(Kind.FOLLOWED, _l("“%(title)s” is now: %(status)s."), _l("An idea you follow has news")),
    "answered": Event(Kind.FOLLOWED, _l("“%(title)s” has an official response: %(decision)s."), _l("An official response to an idea you follow")),
    "own_status": Event(Kind.MY_IDEAS, _l("Your idea “%(title)s” is now: %(status)s."), _l("News about your idea")),
    "own_answered": Event(Kind.MY_IDEAS, _l("Your idea “%(title)s” has an official response: %(decision)s."), _l("An official response to your idea")),
    "own_selected": Event(Kind.MY_IDEAS, _l("The outcome of “%(round)s” is published: your idea “%(title)s” was selected."),
                          _l("Your idea was selected")),
    "own_not_selected": Event(Kind.MY_IDEAS, _l("The outcome of “%(round)s” is published: your idea “%(title)s” was not selected."),
                              _l("The outcome for your idea")),
    "own_hidden": Event(Kind.MY_IDEAS, _l("Moderators hid your %(what)s on “%(title)s” (reason: %(reason)s). You may ask for a review."),
                        _l("Moderators hid your contribution")),
    "own_restored": Event(Kind.MY_IDEAS, _l("Moderators have made your %(what)s on “%(title)s” visible."), _l("Your contribution is shown")),
    # Followers of a round.
    "round_phase": Event(Kind.FOLLOWED, _l("“%(round)s” is now: %(phase)s."), _l("A round you follow has moved on")),
    "round_closed": Event(Kind.FOLLOWED, _l("Voting in “%(round)s” has closed. The outcome is published by %(when)s."),
                          _l("A round you follow has closed")),
    "outcome_published": Event(Kind.FOLLOWED, _l("The outcome of “%(round)s” is published, with the administration's answers."),
                               _l("A round's outcome is published")),
    # Commenters.
    "reply": Event(Kind.REPLIES, _l("%(name)s replied to your comment on “%(title)s”."), _l("A reply to your comment")),
    # Panel applicants and members.
    "panel_selected": Event(Kind.PANELS, _l("You were selected for “%(panel)s”. Welcome: you will be told when a campaign opens."),
                            _l("You were selected for a monitoring panel")),
    "panel_not_selected": Event(Kind.PANELS, _l("The draw for “%(panel)s” is made: you were not selected this time and are on the reserve list."),
                                _l("The result of a monitoring panel's draw")),
    "campaign_opened": Event(Kind.PANELS, _l("“%(campaign)s” is open: please evaluate by %(when)s."), _l("An evaluation campaign is open")),
    "campaign_closing": Event(Kind.PANELS, _l("“%(campaign)s” closes in 24 hours, at %(when)s."), _l("An evaluation campaign closes tomorrow")),
    "campaign_closed": Event(Kind.PANELS, _l("“%(campaign)s” has closed. Thank you. The scorecard is published by %(when)s."),
                             _l("An evaluation campaign has closed")),
    "scorecard_published": Event(Kind.PANELS, _l("The scorecard of “%(campaign)s” is published with the department's response."),
                                 _l("A scorecard is published")),
    # Officials.
    "routed_idea": Event(Kind.OFFICIAL, _l("A new idea for %(department)s: “%(title)s”."), _l("A new idea for your department")),
    "due_soon": Event(Kind.OFFICIAL, _l("An answer from %(department)s is due by %(due)s: “%(title)s”."), _l("An answer is due in 3 days")),
    "overdue": Event(Kind.OFFICIAL, _l("An answer from %(department)s is overdue (due %(due)s): “%(title)s”."), _l("An answer is overdue")),
    "admins_alert": Event(Kind.OFFICIAL, _l("Overdue by a week or more: “%(title)s” still awaits an answer from %(department)s (due %(due)s)."),
                          _l("An answer is a week overdue")),
}

KIND_LABELS = {
    Kind.MY_IDEAS.value: _l("My ideas and comments: votes reaching a tier, comments, status, answers, moderation"),
    Kind.FOLLOWED.value: _l("Ideas and rounds I follow: news, answers, phases, closing, outcomes"),
    Kind.REPLIES.value: _l("Replies to my comments"),
    Kind.PANELS.value: _l("Monitoring panels: selection, campaigns opening and closing, scorecards"),
    Kind.OFFICIAL.value: _l("My department's work: new ideas, answers due and overdue"),
}
KIND_SHORT = {
    Kind.MY_IDEAS.value: _l("my ideas and comments"),
    Kind.FOLLOWED.value: _l("ideas and rounds I follow"),
    Kind.REPLIES.value: _l("replies to my comments"),
    Kind.PANELS.value: _l("monitoring panels"),
    Kind.OFFICIAL.value: _l("my department's work"),
}
CHANNEL_LABELS = {"email": _l("In the list and by email"), "in_app": _l("In the list only"), "off": _l("Off")}


def _words(params: dict) -> dict:
    """Codes among the parameters, in words; dates in Seoul time."""
    from participation.core.time import format_local_datetime
    from participation.deliberation.labels import MODERATION_REASON_LABELS
    from participation.ideas.labels import STATUS_LABELS
    from participation.responses.labels import DECISION_LABELS
    from participation.rounds.labels import PHASE_LABELS

    words = dict(params)
    lookups = {"status": STATUS_LABELS, "decision": DECISION_LABELS, "reason": MODERATION_REASON_LABELS, "phase": PHASE_LABELS}
    for name, labels in lookups.items():
        if name in words:
            words[name] = labels.get(words[name], words[name])
    if "threshold" in words:
        try:
            threshold = int(words["threshold"])
        except (TypeError, ValueError):
            threshold = None
        if threshold is not None:
            words["votes"] = ngettext("%(votes)s vote", "%(votes)s votes", threshold, votes=f"{threshold:,}")
    if "what" in words:
        words["what"] = _l("comment") if words["what"] == "comment" else _l("idea")
    for name in ("due", "when"):
        if words.get(name):
            from datetime import datetime

            try:
                words[name] = format_local_datetime(datetime.fromisoformat(words[name]))
            except ValueError:
                pass
    return words


def text_of(event: str, params: dict) -> str:
    spec = EVENTS.get(event)
    if spec is None:
        return ""
    try:
        return str(spec.text) % {k: str(v) for k, v in _words(params).items()}
    except (KeyError, TypeError, ValueError):
        return str(spec.subject)


def subject_of(event: str) -> str:
    spec = EVENTS.get(event)
    return str(spec.subject) if spec else ""
