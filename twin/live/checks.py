"""Store-side checks of records before they are written: what the API's schemas bound, checked
again where the row is built so a tool or test writing through the store meets the same rule."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table

from twin.errors import InvalidInput
from twin.live import validate
from twin.live.records import AlarmRule, SensorSpec

__all__ = ["check_fields", "check_lengths"]


def check_fields(what: str, record: SensorSpec | AlarmRule) -> None:
    """Every text field storable (:func:`validate.text_problem`) and every number finite: a
    NaN limit or threshold would be stored and never compare true."""
    for name in record.__slots__:
        v = getattr(record, name)
        values = v if isinstance(v, tuple) else (v,)
        for x in values:
            if isinstance(x, str) and (problem := validate.text_problem(x)):
                raise InvalidInput(f"{what} {name} {problem}")
            if isinstance(x, float) and not math.isfinite(x):
                raise InvalidInput(f"{what} {name} must be a finite number, not {x}")


def check_lengths(what: str, table: Table, values: Mapping[str, Any]) -> None:
    """Every text value within its column's declared length (PostgreSQL refuses a longer one
    with an error; SQLite would store it): the limits are read from the table, not repeated."""
    for name, v in values.items():
        col = table.c.get(name)
        limit = getattr(col.type, "length", None) if col is not None else None
        if isinstance(v, str) and limit is not None and len(v) > limit:
            raise InvalidInput(f"{what} {name} has at most {limit} characters")
