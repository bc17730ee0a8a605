"""Planned work generated ahead of time by the server's timer, without anyone calling an endpoint.

:func:`generate_ahead` is called by every run of :func:`twin.service.periodic.tick` and does its
work at most once per ``every`` (15 minutes by default) per store in this process:

- patrol rounds: for every template, the rounds starting from ``now - window`` (so a round whose
  window is still open after a restart is not lost) up to ``now + rounds_ahead`` (2 days);
- preventive maintenance: every plan's orders due up to today + the plan's lead time (the same
  call as ``POST /pm-orders/generate`` with ``horizon_days`` 0).

Both generators are idempotent (unique per template and start, per plan, element and due date)
and write nothing, not even an audit entry, when nothing is due, so several server processes on
one PostgreSQL store may run it side by side: the loser of a race gets an integrity error, which
is logged, and the next run finds the work done.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from twin.live.store import LiveStore
from twin.service.campus import Campus
from twin.service.maintenance import generate_orders
from twin.service.patrols import generate_rounds

__all__ = ["ACTOR", "Generated", "generate_ahead"]

log = logging.getLogger(__name__)

#: The audit actor of what the timer generates.
ACTOR = "scheduler"

_last: dict[int, datetime] = {}
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Generated:
    rounds: int
    orders: int
    ran: bool  # False when skipped (ran less than ``every`` ago)


def generate_ahead(
    campus: Campus,
    store: LiveStore,
    now: datetime,
    *,
    every: timedelta = timedelta(minutes=15),
    rounds_ahead: timedelta = timedelta(days=2),
) -> Generated:
    """Generate due patrol rounds and PM orders ahead (see the module docstring). Each half is
    guarded: a failure is logged and the other half still runs."""
    with _lock:
        last = _last.get(id(store))
        if last is not None and timedelta(0) <= now - last < every:
            return Generated(0, 0, ran=False)
        _last[id(store)] = now
    rounds = orders = 0
    try:
        for tpl in store.patrols.templates():
            start = now - timedelta(minutes=tpl.window_minutes)
            made = generate_rounds(
                campus, store, tpl.id, start=start, end=now + rounds_ahead, actor=ACTOR
            )
            rounds += len(made)
    except Exception:
        log.exception("generating patrol rounds ahead failed")
    try:
        orders = len(generate_orders(campus, store, today=now.date(), actor=ACTOR))
    except Exception:
        log.exception("generating preventive maintenance orders ahead failed")
    if rounds or orders:
        log.info("scheduler generated %d patrol rounds and %d PM orders", rounds, orders)
    return Generated(rounds, orders, ran=True)
