"""Rounds: every round a visitor sees on /rounds (drafts never), newest deadline first."""
from __future__ import annotations

from flask import url_for
from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from participation.api import http, paging
from participation.api.spec import PageQuery, operation, page_of, query_args
from participation.api.v1 import bp
from participation.api.v1.schemas import DepartmentRef, Time
from participation.core.i18n import lazy_gettext as _l
from participation.core.time import now
from participation.extensions import db
from participation.rounds import permissions
from participation.rounds.models import Phase, Round

PUBLIC_PHASES = [phase.value for phase in Phase if phase != Phase.DRAFT]


class RoundSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True, metadata={"description": _l("Markdown, as written.")})
    phase = fields.Method("_phase", required=True, metadata={"type": "string", "enum": PUBLIC_PHASES})
    department = fields.Nested(DepartmentRef, required=True)
    submission_opens_at = Time(required=True)
    submission_closes_at = Time(required=True)
    voting_opens_at = Time(required=True)
    voting_closes_at = Time(required=True)
    votes_per_resident = fields.Integer(allow_none=True, required=True)
    published_at = Time(required=True, allow_none=True, metadata={"description": _l("When the outcome was published, or null.")})
    updated_at = Time(required=True)
    url = fields.Method("_url", required=True, metadata={"type": "string", "format": "uri"})
    outcome_url = fields.Method("_outcome_url", required=True, allow_none=True,
                                metadata={"type": "string", "format": "uri", "description": _l("The outcome once voting has closed (the selection once it is published), or null.")})

    def _phase(self, round_: Round) -> str:
        return round_.phase(self.context_now).value

    def _url(self, round_: Round) -> str:
        return url_for("api.round_", round_id=round_.id, _external=True)

    def _outcome_url(self, round_: Round) -> str | None:
        if round_.closed_at is None:
            return None
        return url_for("api.round_outcome", round_id=round_.id, _external=True)

    def __init__(self, *args, moment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.context_now = moment or now()


class RoundsQuery(PageQuery):
    phase = fields.String(validate=validate.OneOf(PUBLIC_PHASES), metadata={"description": _l("Only rounds in this phase now.")})


def last_change(round_: Round, moment):
    """A round changes when it is edited and when it passes from one phase to the next."""
    passed = [t for t in (round_.submission_opens_at, round_.submission_closes_at, round_.voting_opens_at,
                          round_.voting_closes_at, round_.closed_at, round_.published_at) if t is not None and t <= moment]
    return http.latest(round_.updated_at, *passed)


def visible_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or not permissions.can_view_round(current_user, round_, now()):
        raise http.not_found()
    return round_


@bp.get("/rounds")
@operation(summary=_l("Rounds"), tag="rounds", query=RoundsQuery, response=page_of(RoundSchema),
           description=_l("Every round a visitor sees, latest voting deadline first."))
def rounds():
    args = query_args(RoundsQuery)
    moment = now()
    statement = select(Round).where(Round.scheduled_at.is_not(None))
    ordering = [Round.voting_closes_at.desc(), Round.id.desc()]
    if args.get("phase"):
        # Phases follow the clock, so this one filter is applied to the rows, not in SQL; rounds are few.
        candidates = db.session.scalars(statement.order_by(*ordering)).all()
        wanted = [r for r in candidates if r.phase(moment).value == args["phase"]]
        ids = [r.id for r in wanted]
        statement = select(Round).where(Round.id.in_(ids))
    page = paging.keyset_page(statement, ordering, paging.requested_limit(args), args.get("cursor"))
    shown = [r for r in page.items if permissions.can_view_round(current_user, r, moment)]
    body, links = paging.envelope(page, RoundSchema(many=True, moment=moment).dump(shown))
    return http.respond(body, last_modified=http.latest(*(last_change(r, moment) for r in shown)), links=links)


@bp.get("/rounds/<int:round_id>")
@operation(summary=_l("A round"), tag="rounds", response=RoundSchema)
def round_(round_id: int):
    moment = now()
    round_ = visible_round(round_id)
    return http.respond(RoundSchema(moment=moment).dump(round_), last_modified=last_change(round_, moment))
