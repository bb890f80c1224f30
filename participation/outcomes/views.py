"""The outcome page of a round, and an admin's early publication."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from participation.core import exports
from participation.core.forms import perform_and_flash
from participation.core.permissions import require
from participation.core.time import now
from participation.core.web import requested_page
from participation.extensions import db
from participation.ideas.models import LISTED_STATUSES
from participation.outcomes import permissions, reading, services
from participation.responses import labels as response_labels
from participation.rounds.models import Round
from participation.rounds.permissions import can_view_round

bp = Blueprint("outcomes", __name__)


@bp.record
def _template_globals(state):
    state.app.jinja_env.globals.update(
        outcome_permissions=permissions, outcome_publish_time=services.publish_time, response_labels=response_labels
    )


def _get_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or not can_view_round(current_user, round_, now()):
        abort(404)
    return round_


@bp.route("/rounds/<int:round_id>/outcome")
def outcome(round_id: int):
    round_ = _get_round(round_id)
    moment = now()
    require(permissions.can_view_outcome(current_user, round_, moment))
    page = reading.outcome_page(round_)
    return render_template(
        "outcomes/outcome.html",
        round=round_,
        page=page,
        ranking=page.ranking(requested_page()) if page is not None else None,
        now=moment,
        publish_at=services.publish_time(round_),
        show_selection=permissions.can_see_selection(current_user, round_, page.answering_departments if page else frozenset()),
    )


@bp.route("/rounds/<int:round_id>/outcome/export")
@exports.rate_limited
def export(round_id: int):
    """The ranked tally as CSV or Excel (?format=csv|xlsx): what the outcome page's table shows
    this reader (the selection only to those who see it), hidden and withdrawn ideas left out."""
    round_ = _get_round(round_id)
    moment = now()
    require(permissions.can_view_outcome(current_user, round_, moment))
    kind = exports.requested_format(request.args)
    page = reading.outcome_page(round_)
    if kind is None or page is None:
        abort(404)
    show_selection = permissions.can_see_selection(current_user, round_, page.answering_departments)
    locale = str(get_locale())
    header = [_("Rank"), _("Number"), _("Idea"), _("Category"), _("Votes")]
    if show_selection:
        header += [_("Result"), _("Tier reached")]
    selected, not_selected = _("Selected"), _("Not selected")

    def rows():
        for line in page.lines:
            if line.idea.status not in LISTED_STATUSES:
                continue
            row = [line.entry.rank, line.idea.id, line.idea.title, line.idea.category.name_for(locale), line.entry.votes]
            if show_selection:
                row += [selected if line.entry.selected else not_selected, line.entry.tier_threshold]
            yield row

    return exports.export_response(kind, header, rows(), f"{_('outcome')}-{round_.id}", sheet=_("Ranked results"))


@bp.route("/rounds/<int:round_id>/outcome/publish", methods=["POST"])
def publish(round_id: int):
    round_ = _get_round(round_id)
    # Only the role here: the service explains a round not closed or already published.
    require(permissions.can_publish_early(current_user))
    if perform_and_flash(lambda: services.publish_early(current_user, round_, now())):
        flash(_("The outcome is published."), "success")
    return redirect(url_for("outcomes.outcome", round_id=round_.id))
