"""Topology-aware alarm grouping: one cause, not forty symptoms.

When an upstream element alarms (an air handler, a pump, a distribution board, an oxygen
manifold), the alarms of what it feeds (elements downstream of it in the distribution network,
and the rooms those terminals serve) are consequences: grouped under the cause, hidden from the
inbox, still recorded. Which elements and rooms an element feeds is handed in as ``reach`` (the
service computes it from ``twin.distribution.trace`` downstream), so this stays a pure function.

Rules: only active alarms are causes; an alarm is a consequence of every active alarm whose reach
holds its element or its room; among several candidate causes the most upstream one wins (the one
with the largest reach, then the oldest, then the lowest id), so a chain AHU → damper → room
groups the room under the AHU, and a cause is only ever grouped under a cause ranked before
it (loops and ring mains cannot make two alarms each other's cause). An alarm on the cause's
own element is never its consequence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from twin.analysis.alarm_states import InboxRow

__all__ = ["Reach", "group_consequences"]


@dataclass(frozen=True, slots=True)
class Reach:
    """What an element feeds: downstream element GlobalIds and the rooms they serve."""

    elements: frozenset[str]
    spaces: frozenset[str]

    @property
    def size(self) -> int:
        return len(self.elements) + len(self.spaces)


def group_consequences(
    rows: Iterable[InboxRow], reach: Callable[[str], Reach | None]
) -> dict[int, int]:
    """``{consequence alarm id: cause alarm id}`` over ``rows``; ``reach(element)`` is None (or
    empty) for an element that feeds nothing."""
    rows = list(rows)
    causes: list[tuple[InboxRow, Reach]] = []
    seen: dict[str, Reach | None] = {}
    for r in rows:
        if not r.active or r.element is None:
            continue
        if r.element not in seen:
            seen[r.element] = reach(r.element)
        got = seen[r.element]
        if got is not None and got.size:
            causes.append((r, got))
    if not causes:
        return {}
    # most upstream first: largest reach, then oldest, then lowest id
    causes.sort(key=lambda c: (-c[1].size, c[0].raised_us, c[0].id))
    rank = {c.id: i for i, (c, _) in enumerate(causes)}
    # inverted: which causes feed an element / a room (first = most upstream)
    by_element: dict[str, list[int]] = {}
    by_space: dict[str, list[int]] = {}
    for i, (_, feeds) in enumerate(causes):
        for e in feeds.elements:
            by_element.setdefault(e, []).append(i)
        for sp in feeds.spaces:
            by_space.setdefault(sp, []).append(i)
    out: dict[int, int] = {}
    for r in rows:
        mine = rank.get(r.id, len(causes))  # only a more upstream cause (no cycles on loops)
        found = [
            i
            for i in (*by_element.get(r.element or "", ()), *by_space.get(r.space or "", ()))
            if i < mine and causes[i][0].element != r.element
        ]
        if found:
            out[r.id] = causes[min(found)][0].id
    # a cause that is itself a consequence hands its group to its own cause
    for cid, cause_id in list(out.items()):
        root = cause_id
        while root in out:  # ranks fall along the chain, so it ends
            root = out[root]
        out[cid] = root
    return out
