"""Stored renovation scenarios: create, read, list, replace, delete (``store.scenarios``).

The document is validated by :func:`twin.scenario.scenario_from_dict` before it is
stored, so a stored scenario always parses; writes are audited in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from twin.errors import NotFound
from twin.live import audit
from twin.live.db import now_us
from twin.live.tables_scenarios import scenarios
from twin.live.txn import Db, transaction
from twin.scenario import scenario_from_dict

__all__ = ["ScenarioNotFound", "ScenarioRepository", "StoredScenario"]


@dataclass(frozen=True, slots=True)
class StoredScenario:
    id: int
    name: str
    building: str | None
    document: Mapping[str, Any]
    created: int
    created_by: str
    updated: int


class ScenarioNotFound(NotFound):
    slug = "scenario-not-found"
    title = "Scenario not found"


def _row(r: Row[Any]) -> StoredScenario:
    return StoredScenario(
        r.id, r.name, r.building, json.loads(r.document), r.created, r.created_by, r.updated
    )


class ScenarioRepository:
    """Scenario documents (table ``scenarios``)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def create(self, document: Mapping[str, Any], *, actor: str) -> StoredScenario:
        sc = scenario_from_dict(document)
        now = now_us()
        with transaction(self._db) as conn:
            sid = conn.execute(
                insert(scenarios)
                .values(
                    name=sc.name,
                    building=sc.building,
                    document=json.dumps(dict(document)),
                    created=now,
                    created_by=actor,
                    updated=now,
                )
                .returning(scenarios.c.id)
            ).scalar_one()
            audit.record(conn, actor, "scenario.create", f"scenario:{sid}", {"name": sc.name})
        return self.get(int(sid))

    def get(self, scenario_id: int) -> StoredScenario:
        with transaction(self._db) as conn:
            r = conn.execute(select(scenarios).where(scenarios.c.id == scenario_id)).first()
        if r is None:
            raise ScenarioNotFound(f"no scenario {scenario_id}", scenario=scenario_id)
        return _row(r)

    def replace(
        self, scenario_id: int, document: Mapping[str, Any], *, actor: str
    ) -> StoredScenario:
        sc = scenario_from_dict(document)
        with transaction(self._db) as conn:
            n = conn.execute(
                update(scenarios)
                .where(scenarios.c.id == scenario_id)
                .values(
                    name=sc.name,
                    building=sc.building,
                    document=json.dumps(dict(document)),
                    updated=now_us(),
                )
            ).rowcount
            if not n:
                raise ScenarioNotFound(f"no scenario {scenario_id}", scenario=scenario_id)
            audit.record(
                conn, actor, "scenario.replace", f"scenario:{scenario_id}", {"name": sc.name}
            )
        return self.get(scenario_id)

    def delete(self, scenario_id: int, *, actor: str) -> None:
        with transaction(self._db) as conn:
            n = conn.execute(delete(scenarios).where(scenarios.c.id == scenario_id)).rowcount
            if not n:
                raise ScenarioNotFound(f"no scenario {scenario_id}", scenario=scenario_id)
            audit.record(conn, actor, "scenario.delete", f"scenario:{scenario_id}", {})

    def list(self, *, building: str | None = None) -> list[StoredScenario]:
        q = select(scenarios).order_by(scenarios.c.id)
        if building:
            q = q.where(scenarios.c.building == building)
        with transaction(self._db) as conn:
            return [_row(r) for r in conn.execute(q)]
