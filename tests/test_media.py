"""The one table from records and IFC data to media (twin/media.py), row by row."""

from __future__ import annotations

import pytest

from twin.media import (
    MEDIA,
    media_of_class,
    media_of_quantity,
    media_of_skill,
    medium_of_system,
    network_rank,
)


@pytest.mark.parametrize(
    ("skill", "media"),
    [
        ("medical_gas", {"gas"}),
        ("plumbing", {"water"}),
        ("electrical", {"electricity"}),
        ("hvac", {"air", "heating", "cooling"}),
        ("general", set()),
        (None, set()),
    ],
)
def test_skills(skill: str | None, media: set[str]) -> None:
    assert media_of_skill(skill) == media


@pytest.mark.parametrize(
    ("quantity", "media"),
    [
        ("oxygen_pressure", {"gas"}),
        ("O2 pressure", {"gas"}),
        ("power", {"electricity"}),
        ("water_leak", {"water"}),
        ("temperature", {"air", "heating", "cooling"}),
        ("lift_status", set()),
    ],
)
def test_quantities(quantity: str, media: set[str]) -> None:
    assert media_of_quantity(quantity) == media


@pytest.mark.parametrize(
    ("cls", "predefined", "object_type", "name", "medium"),
    [
        ("IfcDistributionSystem", "USERDEFINED", "MEDICALOXYGEN", "Medical oxygen", "gas"),
        ("IfcDistributionSystem", "DOMESTICCOLDWATER", "", "", "water"),
        ("IfcDistributionSystem", "CHILLEDWATER", "", "", "cooling"),
        ("IfcDistributionSystem", "VENTILATION", "", "", "air"),
        ("IfcDistributionSystem", "ELECTRICAL", "", "", "electricity"),
        ("IfcSystem", "", "", "Heizung_RL", "heating"),  # IFC2X3: no PredefinedType, names
        ("IfcSystem", "", "", "Zuluft Lüftung", "air"),
        ("IfcDistributionCircuit", "", "", "C1", "electricity"),
        ("IfcSystem", "", "", "Group 4", "other"),
    ],
)
def test_systems(cls: str, predefined: str, object_type: str, name: str, medium: str) -> None:
    assert medium_of_system(cls, predefined, object_type, name) == medium
    assert medium in MEDIA


@pytest.mark.parametrize(
    ("cls", "texts", "media"),
    [
        ("IfcCableSegment", (), {"electricity"}),
        ("IfcDuctSegment", (), {"air"}),
        ("IfcSpaceHeater", (), {"heating"}),
        ("IfcFlowSegment", ("Cable tray 100",), {"electricity"}),  # IFC2X3 generic occurrences
        ("IfcFlowSegment", ("Rectangular duct",), {"air"}),
        ("IfcFlowSegment", ("Segment 12",), set()),
    ],
)
def test_element_classes(cls: str, texts: tuple[str, ...], media: set[str]) -> None:
    assert media_of_class(cls, *texts) == media


def test_rank_medical_gas_then_power() -> None:
    oxygen = network_rank("gas", ["Medical oxygen", "MEDICALOXYGEN"])
    fuel = network_rank("gas", ["Natural gas"])
    power, water = network_rank("electricity"), network_rank("water")
    assert oxygen < power < water < fuel
