"""The one way a kind of record opts in to discussion (like Decidim's Commentable).

A subject kind says how to load a record by id, who may read its thread,
whether the thread is open for comments now (and if not, why), how to name and
link the record, and where to keep its comment count. Ideas are registered
below; rounds and evaluation campaigns register themselves the same way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for

from participation.core.i18n import lazy_gettext as _l
from participation.extensions import db


@dataclass(frozen=True)
class SubjectKind:
    name: str
    model: type
    # May this person read the record's thread (None for visitors)?
    can_read: Callable[[Any, Any, datetime], bool]
    # Why nobody may comment on the record now (a message), or None when the thread is open.
    closed_reason: Callable[[Any, datetime], Any]
    title: Callable[[Any], str]
    url: Callable[[Any], str]
    # Called with the new number of visible comments whenever it changes.
    count_changed: Callable[[Any, int], None] | None = None


_kinds: dict[str, SubjectKind] = {}


def register(kind: SubjectKind) -> SubjectKind:
    _kinds[kind.name] = kind
    return kind


def kind_named(name: str) -> SubjectKind | None:
    return _kinds.get(name)


def kind_of(subject) -> SubjectKind:
    for kind in _kinds.values():
        if isinstance(subject, kind.model):
            return kind
    raise LookupError(f"{type(subject).__name__} has no discussion thread")


def load(kind_name: str, subject_id: int):
    kind = _kinds.get(kind_name)
    if kind is None:
        return None, None
    return kind, db.session.get(kind.model, subject_id)


# --- ideas ---------------------------------------------------------------------------------


def _idea_closed_reason(idea, now: datetime):
    from participation.ideas.models import LISTED_STATUSES, IdeaStatus
    from participation.rounds.models import Phase

    if idea.status == IdeaStatus.WITHDRAWN:
        return _l("This idea was withdrawn, so its discussion is closed.")
    if idea.status not in LISTED_STATUSES:
        return _l("This idea is hidden while moderators review it, so its discussion is paused.")
    phase = idea.round.phase(now)
    if phase == Phase.PUBLISHED:
        return _l("The round's outcome is published, so this discussion is now read-only.")
    if phase in (Phase.DRAFT, Phase.UPCOMING):
        return _l("This round has not opened yet.")
    return None


def _idea_count_changed(idea, count: int) -> None:
    idea.comment_count = count


def _register_ideas() -> None:
    from participation.ideas.models import Idea
    from participation.ideas.permissions import can_view_idea_content

    register(
        SubjectKind(
            name="idea",
            model=Idea,
            can_read=can_view_idea_content,
            closed_reason=_idea_closed_reason,
            title=lambda idea: idea.title,
            url=lambda idea: url_for("ideas.detail", idea_id=idea.id),
            count_changed=_idea_count_changed,
        )
    )


_register_ideas()
