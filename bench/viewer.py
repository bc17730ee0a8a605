"""Browser-side timing of the viewer: first plan paint and 3D load, against raw fetch baselines.

For each model (small demo hospital, and the large one when ``var/hospital_large.ifc`` exists),
starts the API in a subprocess, opens the viewer in headless chromium and reads the viewer's own
``performance.measure`` entries (``plan-paint``, ``scene-load``); the baseline is a plain
``fetch`` of the same SVG / GLB from the same page in the same run. Targets: plan < 1 s,
3D (large) < 5 s. Run: ``.venv/bin/python bench/viewer.py``.
"""

from __future__ import annotations

import json
import os
import socket
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


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=600) as r:
        return json.loads(r.read())


def _serve(model: Path, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = dict(os.environ, TWIN_MODELS=json.dumps([str(model)]), TWIN_CACHE_DIR="var/cache",
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


def measure(model: Path) -> dict[str, float]:
    """Plan paint and 3D load (ms) as the viewer measures them, and their fetch baselines."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        proc, base = _serve(model, Path(tmp))
        try:
            b = _get(f"{base}/buildings")[0]["guid"]
            st = max(_get(f"{base}/buildings/{b}/storeys"), key=lambda s: s["spaces"])["guid"]
            _get(f"{base}/storeys/{st}/spaces")
            urllib.request.urlopen(f"{base}/buildings/{b}/scene.glb", timeout=600).read()  # warm
            with sync_playwright() as p:
                br = p.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=ARGS
                )
                pg = br.new_page(viewport={"width": 1366, "height": 768})
                pg.goto(f"{base}/viewer/#view=3d&building={b}&storey={st}")
                pg.wait_for_selector("#scene[data-ready='1']", state="attached", timeout=600_000)
                out = pg.evaluate(
                    """async ([st, b]) => {
                      const m = (n) => performance.getEntriesByName(n).pop()?.duration;
                      const t = async (u) => { const t0 = performance.now();
                        await (await fetch(u, {cache: 'no-store'})).arrayBuffer();
                        return performance.now() - t0; };
                      return {plan: m('plan-paint'), scene: m('scene-load'),
                              svg_fetch: await t(`/storeys/${st}/plan.svg`),
                              glb_fetch: await t(`/buildings/${b}/scene.glb`)};
                    }""",
                    [st, b],
                )
                br.close()
            return {k: float(v or 0) for k, v in out.items()}
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def main() -> None:
    small = REPO / "var" / "hospital_small.ifc"
    if not small.exists():
        from models_ifc.hospital import SMALL, write_hospital

        small.parent.mkdir(exist_ok=True)
        write_hospital(SMALL, small)
    models = [("small", small)]
    large = REPO / "var" / "hospital_large.ifc"
    if large.exists():
        models.append(("large", large))
    head = ("model", "plan ms", "svg fetch", "ratio", "3D ms", "glb fetch", "ratio")
    print("{:6} {:>8} {:>9} {:>6} {:>8} {:>9} {:>6}".format(*head))
    for name, path in models:
        r = measure(path)
        p_ratio = r["plan"] / max(r["svg_fetch"], 1)
        s_ratio = r["scene"] / max(r["glb_fetch"], 1)
        print(f"{name:6} {r['plan']:8.0f} {r['svg_fetch']:9.0f} {p_ratio:6.1f}", end="")
        print(f" {r['scene']:8.0f} {r['glb_fetch']:9.0f} {s_ratio:6.1f}")
    if len(models) == 1:
        print("large: var/hospital_large.ifc absent (python -m models_ifc --size large --out ...)")


if __name__ == "__main__":
    main()
