"""The ``scenarios`` table: renovation what-ifs stored as their JSON document.

A scenario is an overlay a planner edits over weeks; storing the document as given (not
normalised) keeps every field the API accepted, and lets the document grow without migrations.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from twin.live.db import metadata

__all__ = ["SCENARIO_TABLES", "scenarios"]

_ID = BigInteger().with_variant(Integer(), "sqlite")

scenarios = Table(
    "scenarios",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("building", String(64)),
    Column("document", Text, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("updated", BigInteger, nullable=False),
)

SCENARIO_TABLES: tuple[str, ...] = ("scenarios",)
