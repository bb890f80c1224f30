"""Administrators' API key screens: the list, issuing a key (its secret shown once) and revoking one."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from participation.accounts.models import User
from participation.api import keys
from participation.api.forms import SCOPE_LABELS, IssueKeyForm, RevokeKeyForm
from participation.api.models import ApiKey
from participation.api.permissions import can_manage_api_keys
from participation.core.forms import form_status, perform
from participation.core.permissions import permission_required
from participation.core.time import now
from participation.extensions import db

bp = Blueprint("api_keys", __name__)


@bp.route("/")
@permission_required(can_manage_api_keys)
def index():
    rows = db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())).all()
    ids = {row.created_by_id for row in rows} | {row.revoked_by_id for row in rows}
    ids.discard(None)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("api/keys.html", rows=rows, people=people, scope_labels=SCOPE_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(can_manage_api_keys)
def new():
    form = IssueKeyForm()
    if form.validate_on_submit():
        done, issued = perform(form, lambda: keys.issue_key(current_user, form.name.data, form.scopes.data, now()))
        if done:
            key, secret = issued
            # Shown on this answer only (never redirected to, never stored); the page is private, no-store.
            return render_template("api/key_issued.html", key=key, secret=secret, scope_labels=SCOPE_LABELS), 201
    return render_template("api/key_new.html", form=form), form_status(form)


@bp.route("/<int:key_id>/revoke", methods=["GET", "POST"])
@permission_required(can_manage_api_keys)
def revoke(key_id: int):
    key = db.session.get(ApiKey, key_id) or abort(404)
    form = RevokeKeyForm()
    if not key.is_revoked and form.validate_on_submit():
        done, _result = perform(form, lambda: keys.revoke_key(current_user, key, now()))
        if done:
            flash(_("Revoked the key %(name)s. Apps using it are refused from now on.", name=key.name), "success")
            return redirect(url_for("api_keys.index"))
    return render_template("api/key_revoke.html", key=key, form=form, scope_labels=SCOPE_LABELS), form_status(form)
