"""Renovation scenarios.

Revision ID: 0003_scenarios
Revises: 0002_operations
"""

from __future__ import annotations

from alembic import op

revision = "0003_scenarios"
down_revision = "0002_operations"
branch_labels = None
depends_on = None


def _tables():  # type: ignore[no-untyped-def]
    from twin.live import db, tables_scenarios

    return [db.metadata.tables[n] for n in tables_scenarios.SCENARIO_TABLES]


def upgrade() -> None:
    from twin.live.db import metadata

    metadata.create_all(op.get_bind(), tables=_tables(), checkfirst=True)


def downgrade() -> None:
    from twin.live.db import metadata

    metadata.drop_all(op.get_bind(), tables=list(reversed(_tables())), checkfirst=True)
