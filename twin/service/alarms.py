"""Alarm rules and alarms changed by a person: the change and its audit entry.

The store raises, acknowledges and clears alarms (:class:`twin.live.store.LiveStore`); who did it
by hand is written to the audit log beside the change, here, so the alarms router only parses
and shapes.
"""

from __future__ import annotations

from twin.live.records import Alarm, AlarmRule
from twin.live.store import LiveStore

__all__ = ["acknowledge_alarm", "add_alarm_rule", "clear_alarm"]


def add_alarm_rule(store: LiveStore, rule: AlarmRule, actor: str) -> AlarmRule:
    """Store a rule (its ``id`` is assigned) and audit who added it."""
    stored = store.add_rule(rule)
    store.audit.record(actor, "alarm_rule.create", f"alarm_rule:{stored.id}")
    return stored


def acknowledge_alarm(store: LiveStore, alarm_id: int, actor: str) -> Alarm:
    """raised -> acknowledged (IllegalTransition from any other state), audited."""
    alarm = store.acknowledge(alarm_id, actor)
    store.audit.record(actor, "alarm.ack", f"alarm:{alarm_id}")
    return alarm


def clear_alarm(store: LiveStore, alarm_id: int, actor: str) -> Alarm:
    """raised or acknowledged -> cleared by hand (IllegalTransition when cleared), audited."""
    alarm = store.clear(alarm_id, actor)
    store.audit.record(actor, "alarm.clear", f"alarm:{alarm_id}")
    return alarm
