"""Lock-out of work orders and the hazard ledger.

Revision ID: 0006_lockout_hazards
Revises: 0004_readings_fast_ingest
"""

from __future__ import annotations

from alembic import op

revision = "0006_lockout_hazards"
down_revision = "0004_readings_fast_ingest"
branch_labels = None
depends_on = None


def _tables():  # type: ignore[no-untyped-def]
    from twin.live import tables_safety

    return [tables_safety.metadata.tables[n] for n in tables_safety.SAFETY_TABLES]


def upgrade() -> None:
    from twin.live.db import metadata

    metadata.create_all(op.get_bind(), tables=_tables(), checkfirst=True)


def downgrade() -> None:
    from twin.live.db import metadata

    metadata.drop_all(op.get_bind(), tables=list(reversed(_tables())), checkfirst=True)
