"""Demo carbon and cost factors per energy carrier (issue 16), so the demo's energy roll-ups and
chart show kg CO2e and cost from the first look. Seeded only while no factor is set, so real
factors are never overwritten. The values are illustrative, not a tariff or an official
emission factor: set real ones with ``PUT /energy/factors/{carrier}``."""

from __future__ import annotations

import logging

from twin.live.store import LiveStore

__all__ = ["DEMO_FACTORS", "seed_demo_energy"]

log = logging.getLogger(__name__)

#: carrier -> (kg CO2e per unit, cost per unit in EUR); units: kWh, or m3 for gas and water.
DEMO_FACTORS: dict[str, tuple[float, float]] = {
    "electricity": (0.38, 0.25),
    "heat": (0.20, 0.12),
    "gas": (2.0, 1.10),
    "water": (0.35, 4.50),
}


def seed_demo_energy(store: LiveStore) -> int:
    """Set :data:`DEMO_FACTORS` unless the store has factors already; how many were set."""
    if store.energy.factors():
        return 0
    for carrier, (co2, cost) in DEMO_FACTORS.items():
        store.energy.set_factor(carrier, co2_kg=co2, cost=cost, currency="EUR", actor="demo",
                                source="demo values (illustrative)")  # fmt: skip
    log.info("demo: energy factors for %d carriers", len(DEMO_FACTORS))
    return len(DEMO_FACTORS)
