"""The dead-letter repository: what could not be stored, with why, kept for an operator (table
``dead_letters``). Every row is built by :func:`dead_letter_row`, so whatever an item held, its
dead letter is storable."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select

from twin.live import validate
from twin.live.db import now_us
from twin.live.records import DeadLetter
from twin.live.tables import dead_letters

__all__ = ["DeadLetterRepository", "dead_letter_row"]

SOURCE_MAX = 16
DETAIL_MAX = 2000


def dead_letter_row(
    item: Any, reason: str, detail: str, source: str, now: int, payload: str | None = None
) -> dict[str, Any]:
    """A dead-letter row that the database can always hold: text cleaned of NULs and lone
    surrogates, the sensor column only for an id that fits it. ``payload`` is the raw text
    when there is one (an MQTT message), else ``item`` serialised."""
    sensor = item.get("sensor") if isinstance(item, Mapping) else None
    if (
        not isinstance(sensor, str)
        or len(sensor) > validate.ID_MAX
        or validate.text_problem(sensor)
    ):
        sensor = None
    return {
        "received_us": now,
        "source": validate.clean_text(source, SOURCE_MAX),
        "sensor": sensor,
        "reason": reason,
        "detail": validate.clean_text(detail, DETAIL_MAX),
        "payload": validate.clean_text(validate.dump(item) if payload is None else payload),
    }


class DeadLetterRepository:
    """Dead letters: recorded one by one here, or by ingest inside its batch transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self,
        *,
        source: str,
        reason: str,
        detail: str,
        payload: str,
        sensor: str | None = None,
    ) -> None:
        """Record one dead letter in its own transaction (a message refused as a whole, e.g.
        an MQTT poison message); ``sensor`` is filed only when it is a storable id."""
        row = dead_letter_row({"sensor": sensor}, reason, detail, source, now_us(), payload)
        with self._engine.begin() as conn:
            conn.execute(insert(dead_letters), row)

    def list(self, *, reason: str | None = None, limit: int = 100) -> tuple[int, list[DeadLetter]]:
        """(total count, newest first up to ``limit``)."""
        q = select(dead_letters).order_by(dead_letters.c.id.desc()).limit(limit)
        c = select(func.count()).select_from(dead_letters)
        if reason:
            q, c = (
                q.where(dead_letters.c.reason == reason),
                c.where(dead_letters.c.reason == reason),
            )
        with self._engine.connect() as conn:
            total = int(conn.execute(c).scalar_one())
            rows = [
                DeadLetter(
                    id=r.id,
                    received=datetime.fromtimestamp(r.received_us / 1_000_000, tz=UTC),
                    source=r.source,
                    sensor=r.sensor,
                    reason=r.reason,
                    detail=r.detail,
                    payload=r.payload,
                )
                for r in conn.execute(q)
            ]
        return total, rows
