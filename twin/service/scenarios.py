"""Renovation scenarios served: which building a scenario means, its design file, its report.

The analysis (:func:`twin.analysis.renovation.impact_report`) takes one twin, its graphs and
the live records; finding that twin in the campus, the design IFC's background ingest and the
memoised graphs and baseline are the serving layer's part, kept here so the scenarios router
only parses a request, calls one function and shapes the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twin.analysis.design import DesignDiff, design_diff
from twin.analysis.renovation import baseline_reach, closed_spaces_of, compare, impact_report
from twin.errors import Conflict, IfcLoadError, InvalidInput, NotFound
from twin.live.scenarios import StoredScenario
from twin.live.store import LiveStore
from twin.model import Twin
from twin.scenario import ImpactReport, Scenario, scenario_from_dict
from twin.service.cache import load_twin
from twin.service.campus import Campus
from twin.service.derived import navigation_of, networks_of
from twin.service.jobs import JobRunner

__all__ = [
    "compare_stored",
    "create_scenario",
    "design_of",
    "design_path",
    "replace_scenario",
    "scenario_report",
    "stored_report",
    "twin_of_scenario",
    "validate_document",
]


def twin_of_scenario(campus: Campus, sc: Scenario) -> Twin:
    """The building a scenario applies to: its ``building``, else the model of the first GlobalId
    it names, else the only loaded model. Takes the parsed scenario, never the raw document:
    the document is validated once, by the API's schema and ``scenario_from_dict``."""
    if sc.building:
        return campus.building(sc.building)[0]
    for guids in (sc.closed_spaces, sc.closed_doors, sc.out_of_service, sc.shut_off):
        for guid in guids:
            return campus.twin_of(guid)
    for zone in sc.zones:
        return campus.twin_of(zone.storey)
    twins = list(campus)
    if len(twins) == 1:
        return twins[0]
    raise InvalidInput("the scenario names no building and several models are loaded")


def design_path(upload_dir: Path, doc: Mapping[str, Any]) -> Path | None:
    """The uploaded design IFC a document refers to; InvalidInput when it is not on this server."""
    ref = doc.get("design")
    if not ref:
        return None
    path = upload_dir / f"{ref['sha256']}.ifc"
    if not path.is_file():
        raise InvalidInput(
            f"design file {ref.get('filename') or ref['sha256']} is not on this server; upload it "
            "with POST /scenarios/{id}/design",
            sha256=ref["sha256"],
        )
    return path


def validate_document(campus: Campus, doc: Mapping[str, Any], *, upload_dir: Path) -> Scenario:
    """A document fit to store: it parses, its GlobalIds exist in the building it names, and its
    design file (if any) is on this server."""
    sc = scenario_from_dict(doc)
    closed_spaces_of(twin_of_scenario(campus, sc), sc)  # GUIDs must exist
    design_path(upload_dir, doc)
    return sc


def create_scenario(
    campus: Campus, store: LiveStore, doc: Mapping[str, Any], *, upload_dir: Path, actor: str
) -> StoredScenario:
    """Validate (:func:`validate_document`) and store a new scenario."""
    validate_document(campus, doc, upload_dir=upload_dir)
    return store.scenarios.create(doc, actor=actor)


def replace_scenario(
    campus: Campus,
    store: LiveStore,
    scenario_id: int,
    doc: Mapping[str, Any],
    *,
    upload_dir: Path,
    actor: str,
) -> StoredScenario:
    """Validate (:func:`validate_document`) and replace a stored scenario."""
    validate_document(campus, doc, upload_dir=upload_dir)
    return store.scenarios.replace(scenario_id, doc, actor=actor)


def design_of(
    campus: Campus,
    jobs: JobRunner,
    twin: Twin,
    doc: Mapping[str, Any],
    *,
    upload_dir: Path,
    cache_dir: Path,
) -> DesignDiff | None:
    """The design IFC's changes to ``twin``, once its background ingest is done (409 before)."""
    path = design_path(upload_dir, doc)
    if path is None:
        return None
    ref = doc["design"]
    if ref.get("job"):
        try:
            job = jobs.get(ref["job"])
        except NotFound:
            job = None  # a job of an earlier run: the file and its cache entry are what count
        if job is not None and job.state == "failed":
            detail = (job.error or {}).get("detail", "")
            raise IfcLoadError(f"design {ref.get('filename')} failed to load: {detail}")
        if job is not None and job.state != "done":
            raise Conflict(
                f"design {ref.get('filename')} is still being ingested; poll GET /jobs/{job.id}",
                job=job.id,
            )
    return campus.derived(
        twin,
        f"design:{ref['sha256']}",
        lambda t: design_diff(t, load_twin(path, cache_dir=cache_dir)),
    )


def scenario_report(
    campus: Campus,
    store: LiveStore,
    jobs: JobRunner,
    doc: Mapping[str, Any],
    *,
    upload_dir: Path,
    cache_dir: Path,
) -> tuple[Twin, ImpactReport]:
    """The impact report of a scenario document on the building it applies to, with the open
    tickets and the sensors of the live store and the routes before the works memoised."""
    sc = scenario_from_dict(doc)
    twin = twin_of_scenario(campus, sc)
    design = design_of(campus, jobs, twin, doc, upload_dir=upload_dir, cache_dir=cache_dir)
    nav = navigation_of(campus, twin)
    baseline = campus.derived(twin, "renovation_baseline", lambda _t: baseline_reach(nav))
    report = impact_report(
        twin,
        sc,
        nav=nav,
        nets=networks_of(campus, twin),
        sensors=store.sensors(),
        tickets=store.tickets.list(open_only=True),
        baseline=baseline,
        design=design,
    )
    return twin, report


def stored_report(
    campus: Campus,
    store: LiveStore,
    jobs: JobRunner,
    scenario_id: int,
    *,
    upload_dir: Path,
    cache_dir: Path,
) -> tuple[Twin, ImpactReport]:
    """:func:`scenario_report` of a stored scenario (404 when there is none)."""
    doc = dict(store.scenarios.get(scenario_id).document)
    return scenario_report(campus, store, jobs, doc, upload_dir=upload_dir, cache_dir=cache_dir)


def compare_stored(
    campus: Campus,
    store: LiveStore,
    jobs: JobRunner,
    scenario_ids: list[int],
    *,
    upload_dir: Path,
    cache_dir: Path,
) -> list[dict[str, Any]]:
    """Side-by-side figures of stored scenarios (every id is looked up before any report)."""
    docs = [dict(store.scenarios.get(i).document) for i in scenario_ids]
    reports = [
        scenario_report(campus, store, jobs, d, upload_dir=upload_dir, cache_dir=cache_dir)[1]
        for d in docs
    ]
    return compare(reports)
