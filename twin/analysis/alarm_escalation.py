"""Escalation: an alarm left unacknowledged for X minutes notifies the next level.

Pure: given the inbox rows, the rules and the (alarm, level) pairs already escalated, which
escalations are due now. An alarm escalates once per level; a shelved or suppressed alarm, or
one acknowledged or cleared-and-acknowledged, does not escalate (ISA-18.2: shelving takes it
out of the operator's hands on purpose). A cleared alarm nobody acknowledged still escalates:
someone has to look at why it went off.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from twin.analysis.alarm_states import ACTIVE_UNACK, CLEARED_UNACK, PRIORITIES, state_of
from twin.live.records_alarm_inbox import InboxRow

__all__ = ["EscalationRule", "due_escalations"]


@dataclass(frozen=True, slots=True)
class EscalationRule:
    id: int
    name: str
    after_minutes: int
    level: int
    min_severity: str  # this priority or a higher one
    building: str | None = None


def _at_least(severity: str, floor: str) -> bool:
    rank = {p: i for i, p in enumerate(PRIORITIES)}  # critical first
    return rank.get(severity, len(rank)) <= rank.get(floor, len(rank))


def due_escalations(
    rows: Iterable[InboxRow],
    rules: Iterable[EscalationRule],
    done: Collection[tuple[int, int]],
    now_us: int,
    suppressed: Collection[str] = (),
) -> list[tuple[InboxRow, EscalationRule]]:
    """``(alarm, rule)`` pairs due at ``now_us``, each alarm once per level."""
    rules = sorted(rules, key=lambda r: (r.level, r.after_minutes, r.id))
    out: list[tuple[InboxRow, EscalationRule]] = []
    taken: set[tuple[int, int]] = set()
    for row in rows:
        if state_of(row, now_us, suppressed) not in (ACTIVE_UNACK, CLEARED_UNACK):
            continue
        age_min = (now_us - row.raised_us) / 60e6
        for rule in rules:
            if (row.id, rule.level) in done or (row.id, rule.level) in taken:
                continue
            if rule.building is not None and rule.building != row.building:
                continue
            if age_min >= rule.after_minutes and _at_least(row.severity, rule.min_severity):
                out.append((row, rule))
                taken.add((row.id, rule.level))
    return out
