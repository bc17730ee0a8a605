"""The alarm inbox on SQLite and PostgreSQL: ISA-18.2 states, acknowledge, shelve/unshelve,
design suppressions, filters and counts, nothing lost on reopening the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alarm_inbox_support import MIN_US, add_alarm, set_alarm, wipe_alarms
from twin.analysis.alarm_grouping import Reach
from twin.errors import Conflict, InvalidInput, NotFound
from twin.live.db import now_us
from twin.live.store import LiveStore, open_store
from twin.service import alarm_inbox as svc


@pytest.fixture
def st(opened_store: tuple[LiveStore, str, Path]) -> LiveStore:
    wipe_alarms(opened_store[0])
    return opened_store[0]


def _states(store: LiveStore, **kw: object) -> dict[int, str]:
    got = svc.inbox(store, **kw)  # type: ignore[arg-type]
    return {i.alarm.id: i.inbox_state for i in got.items}


def test_states_and_default_inbox(st: LiveStore) -> None:
    now = now_us()
    a_unack = add_alarm(st, sensor="a")
    a_ack = add_alarm(st, sensor="b", state="acknowledged", acknowledged_us=now)
    c_unack = add_alarm(st, sensor="c", state="cleared", active=False, cleared_us=now)
    normal = add_alarm(
        st, sensor="d", state="cleared", active=False, cleared_us=now, acknowledged_us=now
    )
    suppressed = add_alarm(st, sensor="e", space="ROOM-CLOSED")
    svc.suppress(st, "ROOM-CLOSED", "ward closed for renovation", "ops")

    assert _states(st) == {
        a_unack: "active-unacknowledged",
        a_ack: "active-acknowledged",
        c_unack: "cleared-unacknowledged",
    }
    everything = _states(st, state="all")
    assert everything[normal] == "normal" and everything[suppressed] == "suppressed"
    res = svc.inbox(st, state="all")
    assert res.by_state == {
        "active-acknowledged": 1,
        "active-unacknowledged": 1,
        "cleared-unacknowledged": 1,
        "normal": 1,
        "suppressed": 1,
    }
    assert _states(st, state="suppressed") == {suppressed: "suppressed"}


def test_acknowledge_active_and_returned_to_normal(st: LiveStore) -> None:
    active = add_alarm(st, sensor="a")
    cleared = add_alarm(st, sensor="c", state="cleared", active=False, cleared_us=now_us())
    a = svc.acknowledge(st, active, "alice")
    assert (a.state, a.acknowledged_by) == ("acknowledged", "alice")
    c = svc.acknowledge(st, cleared, "bob")
    assert c.state == "cleared" and c.acknowledged_by == "bob"
    assert _states(st) == {active: "active-acknowledged"}  # the cleared one left the inbox
    with pytest.raises(Conflict):
        svc.acknowledge(st, cleared, "bob")
    with pytest.raises(NotFound):
        svc.acknowledge(st, 987654, "bob")
    acts = {(e.action, e.target, e.actor) for e in st.audit.list()}
    assert {
        ("alarm.ack", f"alarm:{active}", "alice"),
        ("alarm.ack", f"alarm:{cleared}", "bob"),
    } <= acts


def test_shelve_expires_and_unshelve(st: LiveStore) -> None:
    aid = add_alarm(st, sensor="a")
    other = add_alarm(st, sensor="b")
    shelf = svc.shelve(st, aid, "alice", "sensor under repair", 30)
    assert shelf.reason == "sensor under repair" and shelf.shelved_by == "alice"
    assert _states(st) == {other: "active-unacknowledged"}
    assert _states(st, state="shelved") == {aid: "shelved"}
    # past the expiry the alarm is back, with no sweeper
    later = now_us() + 31 * MIN_US
    assert _states(st, now=later) == {aid: "active-unacknowledged", other: "active-unacknowledged"}
    svc.unshelve(st, aid, "alice")
    assert _states(st) == {aid: "active-unacknowledged", other: "active-unacknowledged"}
    with pytest.raises(NotFound):
        svc.unshelve(st, aid, "alice")
    with pytest.raises(InvalidInput):
        svc.shelve(st, aid, "alice", "too long", 8 * 24 * 60)
    with pytest.raises(InvalidInput):
        svc.shelve(st, aid, "alice", "  ", 10)
    normal = add_alarm(
        st, state="cleared", active=False, cleared_us=now_us(), acknowledged_us=now_us()
    )
    with pytest.raises(Conflict):
        svc.shelve(st, normal, "alice", "nothing to shelve", 10)
    acts = [e.action for e in st.audit.list()]
    assert acts.count("alarm.shelve") == 1 and acts.count("alarm.unshelve") == 1


def test_filters_and_counts(st: LiveStore) -> None:
    facts = [
        ("B1", "S1", "critical", "E1"),
        ("B1", "S1", "major", None),
        ("B1", "S2", "major", "E2"),
        ("B1", "S2", "minor", "E1"),
        ("B2", "S9", "critical", None),
    ]
    ids = [
        add_alarm(st, sensor=f"s{i}", building=b, storey=s, severity=p, element=e)
        for i, (b, s, p, e) in enumerate(facts)
    ]
    systems = {"E1": ("SYS-A",), "E2": ("SYS-A", "SYS-B")}
    res = svc.inbox(st, building="B1", systems=lambda g: systems.get(g, ()))
    assert res.total == 4
    assert res.by_storey == {"S1": 2, "S2": 2}
    assert res.by_system == {"SYS-A": 3, "SYS-B": 1, "none": 1}
    assert res.by_priority == {"critical": 1, "major": 2, "minor": 1}
    assert [i.alarm.severity for i in res.items] == ["critical", "major", "major", "minor"]
    assert {i.alarm.id for i in svc.inbox(st, storey="S2").items} == {ids[2], ids[3]}
    only_b = svc.inbox(st, system="SYS-B", systems=lambda g: systems.get(g, ()))
    assert [i.alarm.id for i in only_b.items] == [ids[2]]
    crit = svc.inbox(st, priority="critical")
    assert {i.alarm.id for i in crit.items} == {ids[0], ids[4]}
    assert len(svc.inbox(st, limit=2).items) == 2 and svc.inbox(st, limit=2).total == 5
    with pytest.raises(InvalidInput):
        svc.inbox(st, state="bogus")
    with pytest.raises(InvalidInput):
        svc.inbox(st, priority="urgent")


def test_topology_grouping_hides_consequences(st: LiveStore) -> None:
    ahu = add_alarm(st, sensor="ahu-fan", element="AHU", severity="critical", raised_us=5)
    room = add_alarm(st, sensor="r1-temp", space="R1", raised_us=6)
    terminal = add_alarm(st, sensor="vav", element="VAV1", raised_us=7)
    unrelated = add_alarm(st, sensor="r9-temp", space="R9", raised_us=8)
    feeds = {
        "AHU": Reach(frozenset({"VAV1", "DUCT"}), frozenset({"R1"})),
        "VAV1": Reach(frozenset(), frozenset({"R1"})),
    }
    res = svc.inbox(st, reach=feeds.get)
    assert {i.alarm.id for i in res.items} == {ahu, unrelated}
    (cause,) = [i for i in res.items if i.alarm.id == ahu]
    assert cause.consequences == (room, terminal) and res.grouped == 2
    shown = svc.inbox(st, reach=feeds.get, consequences=True)
    assert {i.alarm.id: i.cause for i in shown.items} == {
        ahu: None,
        room: ahu,
        terminal: ahu,
        unrelated: None,
    }
    # the AHU returned to normal: its group dissolves; the room stays under the terminal
    # that feeds it (still alarming), the AHU itself waits for its acknowledgement
    set_alarm(st, ahu, active=False, cleared_us=9)
    again = svc.inbox(st, reach=feeds.get)
    assert {i.alarm.id: i.inbox_state for i in again.items} == {
        ahu: "cleared-unacknowledged",
        terminal: "active-unacknowledged",
        unrelated: "active-unacknowledged",
    }
    assert [i.consequences for i in again.items if i.alarm.id == terminal] == [(room,)]


def test_nothing_lost_on_reopen(opened_store: tuple[LiveStore, str, Path]) -> None:
    st, url, _ = opened_store
    wipe_alarms(st)
    aid = add_alarm(st)
    svc.shelve(st, aid, "alice", "maintenance", 60)
    sup = svc.suppress(st, "R7", "closed", "alice")
    again = open_store(url)
    try:
        assert [s.alarm for s in again.alarm_inbox.shelves()] == [aid]
        assert [s.id for s in again.alarm_inbox.suppressions()] == [sup.id]
        assert _states(again, state="shelved") == {aid: "shelved"}
    finally:
        again.close()


def test_a_change_from_another_process_reaches_a_warm_inbox(
    opened_store: tuple[LiveStore, str, Path],
) -> None:
    """The inbox rows are cached per process; a write by another store (another API process)
    publishes an alarm event, which the next query sees."""
    st, url, _ = opened_store
    wipe_alarms(st)
    aid = add_alarm(st)
    assert _states(st) == {aid: "active-unacknowledged"}  # warm
    other = open_store(url)
    try:
        svc.acknowledge(other, aid, "bob")
        assert _states(st) == {aid: "active-acknowledged"}
        svc.shelve(other, aid, "bob", "noise", 10)
        assert _states(st) == {}
        svc.unshelve(other, aid, "bob")
        sup = svc.suppress(other, "s1", "sensor removed", "bob")
        assert _states(st, state="suppressed") == {aid: "suppressed"}
        svc.unsuppress(other, sup.id, "bob")
        assert _states(st) == {aid: "active-acknowledged"}
    finally:
        other.close()
