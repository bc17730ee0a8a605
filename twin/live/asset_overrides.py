"""Store-side edits of the asset register: one override per (asset, field), audited.

The IFC is the record of what was designed and handed over; what the facilities team learns
later (the serial number read off the plate, a replaced motor's model) lives here, beside it.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select

from twin.errors import InvalidInput
from twin.live import audit
from twin.live.db import now_us
from twin.live.tables_assets import asset_overrides
from twin.live.txn import Db, transaction

__all__ = ["AssetOverrideRepository"]

_MAX_VALUE = 500


class AssetOverrideRepository:
    """Overrides of register fields (table ``asset_overrides``)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def get(self, asset: str) -> dict[str, str]:
        """Field -> override of one asset."""
        with transaction(self._db) as conn:
            q = select(asset_overrides).where(asset_overrides.c.asset == asset)
            return {r.field: r.value for r in conn.execute(q)}

    def all(self) -> dict[str, dict[str, str]]:
        """Asset -> field -> override, for the whole register in one query."""
        out: dict[str, dict[str, str]] = {}
        with transaction(self._db) as conn:
            for r in conn.execute(select(asset_overrides)):
                out.setdefault(r.asset, {})[r.field] = r.value
        return out

    def set(
        self, asset: str, changes: Mapping[str, str | None], *, fields: tuple[str, ...], actor: str
    ) -> dict[str, str]:
        """Set (a string) or clear (None) overrides of ``asset``; ``fields`` are the allowed
        names. Returns the asset's overrides after the change."""
        bad = sorted(set(changes) - set(fields))
        if bad:
            raise InvalidInput(f"unknown asset fields: {', '.join(bad)}", fields=bad)
        long = sorted(k for k, v in changes.items() if v is not None and len(v) > _MAX_VALUE)
        if long:
            raise InvalidInput(f"values longer than {_MAX_VALUE} characters", fields=long)
        with transaction(self._db) as conn:
            for name, value in changes.items():
                key = (asset_overrides.c.asset == asset) & (asset_overrides.c.field == name)
                conn.execute(delete(asset_overrides).where(key))
                if value is not None:
                    conn.execute(
                        asset_overrides.insert().values(
                            asset=asset, field=name, value=value, updated=now_us(),
                            updated_by=actor,
                        )
                    )  # fmt: skip
            audit.record(conn, actor, "asset.update", f"asset:{asset}", dict(changes))
            return AssetOverrideRepository(conn).get(asset)
