"""Common cause from ticket ids (and alarm ids) on the small demo hospital, with a real SQLite
live store: tickets name their element or room in the store, the analysis resolves them.

Known answer: the generator's truth lists, per system and storey, the isolation valve and the
terminals it feeds. Two tickets on two oxygen outlets fed by the same storey valve must share
that valve upstream; the first suspect feeds both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.ops_support import open_test_store
from twin.errors import NotFound, StoreUnavailable
from twin.live.store import LiveStore
from twin.service.campus import Campus
from twin.service.derived import networks_of
from twin.service.faults import common_cause_for, record_target


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveStore, str, Path]]:
    tmp = tmp_path_factory.mktemp("faults-tickets")
    for store, url in open_test_store("sqlite", tmp):
        yield store, url, tmp


@pytest.fixture(scope="module")
def campus(small_twin) -> Campus:  # type: ignore[no-untyped-def]
    c = Campus()
    c.add(small_twin)
    return c


def _oxygen_pair(twin: Any, truth: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    entry = next(
        i
        for i in truth["isolation"]
        if "oxygen" in i["system_name"].lower() and len(i["downstream_terminals"]) >= 2
    )
    a, b = entry["downstream_terminals"][:2]
    return entry, a, b


def _ticket(store: LiveStore, twin: Any, **where: str) -> int:
    t = store.tickets.create(
        title="no oxygen", priority="urgent", actor="nurse", twin=twin, **where
    )
    return t.id


@pytest.mark.slow
def test_common_cause_of_two_tickets(opened, campus, small_twin, small_hospital_truth) -> None:  # type: ignore[no-untyped-def]
    store, _url, _tmp = opened
    entry, a, b = _oxygen_pair(small_twin, small_hospital_truth)
    t1, t2 = _ticket(store, small_twin, element=a), _ticket(store, small_twin, element=b)
    assert record_target(store, "ticket", str(t1)) == a
    found = common_cause_for(campus, store, tickets=[t1, t2])
    assert found and set(found[0].feeds) == {a, b}
    assert entry["valve"] in [s.guid for s in found]
    # the same answer as from the element guids themselves
    by_guid = common_cause_for(campus, guids=[a, b])
    assert [s.guid for s in by_guid] == [s.guid for s in found]
    # a ticket about a room (no element) stands for the room's terminal
    room = small_twin.elements[b].space
    t3 = _ticket(store, small_twin, space=room)
    mixed = common_cause_for(campus, store, guids=[a], tickets=[t3])
    assert mixed and len(mixed[0].feeds) == 2 and entry["valve"] in [s.guid for s in mixed]
    with pytest.raises(NotFound):
        common_cause_for(campus, store, tickets=[10**9])
    with pytest.raises(StoreUnavailable):
        common_cause_for(campus, None, tickets=[t1])


def _alarm(store: LiveStore, element: str) -> int:
    """A real alarm: a pressure sensor on ``element``, a below-threshold rule, a low reading."""
    from datetime import UTC, datetime

    from twin.live.records import AlarmRule, SensorSpec

    sid = f"O2-{element[:8]}"
    store.register_sensor(SensorSpec(id=sid, quantity="pressure", unit="kPa", element=element))
    store.add_rule(AlarmRule(id=0, kind="below", sensor=sid, threshold=300.0))
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    raised = store.ingest([{"sensor": sid, "t": now, "value": 120.0}]).alarms_raised
    assert len(raised) == 1
    return int(raised[0])


@pytest.mark.slow
def test_common_cause_of_an_alarm_and_a_ticket(
    opened, campus, small_twin, small_hospital_truth
) -> None:  # type: ignore[no-untyped-def]
    store, _url, _tmp = opened
    entry, a, b = _oxygen_pair(small_twin, small_hospital_truth)
    alarm = _alarm(store, a)
    assert record_target(store, "alarm", alarm) == a
    found = common_cause_for(
        campus, store, alarms=[str(alarm)], tickets=[_ticket(store, small_twin, element=b)]
    )
    assert found and set(found[0].feeds) == {a, b}
    assert entry["valve"] in [s.guid for s in found]


@pytest.fixture(scope="module")
def client(opened, campus) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    _store, url, tmp = opened
    settings = Settings(cache_dir=tmp / "cache", upload_dir=tmp / "uploads", store_url=url)
    with TestClient(create_app(settings, campus=campus)) as c:
        yield c


@pytest.mark.slow
def test_common_cause_over_http_with_tickets(
    opened, client, small_twin, small_hospital_truth
) -> None:  # type: ignore[no-untyped-def]
    store, _url, _tmp = opened
    entry, a, b = _oxygen_pair(small_twin, small_hospital_truth)
    t1, t2 = _ticket(store, small_twin, element=a), _ticket(store, small_twin, element=b)
    r = client.post("/common-cause", json={"tickets": [str(t1), str(t2)]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body[0]["feeds"]) == {a, b}
    assert entry["valve"] in [s["guid"] for s in body]
    gas = client.post("/common-cause", json={"tickets": [str(t1), str(t2)], "system": "gas"})
    assert gas.status_code == 200 and gas.json()[0]["guid"] == body[0]["guid"]
    both = client.post("/common-cause", json={"alarms": [str(_alarm(store, b))], "tickets": [t1]})
    assert both.status_code == 200 and set(both.json()[0]["feeds"]) == {a, b}
    missing = client.post("/common-cause", json={"tickets": ["999999"]})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert client.post("/common-cause", json={}).status_code == 422
    nets = networks_of(client.app.state.campus, small_twin)  # type: ignore[attr-defined]
    assert nets.known
    spec = client.get("/openapi.json").json()["components"]["schemas"]["CommonCauseIn"]
    assert "tickets" in spec["properties"]
