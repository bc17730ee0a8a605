"""One head again: the operations revisions written side by side (alarm inbox, assets, lock-out
and hazards, patrols and maintenance, spare parts, KPI indexes) each branched from 0004; this
merge joins them so that ``alembic upgrade head`` and later revisions have one parent.

Revision ID: 0013_one_head
Revises: 0005_alarm_inbox, 0005_assets, 0006_lockout_hazards, 0009_patrols_pm, 0011_spare_parts,
    0012_kpis
"""

from __future__ import annotations

revision = "0013_one_head"
down_revision = (
    "0005_alarm_inbox",
    "0005_assets",
    "0006_lockout_hazards",
    "0009_patrols_pm",
    "0011_spare_parts",
    "0012_kpis",
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the merge only joins the branches."""


def downgrade() -> None:
    """Nothing to change: downgrading splits the branches again."""
