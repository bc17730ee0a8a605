"""Alarm-system health as EEMUA 191 and ISA-18.2 measure it, over one period (a day).

- alarm rate: alarms raised per operator per 10 minutes, the average over the period and the
  busiest 10-minute interval (EEMUA 191 target: about 1 in steady operation);
- floods: 10-minute intervals (aligned to the period start) with more than 10 alarms, and the
  share of the period spent in flood;
- chattering: sensors whose alarms raise and clear 3 times or more within one minute;
- stale: alarms still active more than 24 hours after they were raised (at the period end);
- priority mix: share of each priority among the alarms raised (ISA-18.2 suggests roughly
  80 % low, 15 % medium, 5 % high).

Pure: takes the rows the store returns (:class:`~twin.live.records_alarm_inbox.InboxRow`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from twin.live.records_alarm_inbox import InboxRow

__all__ = [
    "CHATTER_TRANSITIONS",
    "FLOOD_ALARMS",
    "STALE_US",
    "WINDOW_US",
    "Health",
    "chattering",
    "health",
]

WINDOW_US = 10 * 60 * 1_000_000
FLOOD_ALARMS = 10  # more than this many in a window is a flood
CHATTER_TRANSITIONS = 3  # this many transitions within a minute is chattering
MINUTE_US = 60 * 1_000_000
STALE_US = 24 * 3600 * 1_000_000


@dataclass(frozen=True, slots=True)
class Health:
    start_us: int
    end_us: int
    operators: int
    raised: int
    per_operator_per_10min: float
    peak_per_operator_per_10min: float
    flood_windows: int
    flood_share: float  # of the period's windows
    chattering: tuple[str, ...]  # sensor ids
    stale: tuple[int, ...]  # alarm ids
    priority_mix: dict[str, float]  # severity -> share of raised alarms


def chattering(rows: Iterable[InboxRow], *, start_us: int, end_us: int) -> tuple[str, ...]:
    """Sensors with ``CHATTER_TRANSITIONS`` or more raise/clear transitions in any 60 s."""
    times: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        for t in (r.raised_us, r.cleared_us):
            if t is not None and start_us <= t < end_us:
                times[r.sensor].append(t)
    out = []
    for sensor, ts in times.items():
        ts.sort()
        n = CHATTER_TRANSITIONS - 1
        if any(ts[i + n] - ts[i] <= MINUTE_US for i in range(len(ts) - n)):
            out.append(sensor)
    return tuple(sorted(out))


def health(rows: Iterable[InboxRow], *, start_us: int, end_us: int, operators: int = 1) -> Health:
    """The health of the period ``[start_us, end_us)``; ``rows`` are the alarms alive at any
    time in it (raised before its end, not cleared before its start)."""
    rows = list(rows)
    operators = max(1, operators)
    windows = max(1, -(-(end_us - start_us) // WINDOW_US))
    raised = [r for r in rows if start_us <= r.raised_us < end_us]
    per_window = Counter((r.raised_us - start_us) // WINDOW_US for r in raised)
    floods = sum(1 for n in per_window.values() if n > FLOOD_ALARMS)
    prio = Counter(r.severity for r in raised)
    stale = tuple(
        sorted(
            r.id
            for r in rows
            if (r.cleared_us is None or r.cleared_us > end_us) and end_us - r.raised_us > STALE_US
        )
    )
    return Health(
        start_us=start_us,
        end_us=end_us,
        operators=operators,
        raised=len(raised),
        per_operator_per_10min=len(raised) / windows / operators,
        peak_per_operator_per_10min=max(per_window.values(), default=0) / operators,
        flood_windows=floods,
        flood_share=floods / windows,
        chattering=chattering(rows, start_us=start_us, end_us=end_us),
        stale=stale,
        priority_mix={k: v / len(raised) for k, v in sorted(prio.items())},
    )
