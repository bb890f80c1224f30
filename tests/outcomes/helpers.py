"""A closable round with ideas and real votes, for the outcome tests."""
from __future__ import annotations

from datetime import timedelta

from participation.core.db import write_transaction
from participation.core.time import now
from participation.extensions import db
from participation.outcomes import services
from participation.rounds.rules import TierSpec
from participation.voting import services as voting
from tests.factories import make_category, make_department, make_district, make_idea, make_round, make_user

SMALL_TIERS = [TierSpec(3, "department", 14), TierSpec(5, "mayor_office", 30)]


def vote(idea, voters, at):
    for user in voters:
        with write_transaction():
            voting.cast_vote(user, idea, at)


def voting_round(*, votes=(6, 4, 3, 1, 0), **round_args):
    """A round in voting with ideas holding the given numbers of votes; returns (round, ideas, voters).

    Ideas alternate between two categories (two departments) and two districts, so
    the breakdowns have something to break down.
    """
    departments = [make_department(), make_department()]
    categories = [make_category(departments[0]), make_category(departments[1])]
    districts = [make_district(), make_district()]
    round_args.setdefault("tiers", SMALL_TIERS)
    round_args.setdefault("votes_per_resident", None)
    round_ = make_round("voting", categories=categories, **round_args)
    ideas = [
        make_idea(round_, title=f"아이디어 {n}", category=categories[n % 2], district=districts[n % 2]) for n in range(len(votes))
    ]
    voters = [make_user() for _ in range(max(votes, default=0))]
    during = round_.voting_opens_at + timedelta(hours=1)
    for idea, count in zip(ideas, votes, strict=True):
        vote(idea, voters[:count], during)
    db.session.commit()
    return round_, ideas, voters


def after(round_, **delta):
    return round_.voting_closes_at + timedelta(**(delta or {"seconds": 1}))


def close(round_, at=None):
    with write_transaction():
        outcome = services.close_round(round_.id, at or after(round_))
    return outcome


__all__ = ["after", "close", "now", "vote", "voting_round"]
