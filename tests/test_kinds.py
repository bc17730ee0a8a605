"""Room criticality and kind vocabulary: the ranking every impact list and alarm relies on."""

from __future__ import annotations

import pytest

from twin.kinds import CORE_KINDS, CRITICALITY_RANK, classify_space_criticality, plural


@pytest.mark.parametrize(
    ("texts", "declared", "expected"),
    [
        (("2.A.07", "Operating theatre 1", ""), None, "operating_theatre"),
        (("3.B.01", "ICU bed 3", ""), None, "icu"),
        (("1.A.12", "Isolation room", "ward"), None, "isolation"),
        (("0.P.02", "Pharmacy cold room", ""), None, "cold_chain"),
        (("-1.01", "Plant room", ""), None, "plant"),
        (("1.A.01", "Ward room", "ward"), None, "normal"),
        (("1.A.01", "Ward room", "ward"), "ICU", "icu"),
        (("1.A.01", "Operating theatre", ""), "not-a-class", "operating_theatre"),
    ],
)
def test_criticality_from_declared_value_or_names(
    texts: tuple[str, ...], declared: str | None, expected: str
) -> None:
    assert classify_space_criticality(*texts, declared=declared) == expected


def test_critical_areas_rank_before_normal_rooms() -> None:
    assert CRITICALITY_RANK["operating_theatre"] < CRITICALITY_RANK["icu"]
    assert max(CRITICALITY_RANK, key=CRITICALITY_RANK.__getitem__) == "normal"


def test_plural_names_are_the_report_keys() -> None:
    keys = {plural(k) for k in CORE_KINDS}
    assert {"storeys", "spaces", "doors", "valves", "equipment", "sensors"} <= keys
    assert plural("IfcBeamStandardCase") == "IfcBeamStandardCase"
