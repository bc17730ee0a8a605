"""MQTT delivery over outages, on loopback: what a QoS 1 gateway publishes, what the broker
acknowledges (PUBACK), what the twin stores, what is lost and what is stored twice.

    .venv/bin/python bench/mqtt_delivery.py [--rate 200] [--seconds 20] [--outage 10]
                                            [--compare-defaults]

Each scenario starts a private Mosquitto with the shipped settings (``scripts/broker.sh``,
``config/mosquitto/twin.conf``), the twin's consumer as its own process (``python -m
twin.live.mqtt``, SQLite store) and one gateway (persistent session, QoS 1, re-sends what the
broker has not acknowledged after a reconnect) publishing ``rate`` readings/s for ``seconds``.
``outage`` seconds after the third second one of these happens:

- ``broker SIGTERM``: the broker stops cleanly (writes its state) and is started again;
- ``broker SIGKILL``: the broker dies without writing anything and is started again;
- ``twin kill -9``: the consumer process dies and is started again; the broker stays up;
- ``twin away, broker SIGKILL``: the consumer dies, halfway through its outage the broker dies
  too (holding the twin's queue) and is back 1 s later: what it acknowledged since its last
  autosave is gone (the worst case of the four).

Then the bench waits for the counts to settle (at most ``--settle`` s). ``lost`` counts readings
the broker acknowledged that were never stored; ``unacked`` those published whose PUBACK never
came (the gateway still holds them, or the broker died before answering); ``back`` is the time
from the broker (or the twin) being back to the twin subscribed again. ``--compare-defaults``
repeats the three with Mosquitto's default settings (persistence on, as Debian ships it).
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.mqtt_support import (  # noqa: E402
    Broker,
    ConsumerProcess,
    Publisher,
    listening,
    stored,
    wait,
)
from twin.live.records import SensorSpec  # noqa: E402
from twin.live.store import open_store  # noqa: E402

SENSORS = 8
SCENARIOS = ("broker SIGTERM", "broker SIGKILL", "twin kill -9", "twin away, broker SIGKILL")
DEBIAN_DEFAULTS = "listener 1883 127.0.0.1\nallow_anonymous true\npersistence true\n"
DEBIAN_DEFAULTS += "persistence_location /var/lib/mosquitto/\nlog_dest stderr\n"


@dataclass
class Row:
    config: str
    scenario: str
    published: int
    acked: int
    stored: int
    lost: int
    unacked: int
    twice: int
    back_s: float

    def line(self) -> str:
        return (
            f"| {self.config} | {self.scenario} | {self.published:,} | {self.acked:,} | "
            f"{self.stored:,} | {self.lost:,} | {self.unacked:,} | {self.twice} | "
            f"{self.back_s:.1f} |"
        )


def _outage(
    scenario: str, broker: Broker, twin: ConsumerProcess, seconds: float, out: dict[str, float]
) -> None:
    """Take the broker or the twin away for ``seconds``; record how long re-subscribing took."""
    before = twin.subscribed()
    if scenario == "twin kill -9":
        twin.stop(signal.SIGKILL)
        time.sleep(seconds)
        twin.start()
    elif scenario == "twin away, broker SIGKILL":  # the broker dies holding the twin's queue
        twin.stop(signal.SIGKILL)
        time.sleep(seconds / 2)
        broker.stop(signal.SIGKILL)
        time.sleep(1.0)
        broker.start()
        time.sleep(seconds / 2 - 1.0)
        twin.start()
    else:
        broker.stop(signal.SIGTERM if scenario == "broker SIGTERM" else signal.SIGKILL)
        time.sleep(seconds)
        broker.start()
    back = time.monotonic()
    wait(lambda: twin.subscribed() > before, 60, 0.02)
    out["back_s"] = time.monotonic() - back


def run(scenario: str, config: str, args: argparse.Namespace) -> Row:
    with tempfile.TemporaryDirectory(prefix="mqtt-delivery-") as tmp:
        work = Path(tmp)
        conf = None
        if config == "Mosquitto defaults":
            conf = work / "defaults.conf"
            conf.write_text(DEBIAN_DEFAULTS)
        broker = Broker(work, conf)
        broker.start()
        url = f"sqlite:///{work / 'live.db'}"
        store = open_store(url)
        store.register_sensors(
            [SensorSpec(id=f"S{i}", quantity="temperature", unit="degC") for i in range(SENSORS)]
        )
        prefix, client_id = f"bench/{uuid.uuid4().hex[:6]}/readings", "twin-bench"
        twin = ConsumerProcess(url, broker.url, f"{prefix}/#", client_id, work / "twin.log")
        twin.start()
        try:
            if not wait(lambda: twin.subscribed() == 1, 20):
                raise RuntimeError(f"consumer did not subscribe: {twin.log.read_text()}")
            time.sleep(2.5)  # an autosave holds the twin's session (shipped settings)
            pub = Publisher(broker.port, prefix, SENSORS)
            total = int(args.rate * args.seconds)
            timing: dict[str, float] = {}
            outage = threading.Timer(3.0, _outage, (scenario, broker, twin, args.outage, timing))
            outage.start()
            start = time.monotonic()
            for i in range(total):  # paced: reading i leaves at start + i / rate
                pause = start + i / args.rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                pub.publish(i, 1)
            outage.join()
            settle_end = time.monotonic() + args.settle
            last, same = (-1, -1), 0
            while time.monotonic() < settle_end:  # until acks and rows stop changing
                now = (len(pub.acked), len(stored(store, SENSORS)))
                same = same + 1 if now == last else 0
                if (same >= 1 and now[0] == total) or same >= 3:
                    break
                last = now
                time.sleep(1.0)
            pub.close()
            rows = stored(store, SENSORS)
            acked = set(pub.acked)
            return Row(
                config=config,
                scenario=scenario,
                published=total,
                acked=len(acked),
                stored=len(set(rows)),
                lost=len(acked - set(rows)),
                unacked=total - len(acked),
                twice=len(rows) - len(set(rows)),
                back_s=timing.get("back_s", float("nan")),
            )
        finally:
            twin.stop(signal.SIGKILL)
            if listening(broker.port):
                broker.stop(signal.SIGKILL)
            store.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rate", type=float, default=200.0, help="readings per second")
    p.add_argument("--seconds", type=float, default=20.0, help="publishing time")
    p.add_argument("--outage", type=float, default=10.0, help="seconds the broker/twin is away")
    p.add_argument("--settle", type=float, default=30.0, help="max wait for counts to settle")
    p.add_argument("--compare-defaults", action="store_true")
    args = p.parse_args()
    configs = ["shipped twin.conf"] + (["Mosquitto defaults"] if args.compare_defaults else [])
    print(f"{args.rate:g} readings/s for {args.seconds:g} s, {args.outage:g} s outage at 3 s")
    print("| broker config | outage | published | acked | stored | lost | unacked | stored twice "
          "| back (s) |")  # fmt: skip
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for config in configs:
        for scenario in SCENARIOS:
            print(run(scenario, config, args).line(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
