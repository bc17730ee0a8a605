"""Alarms evaluated once across processes (issue 14), on PostgreSQL with real OS processes.

Three processes ingest interleaved readings of the same sensors at the same moments (a barrier
per round); an ``above`` rule with hysteresis decides raise and clear. Within a round every
process's reading of a sensor falls in the same band (above the threshold, inside the
hysteresis band, or back below it), so whatever the order in which the processes' transactions
run, one process replaying the rounds gives the truth, computed here from the rule by hand. Then
three processes sweep the same silent sensors for staleness at once: one alarm per sensor.
Before the per-sensor evaluation lock, both kinds were raised up to three times."""

from __future__ import annotations

import itertools
import multiprocessing as mp
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.ops_support import open_test_store
from twin.live.records import AlarmRule, SensorSpec
from twin.live.store import LiveStore
from twin.live.tables import alarms, events

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PROCS = 3
SENSORS = 30
ROUNDS = 24
THRESHOLD, HYSTERESIS = 30.0, 2.0
BANDS = {"high": 35.0, "band": 29.0, "low": 20.0}  # > 30; in (28, 30]; <= 28
#: A fixed instant, not ``now``: each spawned process imports this module again, and a clock
#: read at import would differ between processes that import across a second boundary (a
#: loaded machine), making the "newest" reading of a round an older one.
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _plan() -> list[list[str]]:
    """plan[r][s]: the band of sensor s in round r (seeded)."""
    rnd = random.Random(14)
    return [[rnd.choice(list(BANDS)) for _ in range(SENSORS)] for _ in range(ROUNDS)]


def _replay(plan: list[list[str]]) -> tuple[int, int, int]:
    """(raised, cleared, active at the end) as one process evaluating the rounds in order."""
    raised = cleared = 0
    active = [False] * SENSORS
    for row in plan:
        for s, band in enumerate(row):
            if band == "high" and not active[s]:
                active[s], raised = True, raised + 1
            elif band == "low" and active[s]:
                active[s], cleared = False, cleared + 1
    return raised, cleared, sum(active)


def _ingester(url: str, p: int, barrier: mp.synchronize.Barrier) -> None:  # type: ignore[name-defined]
    from twin.live.db import make_engine

    store = LiveStore(make_engine(url))
    plan = _plan()
    for r, row in enumerate(plan):
        t = (T0 + timedelta(minutes=r, milliseconds=p)).isoformat()
        # each process its own value inside the band, at its own millisecond of the round
        items = [
            {"sensor": f"scale-t{s:02d}", "t": t, "value": BANDS[band] + 0.1 * p * (band != "band")}
            for s, band in enumerate(row)
        ]
        barrier.wait()
        res = store.ingest(items, "test")
        assert res.accepted == SENSORS, res
    store.close()


def _late_ingester(url: str, p: int, barrier: mp.synchronize.Barrier) -> None:  # type: ignore[name-defined]
    """Even rounds: the last process sends a high reading, the others low ones a millisecond or
    two earlier (late if the high one is evaluated first); odd rounds: every process low. After
    each round (all committed) process 0 records how many alarms are active."""
    from sqlalchemy import text

    from twin.live.db import make_engine

    store = LiveStore(make_engine(url))
    for r in range(ROUNDS):
        high = r % 2 == 0 and p == PROCS - 1
        t = (T0 + timedelta(minutes=r, milliseconds=p)).isoformat()
        v = BANDS["high"] if high else BANDS["low"] + p
        items = [{"sensor": f"scale-t{s:02d}", "t": t, "value": v} for s in range(SENSORS)]
        barrier.wait()
        res = store.ingest(items, "test")
        assert res.accepted == SENSORS, res
        barrier.wait()
        if p == 0:
            with store.engine.begin() as conn:
                n = conn.execute(text("SELECT count(*) FROM alarms WHERE active")).scalar_one()
                conn.execute(text("INSERT INTO round_state VALUES (:r, :n)"), {"r": r, "n": n})
        barrier.wait()
    store.close()


def _sweeper(url: str, now_us: int, barrier: mp.synchronize.Barrier) -> None:  # type: ignore[name-defined]
    from twin.live.db import make_engine

    store = LiveStore(make_engine(url))
    for _ in range(4):
        barrier.wait()
        store.sweep_stale(now_us)
    store.close()


@pytest.fixture
def pg_store(tmp_path: Path) -> Iterator[tuple[LiveStore, str]]:
    yield from open_test_store("postgresql", tmp_path)


def _run(target, args_of) -> None:  # type: ignore[no-untyped-def]
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(PROCS)
    procs = [ctx.Process(target=target, args=(*args_of(p), barrier)) for p in range(PROCS)]
    for pr in procs:
        pr.start()
    for pr in procs:
        pr.join(timeout=120)
    for pr in procs:
        if pr.is_alive():
            pr.kill()
    assert [pr.exitcode for pr in procs] == [0] * PROCS


def test_threshold_alarms_raise_and_clear_once_across_processes(
    pg_store: tuple[LiveStore, str],
) -> None:
    store, url = pg_store
    store.register_sensors(
        SensorSpec(id=f"scale-t{s:02d}", quantity="scale_temp", unit="degC") for s in range(SENSORS)
    )
    rule = store.add_rule(
        AlarmRule(
            id=0,
            kind="above",
            quantity="scale_temp",
            threshold=THRESHOLD,
            hysteresis=HYSTERESIS,
            severity="major",
        )
    )
    _run(_ingester, lambda p: (url, p))

    raised, cleared, active = _replay(_plan())
    key = f"rule:{rule.id}"
    with store.engine.connect() as conn:
        rows = conn.execute(select(alarms).where(alarms.c.rule == key)).all()
        per_active = conn.execute(
            select(alarms.c.sensor, func.count())
            .where(alarms.c.rule == key, alarms.c.active.is_(True))
            .group_by(alarms.c.sensor)
        ).all()
        changes = [
            e.payload["change"]
            for e in conn.execute(select(events).where(events.c.type == "alarm"))
        ]
    got = (len(rows), sum(r.state == "cleared" for r in rows), sum(bool(r.active) for r in rows))
    assert got == (raised, cleared, active)
    assert raised > 20 and cleared > 10  # the plan exercises both, many times
    assert all(n == 1 for _, n in per_active)
    assert (changes.count("raised"), changes.count("cleared")) == (raised, cleared)


def test_late_readings_from_other_processes_never_clear_a_newer_alarm(
    pg_store: tuple[LiveStore, str],
) -> None:
    """A reading older than one another process has already evaluated is stored but decides
    nothing: after a round whose newest reading is high every sensor's alarm is active, whatever
    order the three transactions ran in; the next round (all low) clears each once. Before the
    lock a late low reading, evaluated against a stale previous value, cleared the new alarm."""
    from sqlalchemy import text

    store, url = pg_store
    store.register_sensors(
        SensorSpec(id=f"scale-t{s:02d}", quantity="scale_temp", unit="degC") for s in range(SENSORS)
    )
    rule = store.add_rule(
        AlarmRule(
            id=0,
            kind="above",
            quantity="scale_temp",
            threshold=THRESHOLD,
            hysteresis=HYSTERESIS,
            severity="major",
        )
    )
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE round_state (r int, n int)"))
    _run(_late_ingester, lambda p: (url, p))
    with store.engine.connect() as conn:
        states = [tuple(r) for r in conn.execute(text("SELECT r, n FROM round_state ORDER BY r"))]
        rows = conn.execute(select(alarms).where(alarms.c.rule == f"rule:{rule.id}")).all()
    truth = [(r, SENSORS if r % 2 == 0 else 0) for r in range(ROUNDS)]
    assert states == truth
    evens = (ROUNDS + 1) // 2
    assert (len(rows), sum(r.state == "cleared" for r in rows)) == (
        evens * SENSORS,
        (ROUNDS // 2) * SENSORS,
    )


def test_stale_sweeps_in_three_processes_raise_once(pg_store: tuple[LiveStore, str]) -> None:
    store, url = pg_store
    store.register_sensors(
        SensorSpec(id=f"scale-s{s:02d}", quantity="scale_silent", unit="ppm") for s in range(20)
    )
    store.add_rule(AlarmRule(id=0, kind="stale", quantity="scale_silent", stale_minutes=1.0))
    later = int((datetime.now(UTC) + timedelta(minutes=10)).timestamp() * 1e6)
    _run(_sweeper, lambda p: (url, later))
    with store.engine.connect() as conn:
        per = conn.execute(
            select(alarms.c.sensor, func.count())
            .where(alarms.c.kind == "stale")
            .group_by(alarms.c.sensor)
        ).all()
    assert len(per) == 20 and all(n == 1 for _, n in per), per


def _periodic(url: str, log_table: str) -> None:
    """The API's periodic loop (twin.service.periodic.run_periodic with a Leader) every 0.1 s;
    its work records (pid, start, end) of each run, taking 50 ms."""
    import asyncio
    import os
    import time

    from sqlalchemy import text

    from twin.live.db import make_engine
    from twin.live.leader import Leader
    from twin.service.periodic import run_periodic

    engine = make_engine(url)

    def work() -> None:
        t0 = time.time()
        time.sleep(0.05)
        with engine.begin() as conn:
            conn.execute(
                text(f"INSERT INTO {log_table} VALUES (:p, :a, :b)"),
                {"p": os.getpid(), "a": t0, "b": time.time()},
            )

    asyncio.run(run_periodic(work, 0.1, Leader(engine)))


def test_periodic_work_runs_in_one_process_and_another_takes_over(
    pg_store: tuple[LiveStore, str],
) -> None:
    import os
    import signal
    import time

    from sqlalchemy import text

    store, url = pg_store
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE leader_log (pid int, t0 float8, t1 float8)"))

    def runs() -> list[tuple[int, float, float]]:
        with store.engine.connect() as conn:
            q = text("SELECT pid, t0, t1 FROM leader_log ORDER BY t0")
            return [(int(r[0]), float(r[1]), float(r[2])) for r in conn.execute(q)]

    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_periodic, args=(url, "leader_log")) for _ in range(PROCS)]
    for pr in procs:
        pr.start()
    try:
        end = time.monotonic() + 60
        while len(runs()) < 15 and time.monotonic() < end:
            time.sleep(0.2)
        first = runs()
        assert len(first) >= 15 and {p for p, _, _ in first} == {first[0][0]}, first
        leader = first[0][0]
        assert leader in {pr.pid for pr in procs}
        os.kill(leader, signal.SIGKILL)
        killed = time.time()
        end = time.monotonic() + 30
        while time.monotonic() < end and not [r for r in runs() if r[0] != leader]:
            time.sleep(0.1)
        after = [r for r in runs() if r[0] != leader]
        assert after, "no process took over"
        takeover = after[0][1] - killed
        assert takeover < 5.0, takeover  # one 0.1 s tick, plus process scheduling under load
        time.sleep(1.5)
        later = [r for r in runs() if r[1] > killed]
        assert len({p for p, _, _ in later}) == 1, later  # one new leader, not both survivors
        # never two runs at once, across every process
        every = runs()
        assert all(a[2] <= b[1] for a, b in itertools.pairwise(every))
    finally:
        for pr in procs:
            if pr.is_alive():
                pr.kill()
            pr.join(timeout=10)
