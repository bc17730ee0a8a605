"""The shared rules for what a request may carry: one base model for bodies, one id type, one
coordinate type.

Every request body model derives from :class:`StrictIn`: unknown fields are refused, NaN and
Infinity are refused (a NaN alarm threshold never compares true), and every value anywhere in
the body, free-form parts (``dict[str, Any]``) included, passes :func:`body_problem`: text that a
database cannot hold (NUL, lone surrogate, :func:`twin.live.validate.text_problem`, the same rule
the path and query gate in :mod:`api.limits` applies) and integers beyond 64 bits are a 422.
Identifiers in paths are :data:`DbId` (1 .. 2^63-1): a larger one is a 422, not an
OverflowError or an out-of-range bigint.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from twin.live.validate import INT64_MAX, text_problem

__all__ = [
    "COORD_MAX",
    "Coord",
    "DbId",
    "DbIdItem",
    "StrictIn",
    "body_problem",
    "coord_query",
]

#: Metres from the model origin beyond which a coordinate is a mistake (10 000 km: larger than
#: any campus, small enough that every transform stays finite).
COORD_MAX = 1e7

DbId = Annotated[int, Path(ge=1, le=INT64_MAX, description="Identifier (1 .. 2^63-1).")]
DbIdItem = Annotated[int, Field(ge=1, le=INT64_MAX)]  # one id of a list
Coord = Annotated[float, Field(ge=-COORD_MAX, le=COORD_MAX, allow_inf_nan=False)]


def coord_query(example: float) -> Any:
    """A coordinate query parameter: finite, at most :data:`COORD_MAX` from the origin."""
    return Query(
        ge=-COORD_MAX,
        le=COORD_MAX,
        allow_inf_nan=False,
        examples=[example],
        description="Metres in the model frame, at most 1e7 from its origin.",
    )


def body_problem(data: Any) -> tuple[str, str] | None:
    """``(where, why)`` of the first value of a parsed JSON document that no store can hold,
    or None. Walks with an explicit stack: a deeply nested body cannot exhaust the recursion
    limit here."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, str):
            problem = text_problem(v)
            if problem:
                return where, problem
        elif isinstance(v, float):
            if not math.isfinite(v):
                return where, f"{v} is not a finite number"
        elif isinstance(v, int) and not isinstance(v, bool):
            if not -INT64_MAX - 1 <= v <= INT64_MAX:
                return where, "integer does not fit in 64 bits"
        elif isinstance(v, dict):
            for k, x in v.items():
                if isinstance(k, str) and (problem := text_problem(k)):
                    return f"{where}.{k!r}".lstrip("."), f"key {problem}"
                stack.append((f"{where}.{k}".lstrip("."), x))
        elif isinstance(v, list | tuple):
            stack += [(f"{where}.{i}".lstrip("."), x) for i, x in enumerate(v)]
    return None


class StrictIn(BaseModel):
    """Base of every request body (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        found = body_problem(data) if isinstance(data, dict | list) else None
        if found:
            where, why = found
            raise ValueError(f"{where}: {why}" if where else why)
        return data
