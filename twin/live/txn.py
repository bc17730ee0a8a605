"""One way for a repository to get a connection: join the caller's transaction when it holds a
``Connection`` (``LiveStore.transaction()``), else open one from its ``Engine``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

__all__ = ["Db", "transaction"]

#: What a repository is bound to: the engine (each call its own transaction) or a connection
#: (every call joins the transaction that connection is in).
Db = Engine | Connection


@contextmanager
def transaction(db: Db) -> Iterator[Connection]:
    """A connection inside a transaction: the caller's own, or a new one from the engine."""
    if isinstance(db, Connection):
        yield db
        return
    with db.begin() as conn:
        yield conn
