"""The scenario report as a planner reads it (issue 13): names, tables and units, never GlobalIds
or Python dicts.

The report used to print the summary's dicts (``{'walking': 12, 'emergency': 12}``) and storeys
as GlobalIds. These tests parse the page, take its visible text (SVG tooltips included) and check
it against the generator's known answers (room numbers and names, storey names from the truth
file), not against the code that writes it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from twin.analysis.renovation import impact_report
from twin.distribution import build_networks
from twin.export.scenario_report import duration, report_html
from twin.model import Twin
from twin.navigation.build import build_navigation
from twin.scenario import scenario_from_dict

#: An IFC GlobalId: 22 characters of IFC base64, the first 0-3 (128 bits).
GLOBAL_ID = re.compile(r"(?<![0-9A-Za-z_$])[0-3][0-9A-Za-z_$]{21}(?![0-9A-Za-z_$])")


class _Visible(HTMLParser):
    """Text a reader sees (tooltips included), outside <style>/<script>; and table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._skip = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _parse(page: str) -> _Visible:
    p = _Visible()
    p.feed(page)
    return p


@pytest.fixture(scope="module")
def graphs(small_twin: Twin) -> dict[str, Any]:
    return {"nav": build_navigation(small_twin), "nets": build_networks(small_twin)}


def _page(twin: Twin, graphs: dict[str, Any], doc: dict[str, Any]) -> tuple[str, Any]:
    report = impact_report(twin, scenario_from_dict(doc), nav=graphs["nav"], nets=graphs["nets"])
    return report_html(twin, report), report


def test_report_names_rooms_and_storeys_and_shows_no_ids_or_dicts(
    small_twin: Twin, graphs: dict[str, Any], small_hospital_truth: dict[str, Any]
) -> None:
    truth = small_hospital_truth
    icu = truth["icu"]
    pipe = next(e for e in small_twin.elements.values() if e.ifc_class == "IfcPipeSegment")
    x, y, z = pipe.centroid  # type: ignore[misc]
    lift = truth["lifts"][0]["guid"]
    doc = {
        "name": "ICU corridor and lift",
        "closed_spaces": [icu["corridor"]],
        "out_of_service": [lift],
        "proposed": [{"id": "duct-1", "name": "New supply duct", "kind": "segment",
                      "box": [x - 0.2, y - 0.2, z - 0.2, x + 0.2, y + 0.2, z + 0.2]}],
    }  # fmt: skip
    page, report = _page(small_twin, graphs, doc)
    seen = _parse(page)
    text = " ".join(seen.text)

    ids = GLOBAL_ID.findall(text)
    assert ids == [], f"GlobalIds in the visible text: {ids[:5]}"
    for artefact in ("{", "}", "': ", "[", "]"):
        assert artefact not in text, f"program output {artefact!r} in the visible text"

    # every ICU room cut off is a row naming its number and long name and the storey by name
    storey_name = {s["guid"]: s["name"] for s in truth["storeys"]}
    rows = {r[0]: r for r in seen.rows if r}
    for guid in icu["rooms"]:
        room = truth["spaces"][guid]
        label = f"{room['number']} {room['long_name']}"
        assert label in rows, f"{label} not listed"
        assert storey_name[room["storey"]] in rows[label]
    assert storey_name[icu["storey"]] in text

    # the lift out of service makes some routes longer: times with units, not bare seconds
    longer = [r for p in report.longer.values() for r in p]
    assert longer, "taking the only lift out of service lengthens some route"
    times = [r for r in seen.rows if len(r) == 6 and r[5].startswith("+")]
    assert len(times) == len(longer)
    unit = re.compile(r"^\+?\d+ (s|min \d\d s|h \d\d min)$")
    assert all(unit.match(c) for r in times for c in r[3:]), times[:3]

    # the clash names the proposal and the pipe, with the gap in millimetres
    clash = next(r for r in seen.rows if r and r[0] == "New supply duct")
    assert pipe.name in clash and clash[5].endswith(" mm")


def test_report_of_a_zone_names_its_storey(
    small_twin: Twin, graphs: dict[str, Any], small_hospital_truth: dict[str, Any]
) -> None:
    truth = small_hospital_truth
    room = next(g for g, s in truth["spaces"].items() if s["category"] == "corridor")
    fp = small_twin.spaces[room].footprint
    assert fp is not None
    x0, y0, x1, y1 = fp.bounds
    storey = truth["spaces"][room]["storey"]
    doc = {"name": "zone", "zones": [{"storey": storey, "polygon": [
        [x0, y0], [x1, y0], [x1, y1], [x0, y1]]}]}  # fmt: skip
    page, _ = _page(small_twin, graphs, doc)
    text = " ".join(_parse(page).text)
    assert GLOBAL_ID.findall(text) == []
    assert "{" not in text
    name = next(s["name"] for s in truth["storeys"] if s["guid"] == storey)
    assert f"Storeys touched: {name}" in text


def test_durations_read_as_minutes_and_seconds() -> None:
    assert duration(45.2) == "45 s"
    assert duration(125) == "2 min 05 s"
    assert duration(3780) == "1 h 03 min"
