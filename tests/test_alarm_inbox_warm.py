"""The first inbox query of a new process finds its rows already read (issue 15's < 50 ms inbox):
``warm_rows`` runs when the API starts, so that query only follows the alarm events since
instead of reading every inbox alarm whole. Checked by the statements the query sends, on SQLite
and PostgreSQL, with the store's cache dropped as a new process has it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event

from api.app import create_app
from api.settings import Settings
from tests.alarm_inbox_support import MIN_US, add_alarm, wipe_alarms
from twin.live.store import LiveStore, open_store
from twin.service.alarm_inbox import warm_rows

WHOLE_READ = "FROM alarms LEFT OUTER JOIN alarm_shelves"


@contextmanager
def _statements(store: LiveStore) -> Iterator[list[str]]:
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def _whole_reads(sent: list[str]) -> int:
    return sum(WHOLE_READ in s for s in sent)


def test_first_query_after_warm_up_reads_nothing_whole(store: LiveStore) -> None:
    wipe_alarms(store)
    ids = {add_alarm(store, sensor=f"s{i}", raised_us=(i + 1) * MIN_US) for i in range(20)}
    add_alarm(store, building="B2", sensor="other")

    store.alarm_inbox.forget()  # a new process: nothing cached
    with _statements(store) as cold:
        assert {r.id for r in store.alarm_inbox.rows(building="B1")} == ids
    assert _whole_reads(cold) == 1  # the control: without warming, the first query reads whole

    store.alarm_inbox.forget()
    assert warm_rows(store, ["B1", "B2"]) == 21 + 20 + 1  # campus-wide, then per building
    with _statements(store) as warm:
        assert {r.id for r in store.alarm_inbox.rows(building="B1")} == ids
    assert _whole_reads(warm) == 0


def test_the_api_warms_the_inbox_when_it_starts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/live.db"
    seeded = open_store(url)
    ids = {add_alarm(seeded, sensor=f"s{i}", raised_us=(i + 1) * MIN_US) for i in range(5)}
    seeded.engine.dispose()
    app = create_app(Settings(store_url=url, cache_dir=tmp_path / "cache", stale_sweep_s=0))
    with TestClient(app):
        store: LiveStore = app.state.store
        deadline = time.monotonic() + 30
        while any(t.name == "inbox warm-up" for t in threading.enumerate()):
            assert time.monotonic() < deadline, "the warm-up thread did not finish"
            time.sleep(0.02)
        with _statements(store) as first:
            assert {r.id for r in store.alarm_inbox.rows()} == ids
    assert _whole_reads(first) == 0
