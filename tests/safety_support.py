"""Row wipe for the safety tables (locks, hazards): they hold keys to tickets, so they go first,
then the operations wipe (tests/ops_support.wipe)."""

from __future__ import annotations

from tests.ops_support import wipe
from twin.live.db import metadata
from twin.live.store import LiveStore
from twin.live.tables_safety import SAFETY_TABLES


def wipe_safety(store: LiveStore) -> None:
    with store.engine.begin() as conn:
        for name in reversed(SAFETY_TABLES):
            conn.execute(metadata.tables[name].delete())
    wipe(store)
