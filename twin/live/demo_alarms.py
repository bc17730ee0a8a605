"""Demo escalation rules (issue 15): the inbox escalates on a fresh demo store. No channel is
seeded (a demo has no pager to call); add one with ``POST /notification-channels``."""

from __future__ import annotations

import logging

from twin.live.store import LiveStore

__all__ = ["DEMO_ESCALATION", "seed_demo_alarms"]

log = logging.getLogger(__name__)

#: (name, after minutes, level, lowest priority): desk → supervisor → duty manager.
DEMO_ESCALATION: tuple[tuple[str, int, int, str], ...] = (
    ("critical alarm unacknowledged: supervisor", 5, 1, "critical"),
    ("alarm unacknowledged 15 min: supervisor", 15, 1, "major"),
    ("critical alarm unacknowledged 30 min: duty manager", 30, 2, "critical"),
)


def seed_demo_alarms(store: LiveStore) -> int:
    """Add :data:`DEMO_ESCALATION` when the store has no escalation rule yet."""
    if store.notifications.rules():
        return 0
    for name, after, level, floor in DEMO_ESCALATION:
        store.notifications.add_rule(name, after, level, floor)
    log.info("demo: %d escalation rules", len(DEMO_ESCALATION))
    return len(DEMO_ESCALATION)
