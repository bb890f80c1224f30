"""The scheduler: APScheduler wiring only; jobs call services.

- registry.py   `Sweep`: what a sweep is (a service taking `now`, an interval, optional deadlines)
- sweeps.py     SWEEPS: the sweeps this site runs, in catch-up order
- lease.py      the database lease that lets one scheduler act at a time
- runner.py     running one sweep: app context, lease, write transaction, logging
- scheduling.py APScheduler: intervals, date triggers at deadlines, catch-up, the in-process dev scheduler
- cli.py        `flask scheduler run | once | status`
"""
