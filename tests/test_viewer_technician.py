"""The technician's phone page (issue 13, viewer/m.html at /m) in a real browser at 390x844.

One API server with API keys on (anonymous read kept), serving the small demo hospital. The test
makes an operator key and a technician key in the server's store, registers the technician in a
room, opens a ticket in a room on another storey and dispatches it through the API; then, signed
in with the technician's key on a phone-sized page, it sees the job, the route drawn on the plan
(one path per polyline of the storey shown, one step per step of the dispatched route), marks
arrived and resolved, attaches a photo and checks in at a patrol checkpoint by typing its code,
and reads every resulting state back from the API. Every request the page makes stays on
localhost; no console errors. Screenshots in test-artifacts/.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser_support import chromium, free_port, serve_api  # noqa: F401
from tests.test_renovation_report import GLOBAL_ID

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
# a 1x1 PNG: the photo the technician attaches
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _call(url: str, key: str | None, body: Any = None, method: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["X-API-Key"] = key
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data, headers, method=method or ("POST" if data else "GET"))
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def site(
    small_hospital: Path,
    small_hospital_truth: dict[str, Any],
    twin_cache_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """The server (keys on), an operator key and the technician's key."""
    from twin.live.store import open_store

    tmp = tmp_path_factory.mktemp("technician")
    with serve_api([small_hospital], twin_cache_dir, tmp, {"TWIN_AUTH": "true"}) as base:
        store = open_store(f"sqlite:///{tmp}/t.db")
        operator, _ = store.keys.create("operator", "ops desk")
        ann = {"id": "tech-ann", "name": "Ann Fixit", "skills": ["general"]}
        _call(f"{base}/technicians", operator, ann)
        tech, _ = store.keys.create("technician", "Ann's phone", technician="tech-ann")
        store.engine.dispose()
        yield {"base": base, "operator": operator, "tech": tech, "truth": small_hospital_truth}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def phone(browser: Any, site: dict[str, Any]) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A 390x844 touch page; console errors, HTTP errors and requests that left localhost."""
    ctx = browser.new_context(
        viewport=PHONE, base_url=site["base"], is_mobile=True, has_touch=True, device_scale_factor=2
    )
    pg = ctx.new_page()
    errors: list[str] = []
    left: list[str] = []

    def gate(route: Any) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    pg.route("**/*", gate)
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else 0)
    try:
        yield pg, errors, left
    finally:
        ctx.close()
    assert left == [], f"requests that left localhost: {left}"
    assert errors == [], f"console errors: {errors}"


def _rooms(truth: dict[str, Any]) -> tuple[str, str]:
    """A ground-floor room where the technician is, and an ICU room two storeys up."""
    ground = min(truth["storeys"], key=lambda s: s["elevation"])["guid"]
    start = next(
        g for g, s in truth["spaces"].items()
        if s["storey"] == ground and s["category"] not in ("stair", "lift", "shaft", "corridor")
    )  # fmt: skip
    return start, truth["icu"]["rooms"][0]


def _sign_in(pg: Any, key: str) -> None:
    pg.goto("/m")
    assert pg.url.endswith("/viewer/m.html")
    pg.wait_for_selector("#m-key-form", state="visible", timeout=15_000)
    pg.fill("#m-key", key)
    pg.click("#m-key-form button[type=submit]")
    pg.wait_for_selector("body[data-ready='1']", state="attached", timeout=20_000)


def test_technician_sees_the_job_walks_the_route_and_resolves(
    phone: tuple[Any, list[str], list[str]], site: dict[str, Any], artifacts: Path
) -> None:
    pg, _, _ = phone
    base, op, truth = site["base"], site["operator"], site["truth"]
    start, goal = _rooms(truth)
    _call(f"{base}/technicians/tech-ann/position", op, {"space": start}, "PUT")
    body = {"title": "Bed head light flickers", "priority": "urgent", "space": goal}
    ticket = _call(f"{base}/tickets", op, body)
    sent = _call(f"{base}/tickets/{ticket['id']}/dispatch", op, {"technician": "tech-ann"})
    assert sent["technician"] == "tech-ann" and sent["status"] == "assigned"
    route = sent["route"]
    assert route["steps"] and len(route["polylines"]) >= 2, "the job is two storeys up"

    _sign_in(pg, site["tech"])
    assert pg.locator("#m-who").inner_text() == "Ann Fixit"
    job = pg.locator(f'#m-jobs li[data-id="{ticket["id"]}"]')
    job.wait_for(timeout=10_000)
    room = truth["spaces"][goal]
    assert "urgent" in job.locator(".prio").inner_text().lower()
    assert f"{room['number']} {room['long_name']}" in job.inner_text()
    assert "on site in" in job.locator(".sla").inner_text()  # the arrive countdown runs

    # the route: one step per step of the dispatched route, a drawn path per polyline of the
    # storey shown (the technician's own, where the route starts), inside the plan's view
    pg.wait_for_selector("#m-plan path[data-route]", timeout=10_000)
    assert pg.locator("#m-steps li[data-step]").count() == len(route["steps"])
    first = pg.locator("#m-plan").get_attribute("data-storey")
    assert first == route["steps"][0]["storey"] == truth["spaces"][start]["storey"]
    drawn = [ln for ln in route["polylines"][first] if len(ln) >= 2]
    assert pg.locator("#m-plan path[data-route]").count() == len(drawn)
    inside = pg.evaluate(
        """() => { const p = document.querySelector('#m-plan path[data-route]'), b = p.getBBox();
          const v = p.ownerSVGElement.viewBox.baseVal; return p.getAttribute('d').length > 10
          && b.x >= v.x && b.y >= v.y && b.x + b.width <= v.x + v.width
          && b.y + b.height <= v.y + v.height; }"""
    )
    assert inside, "the route is framed on the phone's plan"
    # the storey tabs name the storeys (no GlobalId anywhere on the page)
    names = {s["guid"]: s["name"] for s in truth["storeys"]}
    tabs = pg.locator("#m-storeys button").all_inner_texts()
    assert tabs == [names[g] for g in dict.fromkeys(s["storey"] for s in route["steps"])]
    assert GLOBAL_ID.findall(pg.locator("body").inner_text()) == []
    # the plan keeps most of the phone's width
    box = pg.locator("#m-plan").bounding_box()
    assert box["width"] >= 0.9 * PHONE["width"] - 40 and box["height"] >= 250
    pg.screenshot(path=str(artifacts / "technician_390x844_route.png"), full_page=True)
    framed = pg.locator("#m-plan svg").get_attribute("viewBox")
    pg.click("#m-fit")  # the whole floor, as the server drew it, and back
    plan_svg = pg.locator("#m-plan svg")
    assert plan_svg.get_attribute("viewBox") == plan_svg.get_attribute("data-floor") != framed
    pg.click("#m-fit")
    assert plan_svg.get_attribute("viewBox") == framed

    # the other storey's tab draws that leg
    pg.locator("#m-storeys button").nth(1).click()
    pg.wait_for_function(
        "g => document.querySelector('#m-plan').dataset.storey === g && "
        "document.querySelector('#m-plan path[data-route]')",
        arg=list(dict.fromkeys(s["storey"] for s in route["steps"]))[1],
        timeout=10_000,
    )

    # start, arrive: the ticket's state on the server follows
    pg.click("#m-go")
    pg.wait_for_function("() => document.querySelector('#m-job').dataset.status === 'en_route'")
    assert _call(f"{base}/tickets/{ticket['id']}", op)["status"] == "en_route"
    pg.click("#m-arrive")
    pg.wait_for_function("() => document.querySelector('#m-job').dataset.status === 'on_site'")
    after = _call(f"{base}/tickets/{ticket['id']}", op)
    assert after["status"] == "on_site" and after["arrived"] is not None
    assert _call(f"{base}/technicians/tech-ann", op)["space"] == goal  # arrival reports the room

    # a photo of the fault, attached to the job
    pg.set_input_files("#m-photo", {"name": "fault.png", "mimeType": "image/png", "buffer": PNG})
    pg.fill("#m-caption", "flicker at bed head")
    pg.click("#m-photo-form button[type=submit]")
    pg.wait_for_selector("#m-photos li[data-document]", timeout=10_000)
    docs = _call(f"{base}/tickets/{ticket['id']}/documents", op)
    assert [d["title"] for d in docs] == ["flicker at bed head"]

    pg.fill("#m-note", "replaced the driver")
    pg.click("#m-resolve")
    pg.wait_for_selector("#m-jobs li.muted", timeout=10_000)  # no job left
    done = _call(f"{base}/tickets/{ticket['id']}", op)
    assert done["status"] == "resolved"
    last = done["transitions"][-1]
    assert last["to_status"] == "resolved" and last["actor"] == "Ann's phone"
    assert last["note"] == "replaced the driver"
    pg.screenshot(path=str(artifacts / "technician_390x844_resolved.png"), full_page=True)


def test_patrol_check_in_by_typing_the_code(
    phone: tuple[Any, list[str], list[str]], site: dict[str, Any], artifacts: Path
) -> None:
    pg, _, _ = phone
    base, op, truth = site["base"], site["operator"], site["truth"]
    plant = truth["plant_rooms"][0]
    now = datetime.now(UTC)
    tpl = _call(f"{base}/patrol-templates", op, {
        "name": "Plant round", "building": truth["building"],
        "schedule": f"daily at {now:%H}:00", "window_minutes": 600, "team": ["tech-ann"],
        "checkpoints": [{"place": plant, "label": "Oxygen manifold",
                         "items": [{"key": "leak", "kind": "yesno", "expect": False}]}],
    })  # fmt: skip
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rounds = _call(f"{base}/patrol-templates/{tpl['id']}/rounds", op,
                   {"start": day.isoformat(), "days": 1})  # fmt: skip
    assert len(rounds) == 1
    code = tpl["checkpoints"][0]["code"]

    _sign_in(pg, site["tech"])
    pg.wait_for_selector("#m-patrol", state="visible", timeout=10_000)
    assert pg.locator("#m-round").input_value() == str(rounds[0]["id"])
    pg.fill("#m-code", code)
    assert pg.locator("#m-checkpoint").inner_text() == "Oxygen manifold"
    pg.select_option("#m-item-leak", "no")
    pg.click("#m-checkin-form button[type=submit]")
    pg.wait_for_function(
        "() => document.querySelector('#m-checkin-msg').textContent.startsWith('Checked in')"
    )
    got = _call(f"{base}/patrols/{rounds[0]['id']}/check-ins", op)
    assert [(c["technician"], c["answers"]) for c in got] == [("tech-ann", {"leak": False})]
    assert got[0]["ticket"] is None  # the normal answer opens no ticket
    # a wrong code is explained, not a crash
    pg.fill("#m-code", "0000000000")
    assert "No checkpoint" in pg.locator("#m-checkpoint").inner_text()
    pg.screenshot(path=str(artifacts / "technician_390x844_patrol.png"), full_page=True)


def test_an_operator_key_picks_the_technician(
    phone: tuple[Any, list[str], list[str]], site: dict[str, Any]
) -> None:
    """A key that acts for anyone (and a server without keys) picks the technician by name."""
    pg, _, _ = phone
    pg.goto("/m")
    pg.fill("#m-key", site["operator"])
    pg.click("#m-key-form button[type=submit]")
    pg.wait_for_selector("#m-pick-form", state="visible", timeout=10_000)
    assert "Ann Fixit (general)" in pg.locator("#m-pick option").all_inner_texts()
    pg.select_option("#m-pick", "tech-ann")
    pg.click("#m-pick-form button[type=submit]")
    pg.wait_for_selector("body[data-ready='1']", state="attached", timeout=10_000)
    assert pg.locator("#m-who").inner_text() == "Ann Fixit"
    assert pg.locator("#m-jobs-box").is_visible()


def test_who_am_i_names_the_technician_of_a_key(site: dict[str, Any]) -> None:
    base = site["base"]
    assert _call(f"{base}/whoami", site["tech"]) == {
        "name": "Ann's phone", "role": "technician", "technician": "tech-ann", "auth": True,
    }  # fmt: skip
    anonymous = _call(f"{base}/whoami", None)
    assert anonymous["role"] == "viewer" and anonymous["technician"] is None
    with pytest.raises(urllib.error.HTTPError) as bad:
        _call(f"{base}/whoami", "twin_nope_nope")
    assert bad.value.code == 401
