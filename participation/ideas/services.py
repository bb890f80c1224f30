"""Services for ideas: submit, edit, update, withdraw; every change on the public timeline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from participation.accounts.models import Category, District, User
from participation.core import audit, signals
from participation.core.db import lock_for_update
from participation.core.errors import ServiceError
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.extensions import db
from participation.ideas.models import (
    LISTED_STATUSES,
    MAX_PHOTOS,
    Idea,
    IdeaPhoto,
    IdeaStatus,
    IdeaUpdate,
    StatusChange,
    TimelineEvent,
)
from participation.ideas.photos import ProcessedPhoto, delete_after_commit, photo_folder, store
from participation.ideas.text import search_text
from participation.rounds.models import Phase


@dataclass
class IdeaData:
    title: str
    body: str
    category: Category
    district: District | None = None
    latitude: float | None = None
    longitude: float | None = None


_CURRENT = object()


def record_timeline(
    idea: Idea,
    actor: User | None,
    event: str,
    now: datetime,
    *,
    to_status: str | None = None,
    note: str | None = None,
    details: dict | None = None,
    from_status=_CURRENT,
) -> StatusChange:
    """Append a row to the idea's public timeline (and move its status, if `to_status` is given)."""
    if from_status is _CURRENT:
        from_status = idea.status
    if to_status is not None:
        idea.status = to_status
    change = StatusChange(
        idea=idea,
        actor=actor,
        occurred_at=now,
        event=event,
        from_status=from_status,
        to_status=idea.status,
        note=note,
        details=details,
    )
    db.session.add(change)
    if change.to_status != from_status:
        signals.idea_status_changed.send(idea, from_status=from_status, to_status=change.to_status, actor=actor, now=now)
    return change


def _check_idea_data(round_, data: IdeaData, current: Idea | None = None) -> None:
    """The category and district must be the round's, or the ones the idea already has."""
    kept_category = current is not None and data.category == current.category
    if data.category not in round_.categories and not kept_category:
        raise ServiceError(_l("Choose one of this round's categories."), field="category_id", code="category_out_of_scope")
    kept_district = current is not None and data.district == current.district
    if data.district is not None and not round_.covers_district(data.district) and not kept_district:
        raise ServiceError(_l("This round does not cover that district."), field="district_id", code="district_out_of_scope")
    if (data.latitude is None) != (data.longitude is None):
        raise ServiceError(_l("Give both latitude and longitude, or neither."), field="latitude", code="location_incomplete")


def _apply_idea_data(idea: Idea, data: IdeaData) -> list[str]:
    changed = []
    values = {
        "title": data.title.strip(),
        "body": data.body.strip(),
        "category": data.category,
        "district": data.district,
        "latitude": data.latitude,
        "longitude": data.longitude,
    }
    for name, value in values.items():
        if getattr(idea, name) != value:
            setattr(idea, name, value)
            changed.append(name)
    idea.search_text = search_text(idea.title, idea.body)
    return changed


def _add_photos(idea: Idea, photos: list[ProcessedPhoto], now: datetime) -> None:
    if len(idea.photos) + len(photos) > MAX_PHOTOS:
        raise ServiceError(lazy_ngettext("An idea can have at most %(count)d photo.", "An idea can have at most %(count)d photos.", MAX_PHOTOS, count=MAX_PHOTOS), field="photos", code="too_many_photos")
    folder = photo_folder()
    start = max((p.position for p in idea.photos), default=-1) + 1
    for offset, photo in enumerate(photos):
        token = store(photo, folder)
        idea.photos.append(
            IdeaPhoto(token=token, position=start + offset, width=photo.width, height=photo.height, size_bytes=len(photo.full), created_at=now)
        )


def submit_idea(author: User, round_, data: IdeaData, photos: list[ProcessedPhoto], now: datetime) -> Idea:
    if round_.phase(now) != Phase.SUBMISSION:
        raise ServiceError(_l("This round is not accepting ideas now."), code="not_in_submission")
    _check_idea_data(round_, data)
    idea = Idea(round=round_, author=author, created_at=now, updated_at=now, status=IdeaStatus.PUBLISHED.value, vote_count=0, comment_count=0)
    _apply_idea_data(idea, data)
    db.session.add(idea)
    _add_photos(idea, photos, now)
    db.session.flush()
    record_timeline(idea, author, TimelineEvent.SUBMITTED, now, from_status=None)
    audit.record("idea.submitted", now, actor=author, subject=idea)
    signals.idea_submitted.send(idea, now=now)
    return idea


def edit_idea(actor: User, idea: Idea, data: IdeaData, new_photos: list[ProcessedPhoto], remove_photo_ids: set[int], now: datetime) -> Idea:
    """The author's edit, allowed until the first vote (the caller has asked can_edit). Run in write_transaction()."""
    lock_for_update(idea)
    if idea.status != IdeaStatus.PUBLISHED:
        raise ServiceError(_l("This idea can no longer be edited."), code="not_editable")
    if idea.vote_count > 0:
        raise ServiceError(_l("Voting on this idea has begun; add an update note instead of editing."), code="has_votes")
    _check_idea_data(idea.round, data, current=idea)
    changed = _apply_idea_data(idea, data)
    removed = [p for p in idea.photos if p.id in remove_photo_ids]
    for photo in removed:
        idea.photos.remove(photo)
    _add_photos(idea, new_photos, now)
    if removed or new_photos:
        changed.append("photos")
    if not changed:
        return idea
    idea.updated_at = idea.edited_at = now
    db.session.flush()
    for photo in removed:
        delete_after_commit(photo.token, photo_folder())
    record_timeline(idea, actor, TimelineEvent.EDITED, now, note=", ".join(changed))
    audit.record("idea.edited", now, actor=actor, subject=idea, fields=changed)
    return idea


def post_update(actor: User, idea: Idea, body: str, now: datetime) -> IdeaUpdate:
    update = IdeaUpdate(idea=idea, author=actor, body=body.strip(), created_at=now)
    db.session.add(update)
    idea.updated_at = now
    record_timeline(idea, actor, TimelineEvent.UPDATE_POSTED, now)
    return update


def withdraw_idea(actor: User, idea: Idea, reason: str, now: datetime) -> None:
    """Run in write_transaction(): a double-clicked withdrawal must leave one timeline row."""
    lock_for_update(idea)
    if not idea.round.is_open(now) or idea.status != IdeaStatus.PUBLISHED:
        raise ServiceError(_l("This idea can no longer be withdrawn."), code="not_withdrawable")
    idea.status_note = reason.strip()
    idea.updated_at = now
    record_timeline(idea, actor, TimelineEvent.WITHDRAWN, now, to_status=IdeaStatus.WITHDRAWN.value, note=idea.status_note)
    audit.record("idea.withdrawn", now, actor=actor, subject=idea)
    signals.idea_withdrawn.send(idea, now=now)


def hide_idea(idea: Idea, reason: str, now: datetime) -> None:
    """Moderation hides a listed idea. The timeline names no moderator (the public
    moderation log doesn't either); the audit log keeps who. The caller locks the idea."""
    if idea.status == IdeaStatus.HIDDEN:
        return
    if idea.status not in LISTED_STATUSES:
        # A withdrawn idea is already out of sight; hiding it would overwrite why its author withdrew it.
        raise ServiceError(_l("This idea is no longer shown, so there is nothing to hide."), code="not_listed")
    idea.updated_at = now
    record_timeline(idea, None, TimelineEvent.HIDDEN, now, to_status=IdeaStatus.HIDDEN.value, details={"reason": reason})


def restore_idea(idea: Idea, reason: str, now: datetime) -> None:
    """Moderation restores a hidden idea to the status it had before it was hidden, or, if
    its round closed meanwhile, to the result the close recorded for it (selected or not)."""
    if idea.status != IdeaStatus.HIDDEN:
        return
    hidden = db.session.execute(
        select(StatusChange.id, StatusChange.from_status)
        .where(StatusChange.idea_id == idea.id, StatusChange.event == TimelineEvent.HIDDEN.value)
        .order_by(StatusChange.id.desc())
        .limit(1)
    ).first()
    before = hidden.from_status if hidden else None
    result = db.session.scalar(
        select(StatusChange.event)
        .where(
            StatusChange.idea_id == idea.id,
            StatusChange.event.in_([TimelineEvent.SELECTED.value, TimelineEvent.NOT_SELECTED.value]),
            StatusChange.id > (hidden.id if hidden else 0),
        )
        .order_by(StatusChange.id.desc())
        .limit(1)
    )
    if result is not None:
        before = result  # the event names the status: selected / not_selected
    idea.updated_at = now
    record_timeline(
        idea, None, TimelineEvent.RESTORED, now, to_status=before or IdeaStatus.PUBLISHED.value, details={"reason": reason}
    )


def is_visible(user, idea_id: int, now: datetime) -> bool:
    """The idea exists and this person may open its page (for other domains: following it)."""
    from participation.ideas.permissions import can_view_idea

    idea = db.session.get(Idea, idea_id)
    return idea is not None and can_view_idea(user, idea, now)
