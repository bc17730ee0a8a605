"""The endpoints the viewer's 3D view uses, over HTTP on the small demo hospital: per-storey merged
scenes (gzip, ETag per encoding, 304) and scene-layer colours for tinting a loaded scene."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def client(hospital_api: Any) -> Iterator[Any]:
    with hospital_api() as c:
        yield c


def _storey(client: Any) -> tuple[str, str]:
    b = client.get("/buildings").json()[0]["guid"]
    return b, client.get(f"/buildings/{b}/storeys").json()[0]["guid"]


def test_merged_storey_gzip_and_etags(client: Any) -> None:
    b, st = _storey(client)
    url = f"/buildings/{b}/scene.glb"
    params = {"storey": st, "layout": "merged"}
    plain = client.get(url, params=params, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.content[:4] == b"glTF"
    assert "content-encoding" not in plain.headers
    raw = client.get(
        url, params=params, headers={"Accept-Encoding": "gzip"}, extensions={"decode": False}
    )
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.headers["vary"] == "Accept-Encoding"
    assert raw.headers["etag"] != plain.headers["etag"]
    nodes = client.get(url, params={"storey": st}, headers={"Accept-Encoding": "identity"})
    assert nodes.headers["etag"] != plain.headers["etag"]
    assert len(plain.content) < len(nodes.content) / 2
    again = client.get(
        url,
        params=params,
        headers={"Accept-Encoding": "gzip", "If-None-Match": raw.headers["etag"]},
    )
    assert again.status_code == 304
    bad = client.get(url, params={"storey": st, "layout": "flat"})
    assert bad.status_code == 422
    base = client.get(url, params={**params, "exclude": "segment,fitting"})
    assert base.headers["etag"] not in (plain.headers["etag"], raw.headers["etag"])
    assert 0 < len(base.content) < len(plain.content)


def test_gzip_body_is_the_same_scene(client: Any) -> None:
    import httpx

    b, st = _storey(client)
    base = f"/buildings/{b}/scene.glb?storey={st}&layout=merged"
    plain = client.get(base, headers={"Accept-Encoding": "identity"}).content
    with client.stream("GET", base, headers={"Accept-Encoding": "gzip"}) as r:
        assert isinstance(r, httpx.Response)
        body = b"".join(r.iter_raw())
    assert len(body) < len(plain) * 0.7
    assert gzip.decompress(body) == plain


def test_scene_colors_names_a_missing_layer(client: Any) -> None:
    b, _ = _storey(client)
    layers = client.app.state.scene_layers
    saved = layers.pop("scenario", None)
    try:
        r = client.get(f"/buildings/{b}/scene-colors", params={"scenario": "1"})
    finally:
        if saved is not None:
            layers["scenario"] = saved
    assert r.status_code == 422
    assert "scenario" in r.json()["detail"]


def test_scene_colors_from_a_registered_layer(client: Any) -> None:
    b, _ = _storey(client)
    twin_space = client.get(f"/buildings/{b}/storeys").json()[0]["guid"]
    spaces = client.get(f"/storeys/{twin_space}/spaces").json()
    target = spaces[0]["guid"]
    layers = client.app.state.scene_layers
    saved = layers.get("scenario")
    layers["scenario"] = lambda request, twin, value: {target: (0.5, 0.1, 0.7, 0.8)}
    try:
        r = client.get(f"/buildings/{b}/scene-colors", params={"scenario": "7"})
    finally:
        if saved is None:
            layers.pop("scenario")
        else:
            layers["scenario"] = saved
    assert r.status_code == 200
    body = r.json()
    assert body["value"] == "7" and body["colors"] == {target: [0.5, 0.1, 0.7, 0.8]}


def test_bare_plan_cached_and_gzipped_layers_still_live(client: Any) -> None:
    _, st = _storey(client)
    url = f"/storeys/{st}/plan.svg"
    first = client.get(url, headers={"Accept-Encoding": "identity"})
    assert first.status_code == 200 and first.text.lstrip().startswith("<svg")
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as r:
        assert r.headers["content-encoding"] == "gzip"
        body = b"".join(r.iter_raw())
    assert gzip.decompress(body) == first.content
    room = client.get(f"/storeys/{st}/spaces").json()[0]["guid"]
    marked = client.get(url, params={"highlight": room})
    assert marked.status_code == 200 and "content-encoding" not in marked.headers
    assert 'data-highlight="1"' in marked.text and 'data-highlight="1"' not in first.text
