"""Browser-side timing of the viewer: first plan paint and 3D load, against raw fetch baselines.

For each model (small demo hospital, and the large one when ``var/hospital_large.ifc`` exists),
starts the API in a subprocess (twins from ``var/cache``), opens the viewer in headless chromium
(a fresh browser context per run, so no HTTP cache) and reads the viewer's own
``performance.measure`` entries:

* ``plan-paint``: plan request to the frame after the SVG is in the page (page opened on the plan);
  ``nav`` is the same frame counted from navigation start (page, scripts, /openapi.json, lists);
* ``scene-first``: 3D tab clicked (three.js not loaded yet) to the first storey drawn;
* ``scene-load``: 3D tab clicked to every storey drawn ("loaded": the whole building on screen,
  without pipes, ducts, cable trays and their fittings, which the viewer leaves out at first);
* ``scene-detail``: the "Pipes, ducts, fittings" box ticked to those drawn on every storey;

plus the 3D module's per-storey split (bytes, fetch, parse, first render). The baselines re-fetch
exactly the URLs the viewer fetched (from the page's resource timing; the same parallelism for
the storeys), from the same page, after the viewer: the transfer floor. Run 1 hits a freshly
started server (scenes not built yet: "cold"); runs 2.. are warm; the table gives the cold run
and the median of the warm runs. Targets: plan < 1 s, 3D (large) < 5 s.
Run: ``.venv/bin/python bench/viewer.py [--runs 3] [--only small|large]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["measure"]

REPO = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]  # fmt: skip

PAGE_JS = """async () => {
  const m = (n) => performance.getEntriesByName(n).pop()?.duration ?? null;
  const res = performance.getEntriesByType('resource').map((e) => e.name);
  const svg = res.filter((u) => u.includes('/plan.svg')).pop();
  const glbs = [...new Set(res.filter((u) => u.includes('/scene.glb')))];
  const per = window.twinDebug.scene3d.timings();
  const sum = (k) => per.reduce((a, t) => a + t[k], 0);
  const get = async (u) => { const r = await fetch(u, {cache: 'no-store'});
                             return (await r.arrayBuffer()).byteLength; };
  let t0 = performance.now();
  if (svg) await get(svg);
  const svgFetch = performance.now() - t0;
  const queue = [...glbs];
  t0 = performance.now();
  const worker = async () => { for (let u = queue.shift(); u; u = queue.shift()) await get(u); };
  await Promise.all([worker(), worker()]);
  const glbFetch = performance.now() - t0;
  const nav = performance.getEntriesByName('plan-painted')[0]?.startTime ?? null;
  return {plan: m('plan-paint'), nav, first: m('scene-first'), scene: m('scene-load'),
          detail: m('scene-detail'),
          svg_fetch: svgFetch, glb_fetch: glbFetch, storeys: per.length,
          mb: sum('bytes') / 1e6, fetch: sum('fetch'), parse: sum('parse'),
          render: sum('render'), max_render: Math.max(0, ...per.map((t) => t.render))};
}"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=600) as r:
        return json.loads(r.read())


def _serve(model: Path, tmp: Path, cache: str = "var/cache") -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = dict(os.environ, TWIN_MODELS=json.dumps([str(model)]), TWIN_CACHE_DIR=cache,
               TWIN_STORE_URL=f"sqlite:///{tmp}/bench.db")  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port)]
    proc = subprocess.Popen([*cmd, "--log-level", "warning"], cwd=REPO, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(3000):
        try:
            _get(f"{base}/buildings")
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("server did not start")


def measure(model: Path, runs: int = 3, cache: str = "var/cache") -> list[dict[str, float]]:
    """Per run: plan paint, 3D first storey and whole building (ms) and their fetch baselines."""
    from playwright.sync_api import sync_playwright

    out: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = _serve(model, Path(tmp), cache)
        try:
            b = _get(f"{base}/buildings")[0]["guid"]
            st = max(_get(f"{base}/buildings/{b}/storeys"), key=lambda s: s["spaces"])["guid"]
            with sync_playwright() as p:
                br = p.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=ARGS
                )
                for _ in range(runs):
                    ctx = br.new_context(viewport={"width": 1366, "height": 768})
                    pg = ctx.new_page()
                    pg.goto(f"{base}/viewer/?test=1#view=plan&building={b}&storey={st}")
                    pg.wait_for_selector("#plan[data-ready='1']", state="attached", timeout=600_000)
                    pg.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
                    pg.click("#tab-3d")
                    pg.wait_for_selector(
                        "#scene[data-ready='1']", state="attached", timeout=600_000
                    )
                    pg.check("#detail")
                    pg.wait_for_selector(
                        "#scene[data-detail='1']", state="attached", timeout=600_000
                    )
                    r = pg.evaluate(PAGE_JS)
                    out.append({k: float(v or 0) for k, v in r.items()})
                    ctx.close()
                br.close()
            return out
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _row(name: str, r: dict[str, float]) -> str:
    return (
        f"{name:12} {r['plan']:6.0f} {r['nav']:6.0f} {r['svg_fetch']:6.0f}"
        f" {r['plan'] / max(r['svg_fetch'], 1):5.1f}"
        f" {r['first']:6.0f} {r['scene']:7.0f} {r['glb_fetch']:6.0f}"
        f" {r['scene'] / max(r['glb_fetch'], 1):5.1f} {r['storeys']:3.0f} {r['mb']:6.1f}"
        f" {r['fetch']:6.0f} {r['parse']:6.0f} {r['render']:6.0f} {r['detail']:6.0f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=4, help="runs per model (run 1 is cold)")
    ap.add_argument("--only", choices=["small", "large"])
    ap.add_argument("--cache-dir", default="var/cache", help="parsed twins (never ingests here)")
    a = ap.parse_args()
    small = REPO / "var" / "hospital_small.ifc"
    if not small.exists():
        from models_ifc.hospital import SMALL, write_hospital

        small.parent.mkdir(exist_ok=True)
        write_hospital(SMALL, small)
    models = [("small", small)]
    large = REPO / "var" / "hospital_large.ifc"
    if large.exists():
        models.append(("large", large))
    models = [m for m in models if a.only in (None, m[0])]
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min); all times ms")
    head = ("model", "plan", "nav", "svg", "ratio", "first", "3D all", "glb", "ratio", "st", "MB",
            "fetch", "parse", "render", "pipes")  # fmt: skip
    fmt = (
        "{:12} {:>6} {:>6} {:>6} {:>5} {:>6} {:>7} {:>6} {:>5} {:>3} {:>6} {:>6} {:>6} {:>6} {:>6}"
    )
    print(fmt.format(*head))
    for name, path in models:
        rs = measure(path, a.runs, a.cache_dir)
        print(_row(f"{name} cold", rs[0]))
        warm = rs[1:] or rs
        med = {k: statistics.median(r[k] for r in warm) for k in warm[0]}
        print(_row(f"{name} warm", med))
    print("st: storeys loaded; fetch/parse/render: sums over storeys (2 in flight at once);")
    print("glb: the viewer's first-pass storey URLs fetched again; pipes: the second pass")
    if len(models) == 1 and a.only is None:
        print("large: var/hospital_large.ifc absent (python -m models_ifc --size large --out ...)")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
