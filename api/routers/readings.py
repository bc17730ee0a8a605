"""Readings: batch ingest over HTTP, latest values, downsampled series, dead letters.

``POST /readings`` takes a JSON array (``application/json``) or NDJSON
(``application/x-ndjson``) of ``{"sensor", "t", "value", "unit"?}``. Data problems go to the
dead-letter table and the rest is stored (200 with counts); a body that is not JSON, an item with
unknown fields, or a batch with nothing usable is a 422 problem; too large a body is 413. It needs
role ``operator`` (gateways get an operator key). The answer is sent only after the commit: a 200
means every accepted reading is durable.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from api.auth import PrincipalDep
from api.deps import StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.readings import BucketOut, DeadLetterOut, DeadLettersOut, IngestOut, LatestOut
from twin.errors import InvalidInput, PayloadTooLarge
from twin.live.records import IngestResult, to_us
from twin.live.store import LiveStore
from twin.live.validate import ALLOWED_KEYS, loads_json

__all__ = ["MAX_ITEMS", "parse_bucket", "parse_readings_body", "router"]

router = APIRouter(tags=["readings"])

MAX_ITEMS = 100_000
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
_ITEM = {"sensor": "OT1-temp", "t": "2026-11-23T10:00:00Z", "value": 21.5, "unit": "degC"}
_BODY_DOC = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"type": "array", "items": {"type": "object"}},
            "example": [_ITEM, {"sensor": "OT1-temp", "t": "2026-11-23T10:01:00Z", "value": 21.6}],
        },
        "application/x-ndjson": {
            "schema": {"type": "string"},
            "example": json.dumps(_ITEM) + "\n" + json.dumps(_ITEM | {"value": 21.7}) + "\n",
        },
    },
}


def parse_readings_body(body: bytes, content_type: str) -> list[Any]:
    """Items of a batch; raises InvalidInput when nothing in it can be a reading."""
    if content_type.split(";")[0].strip().lower() in NDJSON_TYPES:
        items: list[Any] = []
        for n, line in enumerate(body.splitlines(), 1):
            if line.strip():
                try:
                    items.append(loads_json(line))
                except ValueError:
                    items.append(f"line {n}: {line[:500].decode('utf-8', 'replace')}")
    else:
        try:
            doc = loads_json(body)
        except ValueError as exc:
            raise InvalidInput(f"body is not JSON: {exc}") from None
        items = doc if isinstance(doc, list) else [doc]
    if not items:
        raise InvalidInput("empty batch")
    if len(items) > MAX_ITEMS:
        raise PayloadTooLarge(f"{len(items)} readings in one batch; at most {MAX_ITEMS}")
    unknown = set().union(*[i for i in items if type(i) is dict]) - ALLOWED_KEYS  # keys in C
    if unknown:
        raise InvalidInput(f"unknown fields {sorted(unknown)}; allowed {sorted(ALLOWED_KEYS)}")
    if not any(isinstance(i, dict) and isinstance(i.get("sensor"), str) for i in items):
        raise InvalidInput("no item of the batch is a reading object with a 'sensor'")
    return items


@router.post(
    "/readings",
    response_model=IngestOut,
    summary="Ingest a batch of readings (JSON array or NDJSON; role operator)",
    openapi_extra={"requestBody": _BODY_DOC},
    responses={**PROBLEM_RESPONSES, 413: PROBLEM_RESPONSES[422] | {"description": "Too large"}},
)
async def post_readings(
    request: Request,
    store: StoreDep,
    who: PrincipalDep,
) -> IngestOut:
    """Store a batch of sensor readings. Unknown sensors and bad values are dead-lettered with a
    reason, never dropped silently; a reading already stored (same sensor and time) is not
    counted twice."""
    body = await request.body()  # at most TWIN_MAX_BODY_MB: api.limits.BodyLimit counts it
    ctype = request.headers.get("content-type", "application/json")
    result = await run_in_threadpool(_parse_and_ingest, store, body, ctype, who.name)
    return IngestOut.model_validate(result)


def _parse_and_ingest(store: LiveStore, body: bytes, content_type: str, actor: str) -> IngestResult:
    """Off the event loop: parsing a large batch takes milliseconds of CPU that would otherwise
    stall every other request (small alarm-carrying posts included). The batch's audit entry is
    written in the ingest transaction."""
    return store.ingest(parse_readings_body(body, content_type), "http", actor=actor)


@router.get(
    "/sensors/{sensor_id}/latest",
    response_model=LatestOut,
    responses=PROBLEM_RESPONSES,
    summary="Latest reading of a sensor",
)
def sensor_latest(sensor_id: str, store: StoreDep) -> LatestOut:
    """Latest value of one sensor (``t``/``value`` null before its first reading)."""
    return LatestOut.of(store.latest(sensor_id))


@router.get(
    "/spaces/{guid}/latest", response_model=list[LatestOut], summary="Latest readings in a room"
)
def space_latest(guid: str, store: StoreDep) -> list[LatestOut]:
    """Latest value of every sensor in a space."""
    return [LatestOut.of(s) for s in store.latest_in(space=guid)]


@router.get(
    "/storeys/{guid}/latest", response_model=list[LatestOut], summary="Latest readings on a storey"
)
def storey_latest(guid: str, store: StoreDep) -> list[LatestOut]:
    """Latest value of every sensor on a storey."""
    return [LatestOut.of(s) for s in store.latest_in(storey=guid)]


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_BUCKET_S = 3660 * 86400  # ten years: a bucket is a bounded span, never a 64-bit overflow


def parse_bucket(text: str) -> int:
    """``30s``, ``5m``, ``1h``, ``1d`` -> microseconds; between 1 s and about ten years."""
    m = re.fullmatch(r"(\d{1,12})([smhd])", text.strip())
    seconds = int(m.group(1)) * _UNITS[m.group(2)] if m else 0
    if not 0 < seconds <= MAX_BUCKET_S:
        raise InvalidInput(f"bucket {text!r}: use e.g. 30s, 5m, 1h, 1d (at most 3660d)")
    return seconds * 1_000_000


@router.get(
    "/sensors/{sensor_id}/readings",
    response_model=list[BucketOut],
    responses=PROBLEM_RESPONSES,
    summary="Downsampled series: min/mean/max per bucket",
)
def sensor_series(
    sensor_id: str,
    store: StoreDep,
    start: Annotated[datetime | None, Query(examples=["2026-11-23T00:00:00Z"])] = None,
    end: Annotated[datetime | None, Query(description="Default now.")] = None,
    bucket: Annotated[str, Query(examples=["5m", "1h"])] = "5m",
) -> list[BucketOut]:
    """Buckets are aligned to the epoch; ``start`` defaults to 24 h before ``end``."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=1)
    b = parse_bucket(bucket)
    if (to_us(end) - to_us(start)) // b > 20_000:
        raise InvalidInput("more than 20000 buckets; widen the bucket")
    return [BucketOut(**r) for r in store.series(sensor_id, to_us(start), to_us(end), b)]


@router.get("/dead-letters", response_model=DeadLettersOut, summary="Rejected readings")
def list_dead_letters(
    store: StoreDep,
    reason: Annotated[str | None, Query(examples=["unknown_sensor", "wrong_unit"])] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeadLettersOut:
    """Newest first with the total count; reasons: malformed, invalid_text (a NUL or lone
    surrogate in the sensor id), unknown_sensor, non_numeric, wrong_unit, bad_timestamp,
    future_timestamp, too_old, store_rejected (refused by the database, split out of its batch),
    unstorable (an MQTT message that failed repeatedly)."""
    total, items = store.dead_letters(reason=reason, limit=limit)
    return DeadLettersOut(total=total, items=[DeadLetterOut.model_validate(d) for d in items])
