"""Notifications: the list and its unread count, following ideas and rounds, preferences,
one-click unsubscribe, and the outbox for administrators."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.forms import perform, perform_and_flash
from participation.core.permissions import require
from participation.core.phones import masked
from participation.core.time import now
from participation.core.web import requested_page, safe_next
from participation.extensions import csrf, db
from participation.notifications import events, receivers, services
from participation.notifications.models import KINDS, SMS_KINDS, Channel, OutboxMessage, OutboxStatus
from participation.notifications.permissions import can_follow, can_read_notifications, can_view_outbox

bp = Blueprint("notifications", __name__)


@bp.record
def _setup(state):
    receivers.connect()
    state.app.jinja_env.globals.update(
        notification_text=lambda n: events.text_of(n.event, n.params),
        is_following=lambda kind, subject_id: services.is_following(current_user, kind, subject_id),
        can_follow=lambda: can_follow(current_user),
    )


# --- the list ---------------------------------------------------------------------------------------------


@bp.route("/notifications")
def index():
    require(can_read_notifications(current_user))
    page = requested_page()
    rows, more = services.page_of(current_user, page)
    return render_template("notifications/index.html", rows=rows, page=page, more=more, token_form=FlaskForm())


@bp.post("/notifications/<int:notification_id>/open")
def open_(notification_id: int):
    """Mark it read and go to its subject (a POST, so that reading changes state only on purpose)."""
    require(can_read_notifications(current_user))
    try:
        with write_transaction():
            row = services.mark_read(current_user, notification_id, now())
            path = row.path
    except ServiceError:
        abort(404)
    return redirect(safe_next(path))


@bp.post("/notifications/read")
def read_all():
    require(can_read_notifications(current_user))
    if perform_and_flash(lambda: services.mark_all_read(current_user, now())):
        flash(_("Every notification is marked as read."), "success")
    return redirect(url_for("notifications.index"))


# --- following -------------------------------------------------------------------------------------------


def _subject_exists(kind: str, subject_id: int) -> bool:
    """Asked of the subject's own domain (notifications reads no other domain's models)."""
    from participation.ideas import services as ideas
    from participation.rounds import services as rounds

    if kind == "idea":
        return ideas.is_visible(current_user, subject_id, now())
    return kind == "round" and rounds.is_public(subject_id)


@bp.post("/follow/<any(idea, round):kind>/<int:subject_id>")
def follow(kind: str, subject_id: int):
    require(can_follow(current_user))
    if not _subject_exists(kind, subject_id):
        abort(404)
    # The form says which it meant, so a double click or a stale page never flips it back.
    wanted = request.form.get("action")
    if wanted not in ("follow", "unfollow"):
        wanted = "unfollow" if services.is_following(current_user, kind, subject_id) else "follow"
    change = services.unfollow if wanted == "unfollow" else services.follow
    if perform_and_flash(lambda: change(current_user, kind, subject_id, now())):
        if wanted == "unfollow":
            flash(_("You no longer follow this. You can follow it again at any time."), "success")
        else:
            flash(_("You follow this now: you will be told of its news, as your notification settings say."), "success")
    return redirect(safe_next(request.form.get("next")))


# --- preferences -------------------------------------------------------------------------------------------


@bp.route("/account/notifications", methods=["GET", "POST"])
def preferences():
    require(can_read_notifications(current_user))
    form = FlaskForm()
    channels = services.channels_for(current_user.id)
    digest = services.wants_digest(current_user.id)
    by_sms = services.sms_choices_for(current_user.id)
    # SMS is offered only to a person with a mobile number (given on the account page).
    phone = masked(current_user.phone) if current_user.phone else None
    errors = []
    if form.validate_on_submit():
        chosen = {kind: request.form.get(f"channel-{kind}", "") for kind in KINDS}
        sms_chosen = {kind: request.form.get(f"sms-{kind}") == "y" for kind in SMS_KINDS} if phone else None
        if any(value not in {c.value for c in Channel} for value in chosen.values()):
            errors.append(_("Choose one of the options for each kind."))
        else:
            done, _result = perform(form, lambda: services.set_preferences(current_user, chosen, request.form.get("digest") == "y", now(),
                                                                          by_sms=sms_chosen))
            if done:
                flash(_("Your notification settings are saved."), "success")
                return redirect(url_for("notifications.preferences"))
        channels, digest = {**channels, **{k: v for k, v in chosen.items() if v}}, request.form.get("digest") == "y"
        by_sms = sms_chosen or by_sms
    return render_template(
        "notifications/preferences.html", form=form, channels=channels, digest=digest, kinds=KINDS, errors=errors + list(form.form_errors),
        kind_labels=events.KIND_LABELS, channel_labels=events.CHANNEL_LABELS, by_sms=by_sms, sms_kinds=SMS_KINDS, phone=phone,
    ), (422 if errors or form.form_errors else 200)


# --- unsubscribing ---------------------------------------------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail programs POST here for one-click unsubscribe (RFC 8058)
def unsubscribe(token: str):
    """GET shows what the link does and one button; POST does it. Nothing changes on GET."""
    if request.method == "POST":
        try:
            with write_transaction():
                found = services.unsubscribe(token, now())
        except ServiceError as refusal:
            return render_template("notifications/unsubscribe.html", refusal=refusal.message, token=None), 400
        return render_template("notifications/unsubscribed.html", kind=found.kind, kind_label=_kind_words(found.kind))
    try:
        found = services.read_unsubscribe_token(token)
    except ServiceError as refusal:
        return render_template("notifications/unsubscribe.html", refusal=refusal.message, token=None), 400
    return render_template("notifications/unsubscribe.html", refusal=None, token=token, kind_label=_kind_words(found.kind))


def _kind_words(kind: str) -> str:
    return str(events.KIND_SHORT.get(kind) or _("every kind of notification"))


# --- the outbox, for administrators ------------------------------------------------------------------------


@bp.route("/admin/outbox")
def outbox():
    require(can_view_outbox(current_user))
    from participation.core.web import query_id

    status = request.args.get("status") if request.args.get("status") in {s.value for s in OutboxStatus} else None
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    shown_id = query_id("id")
    shown = db.session.get(OutboxMessage, shown_id) if shown_id else None
    files = []
    if current_app.config["MAIL_BACKEND"] == "file":
        outbox_dir = Path(current_app.config["MAIL_OUTBOX_DIR"])
        if outbox_dir.is_dir():
            files = sorted((p.name for p in outbox_dir.glob("*.eml")), reverse=True)[:100]
    return render_template("notifications/outbox.html", rows=db.session.scalars(stmt).all(), counts=counts, status=status, shown=shown,
                           files=files, backend=current_app.config["MAIL_BACKEND"], outbox_dir=current_app.config["MAIL_OUTBOX_DIR"],
                           sms_backend=current_app.config.get("SMS_BACKEND"), sms_dir=current_app.config.get("SMS_FILE_DIR"), masked_phone=masked)


@bp.route("/admin/outbox/files/<name>")
def outbox_file(name: str):
    require(can_view_outbox(current_user))
    if current_app.config["MAIL_BACKEND"] != "file" or not name.endswith(".eml") or "/" in name or name.startswith("."):
        abort(404)
    response = send_from_directory(current_app.config["MAIL_OUTBOX_DIR"], name, mimetype="text/plain", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response

