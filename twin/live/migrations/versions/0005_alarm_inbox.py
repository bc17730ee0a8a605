"""Alarm inbox: shelves, design suppressions, escalation, notification outbox (issue 15).

Revision ID: 0005_alarm_inbox
Revises: 0004_readings_fast_ingest
"""

from __future__ import annotations

from alembic import op

revision = "0005_alarm_inbox"
down_revision = "0004_readings_fast_ingest"
branch_labels = None
depends_on = None


def _tables():  # type: ignore[no-untyped-def]
    from twin.live import tables_alarm_inbox

    return [tables_alarm_inbox.metadata.tables[n] for n in tables_alarm_inbox.ALARM_INBOX_TABLES]


def upgrade() -> None:
    from twin.live.db import metadata
    from twin.live.tables_alarm_inbox import ALARM_EVENTS_INDEX, INBOX_INDEX

    metadata.create_all(op.get_bind(), tables=_tables(), checkfirst=True)
    INBOX_INDEX.create(op.get_bind(), checkfirst=True)
    ALARM_EVENTS_INDEX.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    from twin.live.db import metadata
    from twin.live.tables_alarm_inbox import ALARM_EVENTS_INDEX, INBOX_INDEX

    ALARM_EVENTS_INDEX.drop(op.get_bind(), checkfirst=True)
    INBOX_INDEX.drop(op.get_bind(), checkfirst=True)
    metadata.drop_all(op.get_bind(), tables=list(reversed(_tables())), checkfirst=True)
