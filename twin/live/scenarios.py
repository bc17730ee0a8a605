"""Stored renovation scenarios: create, read, list, replace, delete.

The document is validated by :func:`twin.analysis.renovation.scenario_from_dict` before it is
stored, so a stored scenario always parses; writes are audited in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from twin.analysis.renovation import scenario_from_dict
from twin.errors import NotFound
from twin.live import audit
from twin.live.db import now_us
from twin.live.tables_scenarios import scenarios

__all__ = [
    "StoredScenario",
    "create_scenario",
    "delete_scenario",
    "get_scenario",
    "list_scenarios",
    "replace_scenario",
]


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


def _engine(target: Any) -> Engine:
    return target.engine if hasattr(target, "engine") else target  # type: ignore[no-any-return]


def _row(r: Any) -> StoredScenario:
    return StoredScenario(
        r.id, r.name, r.building, json.loads(r.document), r.created, r.created_by, r.updated
    )


def create_scenario(store: Any, document: Mapping[str, Any], *, actor: str) -> StoredScenario:
    sc = scenario_from_dict(document)
    now = now_us()
    with _engine(store).begin() as conn:
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
    return get_scenario(store, int(sid))


def get_scenario(store: Any, scenario_id: int) -> StoredScenario:
    with _engine(store).connect() as conn:
        r = conn.execute(select(scenarios).where(scenarios.c.id == scenario_id)).first()
    if r is None:
        raise ScenarioNotFound(f"no scenario {scenario_id}", scenario=scenario_id)
    return _row(r)


def list_scenarios(store: Any, *, building: str | None = None) -> list[StoredScenario]:
    q = select(scenarios).order_by(scenarios.c.id)
    if building:
        q = q.where(scenarios.c.building == building)
    with _engine(store).connect() as conn:
        return [_row(r) for r in conn.execute(q)]


def replace_scenario(
    store: Any, scenario_id: int, document: Mapping[str, Any], *, actor: str
) -> StoredScenario:
    sc = scenario_from_dict(document)
    with _engine(store).begin() as conn:
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
        audit.record(conn, actor, "scenario.replace", f"scenario:{scenario_id}", {"name": sc.name})
    return get_scenario(store, scenario_id)


def delete_scenario(store: Any, scenario_id: int, *, actor: str) -> None:
    with _engine(store).begin() as conn:
        n = conn.execute(delete(scenarios).where(scenarios.c.id == scenario_id)).rowcount
        if not n:
            raise ScenarioNotFound(f"no scenario {scenario_id}", scenario=scenario_id)
        audit.record(conn, actor, "scenario.delete", f"scenario:{scenario_id}", {})
