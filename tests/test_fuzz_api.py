"""Schema-driven fuzzing of the whole API (schemathesis over ASGI, in-process).

Every operation in ``/openapi.json`` gets requests drawn from the examples it documents and
from generated requests, valid and invalid (``generation.mode = all``), derandomized, so a failure
reproduces on every machine. The API serves the small demo hospital on a fresh SQLite file and on
a fresh PostgreSQL schema, once with auth off and once with auth on and a real admin key from the
store (so requests reach the handlers, not only the 401 gate).

The full run (25 requests per operation) is PostgreSQL with auth on, the deployed setup and the
stricter engine. The other three runs send 8 per operation, every operation still fuzzed in every
run: they repeat (derandomized, the same test function) the first requests of the full run on the
other engine or without the key, which is what differs between them; the auth gate itself is
checked role by role on every route by ``tests/test_auth_matrix.py``. This keeps the four runs
inside the CI budget (docs/api-robustness.md, "Test suite budget").

A request fails the test when the answer is a 5xx, when it is not what the operation declares
(status, content type, body schema) or when it is an error (4xx/5xx) that is not an RFC 9457
``application/problem+json`` document.

Not fuzzed, with the reason:
- ``GET /events`` is the server-sent event stream: it never ends, so a request never returns.
- ``POST /models`` uploads an IFC file and starts a background ingest job in another process; a
  generated body is a random multipart file, so each example would only re-test the upload
  refusal while costing a process pool on the 2-core CI machine. Its limits (size, refusal of a
  non-IFC file, roles) are tested in ``tests/test_api_core.py`` and the role matrix.
"""

from __future__ import annotations

import copy
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.settings import Settings
from tests.ops_support import open_test_store
from twin.model import Twin

pytestmark = [pytest.mark.slow]
log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
JSON = "application/json"
EXAMPLES_PER_OPERATION = 25  # the full run
EXAMPLES_PER_OPERATION_REPEAT = 8  # the three runs on the other engine/auth combinations
EXCLUDED_PATHS = ["/events", "/models"]  # see the module docstring
# POST /readings also takes newline-delimited JSON, a text body: send generated strings as is.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")
MODES = [  # (backend, auth, requests per operation); see the module docstring
    pytest.param(("sqlite", False, EXAMPLES_PER_OPERATION_REPEAT), id="sqlite-open"),
    pytest.param(("sqlite", True, EXAMPLES_PER_OPERATION_REPEAT), id="sqlite-auth"),
    pytest.param(("postgresql", False, EXAMPLES_PER_OPERATION_REPEAT), id="postgresql-open"),
    pytest.param(("postgresql", True, EXAMPLES_PER_OPERATION), id="postgresql-auth"),
]


CONFIG = {
    # the key is ours to send (below), not a parameter to fuzz
    "generation": {"with-security-parameters": False},
}


@dataclass
class Target:
    """One app under fuzzing: its schema, the headers every request carries, what came back."""

    schema: Any
    headers: dict[str, str]
    auth: bool
    known: dict[str, list[str]]
    examples: int
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module", params=MODES)
def fuzz_target(
    request: pytest.FixtureRequest,
    small_hospital: Path,
    small_twin: Twin,
    twin_cache_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Target]:
    """The API's schema bound to an in-process app on one backend, with auth off or on."""
    backend, auth, examples = request.param
    tmp = tmp_path_factory.mktemp("fuzz")
    for store, url in open_test_store(backend, tmp):
        headers: dict[str, str] = {}
        if auth:
            secret, _ = store.keys.create("admin", "fuzzer")
            headers = {"X-API-Key": secret}
        app = create_app(
            Settings(
                models=[small_hospital],
                cache_dir=twin_cache_dir,
                store_url=url,
                upload_dir=tmp / "uploads",
                auth=auth,
                anonymous_read=False,
                warm_up=False,
            )
        )
        document = homogeneous_tuples_as_items(copy.deepcopy(app.openapi()))
        schema = schemathesis.openapi.from_dict(
            document, config=schemathesis.Config.from_dict(CONFIG)
        )
        schema.app = app  # what from_asgi does: requests go to the app in-process
        schema.location = "/openapi.json"
        try:
            known = known_ids(small_twin) | seed_records(schema, headers, small_twin)
            yield Target(schema.exclude(path=EXCLUDED_PATHS), headers, auth, known, examples)
        finally:
            shutdown_lifespans()  # closes the app's store before its schema or file goes


def homogeneous_tuples_as_items(node: Any) -> Any:
    """Rewrite ``prefixItems: [A, A, A]`` with ``minItems = maxItems = 3`` as ``items: A``.

    The same set of arrays, spelled the way schemathesis 4.32 can validate: it turns
    ``prefixItems`` into the draft-7 ``items: [...]`` and then checks responses with a 2020-12
    validator, which calls every tuple in a response schema (pydantic's ``tuple[float, float,
    float]``) an invalid schema. Other tuples are left alone, so a new kind fails loudly here.
    """
    if isinstance(node, list):
        return [homogeneous_tuples_as_items(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: homogeneous_tuples_as_items(v) for k, v in node.items()}
    prefix = out.get("prefixItems")
    if (
        isinstance(prefix, list)
        and prefix
        and all(p == prefix[0] for p in prefix)
        and "items" not in out
        and out.get("minItems") == out.get("maxItems") == len(prefix)
    ):
        out["items"] = out.pop("prefixItems")[0]
    return out


def problem_json_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx answer is an RFC 9457 problem document."""
    if response.status_code < 400:
        return None
    ctype = response.headers.get("content-type", [""])
    ctype = ctype[0] if isinstance(ctype, list) else ctype
    if not ctype.startswith(PROBLEM):
        raise AssertionError(f"{response.status_code} answered as {ctype!r}, not {PROBLEM}")
    body = response.json()
    if body.get("status") != response.status_code or not body.get("title"):
        raise AssertionError(f"problem document without matching status/title: {body}")
    return True


def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 5xx at all: 503 would be a readiness answer, which these operations do not give."""
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}: {response.text[:500]}")
    return True


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    problem_json_errors,
]


def known_ids(twin: Twin) -> dict[str, list[str]]:
    """Ids the served model has, by path parameter name: every building and storey, a few rooms,
    the first element of each kind and a few sensors (ids by sort order, so runs repeat)."""
    first_of_kind: dict[str, str] = {}
    for guid in sorted(twin.elements):
        first_of_kind.setdefault(twin.elements[guid].kind, guid)
    sensors = sorted(g for g, e in twin.elements.items() if e.kind == "sensor")[:4]
    guids = [*sorted(twin.buildings), *sorted(twin.storeys), *sorted(twin.spaces)[:6]]
    return {"guid": guids + sorted(first_of_kind.values()), "sensor_id": [*sensors, "fuzz-temp"]}


def seed_records(schema: Any, headers: dict[str, str], twin: Twin) -> dict[str, list[Any]]:
    """One ticket, technician, scenario and alarm, made through the API before fuzzing, so the
    operations on ``/tickets/{ticket_id}`` and the like meet a real record. (Model ids are left
    out on purpose: ``DELETE /models/{model_id}`` would stop serving the hospital mid-run.)"""

    def call(method: str, path: str, body: Any = None) -> Any:
        operation = schema[path][method]
        case = operation.Case() if body is None else operation.Case(body=body, media_type=JSON)
        response = case.call(headers=headers)
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        return response.json()

    room = sorted(twin.spaces)[0]
    ticket = call("POST", "/tickets", {"title": "fuzz seed", "space": room})
    technician = call("POST", "/technicians", {"id": "tech-fuzz", "name": "Fuzz Seed",
                                               "skills": ["general"]})  # fmt: skip
    scenario = call("POST", "/scenarios", {"name": "fuzz seed", "closed_spaces": [room]})
    hazard = call("POST", "/hazards", {"location": room, "category": "fire", "risk": "low",
                                       "description": "fuzz seed"})  # fmt: skip
    call("POST", "/sensors", {"id": "fuzz-temp", "quantity": "temperature", "space": room,
                              "upper": 30.0})  # fmt: skip
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    call("POST", "/readings", [{"sensor": "fuzz-temp", "t": now, "value": 99.0}])
    alarms = [a["id"] for a in call("GET", "/alarms") if a["sensor"] == "fuzz-temp"]
    assert alarms, "the seed reading raised no alarm"
    return {
        "ticket_id": [ticket["id"]],
        "technician_id": [technician["id"]],
        "scenario_id": [scenario["id"]],
        "hazard_id": [hazard["id"]],
        "alarm_id": alarms[:1],
    }


def _strategy(operation: Any, known: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    """The operation's documented examples, valid and invalid generated requests, and, where
    every path parameter has known ids, the same on real ids: a random GlobalId is a 404 before
    the handler's own logic runs."""
    examples = list(operation.get_strategies_from_examples())
    generated = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
    names = re.findall(r"{(\w+)}", operation.path)
    on_known = []
    if names and all(n in known for n in names):
        ids = st.fixed_dictionaries({n: st.sampled_from(known[n]) for n in names})
        on_known = [
            ids.flatmap(
                lambda p, m=mode: operation.as_strategy(generation_mode=m, path_parameters=p)
            )
            for mode in GenerationMode
        ]
    return st.one_of(*examples, *generated, *on_known)


def fuzz_operation(target: Target, operation: Any) -> str | None:
    """Run one operation's examples; the first (shrunk) failure as text, or None."""

    def counted(ctx: Any, response: Any, case: Any) -> bool | None:
        target.statuses[response.status_code] += 1
        return None

    @settings(
        max_examples=target.examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(case=_strategy(operation, target.known))
    def run(case: Any) -> None:
        case.call_and_validate(headers=target.headers, checks=[counted, *CHECKS])

    started = time.monotonic()
    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # checks raise a FailureGroup
        return f"{operation.label}: {type(exc).__name__}: {str(exc)[:1500]}"
    finally:
        target.seconds[operation.label] = time.monotonic() - started
    return None


def test_fuzz_every_operation(fuzz_target: Target) -> None:
    operations = [result.ok() for result in fuzz_target.schema.get_all_operations()]
    assert len(operations) > 50, "the schema lost its operations"
    started = time.monotonic()
    failures = [f for op in operations if (f := fuzz_operation(fuzz_target, op))]
    slowest = sorted(fuzz_target.seconds.items(), key=lambda kv: -kv[1])[:8]
    log.info(
        "fuzzed %d operations (%d requests each) in %.1f s; statuses %s; slowest %s",
        len(operations),
        fuzz_target.examples,
        time.monotonic() - started,
        dict(sorted(fuzz_target.statuses.items())),
        ", ".join(f"{label} {s:.1f} s" for label, s in slowest),
    )
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
    # every operation was fuzzed, and the requests reached the handlers: successes (at the full
    # run's rate of more than one per 25 requests), and with auth on never a refused key
    assert set(fuzz_target.seconds) == {op.label for op in operations}
    successes = sum(n for status, n in fuzz_target.statuses.items() if status < 300)
    assert successes * EXAMPLES_PER_OPERATION > len(operations) * fuzz_target.examples, successes
    if fuzz_target.auth:
        assert fuzz_target.statuses[401] == 0, "the admin key was not sent or not accepted"
