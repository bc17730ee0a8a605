"""The cached entity access and memoised placements agree with ifcopenshell's own answers."""

from __future__ import annotations

from pathlib import Path

import ifcopenshell
import ifcopenshell.util.placement
import numpy as np
import pytest

from twin.ifc.fast import attr, isa, supertypes
from twin.ifc.placement import Placements

MODELS = ["Duplex_A_20110907.ifc", "AC20-FZK-Haus.ifc", "bim2sim_B01_2_HeatExchanger_Pipes.ifc"]


@pytest.mark.parametrize("name", MODELS)
def test_attr_and_isa_match_ifcopenshell(name: str, shared_ifc: Path) -> None:
    model = ifcopenshell.open(str(shared_ifc / name))
    products = model.by_type("IfcProduct")
    assert products
    for p in products:
        assert attr(p, "GlobalId") == p.GlobalId
        assert attr(p, "Name") == p.Name
        assert attr(p, "ObjectPlacement") == p.ObjectPlacement
        assert attr(p, "NoSuchAttribute") is None
        for base in ("IfcElement", "IfcPort", "IfcSpatialStructureElement", "IfcFlowSegment"):
            assert isa(p, base) == bool(p.is_a(base))


def test_supertypes_of_a_pipe_segment() -> None:
    chain = supertypes("IFC4.IfcPipeSegment")
    assert {"IfcPipeSegment", "IfcFlowSegment", "IfcElement", "IfcRoot"} <= chain
    assert "IfcWall" not in chain


@pytest.mark.parametrize("name", MODELS)
def test_memoised_positions_match_get_local_placement(name: str, shared_ifc: Path) -> None:
    model = ifcopenshell.open(str(shared_ifc / name))
    placements = Placements()
    checked = 0
    for p in model.by_type("IfcProduct"):
        if p.ObjectPlacement is None:
            continue
        ref = ifcopenshell.util.placement.get_local_placement(p.ObjectPlacement)
        mine = placements.point(p, 1.0)
        assert mine is not None
        assert np.allclose(mine, ref[:3, 3], atol=1e-6), p
        checked += 1
    assert checked > 10
