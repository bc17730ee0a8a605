"""Command-centre KPIs: indexes on tickets.created and alarms.raised_us (issue 16).

Revision ID: 0012_kpis
Revises: 0004_readings_fast_ingest
"""

from __future__ import annotations

from alembic import op

revision = "0012_kpis"
down_revision = "0004_readings_fast_ingest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from twin.live.tables_kpis import KPI_INDEXES

    for index in KPI_INDEXES:
        index.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    from twin.live.tables_kpis import KPI_INDEXES

    for index in KPI_INDEXES:
        index.drop(op.get_bind(), checkfirst=True)
