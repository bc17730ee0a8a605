"""The one periodic run of a server (the API's timer, ``TWIN_STALE_SWEEP_S``): stale-sensor
sweep, condition alarms (energy anomalies, inspection certificates, overdue hazards), then
escalation and notification delivery, in that order so an alarm raised in this run can already
escalate. Every step is guarded: a failure is logged and the next step still runs.

The SLA policies are passed in (the API's configured ``TWIN_SLA`` table, ``app.state.sla``):
work-order SLA escalation must use the same clocks as the tickets' ``sla`` field.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from twin.live.leader import Leader
from twin.live.sla import SlaPolicy
from twin.live.store import LiveStore
from twin.service.campus import Campus
from twin.service.condition_alarms import evaluate
from twin.service.notifications import run_once
from twin.service.scheduler import generate_ahead

__all__ = ["run_periodic", "tick"]

log = logging.getLogger(__name__)


def tick(
    store: LiveStore,
    campus: Campus,
    policies: Mapping[str, SlaPolicy],
    now: datetime | None = None,
) -> None:
    """One run of every periodic job (see the module docstring)."""
    now = datetime.now(UTC) if now is None else now
    t_us = int(now.timestamp() * 1_000_000)
    try:
        store.sweep_stale(t_us)
    except Exception:
        log.exception("stale sweep failed")
    try:
        store.maintain_readings(t_us)  # partitions ahead, rollups, retention (PostgreSQL)
    except Exception:
        log.exception("readings maintenance (partitions, rollups) failed")
    evaluate(campus, store, now)  # guards each rule itself
    generate_ahead(campus, store, now)  # patrol rounds and PM orders ahead; guards itself
    try:
        run_once(store, t_us, policies)
    except Exception:
        log.exception("alarm escalation / notification run failed")


async def run_periodic(work: Callable[[], None], every: float, leader: Leader) -> None:
    """Every ``every`` seconds, run ``work`` (in a thread) if this process is the cluster's
    leader (:class:`twin.live.leader.Leader`: one process among those sharing a PostgreSQL
    store; always on SQLite), so cluster-wide jobs run once, not once per process. A failed run
    is logged, never fatal; a process that is not the leader tries to become it at every tick,
    so when the leader dies another takes over within about one period."""
    while True:
        await asyncio.sleep(every)
        try:
            if await asyncio.to_thread(leader.is_leader):
                await asyncio.to_thread(work)
        except Exception:
            log.exception("periodic run failed")
