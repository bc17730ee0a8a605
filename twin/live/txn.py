"""One way for operations functions to get a connection: join the caller's transaction when
handed a ``Connection``, else open one from an ``Engine`` or a store holding ``.engine``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine

__all__ = ["transaction"]


@contextmanager
def transaction(target: Any) -> Iterator[Connection]:
    """A connection inside a transaction: the caller's own, or a new one from an engine/store."""
    if isinstance(target, Connection):
        yield target
        return
    engine: Engine = target if isinstance(target, Engine) else target.engine
    with engine.begin() as conn:
        yield conn
