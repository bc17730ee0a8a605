"""Sensors, readings, latest, dead letters, alarm rules, alarms, events.

Revision ID: 0001_readings
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "0001_readings"
down_revision = None
branch_labels = None
depends_on = None


def _tables():  # type: ignore[no-untyped-def]
    # The first revision creates the tables exactly as declared (one source of truth); later
    # revisions alter them with explicit op.* calls.
    from twin.live import db, tables

    return [db.metadata.tables[name] for name in tables.READINGS_TABLES]


def upgrade() -> None:
    bind = op.get_bind()
    from twin.live.db import metadata

    metadata.create_all(bind, tables=_tables(), checkfirst=True)


def downgrade() -> None:
    bind = op.get_bind()
    from twin.live.db import metadata

    metadata.drop_all(bind, tables=list(reversed(_tables())), checkfirst=True)
