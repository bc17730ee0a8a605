"""Asset register overrides and attached documents (issue 15).

An override is one row per (asset GlobalId, field): the IFC is never rewritten, so the register
shows the IFC's value and the override side by side. A document row points at a content-addressed
file (its sha256) kept on disk by :mod:`twin.live.blobs`; several rows may share one file.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from twin.live.db import metadata

__all__ = ["ASSET_TABLES", "asset_overrides", "documents"]

_ID = BigInteger().with_variant(Integer(), "sqlite")

asset_overrides = Table(
    "asset_overrides",
    metadata,
    Column("asset", String(64), primary_key=True),
    Column("field", String(40), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Column("updated_by", String(100), nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("owner_kind", String(20), nullable=False),
    Column("owner_id", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("title", String(200), nullable=False, default=""),
    Column("created", BigInteger, nullable=False),
    Column("created_by", String(100), nullable=False),
    Index("ix_documents_owner", "owner_kind", "owner_id"),
    Index("ix_documents_sha256", "sha256"),
)

#: Creation order; the 0005_assets migration creates exactly these, and tests wipe them.
ASSET_TABLES: tuple[str, ...] = ("asset_overrides", "documents")
