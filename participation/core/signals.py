"""Signals that let domains talk without importing each other.

Each signal is sent by a service after it flushes; receivers (notifications,
later) get plain values and the sending service's objects.
"""
from blinker import Namespace

_signals = Namespace()

user_registered = _signals.signal("user-registered")
user_deleted = _signals.signal("user-deleted")
roles_changed = _signals.signal("roles-changed")

# Sent before reference data (a department, district or category) is retired
# or restored. A receiver returns a message explaining why it must not be, or
# None; the first message refuses the change. This lets a higher domain (ideas
# routes categories to departments) guard a lower one without an import.
reference_retiring = _signals.signal("reference-retiring")
reference_restoring = _signals.signal("reference-restoring")

idea_submitted = _signals.signal("idea-submitted")
# An idea's status moved (sender: the idea; from_status, to_status, actor), sent with its timeline row.
idea_status_changed = _signals.signal("idea-status-changed")
idea_withdrawn = _signals.signal("idea-withdrawn")
vote_cast = _signals.signal("vote-cast")
tier_reached = _signals.signal("tier-reached")

# Deliberation: a comment was posted (sender: the comment; `subject` is what it
# discusses), and a moderator decided on a comment or an idea (sender: the
# moderation action; its author is told the reason).
comment_posted = _signals.signal("comment-posted")
moderation_decided = _signals.signal("moderation-decided")

# Outcomes and responses: a round closed (sender: the round; `outcome`), its
# outcome was published (sender: the round), an official response was posted or
# revised (sender: the revision; `idea`), and a response clock needs attention
# (sender: the ResponseDue; `kind` is "due_soon", "overdue" or "admins").
round_closed = _signals.signal("round-closed")
# A round entered a phase that follows from its dates (sender: the round; `phase`: submission or voting).
round_phase_changed = _signals.signal("round-phase-changed")
outcome_published = _signals.signal("outcome-published")
response_posted = _signals.signal("response-posted")
response_reminder = _signals.signal("response-reminder")

# Monitoring panels: a panel's members were drawn (sender: the panel), a campaign
# closed with its frozen scorecard (sender: the campaign; `scorecard`), and a
# scorecard was published with the department's answer (sender: the campaign).
panel_selection_made = _signals.signal("panel-selection-made")
# A campaign opened, or closes within a day (sender: the campaign; `members`: user ids of the panel).
campaign_opened = _signals.signal("campaign-opened")
campaign_closing_soon = _signals.signal("campaign-closing-soon")
campaign_closed = _signals.signal("campaign-closed")
scorecard_published = _signals.signal("scorecard-published")

# Civil requests: a step on a request's timeline (sender: the request; `event`: its RequestEvent,
# `now`), and delay alerts claimed by one batch of the alert sweep (sender: the alert's kind,
# "due_soon", "overdue", "applicant_overdue", "admins", "progress" or "survey_reminder";
# `alerts`: [(request, mark)], the mark naming this occurrence of the alert; `now`).
civil_request_step = _signals.signal("civil-request-step")
civil_request_alert = _signals.signal("civil-request-alert")
