"""Spare-parts stock and movements (issue 15).

Revision ID: 0011_spare_parts
Revises: 0004_readings_fast_ingest
"""

from __future__ import annotations

from alembic import op

revision = "0011_spare_parts"
down_revision = "0004_readings_fast_ingest"
branch_labels = None
depends_on = None


def _tables():  # type: ignore[no-untyped-def]
    from twin.live import tables_spare_parts

    return [tables_spare_parts.metadata.tables[n] for n in tables_spare_parts.SPARE_PART_TABLES]


def upgrade() -> None:
    from twin.live.db import metadata

    metadata.create_all(op.get_bind(), tables=_tables(), checkfirst=True)


def downgrade() -> None:
    from twin.live.db import metadata

    metadata.drop_all(op.get_bind(), tables=list(reversed(_tables())), checkfirst=True)
