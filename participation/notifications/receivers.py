"""From signals to notifications. Each receiver runs in the sender's write transaction, so a
notification (and its email in the outbox) is committed with its event or not at all.

Receivers read only what the signal carries (and the objects it carries reach); who is
told is decided here. Keys name the event, so a signal sent twice tells nobody twice.
"""
from __future__ import annotations

from participation.core import signals
from participation.extensions import db
from participation.notifications import services as notes


def _idea_subject(idea, anchor: str | None = None):
    return notes.subject("idea", idea.id, "ideas.detail", idea_id=idea.id, **({"_anchor": anchor} if anchor else {}))


def _round_subject(round_):
    return notes.subject("round", round_.id, "ideas.round_detail", round_id=round_.id)


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


# --- ideas -----------------------------------------------------------------------------------------


def _idea_submitted(idea, now, **_):
    if idea.author_id is not None:
        notes.follow(idea.author, "idea", idea.id, now, automatic=True)
    department = idea.category.department
    notes.notify(
        notes.officials_of(department.id), "routed_idea", f"routed:{idea.id}", _idea_subject(idea),
        {"title": idea.title, "department": department.name_ko}, now, skip=[idea.author_id],
    )


def _vote_cast(idea, user, now, **_):
    notes.follow(user, "idea", idea.id, now, automatic=True)


def _tier_reached(idea, tier, due_at, now, **_):
    if idea.author_id is not None:
        notes.notify([idea.author_id], "tier_reached", f"tier:{idea.id}:{tier.threshold}", _idea_subject(idea),
                     {"title": idea.title, "threshold": tier.threshold, "due": _iso(due_at)}, now)


# Status changes told as such; selection is told at publication, answers as answers, moderation as moderation.
TOLD_STATUSES = {"implemented", "withdrawn"}


def _idea_status_changed(idea, from_status, to_status, now, actor=None, **_):
    if to_status not in TOLD_STATUSES or from_status == to_status:
        return
    if from_status == "hidden":
        return  # a moderator's restore (told as such), not news: the idea had this status before it was hidden
    if to_status != "withdrawn" and idea.round.published_at is None:
        return  # "implemented" is a result: the administration's until the outcome is published
    key = f"status:{idea.id}:{to_status}:{now.isoformat()}"
    params = {"title": idea.title, "status": to_status}
    about = _idea_subject(idea)
    actor_id = getattr(actor, "id", None)
    if idea.author_id is not None and idea.author_id != actor_id:
        notes.notify([idea.author_id], "own_status", key, about, params, now)
    notes.notify(notes.followers("idea", idea.id), "status", key, about, params, now, skip=[idea.author_id, actor_id])


def _answer_told(idea, revision_id: int, decision: str, now, answered_by: int | None = None, followers: list[int] | None = None) -> None:
    notes.notify_each(_answer_messages(idea, revision_id, decision, answered_by, followers), now)


def _answer_messages(idea, revision_id: int, decision: str, answered_by: int | None, followers: list[int] | None = None) -> list:
    key = f"answer:{revision_id}"
    params = {"title": idea.title, "decision": decision}
    about = _idea_subject(idea, "official-response")
    told = []
    if idea.author_id is not None and idea.author_id != answered_by:
        told += notes.messages([idea.author_id], "own_answered", key, about, params)
    following = notes.followers("idea", idea.id) if followers is None else followers
    return told + notes.messages(following, "answered", key, about, params, skip=[idea.author_id, answered_by])


def _response_posted(revision, idea, now, **_):
    """An answer is news once residents can see it: at once after publication, else at the publication."""
    if idea is None or idea.round.published_at is None:
        return
    _answer_told(idea, revision.id, revision.decision, now, answered_by=revision.author_id)


# --- rounds and outcomes -----------------------------------------------------------------------------


def _round_phase_changed(round_, phase, now, **_):
    notes.notify(notes.followers("round", round_.id), "round_phase", f"phase:{round_.id}:{phase}", _round_subject(round_),
                 {"round": round_.title, "phase": phase}, now)


def _round_closed(round_, now, **_):
    notes.notify(notes.followers("round", round_.id), "round_closed", f"closed:{round_.id}", _round_subject(round_),
                 {"round": round_.title, "when": _iso(round_.publishes_at)}, now)


def _outcome_published(round_, now, ideas=(), selected=frozenset(), answers=None, actor=None, **_):
    """`answers`: idea id -> (revision id, decision[, the answering official's user id]); `actor`: who published early.

    Set-based: the followers of every idea are read at once and everything is told through one
    notify_each, a fixed number of statements per chunk of people told, not a batch per idea."""
    with notes.paths():
        told = _outcome_messages(round_, ideas, selected, answers, getattr(actor, "id", None))
    notes.notify_each(told, now)


def _outcome_messages(round_, ideas, selected, answers, actor_id) -> list:
    about = notes.subject("round", round_.id, "outcomes.outcome", round_id=round_.id)
    told = notes.messages(notes.followers("round", round_.id), "outcome_published", f"outcome:{round_.id}", about, {"round": round_.title},
                          skip=[actor_id])
    ideas = [idea for idea in ideas if idea.status != "withdrawn"]
    following = notes.followers_of("idea", [idea.id for idea in ideas])
    for idea in ideas:
        chosen = idea.id in selected
        params = {"title": idea.title, "round": round_.title}
        subject = _idea_subject(idea)
        if idea.author_id is not None:
            told += notes.messages([idea.author_id], "own_selected" if chosen else "own_not_selected", f"result:{idea.id}", subject, params)
        # The idea's followers learn its result too (its status, as the public now sees it).
        told += notes.messages(following.get(idea.id, []), "status", f"result:{idea.id}", subject,
                               {**params, "status": "selected" if chosen else "not_selected"}, skip=[idea.author_id, actor_id])
        answer = (answers or {}).get(idea.id)
        if answer is not None:
            told += _answer_messages(idea, answer[0], answer[1], answer[2] if len(answer) > 2 else None, following.get(idea.id, []))
    return told


# --- discussion and moderation -----------------------------------------------------------------------------


def _thread_subject(kind_name: str, subject_id: int, subject_obj=None):
    from participation.deliberation import subjects

    kind, record = (subjects.kind_of(subject_obj), subject_obj) if subject_obj is not None else subjects.load(kind_name, subject_id)
    if kind is None or record is None:
        return None, None
    about = notes.Subject(kind.name, record.id, notes._path_of(lambda: kind.url(record)))
    return about, kind.title(record)


def _comment_posted(comment, subject, now, **_):
    if comment.status != "visible":
        return  # a held comment is told of when (if) moderators publish it
    about, title = _thread_subject("", 0, subject)
    if about is None:
        return
    about = notes.Subject(about.kind, about.id, f"{about.path}#comment-{comment.id}")
    author_id = comment.author_id
    parent = comment.parent
    replied_to = parent.author_id if parent is not None else None
    # A reply to the idea author's own comment is told to them once, as a reply.
    if about.kind == "idea" and subject.author_id is not None and subject.author_id != replied_to:
        notes.notify([subject.author_id], "commented", f"comment:{comment.id}", about,
                     {"name": comment.author.display_name if comment.author else "", "title": title}, now, skip=[author_id])
    if replied_to is not None:
        notes.notify([replied_to], "reply", f"reply:{comment.id}", about,
                     {"name": comment.author.display_name if comment.author else "", "title": title}, now, skip=[author_id])


def _moderation_decided(action, now, **_):
    if action.action not in ("auto_hidden", "hidden", "restored", "rejected", "approved"):
        return
    # The sender may not have flushed the action: its id names the event, and its comment or idea
    # are loaded only once it is in the database.
    db.session.flush()
    target = action.comment or action.idea
    if target is None or target.author_id is None:
        return
    if action.comment is not None:
        thread = action.comment.thread
        about, title = _thread_subject(thread.subject_kind, thread.subject_id)
        what = "comment"
    else:
        about, title = _idea_subject(action.idea), action.idea.title
        what = "idea"
    if about is None:
        return
    hidden = action.action in ("auto_hidden", "hidden", "rejected")
    notes.notify([target.author_id], "own_hidden" if hidden else "own_restored", f"moderation:{action.id}", about,
                 {"what": what, "title": title, "reason": action.reason or ""}, now)
    if action.action == "approved" and action.comment is not None:
        # A held comment is told of (to the idea's author, to the comment replied to) once it is published.
        from participation.deliberation import subjects

        _kind, record = subjects.load(action.comment.thread.subject_kind, action.comment.thread.subject_id)
        if record is not None:
            _comment_posted(action.comment, record, now)


# --- response clocks ---------------------------------------------------------------------------------------------


def _response_reminder(due, kind, now, **_):
    if due.idea is not None:
        title = due.idea.title
    else:
        title = due.scorecard.campaign.title
    about = notes.subject("inbox", due.id, "responses.inbox")
    params = {"title": title, "department": due.department.name_ko, "due": _iso(due.due_at)}
    if kind == "admins":
        notes.notify(notes.admins(), "admins_alert", f"alert:{due.id}", about, params, now)
    elif kind == "due_soon":
        notes.notify(notes.officials_of(due.department_id), "due_soon", f"due_soon:{due.id}", about, params, now)
    else:
        # Daily while overdue: one a day (the Seoul date names it).
        from participation.core.time import to_local

        notes.notify(notes.officials_of(due.department_id), "overdue", f"overdue:{due.id}:{to_local(now).date().isoformat()}", about,
                     params, now)


# --- panels ---------------------------------------------------------------------------------------------------


def _panel_subject(panel):
    return notes.subject("panel", panel.id, "panels.panel", panel_id=panel.id)


def _campaign_subject(campaign, endpoint: str = "panels.campaign"):
    return notes.subject("campaign", campaign.id, endpoint, campaign_id=campaign.id)


def _panel_selection_made(panel, now, selected=(), not_selected=(), late=False, **_):
    """The draw's result; `late`: a place filled afterwards (from the reserve, or by appointment)."""
    about = _panel_subject(panel)
    if late:
        notes.notify(selected, "panel_selected", f"joined:{panel.id}", about, {"panel": panel.name}, now)
        return
    notes.notify(selected, "panel_selected", f"selection:{panel.id}", about, {"panel": panel.name}, now)
    notes.notify(not_selected, "panel_not_selected", f"selection:{panel.id}", about, {"panel": panel.name}, now)


def _campaign_opened(campaign, now, members=(), **_):
    notes.notify(members, "campaign_opened", f"opened:{campaign.id}", _campaign_subject(campaign),
                 {"campaign": campaign.title, "when": _iso(campaign.closes_at)}, now)


def _campaign_closing_soon(campaign, now, members=(), **_):
    notes.notify(members, "campaign_closing", f"closing:{campaign.id}", _campaign_subject(campaign),
                 {"campaign": campaign.title, "when": _iso(campaign.closes_at)}, now)


def _campaign_closed(campaign, now, members=(), **_):
    notes.notify(members, "campaign_closed", f"campaign_closed:{campaign.id}", _campaign_subject(campaign),
                 {"campaign": campaign.title, "when": _iso(campaign.publishes_at)}, now)


def _scorecard_published(campaign, now, members=(), **_):
    notes.notify(members, "scorecard_published", f"scorecard:{campaign.id}", _campaign_subject(campaign, "panels.scorecard"),
                 {"campaign": campaign.title}, now)


def _account_deleted(user, now, **_):
    notes.forget_follows(user.id, now)
    notes.forget_emails(user.id)


def connect() -> None:
    pairs = [
        (signals.idea_submitted, _idea_submitted),
        (signals.vote_cast, _vote_cast),
        (signals.tier_reached, _tier_reached),
        (signals.idea_status_changed, _idea_status_changed),
        (signals.response_posted, _response_posted),
        (signals.round_phase_changed, _round_phase_changed),
        (signals.round_closed, _round_closed),
        (signals.outcome_published, _outcome_published),
        (signals.comment_posted, _comment_posted),
        (signals.moderation_decided, _moderation_decided),
        (signals.response_reminder, _response_reminder),
        (signals.panel_selection_made, _panel_selection_made),
        (signals.user_deleted, _account_deleted),
        (signals.campaign_opened, _campaign_opened),
        (signals.campaign_closing_soon, _campaign_closing_soon),
        (signals.campaign_closed, _campaign_closed),
        (signals.scorecard_published, _scorecard_published),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver)
