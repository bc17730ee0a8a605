"""The ``twin`` command: ingest, serve, demo, generate and key management.

Scripts and monitoring rely on ``twin ingest FILE --json`` (one JSON object on stdout; exit 0 on
success, 2 on an unreadable or unsupported file with the reason on stderr), so that contract is
kept here in one place and tested.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from importlib import import_module
from pathlib import Path
from typing import Any

from twin import __version__
from twin.errors import TwinError

__all__ = ["exposure_refusal", "ingest_summary", "is_loopback", "main"]

log = logging.getLogger("twin.cli")

EXIT_OK = 0
EXIT_BAD_INPUT = 2
DEMO_DIR = Path("models_ifc/out")


def ingest_summary(twin: Any, seconds: float) -> dict[str, Any]:
    """The ``--json`` document of ``twin ingest`` (a stable contract: keys are only ever added)."""
    return {
        "file": twin.source.path,
        "sha256": twin.source.sha256,
        "schema": twin.source.schema,
        "buildings": [
            {"guid": b.guid, "name": b.name, "storeys": len(b.storeys)}
            for b in twin.buildings.values()
        ],
        "counts": dict(twin.quality.counts),  # plural kind names only
        "other_classes": dict(twin.quality.other_classes),  # IFC class -> unclassified count
        "quality": twin.quality.as_dict(),
        "georeferencing": twin.georef.mode,
        "seconds": round(seconds, 3),
    }


def _cache_dir(args: argparse.Namespace) -> Path:
    """``--cache-dir``, else ``$TWIN_CACHE_DIR``, else ``var/cache`` (the library reads no env)."""
    return Path(args.cache_dir or os.environ.get("TWIN_CACHE_DIR") or "var/cache")


@contextlib.contextmanager
def progress_bar(enabled: bool, what: str) -> Iterator[Callable[[str, float], None] | None]:
    """A rich progress bar on stderr fed by ``(phase, fraction)`` reports, or None when off.

    Why stderr: stdout carries the ``--json`` document and the summary; the bar must never mix
    into them. Off with ``--quiet``, and in ``--json`` mode unless ``--progress``.
    """
    if not enabled:
        yield None
        return
    if not sys.stderr.isatty():  # a log or a pipe: one line per phase, no redrawn bar
        seen: list[str] = []

        def line(phase: str, done: float) -> None:
            if phase not in seen:
                seen.append(phase)
                print(f"{what}: {phase} {done:.0%}", file=sys.stderr, flush=True)

        yield line
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=1.0)

        def update(phase: str, done: float) -> None:
            bar.update(task, completed=done, description=f"{what}: {phase}")

        yield update


def _show_progress(args: argparse.Namespace) -> bool:
    if getattr(args, "quiet", False):
        return False
    return bool(getattr(args, "progress", False)) or not getattr(args, "json", False)


def _cmd_ingest(args: argparse.Namespace) -> int:
    from twin.service.cache import load_twin, wait_for_stores

    t0 = time.perf_counter()
    try:
        with progress_bar(_show_progress(args), f"ingest {args.file.name}") as progress:
            twin = load_twin(
                args.file,
                cache_dir=_cache_dir(args),
                use_cache=not args.no_cache,
                progress=progress,
                engine=args.engine,
                store="skip" if args.no_store else "background",
            )
    except TwinError as exc:
        print(f"twin ingest: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    summary = ingest_summary(twin, time.perf_counter() - t0)  # the twin's time, not the store's
    if args.json:
        json.dump(summary, sys.stdout)
        sys.stdout.write("\n")
    else:
        _print_summary(summary)
    sys.stdout.flush()
    # the project's mesh store (the next revision's reuse) is written after the twin: the summary
    # is out, and the command exits once the store is complete (docs/ingest.md)
    if not wait_for_stores(timeout=0):
        with progress_bar(_show_progress(args), "mesh store for the next revision") as progress:
            if progress is not None:
                progress("store", 0.0)
            wait_for_stores()
    return EXIT_OK


def _print_summary(s: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(f"{s['file']}  ({s['schema']}, {s['seconds']:.2f} s)\n")
    for b in s["buildings"]:
        out.write(f"  building {b['name']!r} {b['guid']}: {b['storeys']} storeys\n")
    counts = {k: v for k, v in s["counts"].items() if v}
    out.write("  counts: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "\n")
    if s["other_classes"]:
        other = ", ".join(f"{k} {v}" for k, v in s["other_classes"].items())
        out.write(f"  other classes: {other}\n")
    q = s["quality"]
    out.write(f"  georeferencing: {q['georeferencing']}\n")
    for key in (
        "spaces_without_geometry",
        "spaces_located_by_fallback",
        "elements_without_storey",
        "elements_located_by_geometry",
        "distribution_without_ports",
    ):
        if q[key]:
            out.write(f"  {key.replace('_', ' ')}: {len(q[key])}\n")
    for w in q["warnings"]:
        out.write(f"  warning: {w}\n")


def _simulator_config(args: argparse.Namespace, base_url: str, mqtt_url: str | None) -> Any:
    from twin.simulator.run import SimConfig

    return SimConfig(
        base_url=base_url, rate=args.rate, fault_every=args.fault_every,
        fault_duration=args.fault_duration, first_fault_after=min(30.0, args.fault_every),
        mqtt_url=mqtt_url or None, api_key=getattr(args, "key", None) or None,
    )  # fmt: skip


def _serve(
    models: Sequence[Path],
    args: argparse.Namespace,
    *,
    demo_seed: bool = False,
    simulate: bool = False,
    gateways: bool = False,
) -> int:
    import uvicorn

    from api.app import create_app
    from api.settings import Settings
    from twin.service.campus import Campus, serve_files
    from twin.service.campus_routes import load_site

    overrides: dict[str, Any] = {"models": list(models), "demo_seed": demo_seed}
    overrides["federate"] = bool(getattr(args, "federate", False))
    if args.store:
        overrides["store_url"] = args.store
    if args.cache_dir:
        overrides["cache_dir"] = args.cache_dir
    stop = threading.Event()
    try:  # models load before the server starts: a refused model exits 2, not mid-start-up
        settings = Settings(**overrides)
        campus = Campus()
        serve_files(
            campus, settings.models, cache_dir=settings.cache_dir, federate=settings.federate
        )
        site = None
        if getattr(args, "campus", None):
            site = load_site(campus, args.campus, cache_dir=settings.cache_dir)
        if gateways:  # simulated BMS devices first, so the gateway service finds them
            settings = settings.model_copy(
                update={"gateways": str(_start_gateway_simulators(campus, stop))}
            )
        app = create_app(settings.model_copy(update={"models": []}), campus=campus, site=site)
    except TwinError as exc:
        print(f"twin serve: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    log.info("serving %d model(s) on http://%s:%d", len(models), args.host, args.port)
    if simulate:  # a client of the API/MQTT beside the server (waits for /health)
        from twin.simulator.run import Simulator

        host = "127.0.0.1" if args.host in ("", "0.0.0.0", "::") else args.host
        conf = _simulator_config(args, f"http://{host}:{args.port}", settings.mqtt_url)
        topic = settings.mqtt_topic.removesuffix("#").removesuffix("+").rstrip("/")
        Simulator(replace(conf, topic=topic or conf.topic)).start_thread(stop)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level.lower())
    finally:
        stop.set()
    return EXIT_OK


def _start_gateway_simulators(campus: Any, stop: threading.Event) -> Path:
    """A Modbus meter and one BACnet controller per storey for the first served twin (see
    :mod:`twin.gateways.simulate`), in a fresh temporary folder; returns their gateway
    configuration for ``TWIN_GATEWAYS``. They stop with ``stop``."""
    import tempfile

    from twin.gateways.simulate import start_demo_thread

    twin = next(iter(campus))
    out = Path(tempfile.mkdtemp(prefix="twin-gateways-"))
    cfg = start_demo_thread(twin, out, stop)
    log.info("gateway simulators for %s: configuration %s", twin.source.path, cfg)
    return cfg


def _check_files(paths: Sequence[Path]) -> str | None:
    for p in paths:
        if not p.is_file():
            return f"no such file: {p}"
    return None


def is_loopback(host: str) -> bool:
    """True when ``host`` only listens on this machine (127.0.0.0/8, ::1, or a name that
    resolves to loopback addresses only). ``0.0.0.0``, ``::``, ``""`` and LAN addresses are not."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    if not host:
        return False
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):  # unresolvable: uvicorn could not bind it either
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def exposure_refusal(host: str, *, auth: bool, insecure: bool) -> str | None:
    """Why serving on ``host`` is refused, or None. Auth off is fine on loopback (the demo);
    on any other interface everyone who reaches the port could write live state, tickets and
    keys, so it takes ``TWIN_AUTH=true`` or an explicit ``--insecure``."""
    if auth or insecure or is_loopback(host):
        return None
    return (
        f"refusing to listen on {host or 'all interfaces'!r} with authentication off: it is not "
        "a loopback address, so anyone who can reach the port could change live state, tickets "
        "and keys. Set TWIN_AUTH=true (keys from `twin keys create`), listen on 127.0.0.1, or "
        "pass --insecure to serve without keys anyway"
    )


def _refuse_exposure(args: argparse.Namespace) -> bool:
    """Print the refusal and return True when the host/auth pair is refused; runs before any
    model is generated, loaded or any port bound."""
    from api.settings import Settings

    reason = exposure_refusal(args.host, auth=Settings().auth, insecure=args.insecure)
    if reason is not None:
        print(f"twin {args.command}: {reason}", file=sys.stderr)
        return True
    if args.insecure and not is_loopback(args.host):
        log.warning("serving on %s with authentication off (--insecure)", args.host)
    return False


def _cmd_serve(args: argparse.Namespace) -> int:
    if _refuse_exposure(args):
        return EXIT_BAD_INPUT
    problem = _check_files([*args.files, *([args.campus] if args.campus else [])])
    if not args.files and not args.campus:
        problem = "give IFC files to serve, or --campus campus.json"
    if problem:
        print(f"twin serve: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.workers < 1:
        print("twin serve: --workers must be at least 1", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.workers > 1:
        return _serve_workers(args.files, args)
    return _serve(args.files, args)


SQLITE_WORKERS_REFUSAL = (
    "--workers {n} needs PostgreSQL: the SQLite store is the single-process default (one "
    "writer at a time, no cross-process events or alarm locks). Pass --store "
    "postgresql+psycopg://USER@HOST/DB (or set TWIN_STORE_URL), or serve with --workers 1"
)


def _serve_workers(models: Sequence[Path], args: argparse.Namespace) -> int:
    """``twin serve --workers N``: N uvicorn worker processes sharing one listening socket, each
    building its own app (store connections, MQTT consumer) with ``api.app:create_app`` from
    ``TWIN_*`` settings, which this process exports from its options. It first checks the store
    (PostgreSQL only; migrations run once here) and parses the models into the cache, so the
    workers load them from the cache instead of each parsing them (docs/scale.md). With MQTT on
    and no ``TWIN_MQTT_SHARE_GROUP``, the workers share the subscription as group ``twin``."""
    import uvicorn

    from api.settings import Settings
    from twin.live.store import open_store
    from twin.service.campus import Campus, serve_files

    env = {
        "TWIN_MODELS": json.dumps([str(p.resolve()) for p in models]),
        "TWIN_FEDERATE": "true" if getattr(args, "federate", False) else "false",
    }
    if args.store:
        env["TWIN_STORE_URL"] = args.store
    if args.cache_dir:
        env["TWIN_CACHE_DIR"] = str(Path(args.cache_dir).resolve())
    if getattr(args, "campus", None):
        env["TWIN_CAMPUS"] = str(Path(args.campus).resolve())
    os.environ.update(env)  # the workers are spawned: they read their settings from here
    settings = Settings()
    if settings.store_url.startswith("sqlite"):
        print(f"twin serve: {SQLITE_WORKERS_REFUSAL.format(n=args.workers)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if settings.mqtt_url and not settings.mqtt_share_group:
        os.environ["TWIN_MQTT_SHARE_GROUP"] = "twin"
    try:  # parsed once here, into the cache the workers read
        serve_files(
            Campus(), settings.models, cache_dir=settings.cache_dir, federate=settings.federate
        )
    except TwinError as exc:
        print(f"twin serve: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        open_store(settings.store_url).close()
    except Exception as exc:  # unreachable database, bad URL: say so before starting workers
        print(f"twin serve: cannot open the store {settings.store_url!r}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    log.info(
        "serving %d model(s) on http://%s:%d with %d workers",
        len(models),
        args.host,
        args.port,
        args.workers,
    )
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        workers=args.workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level.lower(),
        log_config=_worker_logging(args.log_level.upper()),
    )
    return EXIT_OK


def _worker_logging(level: str) -> dict[str, Any]:
    """uvicorn's logging configuration plus the root logger at ``level``: spawned workers do not
    inherit this process's logging set-up, and the twin's own messages (MQTT, store, periodic
    runs) must reach stderr from every worker, each line with the worker's pid."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    cfg: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    fmt = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
    cfg["formatters"]["twin"] = {"format": fmt}
    cfg["handlers"]["twin"] = {
        "class": "logging.StreamHandler",
        "formatter": "twin",
        "stream": "ext://sys.stderr",
    }
    cfg["root"] = {"handlers": ["twin"], "level": level}
    return cfg


def _generate(size: str, out: Path, *, show_progress: bool = False) -> Path:
    from models_ifc.hospital import LARGE, SMALL, write_hospital

    spec = {"small": SMALL, "large": LARGE}[size]
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with progress_bar(show_progress, f"generate {size} hospital") as progress:
        write_hospital(spec, out, progress)
    log.info("wrote %s hospital to %s in %.1f s", size, out, time.perf_counter() - t0)
    return out


def _cmd_generate(args: argparse.Namespace) -> int:
    _generate(args.size, args.out, show_progress=_show_progress(args))
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    if _refuse_exposure(args):
        return EXIT_BAD_INPUT
    if args.campus is not None:  # the campus's own models are the demo (docs/campus.md)
        if not args.campus.exists():
            print(f"twin demo: no campus file {args.campus}", file=sys.stderr)
            return EXIT_BAD_INPUT
        return _serve([], args, demo_seed=args.seed, simulate=False, gateways=False)
    path = args.model or DEMO_DIR / f"hospital_{args.size}.ifc"
    if not path.exists():
        _generate(args.size, path)
    return _serve([path], args, demo_seed=args.seed, simulate=args.simulate, gateways=args.gateways)


def _cmd_simulate(args: argparse.Namespace) -> int:
    from twin.simulator.run import Simulator

    stop = threading.Event()
    sim = Simulator(_simulator_config(args, args.url.rstrip("/"), args.mqtt))
    try:
        sim.run(stop)
    except KeyboardInterrupt:
        stop.set()
    return EXIT_OK


def _cmd_keys(args: argparse.Namespace) -> int:
    url = args.store or os.environ.get("TWIN_STORE_URL", "sqlite:///var/twin.db")
    store = import_module("twin.live.store").open_store(url)
    secret, key = store.keys.create(args.role, args.name, technician=args.technician)
    json.dump({"id": key.id, "role": key.role, "name": key.name, "key": secret}, sys.stdout)
    sys.stdout.write("\n")
    return EXIT_OK


def _add_server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument(
        "--insecure",
        action="store_true",
        help="allow a non-loopback --host with authentication off (TWIN_AUTH unset)",
    )
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--store", help="live-state store URL (default TWIN_STORE_URL or SQLite)")
    p.add_argument("--cache-dir", type=Path, default=None)
    p.add_argument(
        "--campus",
        type=Path,
        default=None,
        help="a campus file (campus.json: several buildings, outdoor paths, bridges, tunnels; "
        "docs/campus.md) served with its models",
    )


def _add_simulator_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rate", type=float, default=0.2, help="ticks per second (a reading per sensor)"
    )
    p.add_argument(
        "--fault-every", type=float, default=180.0, help="seconds between faults (0: none)"
    )
    p.add_argument("--fault-duration", type=float, default=120.0, help="seconds a fault lasts")


def _add_progress_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    p.add_argument(
        "--progress", action="store_true", help="a progress bar on stderr even with --json"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twin", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"twin {__version__}")
    parser.add_argument("--log-level", default=os.environ.get("TWIN_LOG_LEVEL", "INFO"))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="parse an IFC file and print a summary and quality report")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--no-cache", action="store_true", help="parse even if a cached twin exists")
    p.add_argument("--cache-dir", type=Path, default=None)
    p.add_argument(
        "--engine",
        choices=("auto", "webifc", "ifcopenshell"),
        default="auto",
        help="geometry engine: web-ifc where installed (auto), or one of them for every "
        "product (docs/ingest.md); cached twins are kept per engine",
    )
    p.add_argument(
        "--no-store",
        action="store_true",
        help="do not write the project's mesh store after the twin (by default the command "
        "prints the twin's summary, then writes the store that lets the next revision of "
        "this project mesh only what changed, and exits when it is complete)",
    )
    _add_progress_options(p)
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("serve", help="serve one or several IFC files (API and viewer)")
    p.add_argument("files", type=Path, nargs="*")
    p.add_argument(
        "--federate",
        action="store_true",
        help="serve all files as one building (discipline models with unrelated GlobalIds); "
        "files sharing a building's spatial structure are federated anyway",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API processes sharing the port (N > 1 needs a PostgreSQL store; docs/scale.md)",
    )
    _add_server_options(p)
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("demo", help="generate the demo hospital if absent and serve it")
    p.add_argument("--size", choices=("small", "large"), default="small")
    p.add_argument("--model", type=Path, default=None, help="serve this IFC file instead")
    p.add_argument("--no-seed", dest="seed", action="store_false", help="no demo technicians")
    p.add_argument(
        "--no-simulate", dest="simulate", action="store_false", help="no simulated readings"
    )
    p.add_argument(
        "--gateways",
        action="store_true",
        help="also start simulated BMS devices (a Modbus meter, a BACnet controller per storey) "
        "and the gateways that poll them",
    )
    _add_simulator_options(p)
    _add_server_options(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("simulate", help="drive a served model with simulated readings and faults")
    p.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")
    p.add_argument("--mqtt", default=None, help="publish to this broker (mqtt://host:1883)")
    p.add_argument("--key", default=None, help="an operator API key (when TWIN_AUTH is on)")
    _add_simulator_options(p)
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser("generate", help="write the demo hospital IFC (and its truth JSON)")
    p.add_argument("--size", choices=("small", "large"), default="small")
    p.add_argument("--out", type=Path, required=True)
    _add_progress_options(p)
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("keys", help="manage API keys")
    ks = p.add_subparsers(dest="keys_command", required=True)
    kc = ks.add_parser("create", help="create a key; the secret is printed once")
    kc.add_argument("--role", required=True)
    kc.add_argument("--name", required=True)
    kc.add_argument("--technician", default=None)
    kc.add_argument("--store", default=None)
    kc.set_defaults(func=_cmd_keys)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args))
    except TwinError as exc:
        print(f"twin {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
