"""Every event a person can be told of: its kind (which preference governs it) and its words.

A notification stores its event's name and plain parameters; the words are made when it is
shown or mailed, in the reader's language. Codes among the parameters (a status, a decision,
a reason, a phase) are turned into words here, with the labels their domains already use.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale, ngettext

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
    # Civil requests, to their applicant ("number": the tracking number; "note": the step's reason or question).
    "cr_filed": Event(Kind.REQUESTS, _l("Your civil request “%(title)s” was received, number %(number)s. %(department)s handles it; the answer is due by %(due)s."),
                      _l("Your civil request was received")),
    "cr_started": Event(Kind.REQUESTS, _l("%(department)s has started handling your civil request “%(title)s”."),
                        _l("Your civil request is being handled")),
    "cr_supplement_asked": Event(Kind.REQUESTS, _l("%(department)s needs more from you on “%(title)s”: “%(note)s”. The period is paused until you add it."),
                                 _l("Your civil request needs a supplement")),
    "cr_transferred": Event(Kind.REQUESTS, _l("Your civil request “%(title)s” was transferred from %(from_department)s to %(department)s. Reason: %(note)s"),
                            _l("Your civil request was transferred")),
    "cr_cohandling_told": Event(Kind.REQUESTS, _l("%(helper)s was asked to help %(department)s with your civil request “%(title)s”."),
                                _l("Another department helps with your civil request")),
    "cr_extended": Event(Kind.REQUESTS, _l("The period for “%(title)s” was extended: the answer is now due by %(due)s. "
                                           "Handled by %(department)s, reached on %(contact)s. Reason: %(note)s"),
                         _l("The period of your civil request was extended")),
    "cr_completed": Event(Kind.REQUESTS, _l("%(department)s answered your civil request “%(title)s”: %(result)s. Read the answer and tell us how satisfied you are."),
                          _l("Your civil request was answered")),
    "cr_closed_repeat": Event(Kind.REQUESTS, _l("Your civil request “%(title)s” was closed: the same complaint was answered twice before. Reason: %(note)s"),
                              _l("Your civil request was closed")),
    "cr_follow_up_answered": Event(Kind.REQUESTS, _l("%(department)s answered your follow-up on “%(title)s”."), _l("Your follow-up was answered")),
    "cr_overdue_applicant": Event(Kind.REQUESTS, _l("The answer to your civil request “%(title)s” is late: it was due by %(due)s. %(department)s has been alerted."),
                                  _l("The answer to your civil request is late")),
    "cr_progress": Event(Kind.REQUESTS, _l("Your civil request “%(title)s” is still being handled by %(department)s; the answer is due by %(due)s."),
                         _l("Progress on your civil request")),
    "cr_progress_paused": Event(Kind.REQUESTS, _l("Your civil request “%(title)s” is waiting for your supplement; %(department)s continues once you add it."),
                                _l("Progress on your civil request")),
    "cr_survey": Event(Kind.REQUESTS, _l("How did %(department)s do with “%(title)s”? Rate the answer. If the problem is not fixed, you can reopen the request until %(until)s."),
                       _l("How was the answer to your civil request?")),
    # Civil requests, to those who reported the same problem ("step": what happened).
    "cr_supporter_news": Event(Kind.FOLLOWED, _l("“%(title)s”, a problem you reported too: %(step)s."), _l("News about a problem you reported")),
    "cr_supporter_answered": Event(Kind.FOLLOWED, _l("“%(title)s”, a problem you reported too, was answered: %(result)s."),
                                   _l("A problem you reported was answered")),
    # Civil requests, to officials ("helper": a co-handling department) and administrators.
    "cr_new": Event(Kind.OFFICIAL, _l("A new civil request for %(department)s: “%(title)s”, due by %(due)s."), _l("A new civil request for your department")),
    "cr_transferred_in": Event(Kind.OFFICIAL, _l("“%(title)s” was transferred to %(department)s from %(from_department)s. Reason: %(note)s"),
                               _l("A civil request was transferred to your department")),
    "cr_supplemented": Event(Kind.OFFICIAL, _l("The applicant added what was asked on “%(title)s”: the period runs again."),
                             _l("A supplement arrived")),
    "cr_cohandling_asked": Event(Kind.OFFICIAL, _l("%(department)s asks %(helper)s for its part in the civil request “%(title)s”."),
                                 _l("Your department is asked to help with a civil request")),
    "cr_cohandling_answered": Event(Kind.OFFICIAL, _l("%(helper)s gave its part in “%(title)s”."), _l("A department gave its part")),
    "cr_consented": Event(Kind.OFFICIAL, _l("The applicant agreed to a further extension of “%(title)s”."),
                          _l("The applicant agreed to a further extension")),
    "cr_reopened": Event(Kind.OFFICIAL, _l("“%(title)s” was reopened: the applicant says the problem is not fixed. The answer is due by %(due)s."),
                         _l("A civil request was reopened")),
    "cr_follow_up": Event(Kind.OFFICIAL, _l("The applicant is not satisfied with the answer to “%(title)s”: it is back in the queue of %(department)s as a follow-up."),
                          _l("A follow-up is waiting")),
    "cr_due_soon": Event(Kind.OFFICIAL, _l("A civil request for %(department)s is due within one working day, by %(due)s: “%(title)s”."),
                         _l("A civil request is due within a working day")),
    "cr_overdue": Event(Kind.OFFICIAL, _l("A civil request for %(department)s is overdue (due %(due)s): “%(title)s”."), _l("A civil request is overdue")),
    "cr_admins": Event(Kind.OFFICIAL, _l("Three working days overdue: “%(title)s” still awaits an answer from %(department)s (due %(due)s)."),
                       _l("A civil request is three working days overdue")),
}

KIND_LABELS = {
    Kind.MY_IDEAS.value: _l("My ideas and comments: votes reaching a tier, comments, status, answers, moderation"),
    Kind.FOLLOWED.value: _l("Ideas and rounds I follow, and problems I reported too: news, answers, phases, closing, outcomes"),
    Kind.REPLIES.value: _l("Replies to my comments"),
    Kind.PANELS.value: _l("Monitoring panels: selection, campaigns opening and closing, scorecards"),
    Kind.OFFICIAL.value: _l("My department's work: new ideas and civil requests, answers due and overdue"),
    Kind.REQUESTS.value: _l("My civil requests: every step, delays, the satisfaction survey"),
}
KIND_SHORT = {
    Kind.MY_IDEAS.value: _l("my ideas and comments"),
    Kind.FOLLOWED.value: _l("ideas and rounds I follow"),
    Kind.REPLIES.value: _l("replies to my comments"),
    Kind.PANELS.value: _l("monitoring panels"),
    Kind.OFFICIAL.value: _l("my department's work"),
    Kind.REQUESTS.value: _l("my civil requests"),
}
CHANNEL_LABELS = {"email": _l("In the list and by email"), "in_app": _l("In the list only"), "off": _l("Off")}


def _words(params: dict) -> dict:
    """Codes among the parameters, in words; dates in Seoul time."""
    from participation.civil_requests.labels import EVENT_LABELS as REQUEST_EVENT_LABELS
    from participation.civil_requests.labels import RESULT_LABELS as REQUEST_RESULT_LABELS
    from participation.core.time import format_local_datetime
    from participation.deliberation.labels import MODERATION_REASON_LABELS
    from participation.ideas.labels import STATUS_LABELS
    from participation.responses.labels import DECISION_LABELS
    from participation.rounds.labels import PHASE_LABELS

    words = dict(params)
    english = str(get_locale() or "ko") == "en"
    for name in [name for name in words if name.endswith("_en")]:
        # A name given in both languages ("department" and "department_en"): the reader's.
        english_name = words.pop(name)
        if english and english_name and name[:-3] in words:
            words[name[:-3]] = english_name
    lookups = {"status": STATUS_LABELS, "decision": DECISION_LABELS, "reason": MODERATION_REASON_LABELS, "phase": PHASE_LABELS,
               "result": REQUEST_RESULT_LABELS, "step": REQUEST_EVENT_LABELS}
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
    for name in ("due", "when", "until"):
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
