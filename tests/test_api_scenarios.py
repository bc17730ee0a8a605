"""Scenario API: stored overlays, impact, comparison, HTML report, BCF of clashes, plan layer."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from twin.export.scenario_plan import SCENE_CLASH, SCENE_CLOSED, SCENE_NO_SERVICE
from twin.model import Twin


@pytest.fixture(scope="module")
def client(hospital_api: Any) -> Iterator[Any]:
    with hospital_api() as c:
        yield c


def test_scenario_lifecycle_and_impact(
    client: TestClient, small_hospital_truth: dict[str, Any]
) -> None:
    icu = small_hospital_truth["icu"]
    doc = {"name": "ICU corridor flooring", "closed_spaces": [icu["corridor"]]}
    created = client.post("/scenarios", json=doc)
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    assert client.get(f"/scenarios/{sid}").json()["document"]["closed_spaces"] == [icu["corridor"]]
    impact = client.get(f"/scenarios/{sid}/impact").json()
    assert {r["guid"] for r in impact["unreachable"]["walking"]} == set(icu["rooms"])
    assert impact["summary"]["critical_spaces_without_service"] >= 1

    renamed = client.put(f"/scenarios/{sid}", json={**doc, "name": "renamed"})
    assert renamed.json()["name"] == "renamed"
    assert client.delete(f"/scenarios/{sid}").status_code == 204
    assert client.get(f"/scenarios/{sid}").status_code == 404


def test_unknown_guid_or_field_is_refused(client: TestClient) -> None:
    r = client.post("/scenarios", json={"name": "x", "closed_spaces": ["0000000000000000000000"]})
    assert r.status_code == 404
    r = client.post("/scenarios", json={"name": "x", "colour": "red"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


def test_html_report_bcf_and_plan_layer(
    client: TestClient, small_twin: Twin, small_hospital_truth: dict[str, Any]
) -> None:
    icu = small_hospital_truth["icu"]
    pipe = next(e for e in small_twin.elements.values() if e.ifc_class == "IfcPipeSegment")
    x, y, z = pipe.centroid  # type: ignore[misc]
    duct = {
        "id": "duct-1",
        "kind": "segment",
        "box": [x - 0.2, y - 0.2, z - 0.2, x + 0.2, y + 0.2, z + 0.2],
    }
    doc = {"name": "with duct", "closed_spaces": [icu["corridor"]], "proposed": [duct]}
    sid = client.post("/scenarios", json=doc).json()["id"]

    page = client.get(f"/scenarios/{sid}/report.html")
    assert page.status_code == 200 and "<svg" in page.text and "ICU" in page.text

    bcf = client.get(f"/scenarios/{sid}/clashes.bcf")
    assert bcf.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(bcf.content)).namelist()
    assert any(n.endswith("markup.bcf") for n in names)
    assert any(
        pipe.guid in zipfile.ZipFile(io.BytesIO(bcf.content)).read(n).decode() for n in names
    )

    svg = client.get(f"/storeys/{icu['storey']}/plan.svg", params={"scenario": sid})
    assert svg.status_code == 200, svg.text
    root = ElementTree.fromstring(svg.text)
    marked = {el.get("data-guid") for el in root.iter() if el.get("data-highlight")}
    assert set(icu["rooms"]) | {icu["corridor"]} <= marked

    other = client.post("/scenarios", json={"name": "door", "closed_doors": [icu["door_to_main"]]})
    rows = client.get("/scenario-comparison", params={"ids": [sid, other.json()["id"]]}).json()
    assert [r["scenario"] for r in rows] == ["with duct", "door"]
    assert rows[0]["hard_clashes"] >= 1 and rows[1]["hard_clashes"] == 0


def _colour_by_guid(glb: bytes) -> dict[str, tuple[float, ...]]:
    """GlobalId -> base colour of the material its mesh is drawn with, read from the GLB JSON."""
    (length,) = struct.unpack_from("<I", glb, 12)
    tree = json.loads(glb[20 : 20 + length])
    out = {}
    for node in tree.get("nodes", []):
        guid = (node.get("extras") or {}).get("guid")
        if guid and "mesh" in node:
            material = tree["meshes"][node["mesh"]]["primitives"][0]["material"]
            rgba = tree["materials"][material]["pbrMetallicRoughness"]["baseColorFactor"]
            out[guid] = tuple(round(c, 3) for c in rgba)
    return out


def test_scene_glb_colours_a_scenario(
    client: TestClient, small_twin: Twin, small_hospital_truth: dict[str, Any]
) -> None:
    icu = small_hospital_truth["icu"]
    building = small_twin.storeys[icu["storey"]].building
    sid = client.post("/scenarios", json={"name": "ICU", "closed_spaces": [icu["corridor"]]})
    impact = client.get(f"/scenarios/{sid.json()['id']}/impact").json()
    lost = {s["guid"] for s in impact["services_lost"]["spaces"]} - {icu["corridor"]}
    assert lost, "closing the ICU corridor cuts the services its ducts and pipes carry"

    plain = client.get(f"/buildings/{building}/scene.glb", params={"storey": icu["storey"]})
    coloured = client.get(
        f"/buildings/{building}/scene.glb",
        params={"storey": icu["storey"], "scenario": sid.json()["id"]},
    )
    assert coloured.status_code == 200 and coloured.headers["cache-control"] == "no-store"
    before, after = _colour_by_guid(plain.content), _colour_by_guid(coloured.content)
    closed, orange = (
        tuple(round(c, 3) for c in SCENE_CLOSED),
        tuple(round(c, 3) for c in SCENE_NO_SERVICE),
    )
    assert after[icu["corridor"]] == closed != before[icu["corridor"]]
    on_storey = lost & after.keys()
    assert on_storey and all(after[g] == orange for g in on_storey)
    untouched = set(after) - lost - {icu["corridor"]} - set(impact["services_lost"]["closed"])
    untouched -= set(impact["services_lost"]["terminals"])
    assert all(after[g] == before[g] for g in untouched)

    bad = client.get(f"/buildings/{building}/scene.glb", params={"scenario": "not-a-number"})
    assert bad.status_code == 422


def test_plan_and_scene_show_zones_proposals_and_clashes(
    client: TestClient, small_twin: Twin, small_hospital_truth: dict[str, Any]
) -> None:
    pipe = next(
        e
        for e in small_twin.elements.values()
        if e.ifc_class == "IfcPipeSegment" and e.storey and e.centroid
    )
    x, y, z = pipe.centroid  # type: ignore[misc]
    storey = pipe.storey
    zone = [[x - 3, y - 3], [x + 3, y - 3], [x + 3, y + 3], [x - 3, y + 3]]
    doc = {
        "name": "riser works",
        "zones": [{"storey": storey, "polygon": zone}],
        "proposed": [{"id": "duct-9", "kind": "segment", "box": [x - 0.2, y - 0.2, z - 0.2,
                                                                 x + 0.2, y + 0.2, z + 0.2]}],
    }  # fmt: skip
    sid = client.post("/scenarios", json=doc).json()["id"]

    svg = client.get(f"/storeys/{storey}/plan.svg", params={"scenario": sid})
    root = ElementTree.fromstring(svg.text)
    tag = lambda el: el.tag.rsplit("}", 1)[-1]  # noqa: E731
    layer = next(g for g in root.iter() if "layer-scenario" in (g.get("class") or ""))
    proposed = [el for el in layer.iter() if el.get("data-proposed") == "duct-9"]
    assert any(tag(el) == "polygon" for el in proposed)
    rings = [
        el for el in layer.iter() if tag(el) == "circle" and "clash-hard" in el.get("class", "")
    ]
    assert pipe.guid in {el.get("data-guid") for el in rings}
    assert any(tag(el) == "polygon" and el.get("class") == "zone" for el in layer.iter())

    other = next(s for s in small_twin.storeys if s != storey)
    far = ElementTree.fromstring(
        client.get(f"/storeys/{other}/plan.svg", params={"scenario": sid}).text
    )
    assert not [el for el in far.iter() if el.get("data-proposed") or el.get("class") == "zone"]

    building = small_twin.storeys[storey].building
    glb = client.get(
        f"/buildings/{building}/scene.glb", params={"storey": storey, "scenario": sid}
    ).content
    assert _colour_by_guid(glb)[pipe.guid] == tuple(round(c, 3) for c in SCENE_CLASH)
