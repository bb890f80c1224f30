"""The sweeps this site runs, in catch-up order. Jobs call services; nothing else belongs here.

To add one, import its service and append a Sweep:

    from participation.outcomes import services as outcomes

    Sweep("close_due_rounds", outcomes.close_due_rounds, timedelta(minutes=1), deadlines=outcomes.upcoming_deadlines, on_time=True),

`function(now)` changes state idempotently (the scheduler runs it in a write
transaction and commits, or rolls back if it raises); `deadlines(now, horizon)`
only reads and returns the moments within the horizon the sweep has work at;
`on_time=True` marks a deadline sweep, which runs on a worker of its own.
See registry.Sweep.
"""
from __future__ import annotations

from datetime import timedelta

from participation.accounts.services import purge_expired_login_sessions
from participation.civil_requests import alerts as request_alerts
from participation.notifications import mail, sms
from participation.outcomes import services as outcomes
from participation.panels import services as panels
from participation.responses import services as responses
from participation.rounds import services as rounds
from participation.scheduler.registry import Sweep
from participation.voting.services import recount_votes

SWEEPS: list[Sweep] = [
    Sweep("announce_round_phases", rounds.announce_phases, interval=timedelta(minutes=1), deadlines=rounds.upcoming_phase_moments),
    # Closing before publishing, so a catch-up after downtime closes and then publishes in one pass.
    # Closes and publications claim their work and finish it in short transactions of their own
    # (core/batches.py), so a large round never holds what residents' requests need.
    Sweep("close_due_rounds", outcomes.close_due_rounds, interval=timedelta(minutes=1), deadlines=outcomes.upcoming_deadlines,
          own_transactions=True, on_time=True),
    Sweep("publish_due_outcomes", outcomes.publish_due_outcomes, interval=timedelta(minutes=1), deadlines=outcomes.upcoming_deadlines,
          own_transactions=True, on_time=True),
    Sweep("announce_campaigns", panels.announce_campaigns, interval=timedelta(minutes=1), deadlines=panels.announcement_moments),
    Sweep("close_due_campaigns", panels.close_due_campaigns, interval=timedelta(minutes=1), deadlines=panels.upcoming_deadlines,
          own_transactions=True, on_time=True),
    Sweep("publish_due_scorecards", panels.publish_due_scorecards, interval=timedelta(minutes=1), deadlines=panels.upcoming_deadlines,
          own_transactions=True, on_time=True),
    Sweep(
        "remind_overdue_responses",
        responses.remind_overdue_responses,
        interval=timedelta(minutes=15),
        deadlines=responses.upcoming_deadlines,
    ),
    # Civil requests' delay alerts, progress notices and survey reminders, each once (civil_requests/alerts.py),
    # claimed and told a batch per short transaction; before the outbox sweeps, which deliver what they queue.
    Sweep("send_request_alerts", request_alerts.send_request_alerts, interval=timedelta(minutes=15),
          deadlines=request_alerts.upcoming_alert_moments, own_transactions=True),
    Sweep("send_daily_digests", mail.send_daily_digests, interval=timedelta(minutes=15), deadlines=mail.digest_moments,
          own_transactions=True),
    # Last, so what the sweeps above told people goes out in the same pass.
    Sweep("deliver_email_outbox", mail.deliver_email_outbox, interval=timedelta(seconds=30), deadlines=mail.upcoming_deliveries,
          own_transactions=True),
    # Text messages: the same outbox and rules as email, through the SMS gateway (notifications/sms.py).
    Sweep("deliver_sms_outbox", sms.deliver_sms_outbox, interval=timedelta(seconds=30), deadlines=sms.upcoming_deliveries,
          own_transactions=True),
    Sweep("reconcile_vote_counts", recount_votes, interval=timedelta(hours=1)),
    Sweep("purge_login_sessions", purge_expired_login_sessions, interval=timedelta(hours=1)),
]
