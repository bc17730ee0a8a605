"""The network endpoints over the real b03 heating plant and a model without ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from twin.service.campus import Campus

B03 = "bim2sim_b03_heating_with_building_blenderBIM.ifc"


@pytest.fixture(scope="module")
def client(shared_twin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("api-networks")
    campus = Campus()
    campus.add(shared_twin(B03))
    campus.add(shared_twin("AC20-FZK-Haus.ifc"))
    settings = Settings(
        cache_dir=tmp / "cache", upload_dir=tmp / "uploads", store_url=f"sqlite:///{tmp}/s.db"
    )
    with TestClient(create_app(settings, campus=campus)) as c:
        yield c


def _heater(client: TestClient, shared_twin) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    twin = shared_twin(B03)
    heater = next(e.guid for e in twin.elements.values() if e.ifc_class == "IfcSpaceHeater")
    boiler = next(e.guid for e in twin.elements.values() if e.ifc_class == "IfcBoiler")
    return heater, boiler


@pytest.mark.slow
def test_systems_trace_isolation_impact(client: TestClient, shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin(B03)
    building = next(iter(twin.buildings))
    systems = client.get(f"/networks/{building}/systems").json()
    assert systems["known"] and systems["declared_connections"] == len(twin.connections)
    heater, boiler = _heater(client, shared_twin)
    up = client.get(f"/elements/{heater}/upstream").json()
    assert boiler in [s["guid"] for s in up["steps"]]
    near = client.get(f"/elements/{heater}/upstream", params={"depth": 1}).json()
    assert max(s["depth"] for s in near["steps"]) == 1
    iso = client.get(f"/elements/{heater}/isolation").json()
    assert iso["possible"] is (len(iso["valves"]) > 0)
    if iso["possible"]:
        imp = client.post("/impact", json={"closed": [v["guid"] for v in iso["valves"]]}).json()
        assert heater in imp["terminals"]
    down = client.get(f"/elements/{boiler}/downstream", params={"kinds": ["valve"]}).json()
    assert all(
        s["kind"] != "valve" or s["guid"] not in {x["via"] for x in down["steps"]}
        for s in down["steps"]
    )


@pytest.mark.slow
def test_localize_and_common_cause(client: TestClient, shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin(B03)
    heaters = [e.guid for e in twin.elements.values() if e.ifc_class == "IfcSpaceHeater"]
    loc = client.get("/localize", params={"element": heaters[0]}).json()
    assert loc["element"] == heaters[0] and loc["suspects"]
    assert loc["bbox"] is None or len(loc["bbox"]) == 6
    cc = client.post("/common-cause", json={"guids": heaters[:3]}).json()
    assert cc and len(cc[0]["feeds"]) == min(3, len(heaters))
    assert client.get("/localize").status_code == 422


def test_alarm_without_store_is_503(client: TestClient) -> None:
    app = client.app
    saved = getattr(app.state, "store", None)  # type: ignore[attr-defined]
    if saved is not None:
        del app.state.store  # type: ignore[attr-defined]
    try:
        r = client.get("/localize", params={"alarm": "1"})
    finally:
        if saved is not None:
            app.state.store = saved  # type: ignore[attr-defined]
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")


def test_model_without_ports_is_network_unknown(client: TestClient, shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin("AC20-FZK-Haus.ifc")
    guid = next(iter(twin.elements))
    r = client.get(f"/elements/{guid}/upstream")
    assert r.status_code == 409
    assert "network is unknown" in r.json()["detail"]


@pytest.mark.slow
def test_trace_plan_layer(client: TestClient, shared_twin) -> None:  # type: ignore[no-untyped-def]
    layers = getattr(client.app.state, "plan_layers", {})  # type: ignore[attr-defined]
    assert "trace" in layers
    heater, _boiler = _heater(client, shared_twin)
    twin = shared_twin(B03)
    storey = twin.elements[heater].storey or next(iter(twin.storeys))
    paths = set(client.get("/openapi.json").json()["paths"])
    if "/storeys/{guid}/plan.svg" not in paths:
        pytest.fail("the plan endpoint is not mounted")
    r = client.get(f"/storeys/{storey}/plan.svg", params={"trace": heater})
    assert r.status_code == 200, r.text
    assert "layer-trace" in r.text


@pytest.mark.slow
def test_b03_isolation_says_it_cannot_and_impact_agrees(client: TestClient, shared_twin) -> None:  # type: ignore[no-untyped-def]
    """b03's return side has no valve: no heater can be isolated by valves, and closing every
    valve cuts no heater off (the issue's reading of the model)."""
    twin = shared_twin(B03)
    heater, boiler = _heater(client, shared_twin)
    body = client.get(f"/elements/{heater}/isolation").json()
    assert body["possible"] is False and body["valves"] == [] and body["media"] == ["heating"]
    paths = body["open_paths"]
    assert paths and all(p[0] == heater and p[-1] == boiler for p in paths)
    kinds = {s["kind"] for s in body["suggestions"]}
    assert kinds == {"shut_down_source", "drain_down"}
    assert all(s["text"].startswith("suggestion:") for s in body["suggestions"])
    valves = [e.guid for e in twin.elements.values() if e.ifc_class == "IfcValve"]
    imp = client.post("/impact", json={"closed": valves}).json()
    heaters = {e.guid for e in twin.elements.values() if e.ifc_class == "IfcSpaceHeater"}
    assert not heaters & set(imp["terminals"])
    other = client.get(f"/elements/{heater}/isolation", params={"medium": "electricity"})
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
