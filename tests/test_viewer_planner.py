"""The planner's pencil (issue 13) in the main viewer, in a real browser.

One API server serving the small demo hospital (keys off, as the demo runs). The planner opens
the ICU storey, draws a rectangle inside the ICU corridor, runs the impact and sees the rooms cut
off and the rooms without service listed by name and highlighted on the plan: the lists and the
marks are compared with the scenarios API's answer for the very document the page sent (read
from the request, posted again by the test) and with the generator's known answer (closing the
ICU corridor cuts off exactly the ICU rooms). The scenario is saved, its report opened (no
GlobalId in it), a second one made by picking a room, and the two compared side by side.
Requests never leave localhost; no console errors. Screenshots in test-artifacts/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser_support import chromium, get_json, send_json, serve_api, watched_page
from tests.test_renovation_report import GLOBAL_ID

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(
    small_hospital: Path, twin_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with serve_api([small_hospital], twin_cache_dir, tmp_path_factory.mktemp("pencil")) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any, server: str) -> Iterator[Any]:
    with watched_page(browser, server) as (pg, errors):
        left: list[str] = []

        def gate(route: Any) -> None:
            if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                left.append(route.request.url)
                route.abort()

        pg.context.route("**/*", gate)
        yield pg
        assert left == [], f"requests that left localhost: {left}"
    assert errors == [], f"console errors: {errors}"


def _guids(page: Any, selector: str) -> set[str]:
    return set(page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.guid)"))


def _run(page: Any) -> dict[str, Any]:
    """Click "Run impact"; the document the page sent."""
    with page.expect_request("**/scenarios/impact") as req:
        page.click("#pencil-run")
    page.wait_for_selector("#pencil-result .pencil-summary", timeout=20_000)
    return dict(json.loads(req.value.post_data))


def test_draw_a_zone_run_impact_save_report_and_compare(
    page: Any, server: str, small_hospital_truth: dict[str, Any], artifacts: Path
) -> None:
    truth = small_hospital_truth
    icu = truth["icu"]
    building = truth["building"]
    page.goto(f"/viewer/#view=plan&building={building}&storey={icu['storey']}")
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    page.wait_for_selector("#plan[data-ready='1']", state="attached", timeout=10_000)

    page.click("#pencil-toggle")
    page.wait_for_selector("#pencil", state="visible")
    page.click('#pencil [data-tool="rect"]')
    corridor = page.locator(f'#plan [data-kind="space"][data-guid="{icu["corridor"]}"]')
    b = corridor.bounding_box()
    page.mouse.move(b["x"] + b["width"] * 0.1, b["y"] + b["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] * 0.5, b["y"] + b["height"] * 0.5, steps=4)
    page.mouse.move(b["x"] + b["width"] * 0.9, b["y"] + b["height"] * 0.7, steps=4)
    page.mouse.up()
    assert page.locator("#plan svg").get_attribute("data-pencil-zones") == "1"
    assert page.locator("#sel-title").count() == 0  # drawing selected nothing

    doc = _run(page)
    assert [z["storey"] for z in doc["zones"]] == [icu["storey"]]
    # the API's answer for the same document, fetched apart from the page
    api = send_json(f"{server}/scenarios/impact", doc)
    cut = {r["guid"] for rows in api["unreachable"].values() for r in rows}
    lost = {s["guid"] for s in api["services_lost"]["spaces"]}
    closed = {r["guid"] for r in api["closed_spaces"]}
    assert closed == {icu["corridor"]} and cut == set(icu["rooms"])  # the known answer
    assert lost, "the corridor's pipes and ducts feed the ICU rooms"

    assert _guids(page, "#pencil-unreachable li[data-guid]") == cut
    assert _guids(page, "#pencil-lost li[data-guid]") == lost
    assert _guids(page, "#pencil-closed li[data-guid]") == closed
    here = {g for g, s in truth["spaces"].items() if s["storey"] == icu["storey"]}
    assert _guids(page, "#plan .pz-cut") == cut & here
    assert _guids(page, "#plan .pz-lost") == lost & here
    assert _guids(page, "#plan .pz-closed") == closed & here
    shown = page.locator("#pencil-result").inner_text()
    for g in icu["rooms"]:
        room = truth["spaces"][g]
        assert f"{room['number']} {room['long_name']}" in shown
    assert GLOBAL_ID.findall(shown) == [] and "{" not in shown and "null" not in shown
    page.screenshot(path=str(artifacts / "planner_impact.png"))

    # save, then the readable report opens in a new tab
    page.fill("#pencil-name", "ICU corridor floor")
    page.click("#pencil-save")
    page.wait_for_selector("#pencil-report", state="visible")
    first = int(page.locator("#pencil").get_attribute("data-saved"))
    assert get_json(f"{server}/scenarios/{first}")["document"]["zones"] == doc["zones"]
    with page.context.expect_page() as tab:
        page.click("#pencil-report")
    report = tab.value
    report.wait_for_load_state()
    text = report.locator("body").inner_text()
    assert "ICU corridor floor" in text and GLOBAL_ID.findall(text) == []
    assert all(truth["spaces"][g]["long_name"] in text for g in icu["rooms"])
    report.screenshot(path=str(artifacts / "planner_report.png"), full_page=True)
    report.close()

    # the scenario layer: drawn by the server on the plan (and tinted in 3D by the same layer)
    with page.expect_response(lambda r: "plan.svg" in r.url and f"scenario={first}" in r.url):
        page.click("#pencil-3d")
    page.wait_for_selector(f'#plan [data-highlight][data-guid="{icu["corridor"]}"]')

    # a polygon: three corners inside the corridor, Enter closes it
    page.click("#pencil-clear")
    assert page.locator("#plan svg").get_attribute("data-pencil-zones") == "0"
    page.click('#pencil [data-tool="poly"]')
    for fx, fy in ((0.2, 0.3), (0.6, 0.3), (0.4, 0.7)):
        page.mouse.click(b["x"] + b["width"] * fx, b["y"] + b["height"] * fy)
    page.keyboard.press("Enter")
    assert page.locator("#plan svg").get_attribute("data-pencil-zones") == "1"

    # a second scenario by picking one room, then both side by side
    page.click("#pencil-clear")
    page.click('#pencil [data-tool="rooms"]')
    bed = icu["rooms"][0]
    page.locator(f'#plan [data-kind="space"][data-guid="{bed}"]').click()
    assert _guids(page, "#plan .pz-picked") == {bed}
    page.fill("#pencil-name", "One ICU bed")
    second_doc = _run(page)
    assert second_doc["closed_spaces"] == [bed] and second_doc["zones"] == []
    page.click("#pencil-save")
    page.wait_for_function(f"() => document.querySelector('#pencil').dataset.saved !== '{first}'")
    second = int(page.locator("#pencil").get_attribute("data-saved"))
    page.click("#pencil-compare-box summary")
    page.wait_for_function("() => document.querySelectorAll('#pencil-a option').length >= 2")
    page.select_option("#pencil-a", str(first))
    page.select_option("#pencil-b", str(second))
    page.click("#pencil-compare")
    page.wait_for_selector("#pencil-comparison table")
    rows = get_json(f"{server}/scenario-comparison?ids={first}&ids={second}")
    heads = page.locator("#pencil-comparison thead th a").all_inner_texts()
    assert heads == ["ICU corridor floor", "One ICU bed"] == [r["scenario"] for r in rows]
    table = {
        r[0]: r[1:]
        for r in page.eval_on_selector_all(
            "#pencil-comparison tbody tr",
            "trs => trs.map(tr => [...tr.children].map(c => c.textContent))",
        )
    }
    assert table["Rooms closed"] == [str(r["closed_spaces"]) for r in rows]
    assert table["Cut off, on foot"] == [str(r["unreachable"]["walking"]) for r in rows]
    assert table["Rooms without service"] == [str(r["spaces_without_service"]) for r in rows]
    page.locator("#pencil").screenshot(path=str(artifacts / "planner_compare.png"))
