"""What the browser tests share: the API as a real server process, Debian's chromium driven by
Playwright, and a page that records every console error and failed request.

The viewer's own tests (``tests/test_viewer_browser.py``) and the escaping test
(``tests/test_viewer_xss.py``) serve different models, so each module starts its own server with
:func:`serve_api`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, require
from tests.mqtt_support import free_port

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def send_json(url: str, body: Any, method: str = "POST") -> Any:
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data, {"Content-Type": "application/json"}, method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


@contextmanager
def serve_api(
    models: Sequence[Path],
    cache_dir: Path,
    store_dir: Path,
    settings: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """``uvicorn api.app:create_app`` on a free port serving ``models`` (auth off, a fresh SQLite
    store in ``store_dir``, plus any ``settings`` as TWIN_* environment variables); yields the base
    URL once the buildings are served."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        TWIN_MODELS=json.dumps([str(m) for m in models]),
        TWIN_CACHE_DIR=str(cache_dir),
        TWIN_STORE_URL=f"sqlite:///{store_dir}/t.db",
    )
    env.update(settings or {})
    cmd = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port), "--log-level", "warning"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                get_json(f"{base}/health")
                get_json(f"{base}/buildings")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"API did not start: {err[-2000:]}")
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium (skipped, or failed in CI, when it is not installed)."""
    require(CHROMIUM.exists(), "chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def watched_page(browser: Any, server: str) -> Iterator[tuple[Any, list[str]]]:
    """A 1366x768 page on ``server`` and the list of console errors, page errors and HTTP
    answers >= 400 seen while it was open."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=server)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on(
        "response",
        lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
    )
    try:
        yield pg, errors
    finally:
        ctx.close()
