"""Work-order field data (requester, contact, closing note, rating), the hazard an abnormal
check-in answer records, meter replacements and carbon/cost factors per energy carrier
(issues 15 and 16).

Revision ID: 0014_field_energy
Revises: 0013_one_head
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014_field_energy"
down_revision = "0013_one_head"
branch_labels = None
depends_on = None


def _ticket_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("requester", sa.String(200), nullable=True),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
    ]


def _tables():  # type: ignore[no-untyped-def]
    from twin.live import tables_energy

    return [tables_energy.metadata.tables[n] for n in tables_energy.ENERGY_TABLES]


def _missing(table: str, names: list[str]) -> list[str]:
    """Columns not there yet: earlier revisions create their tables from the current table
    definitions, so a fresh database already has them."""
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}
    return [n for n in names if n not in have]


def upgrade() -> None:
    from twin.live.db import metadata

    columns = {c.name: c for c in _ticket_columns()}
    for name in _missing("tickets", list(columns)):
        op.add_column("tickets", columns[name])
    for name in _missing("patrol_checkins", ["hazard"]):
        op.add_column("patrol_checkins", sa.Column(name, sa.BigInteger(), nullable=True))
    metadata.create_all(op.get_bind(), tables=_tables(), checkfirst=True)


def downgrade() -> None:
    from twin.live.db import metadata

    metadata.drop_all(op.get_bind(), tables=list(reversed(_tables())), checkfirst=True)
    with op.batch_alter_table("patrol_checkins") as batch:
        batch.drop_column("hazard")
    with op.batch_alter_table("tickets") as batch:
        for column in reversed(_ticket_columns()):
            batch.drop_column(column.name)
