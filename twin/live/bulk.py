"""Bulk inserts with ids known in advance, below SQLAlchemy's per-row overhead.

Generating a year of planned work inserts hundreds of thousands of rows into three tables that
reference each other; ``INSERT … RETURNING`` row by row (what SQLite gets for ordered returning)
takes minutes. Instead the ids are reserved first — PostgreSQL draws them from the table's
sequence, SQLite (one writer at a time, and the caller has already written in this transaction,
so it holds the write lock) continues from ``MAX(id)`` — and the rows go through the driver:
``COPY`` on PostgreSQL, ``executemany`` on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

__all__ = ["copy_rows", "reserve_ids"]


def reserve_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """``n`` fresh primary keys for ``table`` (an integer ``id`` column). On SQLite the caller
    must already have written in this transaction (so no other writer can take the same ids)."""
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        seq = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
        ).scalar_one()
        q = text("SELECT nextval(:s) FROM generate_series(1, :n)")
        return [int(x) for x in conn.execute(q, {"s": seq, "n": n}).scalars()]
    top = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + n))


def copy_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) in the caller's transaction."""
    if not rows:
        return
    dbapi = conn.connection.dbapi_connection
    cols = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        with (
            dbapi.cursor() as cur,  # type: ignore[union-attr]
            cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as cp,
        ):
            for r in rows:
                cp.write_row(r)
        return
    marks = ", ".join("?" for _ in columns)
    cur = dbapi.cursor()  # type: ignore[union-attr]
    try:
        cur.executemany(f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", rows)
    finally:
        cur.close()
