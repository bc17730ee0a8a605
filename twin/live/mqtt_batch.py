"""Commit a batch of MQTT messages so that no single message can block the ones after it.

The consumer acknowledges a message only once its readings are committed or its dead letter is.
A batch that the store refuses is split in halves and each half retried, down to single
messages; a single message that still fails ``max_tries`` times while the database answers is a
poison message: it is dead-lettered (reason ``unstorable``, its raw payload kept, made safe for
any text column) and then acknowledged. When the database does not answer (down, locked, disk
full) nothing is split, counted or dead-lettered: the caller backs off and retries, so an outage
of the store never turns good readings into dead letters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from twin.errors import StoreUnavailable
from twin.live.store import LiveStore
from twin.live.validate import ID_MAX, clean_text

__all__ = [
    "POISON_REASON",
    "Message",
    "Outcome",
    "commit_batch",
]

log = logging.getLogger(__name__)

POISON_REASON = "unstorable"
_PAYLOAD_MAX = 2000
_DETAIL_MAX = 500


@dataclass(slots=True)
class Message:
    """One received MQTT message. ``session`` is the consumer's connection number when it
    arrived: a packet id is only valid in the connection that delivered it."""

    mid: int
    session: int
    topic: str
    payload: bytes
    items: list[Any]
    tries: int = 0


@dataclass(slots=True)
class Outcome:
    """Messages whose readings are committed, and those dead-lettered instead; both may be
    acknowledged. ``duplicates`` counts readings the store already had (redeliveries)."""

    stored: list[Message] = field(default_factory=list)
    dead: list[Message] = field(default_factory=list)
    duplicates: int = 0


def commit_batch(
    store: LiveStore,
    batch: list[Message],
    *,
    max_tries: int = 3,
    retry_pause_s: float = 0.05,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Store ``batch``, splitting it around messages the store refuses (see module docstring).

    Raises :class:`StoreUnavailable` when the database does not answer; the messages already in
    the returned-so-far outcome are then lost to the caller, which is harmless: they were not
    acknowledged, the broker redelivers them and readings are idempotent.
    """
    out = Outcome()
    pending = [batch]
    while pending:
        part = pending.pop()
        try:
            res = store.ingest([i for m in part for i in m.items], source="mqtt")
        except Exception as exc:
            if not store.ping():
                raise StoreUnavailable(str(exc)) from exc
            if len(part) > 1:
                half = len(part) // 2
                pending += [part[half:], part[:half]]  # first half next: keep arrival order
                continue
            msg = part[0]
            msg.tries += 1
            if msg.tries < max_tries:
                sleep(retry_pause_s)
                pending.append(part)
                continue
            _dead_letter(store, msg, exc)
            out.dead.append(msg)
            continue
        out.stored += part
        out.duplicates += res.duplicates
    return out


def _sensor_of(msg: Message) -> str | None:
    """The sensor a dead letter is filed under: the first item's, else the topic's last level."""
    first = msg.items[0] if msg.items else None
    sensor = first.get("sensor") if isinstance(first, dict) else None
    if not isinstance(sensor, str):
        sensor = msg.topic.rsplit("/", 1)[-1]
    return clean_text(sensor, ID_MAX) or None


def _dead_letter(store: LiveStore, msg: Message, exc: BaseException) -> None:
    """Record ``msg`` as refused by the store; raises :class:`StoreUnavailable` if it cannot be
    recorded, so the message stays unacknowledged rather than silently dropped."""
    detail = clean_text(f"{type(exc).__name__}: {exc}", _DETAIL_MAX)
    try:
        store.record_dead_letter(
            source="mqtt",
            reason=POISON_REASON,
            detail=detail,
            payload=clean_text(msg.payload.decode("utf-8", "replace"), _PAYLOAD_MAX),
            sensor=_sensor_of(msg),
        )
    except Exception as err:
        raise StoreUnavailable(f"dead letter not recorded: {err}") from err
    log.warning("MQTT message on %s dead-lettered after %d tries: %s", msg.topic, msg.tries, detail)
