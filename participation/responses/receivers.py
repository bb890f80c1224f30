"""What the responses domain does when something happens in a lower domain (signals, never imports)."""
from __future__ import annotations

from participation.core import signals


def _tier_reached(idea, tier, due_at, now, **_):
    from participation.responses import services

    services.tier_reached(idea, tier, due_at, now)


def _idea_withdrawn(idea, now, **_):
    from participation.responses import services

    services.idea_withdrawn(idea, now)


def connect() -> None:
    signals.tier_reached.connect(_tier_reached)
    signals.idea_withdrawn.connect(_idea_withdrawn)
