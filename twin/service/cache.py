"""Parsed twins pickled by file content, so a restart skips parsing and geometry.

The key is the file's sha256, the library version, :data:`FORMAT` and the geometry engine the
build used (``web-ifc`` or ``ifcopenshell``, "auto" resolved on this machine), so twins of
different engines never mix; any change to one of them misses the cache. Beside the entries, a
cold build keeps its project's meshes by content key (:mod:`twin.ifc.reuse`), so a revision of
the project meshes only what changed. An entry that fails to unpickle, or whose recorded key
differs, is discarded and rebuilt: the cache is never trusted over the file.

The directory may be shared by several processes (the workers of ``twin serve --workers N``, or
hosts mounting one volume, docs/scale.md):

- an entry is written to a temporary file in the same directory, flushed to disk and renamed
  into place (``os.replace``, atomic on POSIX): a reader opens either no entry, or a complete
  one (an older complete entry it opened stays readable after a rename replaces it);
- a cold build takes an exclusive ``flock`` on ``<entry>.lock`` and reads the cache again once
  it holds it: processes starting together on one model parse it once, the others wait and load
  the entry the first one wrote. Where locks are unavailable (a file system without them, a
  read-only directory) each process builds on its own, which is slower but still correct.

The mesh store is written after the twin is returned (``store="background"``, the default): a
cold build's geometry keys and the store's write (+20 % of the large hospital's cold ingest
under load, docs/ingest.md) run in a thread of their own once the entry is in place, so the
twin is served without waiting for them; :func:`wait_for_stores` waits for those threads (the
CLI before it exits). The store is written like an entry (temporary file, rename), so a
revision starting meanwhile reads the previous store or the new one, never part of one.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import logging
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO

import twin
from twin.errors import IfcLoadError
from twin.ifc.progress import Progress
from twin.ifc.webifc_engine import resolve_engine
from twin.model import Twin

__all__ = ["DEFAULT_CACHE_DIR", "FORMAT", "cache_path", "load_twin", "wait_for_stores"]

log = logging.getLogger(__name__)

#: Bump when the pickled layout changes in a way the version does not capture.
FORMAT = 7  # 2: area_checks compare with the WoFlV/declared-factor area; 3: area_bases,
#   other_classes, default-location georef; 4: Element.fills, SpaceBoundary.external (doors);
#   5: meshes from the local-coordinate geometry pass, faces shared by occurrences;
#   6: meshes from web-ifc where installed (issue 20); 7: Site.ground (walkable site paving,
#   issue 17) and the outdoor-space flag


#: Where entries go when the caller names no directory. The directory is the caller's setting
#: (``TWIN_CACHE_DIR`` read by ``api/settings.py`` and by the CLI), never read here.
DEFAULT_CACHE_DIR = Path("var/cache")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        raise IfcLoadError(f"{path}: file not found", file=str(path), reason="missing") from None
    except OSError as exc:
        raise IfcLoadError(f"{path}: cannot read ({exc})", file=str(path), reason="io") from None
    return digest.hexdigest()


def _key(sha: str, engine: str = "auto") -> str:
    return f"{sha}-v{twin.__version__}-f{FORMAT}-{resolve_engine(engine)}"


def cache_path(path: Path, cache_dir: Path | None = None, engine: str = "auto") -> Path:
    """Where the cache entry of ``path``'s current content lives."""
    return (cache_dir or DEFAULT_CACHE_DIR) / f"{_key(_sha256(Path(path)), engine)}.twin.pkl"


def _unpickle(fh: BinaryIO) -> Any:
    """``pickle.load`` with the cyclic GC paused: unpickling creates millions of objects, and
    every few thousand allocations the collector rescans them all (about a third of the CPU time
    of a warm start on the large hospital). Nothing loaded here is garbage, so pausing is safe."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(fh)
    finally:
        if was_enabled:
            gc.enable()


def _read(entry: Path, key: str) -> Twin | None:
    try:
        with entry.open("rb") as fh:
            stored_key, loaded = _unpickle(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # truncated, corrupt or from an incompatible version
        log.warning("discarding unreadable twin cache %s (%s)", entry, exc)
        return None
    if stored_key != key or not isinstance(loaded, Twin):
        log.warning("discarding stale twin cache %s", entry)
        return None
    return loaded


def _write(entry: Path, key: str, value: Twin) -> None:
    entry.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=entry.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())  # the rename must never publish blocks not yet on disk
        os.chmod(tmp, 0o644)  # mkstemp makes 0600: other service users read the shared entry
        os.replace(tmp, entry)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _build_lock(entry: Path) -> Iterator[bool]:
    """Hold the exclusive build lock of ``entry`` (blocking while another process builds it);
    yields False, without waiting, where the lock cannot be taken."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fh = (entry.parent / f"{entry.name}.lock").open("ab")
    except OSError as exc:
        log.warning("no build lock for %s (%s): building without it", entry, exc)
        yield False
        return
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX)
        except OSError as exc:
            log.warning("no build lock for %s (%s): building without it", entry, exc)
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


#: Mesh-store writes still running (``store="background"``).
_stores: set[threading.Thread] = set()
_stores_lock = threading.Lock()


def _store_in_background(tasks: list[Callable[[], None]]) -> None:
    """Run the deferred store writes of a build in a non-daemon thread (an interpreter, or a
    job's child process, waits for it at exit instead of leaving half a temporary file)."""

    def run() -> None:
        try:
            # Linux: a thread's own nice value; the twin's readers come first
            with suppress(OSError, AttributeError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
            for task in tasks:
                task()
        except Exception:  # the next revision meshes everything again; the twin is served
            log.exception("writing the mesh store failed")
        finally:
            with _stores_lock:
                _stores.discard(threading.current_thread())

    thread = threading.Thread(target=run, name="mesh-store")
    with _stores_lock:
        _stores.add(thread)
    thread.start()


def wait_for_stores(timeout: float | None = None) -> bool:
    """Wait for the mesh stores being written in the background; True when none is left."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with _stores_lock:
            running = next(iter(_stores), None)
        if running is None:
            return True
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return False
        running.join(left)


def _build(
    path: Path,
    ncpu: int | None,
    progress: Progress | None = None,
    engine: str = "auto",
    reuse_dir: Path | None = None,
    deferred: list[Callable[[], None]] | None = None,
) -> Twin:
    # imported here so a warm start never loads ifcopenshell
    import twin.ifc.build

    return twin.ifc.build.build_twin(
        path,
        ncpu=ncpu,
        progress=progress,
        engine=resolve_engine(engine),  # type: ignore[arg-type]
        reuse_dir=reuse_dir,
        deferred=deferred,
    )


def load_twin(
    path: Path,
    *,
    cache_dir: Path | None = None,
    ncpu: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    engine: str = "auto",
    store: str = "background",
) -> Twin:
    """The twin of ``path``, from the cache when its content was parsed before; ``progress``
    hears the phases of a cold build (:mod:`twin.ifc.progress`), nothing on a cache hit.
    ``engine``: "auto", "web-ifc" or "ifcopenshell" (ValueError otherwise); a cold build with
    the cache reuses the meshes of unchanged products of the project's last ingest.
    ``store``: when the project's mesh store is written after a build (module doc):
    "background" (a thread, after the entry is written: see :func:`wait_for_stores`), "wait"
    (before returning) or "skip" (not written: the next revision reuses the previous store)."""
    path = Path(path)
    resolve_engine(engine)  # an unknown engine is refused before any work
    if store not in ("background", "wait", "skip"):
        raise ValueError(f"unknown store mode {store!r}")
    if not use_cache:
        return _build(path, ncpu, progress, engine)
    key = _key(_sha256(path), engine)
    entry = (cache_dir or DEFAULT_CACHE_DIR) / f"{key}.twin.pkl"
    cached = _read(entry, key)
    if cached is not None:
        log.info("twin of %s loaded from cache %s", path, entry)
        return cached
    with _build_lock(entry):
        cached = _read(entry, key)  # another process may have built it while we waited
        if cached is not None:
            log.info("twin of %s loaded from cache %s (built by another process)", path, entry)
            return cached
        deferred: list[Callable[[], None]] = []
        built = _build(path, ncpu, progress, engine, cache_dir or DEFAULT_CACHE_DIR, deferred)
        try:
            _write(entry, key, built)
        except OSError as exc:  # a read-only cache must not stop the twin from loading
            log.warning("cannot write twin cache %s (%s)", entry, exc)
    if deferred and store == "wait":
        for task in deferred:
            task()
    elif deferred and store == "background":
        _store_in_background(deferred)
    return built
