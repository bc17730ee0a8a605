"""Spare-parts stock: one row per part (stock on hand, the minimum that raises a low-stock
alarm) and every movement (received, consumed on a work order, counted), so the stock on hand
is always explained by its history."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from twin.live.db import metadata

__all__ = ["SPARE_PART_TABLES", "part_movements", "spare_parts"]

_ID = BigInteger().with_variant(Integer(), "sqlite")

spare_parts = Table(
    "spare_parts",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("quantity", Float, nullable=False),
    Column("min_quantity", Float, nullable=False),
    Column("location", String(200), nullable=False, default=""),
    Column("updated", BigInteger, nullable=False),
)

part_movements = Table(
    "part_movements",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("part", BigInteger, ForeignKey("spare_parts.id"), nullable=False),
    Column("delta", Float, nullable=False),
    Column("reason", String(20), nullable=False),
    Column("ticket", BigInteger),
    Column("actor", String(100), nullable=False),
    Column("t", BigInteger, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Index("ix_part_movements_part", "part"),
    Index("ix_part_movements_ticket", "ticket"),
)

#: Creation order; the 0011_spare_parts migration creates exactly these, and tests wipe them.
SPARE_PART_TABLES: tuple[str, ...] = ("spare_parts", "part_movements")
