"""Threads and comments, comment votes, reports (flags), the moderation queue and the public moderation log."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError

from participation.accounts.models import User
from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.forms import form_status, perform
from participation.core.i18n import lazy_ngettext
from participation.core.pagecache import forget_pages
from participation.core.permissions import permission_required, require
from participation.core.time import now
from participation.core.web import current_path, is_safe_next, requested_page, user_or_address, wants_json
from participation.deliberation import labels, permissions, reading, receivers, services, subjects
from participation.deliberation.forms import (
    CommentForm,
    ConfirmForm,
    DecisionForm,
    EditCommentForm,
    FlagForm,
    ReviewRequestForm,
    SuspendForm,
)
from participation.deliberation.models import MAX_DEPTH, Comment, CommentStatus, ModerationItem
from participation.extensions import db, limiter
from participation.ideas.models import Idea

bp = Blueprint("deliberation", __name__)


def _client_address() -> str:
    return f"addr:{request.remote_addr}"


def _comment_limit():
    return current_app.config["COMMENT_LIMIT_PER_ACCOUNT"]


def _comment_ip_limit():
    return current_app.config["COMMENT_LIMIT_PER_IP"]


# Writing and editing comments share one budget per account.
_posting_rate = limiter.shared_limit(_comment_limit, scope="comment-posting", key_func=user_or_address, methods=["POST"])


def thread_for(subject):
    """The thread section of a subject's page (sort and page from the query string), once per request."""
    cache = g.setdefault("thread_pages", {})
    key = (type(subject).__name__, subject.id)
    if key not in cache:
        moment = now()
        cache[key] = reading.thread_page(subject, current_user, request.args.get("sort", "oldest"), requested_page(), moment)
    return cache[key]


def _thread_context() -> dict:
    """What every comment's buttons share on a page, worked out once per request."""
    if "thread_context" not in g:
        g.thread_context = {
            "now": now(),
            "token": generate_csrf(),
            "here": current_path(),
            # "/comments/": every comment's own routes hang below /comments/<id>
            # (built by string rather than url_for, hundreds of times a page).
            "comments_root": url_for("deliberation.comment", comment_id=1)[:-1],
            "labels": {
                "agree": _("Agree"), "disagree": _("Disagree"), "reply": _("Reply"), "edit": _("Edit"),
                "delete": _("Delete"), "report": _("Report"), "reported": _("Reported"), "edited": _("edited"),
                "moderate": _("Moderate"),
                **{stance: str(label) for stance, label in labels.STANCE_LABELS.items()},
            },
        }
    return g.thread_context


def _thread_access(subject) -> permissions.ThreadAccess:
    """The signed-in person's permissions in the subject's thread, worked out once per request."""
    cache = g.setdefault("thread_access", {})
    key = (type(subject).__name__, subject.id)
    if key not in cache:
        cache[key] = permissions.ThreadAccess(current_user._get_current_object(), subject, _thread_context()["now"])
    return cache[key]


def _sort_url(sort: str) -> str:
    """This page in another comment order (from the first page)."""
    return url_for(request.endpoint, **(request.view_args or {}), sort=sort)


@bp.record
def _rate_limit_messages(state):
    from participation.core.web import RATE_LIMIT_MESSAGES

    def posting(minutes):
        return lazy_ngettext("You are posting faster than we allow, to keep discussions fair. Please wait %(minutes)d minute and try again.", "You are posting faster than we allow, to keep discussions fair. Please wait %(minutes)d minutes and try again.", minutes, minutes=minutes)

    def reporting(minutes):
        return lazy_ngettext("You have sent many reports in a short time. Please wait %(minutes)d minute and try again.", "You have sent many reports in a short time. Please wait %(minutes)d minutes and try again.", minutes, minutes=minutes)

    def voting(minutes):
        return lazy_ngettext("You are voting on comments faster than we allow. Please wait %(minutes)d minute and try again.", "You are voting on comments faster than we allow. Please wait %(minutes)d minutes and try again.", minutes, minutes=minutes)

    RATE_LIMIT_MESSAGES.update(
        {
            "deliberation.new_comment": posting,
            "deliberation.edit_comment": posting,
            "deliberation.flag_comment": reporting,
            "deliberation.flag_idea": reporting,
            "deliberation.vote_comment": voting,
        }
    )


@bp.record
def _connect_receivers(state):
    receivers.connect()


@bp.record
def _template_globals(state):
    state.app.jinja_env.globals.update(
        thread_for=thread_for,
        thread_context=_thread_context,
        thread_access=_thread_access,
        deliberation_permissions=permissions,
        deliberation_labels=labels,
        comment_max_depth=MAX_DEPTH,
        moderation_latest_decision=services.latest_decision,
        may_request_review=services.may_request_review,
        subject_kind_name=lambda subject: subjects.kind_of(subject).name,
        blank_comment_form=lambda: CommentForm(formdata=None),
        thread_sort_url=_sort_url,
    )


def _load_subject(kind_name: str, subject_id: int):
    kind, subject = subjects.load(kind_name, subject_id)
    if subject is None or not permissions.can_read_thread(current_user, subject, now()):
        abort(404)
    return kind, subject


def _get_comment(comment_id: int) -> tuple[Comment, object]:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    readable, subject = reading.can_read_comment(current_user, comment, now())
    if not readable:
        abort(404)
    if comment.is_unpublished and not permissions.can_see_hidden_content(current_user, comment):
        abort(404)
    return comment, subject


def _comment_url(comment: Comment, subject) -> str:
    return subjects.kind_of(subject).url(subject) + f"#comment-{comment.id}"


def _is_own(comment: Comment) -> bool:
    return current_user.is_authenticated and comment.author_id == current_user.id


def _back(default: str):
    target = request.form.get("next") or request.args.get("next")
    return redirect(target if is_safe_next(target) else default)


# --- comments ---------------------------------------------------------------------------------


@bp.route("/threads/<kind_name>/<int:subject_id>/comments", methods=["GET", "POST"])
@_posting_rate
@limiter.limit(_comment_ip_limit, key_func=_client_address, methods=["POST"])
def new_comment(kind_name: str, subject_id: int):
    """Write a comment or a reply. The subject's page holds the same form; errors come back here, text kept."""
    kind, subject = _load_subject(kind_name, subject_id)
    moment = now()
    require(permissions.can_take_part(current_user, moment), permissions.taking_part_refusal(current_user, moment))
    form = CommentForm()
    raw_parent = request.args.get("parent") if request.method == "GET" else form.parent_id.data
    parent_id = _int(raw_parent)
    if raw_parent and parent_id is None:
        abort(404)  # not an id any comment can have
    parent = db.session.get(Comment, parent_id) if parent_id else None
    if parent_id and (parent is None or parent.thread.subject_kind != kind.name or parent.thread.subject_id != subject.id):
        abort(404)
    if parent is not None and parent.is_unpublished and not permissions.can_see_hidden_content(current_user, parent):
        abort(404)  # a held comment is not there for anyone but its author and the moderators
    if request.method == "GET":
        form.parent_id.data = str(parent.id) if parent else ""
    closed = permissions.closed_reason(subject, moment)
    if closed is None and parent is not None and not permissions.can_reply(current_user, parent, subject, moment):
        closed = ngettext("Replies go at most %(depth)d level deep. Reply to an earlier comment instead.", "Replies go at most %(depth)d levels deep. Reply to an earlier comment instead.", MAX_DEPTH, depth=MAX_DEPTH) \
            if parent.depth >= MAX_DEPTH else _("You can only reply to a comment that is shown.")
    if request.method == "POST" and form.validate_on_submit():
        done, comment = perform(form, lambda: services.post_comment(current_user, subject, form.stance.data, form.body.data, parent, moment))
        if done:
            if comment.status == CommentStatus.VISIBLE:
                forget_pages()
            if comment.status == CommentStatus.HELD:
                flash(_("Thank you. Comments with links from new accounts are checked by a moderator before they are shown."), "info")
            else:
                flash(_("Your comment is posted."), "success")
            return redirect(_comment_url(comment, subject))
    elif request.method == "POST" and closed:
        form.form_errors.append(closed)
    return render_template(
        "deliberation/comment_form.html", form=form, subject=subject, kind=kind, parent=parent, closed=closed, now=moment
    ), form_status(form)


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


@bp.route("/comments/<int:comment_id>")
def comment(comment_id: int):
    """A comment with every reply under its top-level comment: the link for sharing and for "more replies"."""
    found, subject = _get_comment(comment_id)
    root = reading.comment_tree(found, current_user)
    votes, flags = reading.my_votes_and_flags(current_user, list(reading.walk(root)))
    return render_template(
        "deliberation/comment.html", comment=found, root=root, subject=subject, kind=subjects.kind_of(subject),
        my_votes=votes, my_flags=flags, now=now(),
    )


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@_posting_rate
def edit_comment(comment_id: int):
    found, subject = _get_comment(comment_id)
    moment = now()
    refusal = permissions.edit_refusal(current_user, found, subject, moment)
    # The author is told why (a suspension, a read-only thread, the time limit); anyone else gets the plain refusal.
    require(refusal is None, refusal if _is_own(found) else None)
    form = EditCommentForm(obj=found)
    if form.validate_on_submit():
        done, _result = perform(form, lambda: services.edit_comment(current_user, found, form.stance.data, form.body.data, moment))
        if done:
            forget_pages()  # the old words (or a comment now held for review) must not linger in visitors' pages
            flash(_("Your comment is saved."), "success")
            return redirect(_comment_url(found, subject))
    return render_template("deliberation/edit.html", form=form, comment=found, subject=subject), form_status(form)


@bp.route("/comments/<int:comment_id>/delete", methods=["GET", "POST"])
def delete_comment(comment_id: int):
    found, subject = _get_comment(comment_id)
    require(permissions.can_delete_comment(current_user, found))
    form = ConfirmForm()
    if form.validate_on_submit():
        done, _result = perform(form, lambda: services.delete_comment(current_user, found, now()))
        if done:
            forget_pages()
            flash(_("Your comment was deleted. Replies to it stay in place."), "success")
            return redirect(_comment_url(found, subject))
    return render_template("deliberation/delete.html", form=form, comment=found, subject=subject), form_status(form)


STATUS_FOR_CODE = {"own_comment": 403, "not_allowed": 403, "bad_value": 400, "already_voted": 409}


def _vote_limit():
    return current_app.config["COMMENT_VOTE_LIMIT_PER_ACCOUNT"]


@bp.route("/comments/<int:comment_id>/vote", methods=["POST"])
@limiter.limit(_vote_limit, key_func=user_or_address)
def vote_comment(comment_id: int):
    """Up or down (a plain form POST, or JSON for the in-place buttons). The same vote again takes it back."""
    found, subject = _get_comment(comment_id)
    moment = now()
    require(permissions.can_take_part(current_user, moment), permissions.taking_part_refusal(current_user, moment))
    value = {"up": 1, "down": -1}.get(request.form.get("value", ""), 0)
    try:
        with write_transaction():
            result = services.vote_comment(current_user, found, value, moment)
    except ServiceError as exc:
        return _vote_answer(found, subject, str(exc.message), STATUS_FOR_CODE.get(exc.code, 409), exc.code)
    except IntegrityError:
        return _vote_answer(found, subject, _("Your vote on this comment is already counted."), 409, "already_voted")
    message = {1: _("You voted this comment up."), -1: _("You voted this comment down."), 0: _("Your vote was taken back.")}[result.mine]
    if wants_json():
        return jsonify(ok=True, up=result.up, down=result.down, mine=result.mine, message=message)
    flash(message, "success")
    return _back(_comment_url(found, subject))


def _vote_answer(found: Comment, subject, message: str, status: int, code: str):
    if wants_json():
        return jsonify(ok=False, error={"code": code, "message": message}), status
    flash(message, "error")
    return _back(_comment_url(found, subject))


# --- reports and reviews -------------------------------------------------------------------------


def _get_idea(idea_id: int) -> Idea:
    from participation.ideas.permissions import can_view_idea_content

    idea = db.session.get(Idea, idea_id)
    if idea is None or not can_view_idea_content(current_user, idea, now()):
        abort(404)
    return idea


def _flag(target, back_url: str, what: str):
    moment = now()
    require(permissions.can_flag(current_user, moment), permissions.taking_part_refusal(current_user, moment))
    form = FlagForm()
    if form.validate_on_submit():
        shown = target.status
        done, _result = perform(form, lambda: services.flag(current_user, target, form.reason.data, form.text.data, moment))
        if done:
            if target.status != shown:  # this report hid it
                forget_pages()
            flash(_("Thank you. Moderators will look at it."), "success")
            return redirect(back_url)
    return render_template("deliberation/flag.html", form=form, target=target, what=what, back_url=back_url), form_status(form)


def _flag_limit():
    return current_app.config["FLAG_LIMIT_PER_ACCOUNT"]


def _flag_ip_limit():
    return current_app.config["FLAG_LIMIT_PER_IP"]


# One budget for every report an account makes, of comments and of ideas alike,
# and a wider one for each connection, however many accounts use it.
_flag_rate = limiter.shared_limit(_flag_limit, scope="flags", key_func=user_or_address, methods=["POST"])
_flag_ip_rate = limiter.shared_limit(_flag_ip_limit, scope="flags-per-address", key_func=_client_address, methods=["POST"])


@bp.route("/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@_flag_rate
@_flag_ip_rate
def flag_comment(comment_id: int):
    found, subject = _get_comment(comment_id)
    # The page quotes the comment: a hidden one only to those who may see it (the service refuses the report).
    require(found.status == CommentStatus.VISIBLE or permissions.can_see_hidden_content(current_user, found))
    return _flag(found, _comment_url(found, subject), "comment")


@bp.route("/ideas/<int:idea_id>/flag", methods=["GET", "POST"])
@_flag_rate
@_flag_ip_rate
def flag_idea(idea_id: int):
    idea = _get_idea(idea_id)
    return _flag(idea, url_for("ideas.detail", idea_id=idea.id), "idea")


def _review(target, back_url: str, what: str):
    moment = now()
    require(
        services.may_request_review(current_user, target),
        _("A review can be requested once for each decision to hide an item of your own.")
        if current_user.is_authenticated and target.author_id == current_user.id
        else None,
    )
    form = ReviewRequestForm()
    if form.validate_on_submit():
        done, _result = perform(form, lambda: services.request_review(current_user, target, form.note.data, moment))
        if done:
            flash(_("Your request is in the moderators' queue. You will see their decision here."), "success")
            return redirect(back_url)
    decision = services.latest_decision(target)
    return render_template(
        "deliberation/review.html", form=form, target=target, what=what, back_url=back_url, decision=decision
    ), form_status(form)


@bp.route("/comments/<int:comment_id>/review", methods=["GET", "POST"])
def request_comment_review(comment_id: int):
    found, subject = _get_comment(comment_id)
    return _review(found, _comment_url(found, subject), "comment")


@bp.route("/ideas/<int:idea_id>/review", methods=["GET", "POST"])
def request_idea_review(idea_id: int):
    idea = _get_idea(idea_id)
    return _review(idea, url_for("ideas.detail", idea_id=idea.id), "idea")


# --- moderation ---------------------------------------------------------------------------------------


@bp.route("/moderation")
@permission_required(permissions.can_moderate)
def queue():
    result, entries = reading.open_queue(requested_page())
    forms = {entry.item.id: DecisionForm(prefix=f"item-{entry.item.id}") for entry in entries}
    return render_template("deliberation/queue.html", page=result, entries=entries, forms=forms, now=now())


@bp.route("/moderation/items/<int:item_id>", methods=["GET", "POST"])
@permission_required(permissions.can_moderate)
def decide(item_id: int):
    if request.method == "GET":
        entry = reading.open_item(item_id)
        if entry is None:
            abort(404)
        forms = {item_id: DecisionForm(prefix=f"item-{item_id}")}
        return render_template("deliberation/queue.html", page=None, entries=[entry], forms=forms, single=True, now=now())
    item = db.session.get(ModerationItem, item_id)
    if item is None:
        abort(404)
    form = DecisionForm(prefix=f"item-{item.id}")
    if form.validate_on_submit():
        done, _result = perform(
            form, lambda: services.decide(current_user, item, form.decision.data, form.reason.data, form.note.data, now())
        )
        if done:
            forget_pages()  # hidden or shown again: visitors' kept pages must not show the old state
            flash(_("Decision recorded. It appears in the public moderation log."), "success")
            return redirect(url_for("deliberation.queue"))
    result, entries = reading.open_queue(requested_page())
    forms = {entry.item.id: DecisionForm(prefix=f"item-{entry.item.id}") for entry in entries}
    if item.id not in forms:
        # Decided meanwhile, or on another page of the queue: no form here to show the refusal on.
        for message in [*form.form_errors, *(m for errors in form.errors.values() for m in errors)]:
            flash(str(message), "error")
    forms[item.id] = form
    return render_template("deliberation/queue.html", page=result, entries=entries, forms=forms, now=now()), 422


def _raise(target):
    try:
        with write_transaction():
            item = services.raise_for_decision(current_user, target, now())
    except ServiceError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("deliberation.queue"))
    return redirect(url_for("deliberation.decide", item_id=item.id))


@bp.route("/moderation/comments/<int:comment_id>", methods=["POST"])
@permission_required(permissions.can_moderate)
def raise_comment(comment_id: int):
    """Put a comment in the queue to decide on it (a moderator need not wait for reports)."""
    found, _subject = _get_comment(comment_id)
    return _raise(found)


@bp.route("/moderation/ideas/<int:idea_id>", methods=["POST"])
@permission_required(permissions.can_moderate)
def raise_idea(idea_id: int):
    return _raise(_get_idea(idea_id))


@bp.route("/moderation/users/<int:user_id>/suspend", methods=["GET", "POST"])
@permission_required(permissions.can_moderate)
def suspend(user_id: int):
    person = db.session.get(User, user_id)
    if person is None or person.is_deleted:
        abort(404)
    form = SuspendForm()
    if form.validate_on_submit():
        done, _result = perform(
            form, lambda: services.suspend(current_user, person, form.days.data, form.reason.data or "", form.note.data, now())
        )
        if done:
            flash(_("Done. It appears in the public moderation log."), "success")
            return redirect(url_for("deliberation.queue"))
    return render_template("deliberation/suspend.html", form=form, person=person, now=now()), form_status(form)


@bp.route("/moderation/log")
def log():
    require(permissions.can_read_moderation_log(current_user))
    result, entries = reading.moderation_log(requested_page())
    return render_template("deliberation/log.html", page=result, entries=entries)
