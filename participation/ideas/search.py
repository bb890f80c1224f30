"""Finding ideas: filters, sorts, Korean full-text search and pagination, in a fixed number of queries."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import BigInteger, Integer, cast, column, func, literal, literal_column, select, text
from sqlalchemy.orm import joinedload, selectinload

from participation.accounts.models import District
from participation.extensions import db
from participation.ideas.models import LISTED_STATUSES, Idea
from participation.ideas.text import fingerprint, postgres_tsquery, query_terms, rank_similar, sqlite_match_expression
from participation.ideas.visibility import RESULT_STATUSES, RESULTS_PENDING
from participation.rounds.models import Round

PER_PAGE = 20
SORTS = ("votes", "newest", "discussed", "random")
# The status filter's options, in the order an idea passes through them (as the public sees statuses).
FILTER_STATUSES = ("published", RESULTS_PENDING, "selected", "not_selected", "answered", "implemented")
SHUFFLE_MODULUS = 2_147_483_629  # a prime below 2**31


@dataclass
class IdeaFilters:
    round_id: int | None = None
    category_id: int | None = None
    district_id: int | None = None
    status: str | None = None
    q: str | None = None
    sort: str = "votes"
    seed: int = 1


def text_match(query: str | None):
    """A WHERE clause matching ideas that contain every word of `query`, using the full-text index; None for no words."""
    terms = query_terms(query)
    if not terms:
        return None
    if db.engine.dialect.name == "postgresql":
        config = literal_column("'simple'::regconfig")
        return func.to_tsvector(config, Idea.search_text).op("@@")(func.to_tsquery(config, postgres_tsquery(terms)))
    matches = (
        text("SELECT rowid FROM idea_search WHERE idea_search MATCH :fts_query")
        .bindparams(fts_query=sqlite_match_expression(terms))
        .columns(column("rowid", Integer))
        .subquery()
    )
    return Idea.id.in_(select(matches.c.rowid))


def _district_ids(district_id: int) -> list[int]:
    """A gu stands for itself and all its dongs."""
    return [district_id, *db.session.scalars(select(District.id).where(District.parent_id == district_id))]


def ordering(filters: IdeaFilters) -> list:
    """The list's ORDER BY for the filters' sort; its last key is the id (unique), so it also
    serves as a keyset for cursor paging."""
    if filters.sort == "newest":
        return [Idea.created_at.desc(), Idea.id.desc()]
    if filters.sort == "discussed":
        return [Idea.comment_count.desc(), Idea.created_at.desc(), Idea.id.desc()]
    if filters.sort == "random":
        # A permutation of ids that depends only on the visitor's seed, so pages stay consistent.
        # 64-bit arithmetic: the product of two 31-bit numbers overflows PostgreSQL's integer.
        multiplier = literal(2 * (filters.seed % 2**30) + 1, BigInteger)
        return [(cast(Idea.id, BigInteger) * multiplier) % literal(SHUFFLE_MODULUS, BigInteger), Idea.id]
    return [Idea.vote_count.desc(), Idea.created_at.desc(), Idea.id.desc()]


def _status_condition(status: str | None):
    """The status filter, as the public sees statuses (ideas.visibility): before a round's
    outcome is published its ideas match "voting closed", never "selected" or "not selected"."""
    unpublished = Idea.round_id.in_(select(Round.id).where(Round.published_at.is_(None)))
    if status == RESULTS_PENDING:
        return Idea.status.in_(sorted(RESULT_STATUSES)) & unpublished
    if status in RESULT_STATUSES:
        return (Idea.status == status) & ~unpublished
    if status in LISTED_STATUSES:
        return Idea.status == status
    return Idea.status.in_(sorted(LISTED_STATUSES))


def idea_list_statement(filters: IdeaFilters):
    """The listed ideas matching the filters, in the list's order."""
    return matching_ideas(filters).order_by(*ordering(filters))


def matching_ideas(filters: IdeaFilters):
    """The listed ideas matching the filters, unordered (see `ordering`)."""
    # Ideas of unpublished (draft) rounds are never listed, whoever asks.
    stmt = select(Idea).where(Idea.round_id.in_(select(Round.id).where(Round.scheduled_at.is_not(None))))
    stmt = stmt.where(_status_condition(filters.status))
    if filters.round_id:
        stmt = stmt.where(Idea.round_id == filters.round_id)
    if filters.category_id:
        stmt = stmt.where(Idea.category_id == filters.category_id)
    if filters.district_id:
        stmt = stmt.where(Idea.district_id.in_(_district_ids(filters.district_id)))
    match = text_match(filters.q)
    if match is not None:
        stmt = stmt.where(match)
    return stmt


# How many ideas match a filter changes slowly and costs a scan of the index
# (tens of milliseconds at 100,000 ideas), so each process remembers it briefly.
COUNT_SECONDS = 10.0
_counts: dict[tuple, tuple[float, int]] = {}
_counts_lock = threading.Lock()


def _count(filters: IdeaFilters) -> tuple[int, bool]:
    """(total, whether it was just counted)."""
    key = (db.engine.url.render_as_string(), filters.round_id, filters.category_id, filters.district_id, filters.status, filters.q)
    moment = time.monotonic()
    with _counts_lock:
        cached = _counts.get(key)
    if cached and moment - cached[0] < COUNT_SECONDS:
        return cached[1], False
    base = idea_list_statement(filters).order_by(None).with_only_columns(Idea.id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    with _counts_lock:
        if len(_counts) > 10_000:
            _counts.clear()
        _counts[key] = (moment, total)
    return total, True


def forget_counts() -> None:
    with _counts_lock:
        _counts.clear()


# What a card shows beside the idea itself, loaded with it.
CARD_LOADS = (
    joinedload(Idea.category),
    joinedload(Idea.district).joinedload(District.parent),
    joinedload(Idea.author),
    joinedload(Idea.round),
    selectinload(Idea.photos),
)


@dataclass(frozen=True)
class NoIdeas:
    """The list when the search could not be run: nothing found rather than everything."""

    items: tuple = ()
    total: int = 0
    pages: int = 0
    page: int = 1


def list_ideas(filters: IdeaFilters, page: int, per_page: int = PER_PAGE):
    """One page of listed ideas with what a card shows, in a fixed number of queries.

    The total may be up to COUNT_SECONDS old; the ideas themselves never are.
    """
    stmt = idea_list_statement(filters).options(*CARD_LOADS)
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=False)
    seen = (page - 1) * per_page + len(result.items)
    if len(result.items) < per_page and (result.items or page == 1):
        result.total = seen  # this is the last page: the total is exact
    else:
        total, fresh = _count(filters)
        # A remembered total may lag; never let it hide ideas already shown or the next page.
        result.total = max(total, seen if fresh else seen + (1 if len(result.items) == per_page else 0))
    return result


def similar_ideas(round_id: int, title: str, body: str = "", exclude_id: int | None = None, limit: int = 5):
    """Up to `limit` listed ideas of the round that look like the draft, best first, with scores."""
    draft = fingerprint(title, body)
    if not draft:
        return []
    stmt = (
        select(Idea.id, Idea.title, func.substr(Idea.body, 1, 600))
        .where(Idea.round_id == round_id, Idea.status.in_(sorted(LISTED_STATUSES)))
        .order_by(Idea.id.desc())
        .limit(3000)
    )
    if exclude_id:
        stmt = stmt.where(Idea.id != exclude_id)
    rows = db.session.execute(stmt).all()
    ranked = rank_similar(draft, [(idea_id, fingerprint(t, b)) for idea_id, t, b in rows], limit)
    if not ranked:
        return []
    ideas = {i.id: i for i in db.session.scalars(select(Idea).where(Idea.id.in_([i for i, _ in ranked])))}
    return [(ideas[i], score) for i, score in ranked]


EXPORT_BATCH = 1000


def export_rows(filters: IdeaFilters, locale: str, link) -> Iterator[tuple]:
    """Every idea the list shows for these filters, in its order, as a visitor sees it (results
    only once the round's outcome is published; no author), a batch at a time so a large export
    holds little memory. `link(idea_id)` gives each idea's address."""
    from participation.accounts.models import Category
    from participation.accounts.reference import districts_in_tree_order
    from participation.ideas.visibility import shown_status

    categories = {c.id: c.name_for(locale) for c in db.session.scalars(select(Category))}
    districts = {d.id: d.full_name_for(locale) for d in districts_in_tree_order()}
    stmt = (
        idea_list_statement(filters)
        .join(Round, Round.id == Idea.round_id)
        .with_only_columns(Idea.id, Round.title, Round.published_at, Idea.title, Idea.category_id, Idea.district_id,
                           Idea.status, Idea.vote_count, Idea.comment_count, Idea.created_at)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    for row in db.session.execute(stmt):
        yield (row[0], row[1], row[3], categories.get(row.category_id, ""), districts.get(row.district_id, ""),
               shown_status(row.status, row.published_at is not None), row.vote_count, row.comment_count,
               row.created_at, link(row[0]))
