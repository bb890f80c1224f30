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


# --- civil requests -----------------------------------------------------------------------------------------

NOTE_CHARS = 300  # a reason or a question quoted in a message
# Steps whose note is quoted to whoever is told (not the answer itself: the request's page has it).
_NOTED_STEPS = frozenset({"supplement_requested", "transferred", "extended", "closed_as_repeat"})

# Who hears of each step on a request's timeline, and as which event: its applicant, those who
# reported the same problem (at the answer and the major steps), and officials: of the lead
# department ("lead"), its handler or else the lead department ("handling"), or the department a
# co-handling step names ("asked"). The one who took the step is never told of it, but for the
# applicant's receipt of their own filing. Not listed:
# an assignment and a link between requests (bookkeeping), a supporter added and a survey answered
# (the actor's own), and the progress notices and overdue steps, which the alert sweep tells.
_STEPS: dict[str, dict[str, str]] = {
    "filed": {"applicant": "cr_filed", "lead": "cr_new"},
    "started": {"applicant": "cr_started"},
    "supplement_requested": {"applicant": "cr_supplement_asked"},
    "supplemented": {"handling": "cr_supplemented"},
    "transferred": {"applicant": "cr_transferred", "lead": "cr_transferred_in", "supporters": "cr_supporter_news"},
    "cohandling_asked": {"applicant": "cr_cohandling_told", "asked": "cr_cohandling_asked"},
    "cohandling_answered": {"handling": "cr_cohandling_answered"},
    "extended": {"applicant": "cr_extended", "supporters": "cr_supporter_news"},
    "extension_consented": {"handling": "cr_consented"},
    "completed": {"applicant": "cr_completed", "supporters": "cr_supporter_answered"},
    "reopened": {"lead": "cr_reopened", "supporters": "cr_supporter_news"},
    "closed_as_repeat": {"applicant": "cr_closed_repeat", "supporters": "cr_supporter_news"},
    "follow_up": {"lead": "cr_follow_up"},
    "follow_up_answered": {"applicant": "cr_follow_up_answered"},
}

# The alert sweep's kinds (civil_requests/alerts.py): who is told, and as which event.
_ALERTS: dict[str, tuple[str, str]] = {
    "due_soon": ("lead", "cr_due_soon"),
    "overdue": ("lead", "cr_overdue"),
    "applicant_overdue": ("applicant", "cr_overdue_applicant"),
    "admins": ("admins", "cr_admins"),
    "progress": ("applicant", "cr_progress"),
    "survey_reminder": ("applicant", "cr_survey"),
}


def _request_subject(request):
    return notes.subject("request", request.id, "civil_requests.detail", request_id=request.id)


def _named(name: str, department) -> dict:
    """A department's name in both languages; the reader's is shown (events._words)."""
    if department is None:
        return {}
    return {name: department.name_ko, f"{name}_en": department.name_en or ""}


def _quoted(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= NOTE_CHARS else text[:NOTE_CHARS - 1].rstrip() + "…"


def _request_params(request) -> dict:
    return {"title": request.title, "number": request.tracking_number, **_named("department", request.lead_department),
            "due": _iso(request.due_at)}


def _step_params(request, event) -> dict:
    from participation.civil_requests import audience

    params = _request_params(request)
    if event.kind in _NOTED_STEPS:
        params["note"] = _quoted(event.note)
    if event.kind == "transferred":
        params.update(_named("from_department", event.from_department))
    if event.kind.startswith("cohandling_"):
        params.update(_named("helper", event.department))
    if event.kind == "completed":
        params["result"] = request.result
    if event.kind == "extended":
        params["contact"] = audience.department_contact()
    return params


def _tell_contact(request, event: str, key: str, params: dict, now) -> None:
    """A counter applicant without an account, by the phone and/or email they gave with their
    consent, in the city's language; the link goes to the tracking form (number filled in)."""
    from flask import current_app, render_template
    from flask_babel import force_locale

    from participation.civil_requests import audience
    from participation.core.i18n import lazy_gettext as _l
    from participation.core.origin import public_url
    from participation.notifications.events import subject_of, text_of

    if request.contact_consented_at is None or not (request.contact_phone or request.contact_email):
        return
    path = notes._path_of(lambda: audience.tracking_path(request))
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "ko")):
        if request.contact_phone:
            notes.notify_contact(f"contact:{key}", phone=request.contact_phone, subject="", text=notes.sms_text(event, params, path), now=now)
        if request.contact_email:
            body = notes._path_of(lambda: render_template(
                "emails/civil_requests/contact.txt", text=text_of(event, params), link=public_url() + path,
                number=request.tracking_number, name=request.applicant_name or "",
            ))
            notes.notify_contact(f"contact:{key}", email=request.contact_email, subject=str(_l("Gongron: %(subject)s", subject=subject_of(event))),
                                 text=body, now=now)


def _applicant_messages(request, event: str, key: str, about, params: dict, now, actor_id=None) -> list:
    """The applicant's message (an account), or their counter contact told at once (none)."""
    if request.applicant_id is not None:
        return notes.messages([request.applicant_id], event, key, about, params, skip=[actor_id])
    _tell_contact(request, event, key, params, now)
    return []


def _step_officials(request, event, which: str) -> list[int]:
    if which == "handling" and request.handler_id is not None:
        return [request.handler_id]
    if which == "asked":
        return notes.officials_of(event.department_id)
    return notes.officials_of(request.lead_department_id)


def _civil_request_step(request, event, now, **_):
    plan = _STEPS.get(event.kind)
    if plan is None:
        return
    from participation.civil_requests import audience

    about, key, actor_id = _request_subject(request), f"cr:{event.id}", event.actor_id
    params = _step_params(request, event)
    told = []
    if "applicant" in plan:
        # The one exception to "never told of one's own step": the filing's receipt (접수 확인),
        # with its number and due time, by email and text as well as on the page.
        skip = None if event.kind == "filed" else actor_id
        told += _applicant_messages(request, plan["applicant"], key, about, params, now, skip)
    if "supporters" in plan:
        told += notes.messages(audience.supporter_ids(request.id), plan["supporters"], key, about, {**params, "step": event.kind},
                               skip=[actor_id, request.applicant_id])
    for which in ("lead", "handling", "asked"):
        if which in plan:
            told += notes.messages(_step_officials(request, event, which), plan[which], key, about, params, skip=[actor_id])
    notes.notify_each(told, now)


def _civil_request_alert(kind, now, alerts=(), **_):
    """A batch of one alert claimed by the sweep (`alerts`: [(request, mark)]): one notify_each."""
    spec = _ALERTS.get(kind)
    if spec is None:
        return
    who, event = spec
    officials: dict[int, list[int]] = {}
    admins = notes.admins() if who == "admins" else []
    told = []
    with notes.paths():
        for request, mark in alerts:
            about, key, params = _request_subject(request), f"cr:{kind}:{request.id}:{mark}", _request_params(request)
            name = "cr_progress_paused" if kind == "progress" and request.due_at is None else event
            if kind == "survey_reminder":
                params["until"] = _iso(request.reopen_until())
            if who == "applicant":
                told += _applicant_messages(request, name, key, about, params, now)
            elif who == "admins":
                told += notes.messages(admins, name, key, about, params)
            else:
                department = request.lead_department_id
                if department not in officials:
                    officials[department] = notes.officials_of(department)
                told += notes.messages(officials[department], name, key, about, params)
    notes.notify_each(told, now)


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
        (signals.civil_request_step, _civil_request_step),
        (signals.civil_request_alert, _civil_request_alert),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver)
