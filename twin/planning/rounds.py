"""Patrol check-ins judged against their round: checklist answers, distance, order, window.

Pure: the repository passes the template's checkpoint, the round's planned order, the points
already checked and the technician's last known position. A doubtful check-in is flagged,
never refused (the technician on site knows more than the rule); an abnormal answer is what
opens a ticket.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from twin.errors import InvalidInput

__all__ = ["FAR_M", "ITEM_KINDS", "Item", "abnormal", "flags_for", "parse_items"]

#: A check-in further than this from the checkpoint (same storey, plan distance) is flagged.
FAR_M = 15.0
ITEM_KINDS = ("yesno", "reading")


@dataclass(frozen=True, slots=True)
class Item:
    """One checklist line: a yes/no question with its expected answer, or a reading to note
    with an optional normal range."""

    key: str
    kind: str
    label: str = ""
    expect: bool | None = None  # yesno: the normal answer
    min: float | None = None  # reading: normal range, inclusive
    max: float | None = None


def parse_items(raw: Sequence[Mapping[str, Any]]) -> list[Item]:
    """Checklist items from a template document; InvalidInput (422) on an unknown kind or a
    repeated key."""
    out: list[Item] = []
    for r in raw:
        kind = str(r.get("kind", "yesno"))
        key = str(r.get("key", "")).strip()
        if kind not in ITEM_KINDS or not key:
            raise InvalidInput("a checklist item needs a key and kind yesno or reading", item=key)
        if any(i.key == key for i in out):
            raise InvalidInput("checklist keys must be unique per checkpoint", item=key)
        lo, hi = r.get("min"), r.get("max")
        out.append(Item(
            key, kind, str(r.get("label", "")),
            bool(r.get("expect", True)) if kind == "yesno" else None,
            None if lo is None else float(lo), None if hi is None else float(hi),
        ))  # fmt: skip
    return out


def abnormal(items: Sequence[Item], answers: Mapping[str, Any]) -> list[str]:
    """Keys whose answer is abnormal: a yes/no other than expected, a reading outside its
    range. A missing answer is not abnormal here (it is an incomplete check-in)."""
    bad: list[str] = []
    for it in items:
        if it.key not in answers or answers[it.key] is None:
            continue
        v = answers[it.key]
        if it.kind == "yesno":
            if not isinstance(v, bool):
                raise InvalidInput("a yes/no answer is true or false", item=it.key)
            if v != it.expect:
                bad.append(it.key)
        else:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise InvalidInput("a reading is a finite number", item=it.key)
            if (it.min is not None and v < it.min) or (it.max is not None and v > it.max):
                bad.append(it.key)
    return bad


def flags_for(
    *,
    index: int,
    planned: Sequence[int],
    done: Sequence[int],
    at_us: int,
    window: tuple[int, int],
    point: tuple[str | None, float, float] | None,
    technician: tuple[str | None, float, float] | None,
    far_m: float = FAR_M,
) -> list[str]:
    """Flags of a check-in at checkpoint ``index``:

    * ``out_of_order`` — a checkpoint planned before it has no check-in yet;
    * ``repeat`` — this checkpoint already has one;
    * ``outside_window`` — before the round's window opens or after it closes;
    * ``far`` — the technician's last position (storey, x, y) is on another storey or more than
      ``far_m`` from the checkpoint (only when both positions are known).
    """
    flags: list[str] = []
    if index in done:
        flags.append("repeat")
    pos = planned.index(index) if index in planned else len(planned)
    if any(p not in done for p in planned[:pos]):
        flags.append("out_of_order")
    if not window[0] <= at_us <= window[1]:
        flags.append("outside_window")
    if point is not None and technician is not None:
        same = point[0] is None or technician[0] is None or point[0] == technician[0]
        if not same or math.dist(point[1:], technician[1:]) > far_m:
            flags.append("far")
    return flags
