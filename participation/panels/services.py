"""Monitoring panels: recruitment and the lottery, services and campaigns with their rubrics,
evaluations, the scorecard frozen at close, and the department's answer and action plan.

Every change runs in the caller's write transaction. Changes to a campaign's evaluations lock
the campaign row first, so two evaluations posted at once by one panelist make one (the
UNIQUE (campaign, user) constraint is the last guard). Closing and publishing are sweeps
built like the rounds' (outcomes.services): a conditional update on the stored state makes
each happen once, in its own transaction, from stored facts and the deadline only.
"""
from __future__ import annotations

import logging
import secrets
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from participation.accounts.models import Department, District, User
from participation.accounts.permissions import is_admin
from participation.core import audit, batches, exports, signals
from participation.core.db import lock_for_update, write_transaction
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.core.sanitize import render_markdown
from participation.core.text import normalize_newlines
from participation.core.time import format_local_date
from participation.extensions import db
from participation.ideas import photos
from participation.panels import lottery, permissions, stats
from participation.panels.models import (
    AGE_BANDS,
    COMMENT_MAX,
    LABEL_MAX,
    LEVELS,
    MAX_CRITERIA,
    NAME_MAX,
    STRATA,
    TEXT_MAX,
    ActionItem,
    Campaign,
    CampaignPhase,
    Criterion,
    Evaluation,
    EvaluationStatus,
    MemberStatus,
    Panel,
    PanelMember,
    PublicService,
    Score,
    Scorecard,
    SelectionMethod,
)
from participation.responses import services as responses
from participation.responses.models import OfficialResponse, ResponseDue

log = logging.getLogger(__name__)


def _text(value: str | None, *, field: str, label, maximum: int, required: bool = True) -> str:
    text = normalize_newlines(value).strip()
    if required and not text:
        raise ServiceError(_l("%(field)s is required.", field=label), field=field, code="empty")
    if len(text) > maximum:
        raise ServiceError(_l("Keep %(field)s under %(max)d characters; it has %(count)d.", field=label, max=maximum, count=len(text)),
                           field=field, code="too_long")
    return text


def _require_admin(actor: User) -> None:
    if not is_admin(actor):
        raise ServiceError(_l("Only administrators can manage monitoring panels."), code="not_allowed")


# --- panels ------------------------------------------------------------------------------------


@dataclass
class PanelData:
    name: str | None
    purpose: str | None
    department_id: int | None
    term_starts_on: date | None
    term_ends_on: date | None
    target_size: int | None
    strata: list[str]
    selection_method: str | None
    recruitment_opens_at: datetime | None
    recruitment_closes_at: datetime | None


def _clean_panel(data: PanelData, panel: Panel | None) -> dict:
    values = {
        "name": _text(data.name, field="name", label=_l("The name"), maximum=NAME_MAX),
        "purpose": _text(data.purpose, field="purpose", label=_l("The purpose"), maximum=TEXT_MAX),
    }
    department = db.session.get(Department, data.department_id) if data.department_id else None
    if department is None or (department.is_retired and (panel is None or panel.department_id != department.id)):
        raise ServiceError(_l("Choose the department that owns the panel."), field="department_id", code="bad_department")
    if data.term_starts_on is None or data.term_ends_on is None or data.term_starts_on > data.term_ends_on:
        raise ServiceError(_l("The term must end on or after the day it starts."), field="term_ends_on", code="bad_term")
    if data.target_size is None or not 1 <= data.target_size <= 1000:
        raise ServiceError(_l("The target size is a number of members from 1 to 1,000."), field="target_size", code="bad_size")
    if any(s not in STRATA for s in data.strata):
        raise ServiceError(_l("Choose strata from the list."), field="strata", code="bad_strata")
    if data.selection_method not in {m.value for m in SelectionMethod}:
        raise ServiceError(_l("Choose how members are selected."), field="selection_method", code="bad_method")
    if data.recruitment_opens_at is None or data.recruitment_closes_at is None or data.recruitment_opens_at >= data.recruitment_closes_at:
        raise ServiceError(_l("Recruitment must close after it opens."), field="recruitment_closes_at", code="bad_window")
    values.update(
        purpose_html=str(render_markdown(values["purpose"])), department_id=department.id, term_starts_on=data.term_starts_on,
        term_ends_on=data.term_ends_on, target_size=data.target_size, strata=[s for s in STRATA if s in data.strata],
        selection_method=data.selection_method, recruitment_opens_at=data.recruitment_opens_at,
        recruitment_closes_at=data.recruitment_closes_at,
    )
    return values


def create_panel(actor: User, data: PanelData, now: datetime) -> Panel:
    _require_admin(actor)
    panel = Panel(created_by_id=actor.id, created_at=now, updated_at=now, **_clean_panel(data, None))
    db.session.add(panel)
    db.session.flush()
    audit.record("panel.created", now, actor=actor, subject=panel)
    return panel


def update_panel(actor: User, panel: Panel, data: PanelData, now: datetime) -> Panel:
    """After the draw, how members were chosen (size, strata, method, recruitment) is history and cannot change."""
    _require_admin(actor)
    lock_for_update(panel)
    values = _clean_panel(data, panel)
    if panel.drawn_at is not None:
        frozen = ("target_size", "strata", "selection_method", "recruitment_opens_at", "recruitment_closes_at")
        if any(values[k] != getattr(panel, k) for k in frozen):
            raise ServiceError(_l("Members have been selected, so the size, strata, method and recruitment dates can no longer change."),
                               code="frozen")
    for key, value in values.items():
        setattr(panel, key, value)
    panel.updated_at = now
    audit.record("panel.updated", now, actor=actor, subject=panel)
    return panel


def application_of(user, panel: Panel) -> PanelMember | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(PanelMember).where(PanelMember.panel_id == panel.id, PanelMember.user_id == user.id))


def membership(user, panel_id: int) -> PanelMember | None:
    """The person's current membership of the panel, or None."""
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(
        select(PanelMember).where(PanelMember.panel_id == panel_id, PanelMember.user_id == user.id, PanelMember.status == MemberStatus.SELECTED)
    )


def _new_pseudonym(panel_id: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
    while True:
        pseudonym = "P-" + "".join(secrets.choice(alphabet) for _ in range(6))
        taken = db.session.scalar(select(PanelMember.id).where(PanelMember.panel_id == panel_id, PanelMember.pseudonym == pseudonym))
        if taken is None:
            return pseudonym


def apply_refusal(user, panel: Panel, now: datetime):
    if user is None or not user.is_authenticated:
        return _l("Sign in to apply to the panel.")
    if user.is_suspended(now):
        return _l("Your account is suspended, so you cannot apply now.")
    if now < panel.recruitment_opens_at:
        return _l("Applications open on %(when)s.", when=_when(panel.recruitment_opens_at))
    if not panel.is_recruiting(now):
        return _l("Recruitment for this panel has closed.")
    existing = application_of(user, panel)
    if existing is not None and existing.status != MemberStatus.WITHDRAWN:
        return _l("You have already applied to this panel.")
    return None


def _when(moment: datetime) -> str:
    from participation.core.time import format_local_datetime

    return format_local_datetime(moment)


def apply(user: User, panel: Panel, district_id: int | None, age_band: str | None, consent: bool, now: datetime) -> PanelMember:
    """Apply during recruitment with a district, an age band and consent: nothing more is asked."""
    lock_for_update(panel)
    refusal = apply_refusal(user, panel, now)
    if refusal is not None:
        raise ServiceError(refusal, code="not_allowed")
    district = db.session.get(District, district_id) if district_id else None
    if district is None or district.is_retired:
        raise ServiceError(_l("Choose the district you live in."), field="district_id", code="bad_district")
    if age_band not in AGE_BANDS:
        raise ServiceError(_l("Choose your age band."), field="age_band", code="bad_age_band")
    if not consent:
        raise ServiceError(_l("Agree to how your application is used to apply."), field="consent", code="no_consent")
    gu_name = unicodedata.normalize("NFC", (district.parent or district).name_ko)  # read before the new row exists
    member = application_of(user, panel)
    if member is None:
        member = PanelMember(panel_id=panel.id, user_id=user.id, pseudonym=_new_pseudonym(panel.id), created_at=now)
        db.session.add(member)
    member.district_id, member.age_band, member.consented_at = district.id, age_band, now
    member.district_name = gu_name
    member.status, member.selected_by, member.joined_at, member.left_at = MemberStatus.APPLIED.value, None, None, None
    db.session.flush()
    audit.record("panel.applied", now, actor=user, subject=panel, pseudonym=member.pseudonym)
    return member


def withdraw_application(user: User, panel: Panel, now: datetime) -> None:
    """Withdraw before the draw, or step down from the reserve list after it (the person stays on
    the public list the draw ran on, so that it can still be re-run, but will not be called)."""
    lock_for_update(panel)
    member = application_of(user, panel)
    if member is not None and member.status == MemberStatus.NOT_SELECTED:
        member.status, member.left_at = MemberStatus.LEFT.value, now
        audit.record("panel.reserve_left", now, actor=user, subject=panel, pseudonym=member.pseudonym)
        return
    if member is None or member.status != MemberStatus.APPLIED:
        raise ServiceError(_l("You have no application waiting for the draw."), code="no_application")
    member.status = MemberStatus.WITHDRAWN.value
    audit.record("panel.application_withdrawn", now, actor=user, subject=panel, pseudonym=member.pseudonym)


def account_deleted(user: User, now: datetime) -> None:
    """A deleted account leaves its panels: an application waiting for the draw is withdrawn,
    a member's place is freed (admins can fill it) and a reserve place given up; submitted
    evaluations stay, anonymous, in the scorecards."""
    for member in db.session.scalars(select(PanelMember).where(PanelMember.user_id == user.id)):
        if member.status == MemberStatus.APPLIED:
            member.status = MemberStatus.WITHDRAWN.value
        elif member.status in (MemberStatus.SELECTED, MemberStatus.NOT_SELECTED):
            # Still on the public list the draw ran on (so it can be re-run), but no longer
            # a member nor on the reserve.
            member.status, member.left_at = MemberStatus.LEFT.value, now


def member_ids(panel_id: int) -> list[int]:
    """The user ids of the panel's current members (for notifications)."""
    return list(db.session.scalars(
        select(PanelMember.user_id).where(PanelMember.panel_id == panel_id, PanelMember.status == MemberStatus.SELECTED)
    ))


def applicants(panel: Panel) -> list[PanelMember]:
    """Everyone who applied and did not withdraw, in pseudonym order: the public list the draw ran on."""
    return list(
        db.session.scalars(
            select(PanelMember)
            .where(PanelMember.panel_id == panel.id, PanelMember.status != MemberStatus.WITHDRAWN)
            .options(joinedload(PanelMember.district).joinedload(District.parent))
            .order_by(PanelMember.pseudonym)
        )
    )


def members(panel: Panel) -> list[PanelMember]:
    return [m for m in applicants(panel) if m.status == MemberStatus.SELECTED]


def _lottery_applicants(panel: Panel, rows: list[PanelMember]) -> list[lottery.Applicant]:
    return [lottery.Applicant(m.pseudonym, m.stratum(panel.strata)) for m in rows]


def draw(actor: User, panel: Panel, now: datetime, seed: str | None = None) -> lottery.DrawResult:
    """The stratified lottery, once, after recruitment closes. The seed is drawn here and published."""
    _require_admin(actor)
    lock_for_update(panel)
    if panel.selection_method != SelectionMethod.LOTTERY:
        raise ServiceError(_l("This panel's members are appointed, not drawn."), code="not_lottery")
    if panel.drawn_at is not None:
        raise ServiceError(_l("The draw has already been made."), code="already_drawn")
    if now < panel.recruitment_closes_at:
        raise ServiceError(_l("The draw is made after recruitment closes on %(when)s.", when=_when(panel.recruitment_closes_at)),
                           code="recruiting")
    pool = [m for m in applicants(panel) if m.status == MemberStatus.APPLIED]
    if not pool:
        raise ServiceError(_l("Nobody has applied, so there is nothing to draw."), code="no_applicants")
    seed = seed or lottery.new_seed()
    result = lottery.draw(seed, _lottery_applicants(panel, pool), panel.target_size)
    chosen = set(result.selected)
    for member in pool:
        if member.pseudonym in chosen:
            member.status, member.selected_by, member.joined_at = MemberStatus.SELECTED.value, "lottery", now
        else:
            member.status = MemberStatus.NOT_SELECTED.value
    panel.draw_seed, panel.drawn_at, panel.updated_at = seed, now, now
    audit.record("panel.drawn", now, actor=actor, subject=panel, seed=seed, selected=len(chosen), applicants=len(pool))
    signals.panel_selection_made.send(
        panel, selected=[m.user_id for m in pool if m.pseudonym in chosen], not_selected=[m.user_id for m in pool if m.pseudonym not in chosen],
        now=now,
    )
    return result


def appoint(actor: User, panel: Panel, member: PanelMember, now: datetime) -> PanelMember:
    """Appoint an applicant (appointment panels, or a lottery panel's vacancy filled by hand)."""
    _require_admin(actor)
    lock_for_update(panel)
    if member.panel_id != panel.id or member.status not in (MemberStatus.APPLIED, MemberStatus.NOT_SELECTED):
        raise ServiceError(_l("Only an applicant who is not a member can be appointed."), code="not_applicant")
    if panel.selection_method == SelectionMethod.LOTTERY and panel.drawn_at is None:
        raise ServiceError(_l("Members of this panel are drawn by lot; make the draw first."), code="not_drawn")
    if len(members(panel)) >= panel.target_size:
        raise ServiceError(lazy_ngettext("The panel is full (%(size)d member).", "The panel is full (%(size)d members).", panel.target_size, size=panel.target_size), code="full")
    member.status, member.joined_at, member.left_at = MemberStatus.SELECTED.value, now, None
    # Chosen by hand, even on a lottery panel: "replacement" (shown as "from the reserve") is kept for
    # the places fill_place gives by the published rule, so the public can tell the two apart.
    member.selected_by = "appointment"
    if panel.selection_method == SelectionMethod.APPOINTMENT and panel.drawn_at is None:
        panel.drawn_at = now  # the selection has begun: its rules are now history
    audit.record("panel.appointed", now, actor=actor, subject=panel, pseudonym=member.pseudonym)
    signals.panel_selection_made.send(panel, selected=[member.user_id], not_selected=[], late=True, now=now)
    return member


def leave(user: User, panel: Panel, now: datetime) -> None:
    lock_for_update(panel)
    member = membership(user, panel.id)
    if member is None:
        raise ServiceError(_l("You are not a member of this panel."), code="not_member")
    member.status, member.left_at = MemberStatus.LEFT.value, now
    audit.record("panel.left", now, actor=user, subject=panel, pseudonym=member.pseudonym)


def fill_place(actor: User, panel: Panel, now: datetime) -> PanelMember:
    """Fill a vacant place of a drawn panel from the reserve, by the published rule: the
    stratum furthest below its quota first, then the next applicant there in draw order."""
    _require_admin(actor)
    lock_for_update(panel)
    if panel.selection_method != SelectionMethod.LOTTERY or panel.drawn_at is None:
        raise ServiceError(_l("Places are filled from the reserve only on a panel drawn by lot."), code="not_drawn")
    everyone = applicants(panel)
    current = [m for m in everyone if m.status == MemberStatus.SELECTED]
    if len(current) >= panel.target_size:
        raise ServiceError(lazy_ngettext("The panel is full (%(size)d member).", "The panel is full (%(size)d members).", panel.target_size, size=panel.target_size), code="full")
    drawn = [m for m in everyone if m.status in (MemberStatus.SELECTED, MemberStatus.NOT_SELECTED, MemberStatus.LEFT)]
    unavailable = {m.pseudonym for m in drawn if m.status != MemberStatus.NOT_SELECTED}
    # The downloadable lottery.py's own rule, so anyone can check the fill as they check the draw.
    pseudonym = lottery.fill(panel.draw_seed, _lottery_applicants(panel, drawn), panel.target_size, [m.pseudonym for m in current],
                             unavailable)
    if pseudonym is None:
        raise ServiceError(_l("Nobody is left on the reserve list."), code="reserve_empty")
    member = next(m for m in drawn if m.pseudonym == pseudonym)
    member.status, member.selected_by, member.joined_at = MemberStatus.SELECTED.value, "replacement", now
    audit.record("panel.place_filled", now, actor=actor, subject=panel, pseudonym=pseudonym)
    signals.panel_selection_made.send(panel, selected=[member.user_id], not_selected=[], late=True, now=now)
    return member


def applicants_table(panel: Panel) -> tuple[list[str], Iterator[list]]:
    """The public, pseudonymous list the draw runs on, as a header and rows."""
    return ["pseudonym", *panel.strata], ([member.pseudonym, *member.stratum(panel.strata)] for member in applicants(panel))


def applicants_csv(panel: Panel) -> str:
    """The list as the input of `python lottery.py SEED TARGET file`. District names are typed by
    administrators and neutralised (core.exports); lottery.py undoes this on reading, so the draw is the same."""
    return exports.csv_text(*applicants_table(panel))


def draw_result(panel: Panel) -> lottery.DrawResult | None:
    """The draw as anyone can recompute it from the seed and the public list."""
    if panel.draw_seed is None:
        return None
    drawn = [m for m in applicants(panel) if m.status != MemberStatus.APPLIED]
    return lottery.draw(panel.draw_seed, _lottery_applicants(panel, drawn), panel.target_size) if drawn else None


# --- services ----------------------------------------------------------------------------------


def create_service(actor: User, name: str | None, description: str | None, department_id: int | None, now: datetime) -> PublicService:
    _require_admin(actor)
    department = db.session.get(Department, department_id) if department_id else None
    if department is None or department.is_retired:
        raise ServiceError(_l("Choose the department responsible for the service."), field="department_id", code="bad_department")
    service = PublicService(
        name=_text(name, field="name", label=_l("The name"), maximum=NAME_MAX),
        description=_text(description, field="description", label=_l("The description"), maximum=TEXT_MAX, required=False),
        department_id=department.id, created_at=now,
    )
    db.session.add(service)
    db.session.flush()
    audit.record("service.created", now, actor=actor, subject=service)
    return service


# --- campaigns and rubrics ------------------------------------------------------------------------


@dataclass
class CampaignData:
    title: str | None
    panel_id: int | None
    service_id: int | None
    opens_at: datetime | None
    closes_at: datetime | None
    photo_allowed: bool = False
    response_days: int | None = 14
    publish_delay_days: int | None = 14


def _clean_campaign(data: CampaignData) -> dict:
    panel = db.session.get(Panel, data.panel_id) if data.panel_id else None
    if panel is None:
        raise ServiceError(_l("Choose the panel that evaluates."), field="panel_id", code="bad_panel")
    service = db.session.get(PublicService, data.service_id) if data.service_id else None
    if service is None:
        raise ServiceError(_l("Choose the service to evaluate."), field="service_id", code="bad_service")
    if data.opens_at is None or data.closes_at is None or data.opens_at >= data.closes_at:
        raise ServiceError(_l("The campaign must close after it opens."), field="closes_at", code="bad_window")
    if data.response_days is None or not 1 <= data.response_days <= 365:
        raise ServiceError(_l("Give the department from 1 to 365 days to answer."), field="response_days", code="bad_days")
    if data.publish_delay_days is None or not 0 <= data.publish_delay_days <= 365:
        raise ServiceError(_l("Publish from 0 to 365 days after the close."), field="publish_delay_days", code="bad_days")
    return {
        "title": _text(data.title, field="title", label=_l("The title"), maximum=NAME_MAX), "panel_id": panel.id,
        "service_id": service.id, "opens_at": data.opens_at, "closes_at": data.closes_at, "photo_allowed": bool(data.photo_allowed),
        "response_days": data.response_days, "publish_delay_days": data.publish_delay_days,
    }


def create_campaign(actor: User, data: CampaignData, now: datetime) -> Campaign:
    _require_admin(actor)
    campaign = Campaign(created_at=now, updated_at=now, comment_count=0, **_clean_campaign(data))
    db.session.add(campaign)
    db.session.flush()
    audit.record("campaign.created", now, actor=actor, subject=campaign)
    return campaign


def _require_draft(campaign: Campaign, now: datetime) -> None:
    if campaign.phase(now) != CampaignPhase.DRAFT:
        raise ServiceError(_l("The campaign is scheduled, so its settings and rubric can no longer change."), code="not_draft")


def update_campaign(actor: User, campaign: Campaign, data: CampaignData, now: datetime) -> Campaign:
    _require_admin(actor)
    lock_for_update(campaign)
    _require_draft(campaign, now)
    for key, value in _clean_campaign(data).items():
        setattr(campaign, key, value)
    campaign.updated_at = now
    audit.record("campaign.updated", now, actor=actor, subject=campaign)
    return campaign


@dataclass
class CriterionData:
    name: str | None
    description: str | None
    weight: float | None
    labels: list[str | None]


def add_criterion(actor: User, campaign: Campaign, data: CriterionData, now: datetime) -> Criterion:
    _require_admin(actor)
    lock_for_update(campaign)
    _require_draft(campaign, now)
    if len(campaign.criteria) >= MAX_CRITERIA:
        raise ServiceError(lazy_ngettext("A rubric has at most %(max)d criterion.", "A rubric has at most %(max)d criteria.", MAX_CRITERIA, max=MAX_CRITERIA), code="too_many")
    name = _text(data.name, field="name", label=_l("The criterion's name"), maximum=NAME_MAX)
    description = _text(data.description, field="description", label=_l("The description"), maximum=TEXT_MAX, required=False)
    if data.weight is None or not data.weight > 0 or data.weight > 100:
        raise ServiceError(_l("The weight must be a positive number (up to 100)."), field="weight", code="bad_weight")
    labels = []
    for level, label in enumerate(data.labels[:LEVELS], start=1):
        labels.append(_text(label, field=f"label_{level}", label=_l("The label for %(level)d", level=level), maximum=LABEL_MAX))
    if len(labels) != LEVELS:
        raise ServiceError(_l("Give a label for every level from 1 to 5."), field="label_1", code="labels")
    criterion = Criterion(
        campaign_id=campaign.id, position=len(campaign.criteria) + 1, name=name, description=description, weight=float(data.weight), labels=labels
    )
    db.session.add(criterion)
    db.session.flush()
    db.session.refresh(campaign)
    audit.record("campaign.criterion_added", now, actor=actor, subject=campaign, criterion=name)
    return criterion


def remove_criterion(actor: User, campaign: Campaign, criterion_id: int, now: datetime) -> None:
    _require_admin(actor)
    lock_for_update(campaign)
    _require_draft(campaign, now)
    criterion = next((c for c in campaign.criteria if c.id == criterion_id), None)
    if criterion is None:
        raise ServiceError(_l("That criterion is not part of this rubric."), code="no_criterion")
    campaign.criteria.remove(criterion)
    for position, rest in enumerate(campaign.criteria, start=1):
        rest.position = position
    audit.record("campaign.criterion_removed", now, actor=actor, subject=campaign, criterion=criterion.name)


def schedule_campaign(actor: User, campaign: Campaign, now: datetime) -> None:
    """Publish the campaign: from now on its rubric is fixed and it opens and closes by its dates."""
    _require_admin(actor)
    lock_for_update(campaign)
    _require_draft(campaign, now)
    if not campaign.criteria:
        raise ServiceError(_l("Add at least one criterion to the rubric first."), code="no_criteria")
    if campaign.closes_at <= now:
        raise ServiceError(_l("The campaign's closing time has passed; move it into the future first."), code="past")
    campaign.scheduled_at = campaign.updated_at = now
    audit.record("campaign.scheduled", now, actor=actor, subject=campaign)


# --- evaluations -----------------------------------------------------------------------------------


def evaluation_of(user, campaign: Campaign) -> Evaluation | None:
    if user is None or not user.is_authenticated:
        return None
    return db.session.scalar(select(Evaluation).where(Evaluation.campaign_id == campaign.id, Evaluation.user_id == user.id))


def evaluate_refusal(user, campaign: Campaign, now: datetime):
    """Why `user` may not evaluate now (a message), or None."""
    if not permissions.is_panelist(user, campaign):
        return _l("Only members of %(panel)s evaluate in this campaign.", panel=campaign.panel.name)
    if user.is_suspended(now):
        return _l("Your account is suspended, so you cannot evaluate now.")
    phase = campaign.phase(now)
    if phase in (CampaignPhase.DRAFT, CampaignPhase.UPCOMING):
        return _l("The campaign opens on %(when)s.", when=_when(campaign.opens_at))
    if phase != CampaignPhase.OPEN:
        return _l("The campaign closed on %(when)s; evaluations can no longer be changed.", when=_when(campaign.closes_at))
    return None


@dataclass
class EvaluationData:
    scores: dict[int, int | None]  # criterion id → 1..5, or None when left out
    comment: str | None = None
    visit_date: date | None = None
    photo: object | None = None  # an uploaded file stream
    remove_photo: bool = False
    submit: bool = False  # final submit (every criterion scored) or a draft
    evaluation_id: int | None = None  # the evaluation the form was opened on (None: a new one)


def save_evaluation(user: User, campaign: Campaign, data: EvaluationData, now: datetime) -> Evaluation:
    """Save a draft or submit (and, until the close, edit) the panelist's one evaluation."""
    lock_for_update(campaign)
    refusal = evaluate_refusal(user, campaign, now)
    if refusal is not None:
        raise ServiceError(refusal, code="not_allowed")
    existing = evaluation_of(user, campaign)
    if existing is not None and data.evaluation_id != existing.id:
        raise ServiceError(_l("You have already started an evaluation for this campaign. Open it again to edit it."), code="duplicate")
    if existing is None and data.evaluation_id is not None:
        raise ServiceError(_l("This evaluation no longer exists. Start again."), code="gone")
    scores: dict[int, int] = {}
    for criterion in campaign.criteria:
        value = data.scores.get(criterion.id)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LEVELS:
            raise ServiceError(_l("Score each criterion from 1 to 5."), field=f"score_{criterion.id}", code="bad_score")
        scores[criterion.id] = value
    unknown = set(data.scores) - {c.id for c in campaign.criteria}
    if any(data.scores.get(k) not in (None, "") for k in unknown):
        raise ServiceError(_l("That criterion is not part of this rubric."), code="no_criterion")
    submitting = data.submit or (existing is not None and existing.status == EvaluationStatus.SUBMITTED)
    if submitting:
        missing = [c for c in campaign.criteria if c.id not in scores]
        if missing:
            raise ServiceError(_l("Score every criterion before submitting: %(names)s.", names=", ".join(c.name for c in missing)),
                               field=f"score_{missing[0].id}", code="missing_score")
    comment = _text(data.comment, field="comment", label=_l("The comment"), maximum=COMMENT_MAX, required=False)
    earliest = campaign.opens_at.date() - timedelta(days=366)
    if data.visit_date is not None and data.visit_date > now.date() + timedelta(days=1):
        raise ServiceError(_l("Give the date of your visit, no later than today."), field="visit_date", code="bad_date")
    if data.visit_date is not None and data.visit_date < earliest:
        raise ServiceError(_l("Give the date of a recent visit, no earlier than %(earliest)s.", earliest=format_local_date(earliest)),
                           field="visit_date", code="bad_date")
    evaluation = existing
    if evaluation is None:
        evaluation = Evaluation(campaign_id=campaign.id, user_id=user.id, created_at=now, updated_at=now, comment="",
                                status=EvaluationStatus.DRAFT.value)
        db.session.add(evaluation)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            # Another request of the same panelist got there first (the lock makes this rare).
            if db.session.scalar(select(Evaluation.id).where(Evaluation.campaign_id == campaign.id, Evaluation.user_id == user.id)) is None:
                raise
            raise ServiceError(_l("You have already started an evaluation for this campaign. Open it again to edit it."), code="duplicate") from None
    evaluation.comment, evaluation.visit_date, evaluation.updated_at = comment, data.visit_date, now
    _save_photo(evaluation, campaign, data)
    current = {s.criterion_id: s for s in evaluation.scores}
    for criterion_id, score in list(current.items()):
        if criterion_id not in scores:
            evaluation.scores.remove(score)
    for criterion_id, value in scores.items():
        if criterion_id in current:
            current[criterion_id].value = value
        else:
            evaluation.scores.append(Score(criterion_id=criterion_id, value=value))
    first_submit = submitting and evaluation.status != EvaluationStatus.SUBMITTED
    if submitting:
        evaluation.status = EvaluationStatus.SUBMITTED.value
        evaluation.submitted_at = evaluation.submitted_at or now
    db.session.flush()
    audit.record("evaluation.submitted" if first_submit else "evaluation.saved", now, actor=user, subject=campaign, status=evaluation.status)
    return evaluation


def _save_photo(evaluation: Evaluation, campaign: Campaign, data: EvaluationData) -> None:
    folder = photos.photo_folder() / "evaluations"
    if data.photo is not None:
        if not campaign.photo_allowed:
            raise ServiceError(_l("This campaign does not take photos."), field="photo", code="no_photos")
        try:
            processed = photos.process_photo(data.photo)
        except ServiceError as refusal:  # shown next to this form's one photo field
            raise ServiceError(refusal.message, field="photo", code=refusal.code) from None
        if evaluation.photo_token:
            photos.delete_after_commit(evaluation.photo_token, folder)
        evaluation.photo_token = photos.store(processed, folder)
    elif data.remove_photo and evaluation.photo_token:
        photos.delete_after_commit(evaluation.photo_token, folder)
        evaluation.photo_token = None


def photo_path(token: str, thumbnail: bool):
    folder = photos.photo_folder() / "evaluations"
    return folder, f"{token}-thumb.jpg" if thumbnail else f"{token}.jpg"


# --- closing and the scorecard ---------------------------------------------------------------------


def _claim_close(campaign_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.scheduled_at.is_not(None), Campaign.closed_at.is_(None), Campaign.closes_at <= now)
        .values(closed_at=Campaign.closes_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def campaigns_due_for_closing(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            select(Campaign.id)
            .where(Campaign.scheduled_at.is_not(None), Campaign.closed_at.is_(None), Campaign.closes_at <= now)
            .order_by(Campaign.closes_at, Campaign.id)
        )
    )


def _member_at(panel_id: int, moment: datetime):
    """Members of the panel at a moment: joined by then and not yet gone. Computed from stored
    dates, so a late close counts the same members as one on time."""
    return (
        (PanelMember.panel_id == panel_id)
        & PanelMember.joined_at.is_not(None)
        & (PanelMember.joined_at <= moment)
        & (PanelMember.left_at.is_(None) | (PanelMember.left_at > moment))
        & PanelMember.status.in_([MemberStatus.SELECTED.value, MemberStatus.LEFT.value])
    )


def members_at(panel_id: int, moment: datetime) -> int:
    return db.session.scalar(select(func.count(PanelMember.id)).where(_member_at(panel_id, moment))) or 0


@dataclass(frozen=True)
class Counted:
    """A counted evaluation, as plain values (a close may read thousands)."""

    id: int
    comment: str
    scores: dict[int, int]

    def score_for(self, criterion_id: int) -> int | None:
        return self.scores.get(criterion_id)


def counted_evaluations(campaign: Campaign) -> list[Counted]:
    """The evaluations a scorecard counts: submitted by the close, by someone who was a member
    at the close (drafts, and the evaluations of members who left before it, do not count)."""
    counted = (
        select(Evaluation.id, Evaluation.comment)
        .join(PanelMember, (PanelMember.user_id == Evaluation.user_id) & _member_at(campaign.panel_id, campaign.closes_at))
        .where(Evaluation.campaign_id == campaign.id, Evaluation.status == EvaluationStatus.SUBMITTED, Evaluation.submitted_at <= campaign.closes_at)
    )
    rows = db.session.execute(counted.order_by(Evaluation.id)).all()
    scores: dict[int, dict[int, int]] = {evaluation_id: {} for evaluation_id, _comment in rows}
    if rows:
        for evaluation_id, criterion_id, value in db.session.execute(
            select(Score.evaluation_id, Score.criterion_id, Score.value).where(Score.evaluation_id.in_(counted.with_only_columns(Evaluation.id)))
        ):
            scores[evaluation_id][criterion_id] = value
    return [Counted(evaluation_id, comment or "", scores[evaluation_id]) for evaluation_id, comment in rows]


def compute_scorecard(campaign: Campaign, now: datetime) -> Scorecard:
    """The scorecard from the counted evaluations (see counted_evaluations)."""
    criteria = list(campaign.criteria)
    evaluations = counted_evaluations(campaign)
    matrix = [[e.score_for(c.id) for c in criteria] for e in evaluations]
    entries, weighted = [], []
    for column, criterion in enumerate(criteria):
        result = stats.criterion_stats([row[column] for row in matrix if row[column] is not None], levels=LEVELS)
        weighted.append((result.mean, criterion.weight))
        entries.append({"criterion_id": criterion.id, "name": criterion.name, "weight": criterion.weight, "labels": criterion.labels,
                        "stats": result.to_dict()})
    # Agreement needs several criteria scored by several panelists; with one criterion alpha
    # is 0 by construction (observed and expected disagreement coincide), which says nothing.
    alpha = stats.krippendorff_alpha_ordinal(matrix, levels=LEVELS) if len(criteria) >= 2 else None
    previous = db.session.scalar(
        select(Scorecard)
        .join(Campaign, Campaign.id == Scorecard.campaign_id)
        .where(Campaign.service_id == campaign.service_id, Campaign.id != campaign.id, Campaign.closes_at < campaign.closes_at)
        .order_by(Campaign.closes_at.desc(), Campaign.id.desc())
        .limit(1)
    )
    member_count = members_at(campaign.panel_id, campaign.closes_at)
    scorecard = Scorecard(
        campaign_id=campaign.id, closed_at=campaign.closes_at, computed_at=now, members=member_count, submitted=len(evaluations),
        response_rate=stats.response_rate(len(evaluations), member_count) if member_count else None,
        overall=stats.weighted_overall(weighted), alpha=alpha, criteria=entries,
        previous_campaign_id=previous.campaign_id if previous else None, previous_overall=previous.overall if previous else None,
    )
    db.session.add(scorecard)
    db.session.flush()
    return scorecard


def _close_and_score(campaign_id: int, now: datetime) -> Scorecard | None:
    """The claim, the frozen scorecard, the department's response clock and the audit entry, in
    the caller's transaction; the members are told after it (see close_campaign)."""
    if not _claim_close(campaign_id, now):
        return None
    campaign = db.session.get(Campaign, campaign_id)
    db.session.refresh(campaign)
    scorecard = compute_scorecard(campaign, now)
    db.session.add(ResponseDue(
        scorecard_id=scorecard.id, department_id=campaign.service.department_id, reason="scorecard", started_at=campaign.closes_at,
        due_at=campaign.response_due_at, overdue_reminders=0,
    ))
    db.session.flush()
    audit.record("campaign.closed", now, subject=campaign, closed_at=campaign.closes_at.isoformat(), submitted=scorecard.submitted,
                 members=scorecard.members)
    return scorecard


def _mark_done(column, scorecard_id: int, now: datetime) -> bool:
    return db.session.execute(
        update(Scorecard).where(Scorecard.id == scorecard_id, column.is_(None)).values({column.key: now})
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def close_campaign(campaign_id: int, now: datetime) -> Scorecard | None:
    """Close one campaign: freeze its scorecard and start the department's response clock. Once.
    All in the caller's transaction; the sweep uses short ones (close_due_campaigns)."""
    scorecard = _close_and_score(campaign_id, now)
    if scorecard is None:
        return None
    campaign = db.session.get(Campaign, campaign_id)
    signals.campaign_closed.send(campaign, scorecard=scorecard, members=member_ids(campaign.panel_id), now=now)
    _mark_done(Scorecard.closing_done_at, scorecard.id, now)
    db.session.refresh(scorecard)
    return scorecard


def _close_in_batches(campaign_id: int, now: datetime) -> bool:
    """Claim (or resume) a campaign's close: the claim and the scorecard in one short transaction,
    the members told in chunks of their own, then marked done. True if this run finished it."""
    with write_transaction():
        scorecard = _close_and_score(campaign_id, now)
        if scorecard is None:
            scorecard = db.session.scalar(select(Scorecard).where(Scorecard.campaign_id == campaign_id, Scorecard.closing_done_at.is_(None)))
            if scorecard is None:
                return False
        scorecard_id = scorecard.id
    batches.between_batches("close")
    with batches.own_transactions():
        campaign = db.session.get(Campaign, campaign_id)
        signals.campaign_closed.send(campaign, scorecard=db.session.get(Scorecard, scorecard_id), members=member_ids(campaign.panel_id), now=now)
    with write_transaction():
        return _mark_done(Scorecard.closing_done_at, scorecard_id, now)


def close_due_campaigns(now: datetime) -> int:
    """The scheduler's sweep: close every campaign whose closing time has passed, and finish any
    close a crash interrupted, each in short transactions of its own (Sweep own_transactions)."""
    closed = 0
    unfinished = list(db.session.scalars(select(Scorecard.campaign_id).where(Scorecard.closing_done_at.is_(None)).order_by(Scorecard.id)))
    due = campaigns_due_for_closing(now)
    db.session.commit()  # no read transaction kept open across the batches
    for campaign_id in [*unfinished, *[c for c in due if c not in unfinished]]:
        try:
            closed += _close_in_batches(campaign_id, now)
        except Exception:
            db.session.rollback()
            log.exception("closing campaign %s failed; the next sweep tries again", campaign_id)
    return closed


def participation(campaign: Campaign) -> tuple[int, int]:
    """(evaluations submitted, members) as the campaign page shows them: once closed, the frozen
    scorecard's figures; before, the submitted evaluations of the panel's current members (an
    evaluation left behind by someone who has left does not count, as at the close), so the
    first never exceeds the second."""
    scorecard = scorecard_for(campaign) if campaign.closed_at is not None else None
    if scorecard is not None:
        return scorecard.submitted, scorecard.members
    current = select(PanelMember.user_id).where(PanelMember.panel_id == campaign.panel_id, PanelMember.status == MemberStatus.SELECTED)
    submitted = db.session.scalar(
        select(func.count(Evaluation.id)).where(
            Evaluation.campaign_id == campaign.id, Evaluation.status == EvaluationStatus.SUBMITTED, Evaluation.user_id.in_(current)
        )
    )
    members = db.session.scalar(select(func.count(PanelMember.id)).where(PanelMember.panel_id == campaign.panel_id,
                                                                          PanelMember.status == MemberStatus.SELECTED))
    return submitted or 0, members or 0


def scorecard_for(campaign: Campaign) -> Scorecard | None:
    return db.session.scalar(select(Scorecard).where(Scorecard.campaign_id == campaign.id))


def due_for(scorecard: Scorecard | None) -> ResponseDue | None:
    if scorecard is None:
        return None
    return db.session.scalar(select(ResponseDue).where(ResponseDue.scorecard_id == scorecard.id))


def response_for(scorecard: Scorecard | None) -> OfficialResponse | None:
    if scorecard is None:
        return None
    return db.session.scalar(select(OfficialResponse).where(OfficialResponse.scorecard_id == scorecard.id))


# --- publishing --------------------------------------------------------------------------------------


def _claim_publish(campaign_id: int, at: datetime) -> bool:
    """Publishable once its close is done (the members told): published_at := `at`, once."""
    closing_done = select(Scorecard.id).where(Scorecard.campaign_id == campaign_id, Scorecard.closing_done_at.is_not(None)).exists()
    result = db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.closed_at.is_not(None), Campaign.published_at.is_(None), closing_done)
        .values(published_at=at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _publish_in_batches(campaign_id: int, now: datetime) -> bool:
    """Claim (or resume) a scorecard's publication: the claim and its audit entry in one short
    transaction, the members told in chunks of their own, then marked done."""
    with write_transaction():
        campaign = db.session.get(Campaign, campaign_id)
        db.session.refresh(campaign)
        if campaign.published_at is None:
            if campaign.publishes_at > now or not _claim_publish(campaign_id, campaign.publishes_at):
                return False
            db.session.refresh(campaign)
            audit.record("campaign.published", now, subject=campaign, published_at=campaign.published_at.isoformat(), early=False)
        scorecard = scorecard_for(campaign)
        if scorecard is None or scorecard.publication_done_at is not None:
            return False
        scorecard_id = scorecard.id
    batches.between_batches("publish")
    with batches.own_transactions():
        campaign = db.session.get(Campaign, campaign_id)
        signals.scorecard_published.send(campaign, members=member_ids(campaign.panel_id), now=now)
    with write_transaction():
        return _mark_done(Scorecard.publication_done_at, scorecard_id, now)


def publish_due_scorecards(now: datetime) -> int:
    """The scheduler's sweep: publish each closed campaign's scorecard at its publish time
    (the close plus the delay), answered or not: a missing answer then shows as overdue. A
    publication a crash interrupted is finished first. Runs with no transaction around it."""
    published = 0
    unfinished = list(db.session.scalars(
        select(Scorecard.campaign_id).join(Campaign, Campaign.id == Scorecard.campaign_id)
        .where(Campaign.published_at.is_not(None), Scorecard.publication_done_at.is_(None)).order_by(Campaign.published_at, Campaign.id)
    ))
    candidates = db.session.scalars(
        select(Campaign).join(Scorecard, Scorecard.campaign_id == Campaign.id)
        .where(Campaign.closed_at.is_not(None), Campaign.published_at.is_(None), Scorecard.closing_done_at.is_not(None))
        .order_by(Campaign.closes_at, Campaign.id)
    ).all()
    due = [c.id for c in candidates if c.publishes_at <= now]
    db.session.commit()
    for campaign_id in [*unfinished, *[c for c in due if c not in unfinished]]:
        try:
            published += _publish_in_batches(campaign_id, now)
        except Exception:
            db.session.rollback()
            log.exception("publishing campaign %s failed; the next sweep tries again", campaign_id)
    return published


def publish_refusal(campaign: Campaign, now: datetime):
    scorecard = scorecard_for(campaign)
    if campaign.closed_at is None or scorecard is None or scorecard.closing_done_at is None:
        return _l("The campaign has not closed yet.")
    if campaign.published_at is not None:
        return _l("The scorecard is already published.")
    due = due_for(scorecard_for(campaign))
    if due is not None and due.answered_at is None:
        return _l("The department has not answered yet. The scorecard publishes by itself on %(when)s, with the answer marked overdue if it is still missing.",
                  when=_when(campaign.publishes_at))
    return None


def publish_early(actor: User, campaign: Campaign, now: datetime) -> None:
    """An admin publishes before the publish time, once the department has answered."""
    _require_admin(actor)
    lock_for_update(campaign)
    refusal = publish_refusal(campaign, now)
    if refusal is not None:
        raise ServiceError(refusal, code="not_ready")
    if not _claim_publish(campaign.id, now):
        raise ServiceError(_l("The scorecard is already published."), code="published")
    db.session.refresh(campaign)
    audit.record("campaign.published", now, actor=actor, subject=campaign, published_at=now.isoformat(), early=True)
    signals.scorecard_published.send(campaign, members=member_ids(campaign.panel_id), now=now)
    _mark_done(Scorecard.publication_done_at, scorecard_for(campaign).id, now)


def upcoming_deadlines(now: datetime, horizon: timedelta) -> list[datetime]:
    """Campaign closes and scorecard publish times within `horizon`, for exact-time triggers."""
    until = now + horizon
    closing = db.session.scalars(
        select(Campaign.closes_at).where(
            Campaign.scheduled_at.is_not(None), Campaign.closed_at.is_(None), Campaign.closes_at > now, Campaign.closes_at <= until
        )
    ).all()
    pending = db.session.scalars(select(Campaign).where(Campaign.scheduled_at.is_not(None), Campaign.published_at.is_(None),
                                                        Campaign.closes_at <= until)).all()
    publishing = [c.publishes_at for c in pending if now < c.publishes_at <= until]
    return sorted(set(closing) | set(publishing))


# --- the department's answer and action plan ------------------------------------------------------------


def answer_refusal(user, campaign: Campaign, due: ResponseDue | None):
    if due is None:
        return _l("The scorecard is answered once the campaign has closed.")
    if not permissions.can_answer(user, due):
        return _l("Only officials of %(department)s, or an administrator, can answer this scorecard.",
                  department=responses._department_name(due.department))
    return None


def answer(actor: User, campaign: Campaign, data: responses.ResponseData, now: datetime):
    """The department's response to the scorecard, through the official-response machinery:
    the same decisions, public revisions and response clock as ideas."""
    lock_for_update(campaign)
    scorecard = scorecard_for(campaign)
    due = due_for(scorecard)
    refusal = answer_refusal(actor, campaign, due)
    if refusal is not None:
        raise ServiceError(refusal, code="not_allowed")
    current = response_for(scorecard)
    before = current.revision_count if current is not None else 0
    revision, first = responses.save_response(actor, due, current, data, now, scorecard_id=scorecard.id)
    if not first and revision.number == before:
        return revision  # the same answer sent twice (a double click): nothing changed, nothing to record
    audit.record("scorecard.answered" if first else "scorecard.response_revised", now, actor=actor, subject=campaign,
                 decision=revision.decision, revision=revision.number)
    signals.response_posted.send(revision, idea=None, now=now)
    return revision


def action_refusal(user, campaign: Campaign):
    scorecard = scorecard_for(campaign)
    due = due_for(scorecard)
    if due is None:
        return _l("The action plan is written once the campaign has closed.")
    if not permissions.can_answer(user, due):
        return _l("Only officials of the responsible department, or an administrator, can change the action plan.")
    return None


def add_action_item(actor: User, campaign: Campaign, title: str | None, due_on: date | None, now: datetime) -> ActionItem:
    lock_for_update(campaign)
    refusal = action_refusal(actor, campaign)
    if refusal is not None:
        raise ServiceError(refusal, code="not_allowed")
    text = _text(title, field="title", label=_l("The action"), maximum=NAME_MAX)
    if due_on is None or not (campaign.closes_at.date() - timedelta(days=1) <= due_on <= date(now.year + 10, 12, 31)):
        raise ServiceError(_l("Give a due date after the campaign's close, within ten years."), field="due_on", code="bad_date")
    item = ActionItem(scorecard_id=scorecard_for(campaign).id, title=text, due_on=due_on, progress=0, note="", author_id=actor.id,
                      created_at=now, updated_at=now)
    db.session.add(item)
    db.session.flush()
    audit.record("scorecard.action_added", now, actor=actor, subject=campaign, title=text, due_on=due_on.isoformat())
    return item


def update_action_item(actor: User, campaign: Campaign, item_id: int, progress, note: str | None, now: datetime) -> ActionItem:
    lock_for_update(campaign)
    refusal = action_refusal(actor, campaign)
    if refusal is not None:
        raise ServiceError(refusal, code="not_allowed")
    item = db.session.get(ActionItem, item_id)
    if item is None or item.scorecard_id != scorecard_for(campaign).id:
        raise ServiceError(_l("That action is not part of this plan."), code="no_action")
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ServiceError(_l("Progress is a whole number from 0 to 100."), field="progress", code="bad_progress")
    item.progress = progress
    item.note = _text(note, field="note", label=_l("The note"), maximum=COMMENT_MAX, required=False)
    item.updated_at = now
    audit.record("scorecard.action_progress", now, actor=actor, subject=campaign, action_id=item.id, progress=progress)
    return item


def action_items(scorecard: Scorecard | None) -> list[ActionItem]:
    if scorecard is None:
        return []
    return list(db.session.scalars(select(ActionItem).where(ActionItem.scorecard_id == scorecard.id).order_by(ActionItem.due_on, ActionItem.id)))


# --- reading -----------------------------------------------------------------------------------------


def scores_table(campaign: Campaign) -> tuple[list[str], Iterator[list]]:
    """The submitted scores, anonymised: panelists are numbered in an order that follows neither
    their accounts nor the time they submitted (a keyed hash of the campaign and the evaluation).
    The key is the app's secret: with a public one (the draw seed), anyone could hash the likely
    evaluation ids, which follow the order evaluations were started, and undo the shuffle."""
    import hashlib
    import hmac

    from flask import current_app

    criteria = list(campaign.criteria)
    evaluations = counted_evaluations(campaign)
    key = current_app.config["SECRET_KEY"].encode()
    ordered = sorted(evaluations, key=lambda e: hmac.new(key, f"scores:{campaign.id}:{e.id}".encode(), hashlib.sha256).hexdigest())
    header = ["respondent", *[c.name for c in criteria], "comment"]
    rows = ([number, *[evaluation.score_for(c.id) or "" for c in criteria], evaluation.comment]
            for number, evaluation in enumerate(ordered, start=1))
    return header, rows


def scores_csv(campaign: Campaign) -> str:
    return exports.csv_text(*scores_table(campaign))


def agreement_reading(scorecard: Scorecard) -> str:
    """Which plain-language reading of the panelists' agreement fits the scorecard (labels.ALPHA_READINGS).
    Alpha is undefined for three different reasons, and only one of them is a lack of scores."""
    if scorecard.alpha is not None:
        return stats.alpha_reading(scorecard.alpha)
    if len(scorecard.criteria) < 2:
        return "one_criterion"  # compute_scorecard leaves alpha out: one unit says nothing about agreement
    if any(entry["stats"]["n"] >= 2 for entry in scorecard.criteria):
        return "no_variation"  # scores could be paired, yet none differed: no expected disagreement
    return stats.alpha_reading(None)


def visible_change(scorecard: Scorecard, user) -> float | None:
    """The scorecard's change against the previous campaign, for someone who may also see that
    campaign's scorecard: shown next to a published scorecard, the change of one still waiting
    for publication would give its overall score away."""
    if scorecard.change is None or scorecard.previous_campaign_id is None:
        return None
    previous = db.session.get(Campaign, scorecard.previous_campaign_id)
    if previous is None or not permissions.can_view_scorecard(user, previous):
        return None
    return scorecard.change


def service_trend(service: PublicService, published_only: bool = True) -> list[tuple[Campaign, Scorecard]]:
    stmt = (
        select(Campaign, Scorecard)
        .join(Scorecard, Scorecard.campaign_id == Campaign.id)
        .where(Campaign.service_id == service.id)
        .order_by(Campaign.closes_at, Campaign.id)
    )
    if published_only:
        stmt = stmt.where(Campaign.published_at.is_not(None))
    return [tuple(row) for row in db.session.execute(stmt)]


# --- announcing campaigns ------------------------------------------------------------------------------

CLOSING_SOON = timedelta(hours=24)


def announce_campaigns(now: datetime) -> dict[str, int]:
    """The scheduler's sweep: tell members, once each, that a campaign is open, and again a day
    before it closes. A campaign found already closing (after downtime) is announced as open
    only if a day or more is left."""
    told = {"opened": 0, "closing": 0}
    open_now = db.session.scalars(
        select(Campaign).where(Campaign.scheduled_at.is_not(None), Campaign.closed_at.is_(None), Campaign.opens_at <= now,
                               Campaign.closes_at > now)
    ).all()
    for campaign in open_now:
        closing = campaign.closes_at - now <= CLOSING_SOON
        if campaign.opened_announced_at is None and not closing and _claim_announcement(campaign.id, Campaign.opened_announced_at, now):
            signals.campaign_opened.send(campaign, members=member_ids(campaign.panel_id), now=now)
            told["opened"] += 1
        if campaign.closing_announced_at is None and closing and _claim_announcement(campaign.id, Campaign.closing_announced_at, now):
            signals.campaign_closing_soon.send(campaign, members=member_ids(campaign.panel_id), now=now)
            told["closing"] += 1
    return told


def _claim_announcement(campaign_id: int, column, now: datetime) -> bool:
    return db.session.execute(
        update(Campaign).where(Campaign.id == campaign_id, column.is_(None)).values({column.key: now})
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def announcement_moments(now: datetime, horizon: timedelta) -> list[datetime]:
    until = now + horizon
    moments = []
    for opens, closes in db.session.execute(
        select(Campaign.opens_at, Campaign.closes_at).where(Campaign.scheduled_at.is_not(None), Campaign.closed_at.is_(None))
    ):
        moments += [m for m in (opens, closes - CLOSING_SOON) if now < m <= until]
    return sorted(set(moments))
