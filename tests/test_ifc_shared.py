"""Ingest of every shared real model against the counts its manifest records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SHARED_IFC
from twin.errors import UnsupportedSchema

_MANIFEST = json.loads((SHARED_IFC / "MANIFEST.json").read_text()) if SHARED_IFC.is_dir() else {}
_HEAVY = {
    "AC20-FZK-Haus.ifc",
    "Duplex_A_20110907.ifc",
    "Duplex_Electrical_20121207.ifc",
    "SampleHouse_IFC4.ifc",
    "bim2sim_b03_heating_with_building_blenderBIM.ifc",
}


def _params() -> list[object]:
    out: list[object] = []
    for name in sorted(_MANIFEST):
        marks = [pytest.mark.slow] if name in _HEAVY else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def _by_class(twin, *classes: str) -> int:  # type: ignore[no-untyped-def]
    import ifcopenshell.ifcopenshell_wrapper as wrapper

    schema = wrapper.schema_by_name(twin.source.schema)

    def is_a(cls: str, target: str) -> bool:
        try:
            decl = schema.declaration_by_name(cls)
        except RuntimeError:
            return False
        while decl is not None:
            if decl.name() == target:
                return True
            decl = decl.supertype()
        return False

    return sum(1 for e in twin.elements.values() if any(is_a(e.ifc_class, c) for c in classes))


@pytest.mark.parametrize("name", _params())
def test_shared_model_matches_manifest(name: str, manifest, shared_twin) -> None:  # type: ignore[no-untyped-def]
    expected = manifest[name]
    if "storeys" not in expected:  # entries without counts describe expected failures
        with pytest.raises(UnsupportedSchema) as err:
            shared_twin(name)
        assert name in str(err.value)
        return
    twin = shared_twin(name)
    counts = twin.quality.counts
    assert twin.source.schema.startswith(str(expected["schema"]))
    assert twin.source.sha256 == expected["sha256"]
    assert twin.source.length_unit_to_m == pytest.approx(expected["length_unit_to_m"])
    assert counts["storeys"] == expected["storeys"] == len(twin.storeys)
    assert counts["spaces"] == expected["spaces"]
    assert counts["doors"] == expected["doors"]
    assert counts["walls"] == expected["walls"]
    assert _by_class(twin, "IfcStair") == expected["stairs"]  # lone flights are stairs too
    assert _by_class(twin, "IfcFlowSegment") == expected["flow_segments"]
    assert _by_class(twin, "IfcFlowFitting") == expected["flow_fittings"]
    assert _by_class(twin, "IfcFlowController") == expected["flow_controllers"]
    assert _by_class(twin, "IfcFlowMovingDevice") == expected["flow_movers"]
    assert len(twin.ports) == expected["ports"]
    assert len(twin.connections) == expected["port_connections"]
    dist = [
        s
        for s in twin.systems.values()
        if s.ifc_class in ("IfcDistributionSystem", "IfcDistributionCircuit")
    ]
    assert len(dist) == expected["distribution_systems"]
    assert len(twin.space_boundaries) == expected["space_boundaries"]
    declared = [s for s in twin.spaces.values() if s.declared_area is not None]
    assert len(declared) == expected["spaces_with_NetFloorArea"]
    assert (twin.georef.mode == "map_conversion") == bool(expected["map_conversion"])
    for port in twin.ports.values():
        assert port.element is None or port.element in twin.elements
    for space in twin.spaces.values():
        assert space.storey in twin.storeys
        assert space.geometry_source == "solid" and space.footprint is not None


def test_feet_model_is_converted_to_metres(shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin("Duplex_Electrical_20121207.ifc")
    boxes = [e.bbox for e in twin.elements.values() if e.bbox is not None]
    width = max(b[3] for b in boxes) - min(b[0] for b in boxes)
    assert 5.0 < width < 60.0  # a duplex is tens of metres across, not hundreds of feet


def test_counts_include_zero_core_kinds(shared_twin) -> None:  # type: ignore[no-untyped-def]
    from twin.kinds import CORE_KINDS, plural

    counts = shared_twin("1269--Project_IfcDuctFitting.ifc").quality.counts
    for kind in CORE_KINDS:
        assert plural(kind) in counts
    assert counts["segments"] == 2 and counts["fittings"] == 1 and counts["doors"] == 0


def test_ports_attached_both_ways(shared_twin) -> None:  # type: ignore[no-untyped-def]
    for name in ("bim2sim_B01_2_HeatExchanger_Pipes.ifc", "1269--Project_IfcDuctFitting.ifc"):
        twin = shared_twin(name)
        assert all(p.element in twin.elements for p in twin.ports.values())
        assert {p.flow_direction for p in twin.ports.values()} <= {
            "SOURCE",
            "SINK",
            "SOURCEANDSINK",
            "NOTDEFINED",
        }


def test_pcert_map_conversion(shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin("PCERT_Building-Hvac.ifc")
    assert twin.georef.mode == "map_conversion"
    assert twin.georef.crs == "EPSG:32760"
    assert twin.georef.scale == pytest.approx(1.0)
    assert Path(twin.source.path).name == "PCERT_Building-Hvac.ifc"
