"""Work orders, ticket transitions, technicians and their positions, API keys, audit.

Revision ID: 0002_operations
Revises: 0001_readings
"""

from __future__ import annotations

from alembic import op

revision = "0002_operations"
down_revision = "0001_readings"
branch_labels = None
depends_on = None


def _tables():  # type: ignore[no-untyped-def]
    # Like 0001: create the tables exactly as declared in twin.live.tables_ops.
    from twin.live import db, tables_ops

    return [db.metadata.tables[name] for name in tables_ops.OPS_TABLES]


def upgrade() -> None:
    from twin.live.db import metadata

    metadata.create_all(op.get_bind(), tables=_tables(), checkfirst=True)


def downgrade() -> None:
    from twin.live.db import metadata

    metadata.drop_all(op.get_bind(), tables=list(reversed(_tables())), checkfirst=True)
