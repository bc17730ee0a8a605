"""``commit_batch``: the consumer's own guarantee that one message cannot block the others,
whatever the store does. The store's validation (``twin/live/validate.py``) already
dead-letters every bad item it knows of; these tests use a real SQLite store whose ``ingest``
raises for one reading (standing for any store fault not foreseen) and a database that goes
away, to check the consumer's side: split, bounded tries, dead letter, no loss while the
database is down.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from twin.errors import StoreUnavailable
from twin.live.db import make_engine
from twin.live.migrate import upgrade
from twin.live.mqtt_batch import POISON_REASON, Message, commit_batch
from twin.live.records import IngestResult, SensorSpec
from twin.live.store import LiveStore

BASE = datetime.now(UTC) - timedelta(hours=1)
POISON = 13


class RefusingStore(LiveStore):
    """A real store whose ``ingest`` raises for any batch holding the reading of value 13."""

    calls = 0

    def ingest(
        self, items: Sequence[Any], source: str = "http", *, actor: str | None = None
    ) -> IngestResult:
        self.calls += 1
        if any(isinstance(i, dict) and i.get("value") == POISON for i in items):
            raise RuntimeError("store fault on value 13")
        return super().ingest(items, source, actor=actor)


def _open(path: Path) -> RefusingStore:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    s = RefusingStore(engine)
    s.register_sensors([SensorSpec(id="S0", quantity="temperature", unit="degC")])
    return s


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RefusingStore]:
    s = _open(tmp_path / "db" / "live.db")
    yield s
    s.close()


def _messages(n: int) -> list[Message]:
    out = []
    for i in range(n):
        item = {"sensor": "S0", "t": (BASE + timedelta(seconds=i)).isoformat(), "value": i}
        out.append(Message(i + 1, 1, "twin/readings/S0", orjson.dumps(item), [item]))
    return out


def test_poison_is_split_off_dead_lettered_and_the_rest_stored(store: RefusingStore) -> None:
    batch = _messages(40)
    pauses: list[float] = []
    out = commit_batch(store, batch, max_tries=3, sleep=pauses.append)
    assert [m.mid for m in out.dead] == [POISON + 1]
    assert sorted(m.mid for m in out.stored) == [i + 1 for i in range(40) if i != POISON]
    assert [v for _, v in store.raw("S0")] == [float(i) for i in range(40) if i != POISON]
    total, letters = store.dead_letters()
    assert total == 1
    letter = letters[0]
    assert (letter.reason, letter.source, letter.sensor) == (POISON_REASON, "mqtt", "S0")
    assert orjson.loads(letter.payload)["value"] == POISON
    assert "store fault on value 13" in letter.detail
    assert batch[POISON].tries == 3 and len(pauses) == 2  # bounded: tried 3 times alone
    # bisection: about 2*log2(40) refused parts plus the stored ones, far from one per message
    assert store.calls <= 2 * 6 + 6 + 2


def test_database_away_dead_letters_nothing_and_stores_all_later(
    store: RefusingStore, tmp_path: Path
) -> None:
    batch = [m for m in _messages(20) if m.items[0]["value"] != POISON]
    (tmp_path / "db").rename(tmp_path / "gone")  # the database file is unreachable
    store.engine.dispose()
    with pytest.raises(StoreUnavailable):
        commit_batch(store, batch, sleep=lambda _: None)
    assert all(m.tries == 0 for m in batch)  # nothing counted towards dead-lettering
    (tmp_path / "gone").rename(tmp_path / "db")
    out = commit_batch(store, batch)
    assert len(out.stored) == 19 and not out.dead
    assert len(store.raw("S0")) == 19
    assert store.dead_letters()[0] == 0
