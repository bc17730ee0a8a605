"""web-ifc (ThatOpen's C++ engine, MPL-2.0, run by Node) as a geometry engine, over a pipe.

``twin/ifc/webifc/worker.mjs`` opens the file with web-ifc and streams one binary frame per
product (see the worker's header: express id, counts, float32 world positions in metres with
IFC's Z up, uint32 triangle indices), then a JSON trailer with its counts. This module starts the
worker and reads the frames into :class:`~twin.model.Mesh` objects keyed by entity id, the same
shape :func:`twin.ifc.geometry.collect_meshes` returns, so either engine feeds the ingest.

Why a separate process: web-ifc meshes the large demo hospital in a few seconds where
ifcopenshell's iterator takes tens (docs/ingest.md), and Node is already a setup dependency.
When Node or the package is absent, or the worker fails, :func:`webifc_available` says so and
callers keep ifcopenshell; products web-ifc does not mesh are absent from the result, for the
caller to take from ifcopenshell.
"""

from __future__ import annotations

import json
import logging
import shutil
import struct
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from twin.errors import IfcLoadError
from twin.model import Mesh

__all__ = [
    "ENGINES",
    "WORKER",
    "WebIfcResult",
    "WebIfcRun",
    "resolve_engine",
    "run_webifc",
    "webifc_available",
]

log = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("webifc") / "worker.mjs"
_END = 0xFFFFFFFF
_HEAD = struct.Struct("<III")


@dataclass
class WebIfcResult:
    meshes: dict[int, Mesh]
    stats: dict[str, object] = field(default_factory=dict)


def webifc_available() -> bool:
    """Node on the PATH and the worker's web-ifc package installed (``make setup``)."""
    return (
        shutil.which("node") is not None
        and (WORKER.parent / "node_modules" / "web-ifc" / "package.json").is_file()
    )


#: The geometry engines a caller may ask for; "auto" is web-ifc where installed.
ENGINES: tuple[str, ...] = ("auto", "web-ifc", "ifcopenshell")


def resolve_engine(engine: str) -> str:
    """The engine ``engine`` stands for on this machine: "web-ifc" or "ifcopenshell" ("auto"
    is web-ifc when :func:`webifc_available`). Raises ValueError for an unknown name (the CLI
    also accepts "webifc")."""
    name = "web-ifc" if engine == "webifc" else engine
    if name not in ENGINES:
        raise ValueError(f"unknown geometry engine {engine!r} (one of {', '.join(ENGINES)})")
    if name == "auto":
        return "web-ifc" if webifc_available() else "ifcopenshell"
    return name


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if data is None or len(data) != n:
        raise IfcLoadError("web-ifc worker ended in the middle of a frame")
    return data


class WebIfcRun:
    """A started worker whose frames a background thread reads while the caller does other
    work (the worker blocks once the pipe is full, so someone must read). :meth:`result`
    waits for it."""

    def __init__(self, path: Path, *, timeout: float = 600.0) -> None:
        node = shutil.which("node")
        if node is None:
            raise IfcLoadError("web-ifc engine: node is not installed")
        self.path = path
        self._timeout = timeout
        self._meshes: dict[int, Mesh] = {}
        self._stats: dict[str, object] = {}
        self._error: BaseException | None = None
        self._proc = subprocess.Popen(
            [node, str(WORKER), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=1 << 20,
        )
        self._thread = threading.Thread(target=self._read, name="web-ifc reader", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        stream = self._proc.stdout
        assert stream is not None
        try:
            while True:
                eid, nv, nt = _HEAD.unpack(_read_exact(stream, _HEAD.size))
                if eid == _END:
                    (size,) = struct.unpack("<I", _read_exact(stream, 4))
                    self._stats = json.loads(_read_exact(stream, size))
                    return
                verts = np.frombuffer(_read_exact(stream, nv * 12), dtype=np.float32)
                faces = np.frombuffer(_read_exact(stream, nt * 12), dtype=np.uint32)
                self._meshes[eid] = Mesh(
                    vertices=verts.reshape(-1, 3).copy(),
                    faces=faces.astype(np.int32).reshape(-1, 3),
                )
        except (IfcLoadError, ValueError, OSError) as exc:
            self._error = exc

    def cancel(self) -> None:
        """Stop the worker and drop what it made (a revision that needs none of its meshes,
        or an ingest that failed after starting it)."""
        proc = self._proc
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        self._thread.join(5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()

    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def count(self) -> int:
        """Products meshed so far (progress)."""
        return len(self._meshes)

    def result(self) -> WebIfcResult:
        """The meshes; raises IfcLoadError when the worker failed (callers use ifcopenshell)."""
        proc = self._proc
        self._thread.join(self._timeout)
        try:
            proc.wait(timeout=5 if not self._thread.is_alive() else 0.1)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        err = proc.stderr.read().decode(errors="replace")[-500:] if proc.stderr else ""
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        if self._error is not None or self._thread.is_alive() or proc.returncode != 0:
            why = self._error or f"exit status {proc.returncode}"
            raise IfcLoadError(f"web-ifc worker failed on {self.path}: {why} {err}".strip())
        log.info("web-ifc: %d products meshed (%s)", len(self._meshes), self._stats)
        return WebIfcResult(self._meshes, self._stats)


def run_webifc(path: Path, *, timeout: float = 600.0) -> WebIfcResult:
    """Start the worker on ``path`` and wait for every mesh it makes (see :class:`WebIfcRun`)."""
    return WebIfcRun(path, timeout=timeout).result()
