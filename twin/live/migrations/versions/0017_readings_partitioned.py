"""PostgreSQL: ``readings`` becomes a RANGE-partitioned table on ``t_us`` (one partition per UTC
month, a default partition for anything else) and gains its rollups per 5 min, hour and day
(issue 14). SQLite is unchanged.

Revision ID: 0017_readings_partitioned
Revises: 0016_events_xid

The existing table is renamed, a partitioned ``readings`` with the same columns and the same
unique key on ``(sensor, t_us)`` (the partition key is part of it, as PostgreSQL requires) is
created with a partition for every month that holds rows plus the months ahead and a BRIN
index on ``t_us`` (the rollup catch-up's time-range scan; docs/scale.md), every row is
copied over in one ``INSERT … SELECT`` and the old table dropped, all in the migration's
transaction: either every row is in the new table or the migration did not happen. The rollups
are then computed from the raw rows before the current 5 minutes, which become the watermark
(the first catch-up rolls up the rest). Cost: a copy of the table and one aggregation pass
over it; the API processes wait on the migration lock meanwhile.
"""

from __future__ import annotations

from alembic import op

from twin.live import partitions, rollups
from twin.live.db import now_us

revision = "0017_readings_partitioned"
down_revision = "0016_events_xid"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql" or partitions.is_partitioned(conn):
        return
    conn.exec_driver_sql("ALTER TABLE readings RENAME TO readings_plain")
    conn.exec_driver_sql(
        "ALTER TABLE readings_plain RENAME CONSTRAINT uq_readings_sensor_t TO uq_readings_plain"
    )
    conn.exec_driver_sql(
        "CREATE TABLE readings (sensor varchar(64) NOT NULL, t_us bigint NOT NULL, "
        "value float8 NOT NULL, CONSTRAINT uq_readings_sensor_t UNIQUE (sensor, t_us)) "
        "PARTITION BY RANGE (t_us)"
    )
    conn.exec_driver_sql(f"CREATE TABLE {partitions.DEFAULT} PARTITION OF readings DEFAULT")
    months = conn.exec_driver_sql(
        "SELECT DISTINCT extract(epoch FROM date_trunc('month', "
        "to_timestamp(t_us / 1000000) AT TIME ZONE 'UTC'))::bigint FROM readings_plain"
    ).scalars()
    for m in sorted({partitions.month_bounds(int(t) * 1_000_000) for t in months}):
        lo, hi = m
        conn.exec_driver_sql(
            f"CREATE TABLE {partitions.partition_name(lo)} PARTITION OF readings "
            f"FOR VALUES FROM ({lo}) TO ({hi})"
        )
    conn.exec_driver_sql(
        "INSERT INTO readings (sensor, t_us, value) SELECT sensor, t_us, value FROM readings_plain"
    )
    conn.exec_driver_sql("DROP TABLE readings_plain")
    conn.exec_driver_sql("CREATE INDEX ix_readings_t_brin ON readings USING brin (t_us)")
    partitions.ensure_conn(conn, now_us())
    rollups.create_tables(conn)
    wm = now_us() // rollups.GRAINS["readings_5m"] * rollups.GRAINS["readings_5m"]
    rollups.rebuild(conn, before=wm)  # the rest is the first catch-up's
    rollups.set_watermark(conn, wm)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql" or not partitions.is_partitioned(conn):
        return
    rollups.drop_tables(conn)
    conn.exec_driver_sql("ALTER TABLE readings RENAME TO readings_parted")
    conn.exec_driver_sql(
        "ALTER TABLE readings_parted RENAME CONSTRAINT uq_readings_sensor_t TO uq_readings_parted"
    )
    conn.exec_driver_sql(
        "CREATE TABLE readings (sensor varchar(64) NOT NULL, t_us bigint NOT NULL, "
        "value float8 NOT NULL, CONSTRAINT uq_readings_sensor_t UNIQUE (sensor, t_us))"
    )
    conn.exec_driver_sql(
        "INSERT INTO readings (sensor, t_us, value) SELECT sensor, t_us, value FROM readings_parted"
    )
    conn.exec_driver_sql("DROP TABLE readings_parted CASCADE")
