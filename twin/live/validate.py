"""Turn raw reading payloads (HTTP items, MQTT messages) into clean rows or dead-letter reasons.

Data problems (unknown sensor, non-numeric value, wrong unit, absurd timestamp, text no database
can hold) are not client bugs: they are dead-lettered with a reason and the rest of the batch is
stored. :func:`text_problem` is the one rule for text that reaches the database, shared by the
readings path, the API's request gate and its strict request models.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from twin.live.records import to_us

__all__ = [
    "ALLOWED_KEYS",
    "FUTURE_SLACK_US",
    "ID_MAX",
    "INT64_MAX",
    "MIN_T_US",
    "Rejected",
    "clean_text",
    "loads_json",
    "normalise_unit",
    "parse_batch",
    "parse_item",
    "text_problem",
]

ALLOWED_KEYS = frozenset({"sensor", "t", "value", "unit"})
MIN_T_US = to_us(datetime(2000, 1, 1, tzinfo=UTC))
FUTURE_SLACK_US = 5 * 60 * 1_000_000
ID_MAX = 64  # characters of a sensor id (the column is VARCHAR(64))
INT64_MAX = 2**63 - 1  # database identifiers and integer parameters are signed 64-bit

_UNIT_ALIASES = {
    "°c": "degc",
    "c": "degc",
    "celsius": "degc",
    "%rh": "%",
    "percent": "%",
    "ppm": "ppm",
    "µg/m3": "ug/m3",
    "μg/m3": "ug/m3",
}


def normalise_unit(unit: str) -> str:
    u = unit.strip().lower().replace("³", "3")
    return _UNIT_ALIASES.get(u, u)


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None: a NUL character (PostgreSQL text cannot hold it)
    or a lone surrogate (not Unicode: no UTF-8 encoder, SQLite's included, can write it).

    Other control characters are legal text in both databases and are kept."""
    if "\x00" in text:
        return "contains a NUL character"
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not valid Unicode)"
    return None


def clean_text(text: str, limit: int | None = None) -> str:
    """``text`` with NULs and lone surrogates replaced by U+FFFD, cut to ``limit`` characters:
    what a dead letter records of a payload that cannot be stored as it came."""
    if text_problem(text) is not None:
        text = (
            text.replace("\x00", "\ufffd")
            .encode("utf-8", "surrogatepass")
            .decode("utf-8", "replace")
        )
    return text if limit is None else text[:limit]


def loads_json(data: bytes | str) -> Any:
    """Parse JSON with orjson; fall back to the standard library only for what orjson refuses
    but Python senders emit (NaN, Infinity: the readings path dead-letters them as
    non_numeric). Raises ValueError for anything that is not JSON, including nesting deeper
    than either parser allows (RecursionError would otherwise escape as a 500)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        first = exc
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError(f"JSON nested too deeply: {first}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"body is not UTF-8: {exc}") from None


def parse_time(t: Any) -> int:
    """ISO 8601 (``Z`` or offset; naive taken as UTC) or epoch seconds -> epoch microseconds."""
    if type(t) is str:
        if "\x00" in t:  # CPython's fromisoformat stops at a trailing NUL instead of refusing it
            raise ValueError(f"timestamp {t!r} contains a NUL character")
        d = datetime.fromisoformat(t)
        if d.tzinfo is None:
            d = d.replace(tzinfo=UTC)
        return round(d.timestamp() * 1_000_000)
    if isinstance(t, bool):
        raise ValueError("boolean timestamp")
    if isinstance(t, int | float):
        return round(float(t) * 1_000_000)
    raise ValueError(f"timestamp of type {type(t).__name__}")


def parse_item(
    item: Any, sensors: Mapping[str, str], now_us: int
) -> tuple[tuple[str, int, float] | None, str, str]:
    """``(row, reason, detail)``: ``row`` = (sensor, t_us, value) when good, else a reason code
    (malformed, invalid_text, unknown_sensor, non_numeric, wrong_unit, bad_timestamp,
    future_timestamp, too_old). ``sensors`` maps sensor id -> unit (registered ids are clean
    text, so a known id needs no text check)."""
    if not isinstance(item, Mapping):
        return None, "malformed", "a reading must be a JSON object"
    sensor = item.get("sensor")
    unit_of = sensors.get(sensor) if type(sensor) is str else None
    if unit_of is None:
        if not isinstance(sensor, str) or not sensor:
            return None, "malformed", "missing 'sensor'"
        problem = text_problem(sensor)
        if problem:
            return None, "invalid_text", f"sensor id {problem}"
        return None, "unknown_sensor", f"no sensor {sensor!r}"
    value = item.get("value")
    if type(value) is not float:
        value, problem = _number(value)
        if problem:
            return None, "non_numeric", problem
    elif not math.isfinite(value):
        return None, "non_numeric", f"value {value!r} is not a finite number"
    unit = item.get("unit")
    if (
        unit is not None
        and unit != unit_of
        and (not isinstance(unit, str) or normalise_unit(unit) != normalise_unit(unit_of))
    ):
        return None, "wrong_unit", f"unit {unit!r}, sensor measures {unit_of!r}"
    try:
        t_us = parse_time(item.get("t"))
    except (ValueError, TypeError, OverflowError) as exc:
        return None, "bad_timestamp", str(exc)
    if t_us > now_us + FUTURE_SLACK_US:
        return None, "future_timestamp", "timestamp more than 5 minutes in the future"
    if t_us < MIN_T_US:
        return None, "too_old", "timestamp before 2000-01-01"
    return (sensor, t_us, value), "", ""  # type: ignore[return-value]


Rejected = tuple[Any, str, str]  # (item, reason, detail)


def parse_batch(
    items: Sequence[Any], sensors: Mapping[str, str], now_us: int
) -> tuple[list[tuple[str, int, float]], list[Rejected]]:
    """``(good rows, rejected (item, reason, detail))`` of a whole batch.

    The common case (a dict with a known sensor, a finite float or int value, the sensor's own
    unit or none, an ISO 8601 string time within bounds) is checked inline, column by column,
    without a call per item: this loop is the Python floor of the ingest path. Anything else
    goes through :func:`parse_item`, so reasons and details are exactly those of one item."""
    good: list[tuple[str, int, float]] = []
    bad: list[Rejected] = []
    keep, reject = good.append, bad.append
    fromiso, utc, isfinite = datetime.fromisoformat, UTC, math.isfinite
    hi = now_us + FUTURE_SLACK_US
    for item in items:
        if type(item) is dict:
            sensor = item.get("sensor")
            unit_of = sensors.get(sensor) if type(sensor) is str else None
            value: Any = item.get("value")
            tv = type(value)
            t = item.get("t")
            unit = item.get("unit")
            if (
                unit_of is not None
                and type(t) is str
                and "\x00" not in t
                and (unit is None or unit == unit_of)
                and ((tv is float and isfinite(value)) or (tv is int and -1e300 < value < 1e300))
            ):
                try:
                    d = fromiso(t)
                except ValueError:
                    d = None
                if d is not None:
                    if d.tzinfo is None:
                        d = d.replace(tzinfo=utc)
                    t_us = round(d.timestamp() * 1_000_000)
                    if MIN_T_US <= t_us <= hi:
                        keep((sensor, t_us, float(value)))  # type: ignore[arg-type]
                        continue
        row, reason, detail = parse_item(item, sensors, now_us)
        if row is not None:
            keep(row)
        else:
            reject((item, reason, detail))
    return good, bad


def _number(value: Any) -> tuple[float, str]:
    """(value, "") or (nan, why not): ints, booleans (door/run states) and numeric strings."""
    if isinstance(value, bool | int):
        try:
            return float(value), ""
        except OverflowError:
            return math.nan, "integer value too large"
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return math.nan, f"value {value!r} is not a number"
    if isinstance(value, float) and math.isfinite(value):
        return value, ""
    return math.nan, f"value {value!r} is not a finite number"


def dump(item: Any) -> str:
    """The rejected payload as text for the dead-letter table (bounded)."""
    try:
        text = json.dumps(item, default=str)
    except (TypeError, ValueError):
        text = repr(item)
    return text[:2000]
