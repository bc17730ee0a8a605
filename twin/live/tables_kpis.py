"""Indexes the command-centre figures read by (issue 16): tickets by creation time, alarms by
raise time. The figures over 24 h / 7 d / 30 d windows are range scans on these; open tickets
use ``ix_tickets_status`` and active alarms ``ix_alarms_state``, which already exist."""

from __future__ import annotations

from sqlalchemy import Index

from twin.live.tables import alarms
from twin.live.tables_ops import tickets

__all__ = ["KPI_INDEXES"]

KPI_INDEXES: tuple[Index, ...] = (
    Index("ix_tickets_created", tickets.c.created),
    Index("ix_alarms_raised", alarms.c.raised_us, alarms.c.acknowledged_us),  # covers MTTA
)
