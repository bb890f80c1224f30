"""What the outcome page shows, loaded in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from participation.accounts.models import Category, District
from participation.extensions import db
from participation.ideas.models import Idea
from participation.outcomes.models import OutcomeEntry, RoundOutcome
from participation.responses.models import OfficialResponse, ResponseDue
from participation.responses.services import days_overdue
from participation.rounds.models import Round


@dataclass
class Line:
    entry: OutcomeEntry
    idea: Idea
    response: OfficialResponse | None
    due: ResponseDue | None

    def overdue_days(self, now: datetime) -> int | None:
        """Days an answer is overdue (None when answered or not yet due)."""
        if self.due is None or not self.due.is_overdue(now):
            return None
        return days_overdue(self.due, now)

    @property
    def title_shown(self) -> bool:
        """The page names and links the idea unless moderators are reviewing it."""
        return self.idea.status != "hidden"

    @property
    def due_shown(self) -> ResponseDue | None:
        """The clock the page shows for the line (to those who see the selection): a selected
        idea's while it has no answer, and any answer still owed."""
        if self.due is None:
            return None
        if self.due.answered_at is None or (self.entry.selected and self.response is None):
            return self.due
        return None


RANKING_PER_PAGE = 100


@dataclass
class RankingPage:
    """One page of the ranked table (a big round has thousands of ideas; the selection and the
    answers owed are always shown whole)."""

    lines: list
    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass
class OutcomePage:
    round: Round
    outcome: RoundOutcome
    lines: list[Line]
    categories: dict[int, Category] = field(default_factory=dict)
    districts: dict[int, District] = field(default_factory=dict)

    @property
    def selected(self) -> list[Line]:
        return [line for line in self.lines if line.entry.selected]

    @property
    def answering_departments(self) -> frozenset[int]:
        return frozenset(line.due.department_id for line in self.lines if line.due is not None)

    def ranking(self, page: int) -> RankingPage:
        pages = max(-(-len(self.lines) // RANKING_PER_PAGE), 1)
        page = min(max(page, 1), pages)
        start = (page - 1) * RANKING_PER_PAGE
        return RankingPage(self.lines[start:start + RANKING_PER_PAGE], page, pages)

    def missing(self, now: datetime) -> list[Line]:
        """Answers owed and not given, oldest due first."""
        owed = [line for line in self.lines if line.due is not None and line.due.answered_at is None]
        return sorted(owed, key=lambda line: line.due.due_at)


def ranking_statement(outcome: RoundOutcome):
    """The frozen tally's (entry, idea) rows, without an order (callers rank by OutcomeEntry.rank)."""
    return (
        select(OutcomeEntry, Idea)
        .join(Idea, Idea.id == OutcomeEntry.idea_id)
        .where(OutcomeEntry.outcome_id == outcome.id)
        .options(joinedload(Idea.category), joinedload(Idea.district))
    )


def lines_for(rows) -> list[Line]:
    """Lines for (entry, idea) rows, with each idea's answer and clock: two statements for any number."""
    ids = [idea.id for _entry, idea in rows]
    responses = {r.idea_id: r for r in db.session.scalars(select(OfficialResponse).where(OfficialResponse.idea_id.in_(ids)).options(joinedload(OfficialResponse.department)))} if ids else {}
    dues = {d.idea_id: d for d in db.session.scalars(select(ResponseDue).where(ResponseDue.idea_id.in_(ids)).options(joinedload(ResponseDue.department)))} if ids else {}
    return [Line(entry, idea, responses.get(idea.id), dues.get(idea.id)) for entry, idea in rows]


def outcome_of(round_: Round) -> RoundOutcome | None:
    return db.session.scalar(select(RoundOutcome).where(RoundOutcome.round_id == round_.id))


def breakdown_names(outcome: RoundOutcome) -> tuple[dict[int, Category], dict[int, District]]:
    """The categories and districts the outcome's breakdowns name."""
    category_ids = [row["id"] for row in outcome.by_category if row["id"] is not None]
    district_ids = [row["id"] for row in outcome.by_district if row["id"] is not None]
    categories = {c.id: c for c in db.session.scalars(select(Category).where(Category.id.in_(category_ids)))} if category_ids else {}
    districts = {d.id: d for d in db.session.scalars(select(District).where(District.id.in_(district_ids)))} if district_ids else {}
    return categories, districts


def outcome_page(round_: Round) -> OutcomePage | None:
    outcome = outcome_of(round_)
    if outcome is None:
        return None
    rows = db.session.execute(ranking_statement(outcome).order_by(OutcomeEntry.rank)).all()
    categories, districts = breakdown_names(outcome)
    return OutcomePage(round_, outcome, lines_for(rows), categories, districts)
