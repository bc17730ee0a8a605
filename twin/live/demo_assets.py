"""Demo asset data: the generated demo hospital carries no manufacturer property sets, so a fresh
demo store gets register entries for a few of its plant items (as a facilities team would type
them in from the nameplates), shown as overrides beside the empty IFC values."""

from __future__ import annotations

import logging

from twin.assets import ASSET_FIELDS, is_asset
from twin.live.store import LiveStore
from twin.model import Twin

__all__ = ["DEMO_NAMEPLATES", "DEMO_PARTS", "seed_demo_assets", "seed_demo_parts"]

log = logging.getLogger(__name__)

#: kind -> (manufacturer, model, installation date, warranty end) typed in from nameplates.
DEMO_NAMEPLATES: dict[str, tuple[str, str, str, str]] = {
    "pump": ("Grundfos", "CR 10-4", "2021-04-12", "2026-04-11"),
    "equipment": ("Trane", "CLCP 14", "2020-09-01", "2025-08-31"),
    "valve": ("Belimo", "R2025-S2", "2021-04-12", "2031-04-11"),
}


#: (sku, name, unit, minimum, stock received, storeroom location) of the demo storeroom; the last
#: is below its minimum, so the demo shows a low-stock alarm.
DEMO_PARTS: tuple[tuple[str, str, str, float, float, str], ...] = (
    ("F7-592", "Bag filter F7 592x592", "pcs", 8, 24, "Plant room store, shelf 2"),
    ("VB-SPA-1250", "V-belt SPA 1250", "pcs", 2, 6, "Plant room store, shelf 4"),
    ("O2-REG-SEAL", "Oxygen regulator seal kit", "kits", 3, 2, "Medical gas store"),
)


def seed_demo_parts(store: LiveStore) -> int:
    """The demo storeroom, only into a store with no spare parts yet."""
    if store.spare_parts.list():
        return 0
    for sku, name, unit, minimum, stock, location in DEMO_PARTS:
        store.spare_parts.define(sku, name=name, unit=unit, min_quantity=minimum, actor="demo",
                                 location=location)  # fmt: skip
        store.spare_parts.move(sku, stock, reason="receive", actor="demo")
    return len(DEMO_PARTS)


def seed_demo_assets(store: LiveStore, twin: Twin, *, per_kind: int = 3) -> int:
    """Nameplate data for the first ``per_kind`` assets of each kind above (and the demo
    storeroom, :func:`seed_demo_parts`); only into a store with no register edits yet, so it
    never overwrites real data. Returns the assets edited."""
    seed_demo_parts(store)
    if store.asset_overrides.all():
        return 0
    done = 0
    for kind, (maker, model, installed, warranty) in DEMO_NAMEPLATES.items():
        found = sorted((e for e in twin.elements.values() if e.kind == kind and is_asset(e)),
                       key=lambda e: e.guid)[:per_kind]  # fmt: skip
        for i, element in enumerate(found, start=1):
            values = {
                "manufacturer": maker, "model": model, "installation_date": installed,
                "warranty_end": warranty, "serial_number": f"{kind[:2].upper()}-{i:04d}",
            }  # fmt: skip
            store.asset_overrides.set(element.guid, values, fields=ASSET_FIELDS, actor="demo")
            done += 1
    log.info("demo: nameplate data for %d assets", done)
    return done
