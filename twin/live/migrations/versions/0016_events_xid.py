"""Events across processes (issue 14): on PostgreSQL every event row carries its writer's
transaction id (``xid``, filled by the column default ``pg_current_xact_id()``) with an index on
``(xid, id)``, the stream's order; a statement trigger calls ``pg_notify('twin_events', '')`` in
the writing transaction (delivered at commit) to wake readers. Rows written before this revision
get ``xid = 0`` (all finished, so they keep their id order). SQLite is unchanged.

Revision ID: 0016_events_xid
Revises: 0014_field_energy
"""

from __future__ import annotations

from alembic import op

revision = "0016_events_xid"
down_revision = "0014_field_energy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # a constant default is a catalogue change only (no table rewrite), then the real default
    op.execute("ALTER TABLE events ADD COLUMN xid bigint NOT NULL DEFAULT 0")
    op.execute(
        "ALTER TABLE events ALTER COLUMN xid SET DEFAULT (pg_current_xact_id()::text::bigint)"
    )
    op.execute("CREATE INDEX ix_events_xid_id ON events (xid, id)")
    op.execute(
        "CREATE FUNCTION twin_events_notify() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_notify('twin_events', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER events_notify AFTER INSERT ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION twin_events_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER events_notify ON events")
    op.execute("DROP FUNCTION twin_events_notify()")
    op.execute("DROP INDEX ix_events_xid_id")
    op.execute("ALTER TABLE events DROP COLUMN xid")
