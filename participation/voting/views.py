"""Supporting ideas (a plain form POST, or JSON for the in-place button) and the "my votes" page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from participation.core.db import write_transaction
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.core.permissions import permission_required, require
from participation.core.time import now
from participation.core.web import current_path, is_safe_next, wants_json
from participation.extensions import db
from participation.ideas.models import Idea
from participation.ideas.permissions import can_view_idea
from participation.rounds.models import Round
from participation.voting import permissions, services
from participation.voting.models import Vote

bp = Blueprint("voting", __name__)

STATUS_FOR_CODE = {"already_voted": 409, "allowance_used": 409, "not_voted": 409, "not_allowed": 403}


def vote_context() -> dict:
    """What every support button on a page shares, worked out once per request."""
    if "vote_context" not in g:
        allowed = permissions.can_take_part(current_user)
        g.vote_context = {
            "allowed": allowed,
            "token": generate_csrf() if allowed else "",
            "here": current_path(),
            "now": now(),
            "support": str(_l("Support")),
            "withdraw": str(_l("Withdraw support")),
            "sign_in": str(_l("Sign in to support")),
        }
    return g.vote_context


@bp.record
def _template_globals(state):
    # Pages of other domains (idea lists, the idea page) show vote state through these.
    state.app.jinja_env.globals.update(
        voting_permissions=permissions,
        votes_left=services.votes_left,
        voted_idea_ids=services.voted_idea_ids,
        vote_context=vote_context,
    )


def _change_vote(idea_id: int, change, done_message):
    """Run `change` (cast or withdraw) in one write transaction and answer as HTML or JSON."""
    moment = now()  # the deadline is judged by when the request arrived, not when the lock was won
    idea = db.session.get(Idea, idea_id, options=[joinedload(Idea.round).selectinload(Round.tiers)])
    if idea is None or not can_view_idea(current_user, idea, moment):
        abort(404)
    require(permissions.can_take_part(current_user))
    user_id = current_user.id
    try:
        with write_transaction():
            result = change(current_user, idea, moment)
    except ServiceError as exc:
        return _answer(idea_id, user_id, str(exc.message), STATUS_FOR_CODE.get(exc.code, 409), exc.code)
    except IntegrityError:
        # Two requests raced past the checks; the UNIQUE constraint kept the count right.
        return _answer(idea_id, user_id, str(_l("You already support this idea.")), 409, "already_voted")
    message = str(done_message(result))
    if wants_json():
        return jsonify(
            ok=True,
            voted=result.voted,
            vote_count=result.vote_count,
            vote_count_text=ngettext("%(num)d vote", "%(num)d votes", result.vote_count),
            votes_left=result.votes_left,
            votes_left_text=_votes_left_text(result.votes_left),
            message=message,
        )
    flash(message, "success")
    return _back(idea_id)


def _back(idea_id: int):
    """Back to the page the button was on (a list, the idea, my votes)."""
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("ideas.detail", idea_id=idea_id))


def _answer(idea_id: int, user_id: int, message: str, status: int, code: str):
    if wants_json():
        idea = db.session.get(Idea, idea_id)
        return jsonify(ok=False, error={"code": code, "message": message}, vote_count=idea.vote_count), status
    flash(message, "error")
    return _back(idea_id)


def _votes_left_text(left: int | None) -> str:
    if left is None:
        return str(_l("Unlimited votes in this round"))
    return ngettext("%(num)d vote left in this round", "%(num)d votes left in this round", left)


def _cast_message(result):
    if result.votes_left is None:
        return _l("You support this idea.")
    return lazy_ngettext("You support this idea. You have %(count)d vote left in this round.", "You support this idea. You have %(count)d votes left in this round.", result.votes_left, count=result.votes_left)


def _withdraw_message(result):
    return _l("Your vote was withdrawn.")


@bp.route("/ideas/<int:idea_id>/vote", methods=["POST"])
def vote(idea_id: int):
    return _change_vote(idea_id, services.cast_vote, _cast_message)


@bp.route("/ideas/<int:idea_id>/unvote", methods=["POST"])
def unvote(idea_id: int):
    return _change_vote(idea_id, services.withdraw_vote, _withdraw_message)


@bp.route("/me/votes")
@permission_required(permissions.can_take_part)
def my_votes():
    votes = db.session.scalars(
        select(Vote)
        .where(Vote.user_id == current_user.id)
        .options(joinedload(Vote.idea).joinedload(Idea.round), joinedload(Vote.idea).joinedload(Idea.category))
        .order_by(Vote.round_id.desc(), Vote.created_at.desc())
    ).all()
    rounds: dict[int, tuple[Round, list[Vote]]] = {}
    for vote_row in votes:
        rounds.setdefault(vote_row.round_id, (vote_row.idea.round, []))[1].append(vote_row)
    left = {round_id: services.votes_left(current_user, round_) for round_id, (round_, _v) in rounds.items()}
    return render_template("voting/my_votes.html", rounds=list(rounds.values()), left=left, now=now())

