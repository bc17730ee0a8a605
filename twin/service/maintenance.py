"""Preventive maintenance over the campus: which elements a plan covers, generating their orders.

The repository knows plans and orders; this module resolves a plan's targets (one element, every
element of an IFC class such as ``IfcPump``, or of a twin kind such as ``lift``) in the served
models, with each element's room, storey and building for its tickets.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from twin.live.maintenance import PmOrder, PmPlan, PmTarget
from twin.live.store import LiveStore
from twin.model import Twin
from twin.service.campus import Campus

__all__ = ["generate_orders", "targets_for"]


def _matches(plan: PmPlan, guid: str, ifc_class: str, kind: str) -> bool:
    if plan.element is not None:
        return guid == plan.element
    if plan.ifc_class is not None:
        return ifc_class.lower() == plan.ifc_class.lower()
    return kind == plan.kind


def targets_for(plans: Iterable[PmPlan], twins: Iterable[Twin]) -> dict[int, list[PmTarget]]:
    """Plan id -> the elements it covers in ``twins`` (GlobalId order, stable across runs)."""
    plans = list(plans)
    out: dict[int, list[PmTarget]] = {p.id: [] for p in plans}
    for twin in twins:
        building_of = {g: s.building for g, s in twin.storeys.items()}
        for e in sorted(twin.elements.values(), key=lambda e: e.guid):
            for p in plans:
                if _matches(p, e.guid, e.ifc_class, e.kind):
                    out[p.id].append(PmTarget(
                        e.guid, e.name, e.space, e.storey,
                        building_of.get(e.storey) if e.storey else None,
                    ))  # fmt: skip
    return out


def generate_orders(
    campus: Campus, store: LiveStore, *, today: date, actor: str, horizon_days: int = 0
) -> list[PmOrder]:
    """Generate every plan's orders due up to today + lead time + ``horizon_days``."""
    plans = store.maintenance.plans()
    targets = targets_for(plans, campus)
    return store.maintenance.generate(targets, today=today, actor=actor, horizon_days=horizon_days)
