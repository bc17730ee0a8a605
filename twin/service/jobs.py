"""Background ingest of uploaded models, isolated in a child process.

Parsing runs in a separate process on purpose: a malformed IFC file can make the geometry kernel
abort, and that must cost one job, not the service. The child parses and writes the twin cache;
the parent then loads the cached twin (fast) and hands it to ``on_done``. Job records live in this
process only: they describe work in flight, not state that must survive a restart (the uploaded
file and its cache do).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from twin.errors import ModelConflict, NotFound, TwinError
from twin.live.records import iso
from twin.model import Twin
from twin.service.cache import load_twin

__all__ = ["IngestJob", "JobRunner"]

log = logging.getLogger(__name__)
JobState = Literal["queued", "parsing", "loading", "done", "failed"]
#: A job's completion: serves the twin and returns the model id, or (model id, job result).
OnDone = Callable[[Twin], "str | tuple[str, dict[str, object]]"]


@dataclass(frozen=True, slots=True)
class IngestJob:
    id: str
    filename: str
    state: JobState
    created: float
    updated: float
    progress: float  # 0..1: queued 0, parsing 0.1 -> 0.9 by the ingest's phases, done 1
    model_id: str | None = None
    error: dict[str, object] | None = field(default=None)
    #: what serving the model did (twin.service.campus.Admission.as_dict: revision changes, ...)
    result: dict[str, object] | None = field(default=None)
    #: the ingest phase while parsing (twin.ifc.progress.PHASES), else the state
    phase: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "filename": self.filename,
            "state": self.state,
            "phase": self.phase or self.state,
            "progress": self.progress,
            "created": _iso(self.created),
            "updated": _iso(self.updated),
            "seconds": round(self.updated - self.created, 3),
            "model_id": self.model_id,
            "error": self.error,
            "result": self.result,
        }


def _iso(epoch_s: float) -> str:
    """Epoch seconds as the API's one time format (UTC ISO 8601 with ``Z``)."""
    return iso(datetime.fromtimestamp(epoch_s, UTC))


@dataclass(frozen=True, slots=True)
class _JobEnd:
    path: Path
    on_end: Callable[[IngestJob], None] | None
    discard: bool


def _client_text(value: object, path: Path, filename: str) -> object:
    """``value`` with the server's path of an upload replaced by the client's file name."""
    if not isinstance(value, str):
        return value
    for ours in (str(path.resolve()), str(path), path.name):
        value = value.replace(ours, filename)
    return value


def _parse_in_child(
    path: str, cache_dir: str, progress_file: str | None = None, engine: str = "auto"
) -> str:
    """Runs in the child: parse and fill the cache. Returns the sha256 of the file.

    The child reports its ingest phases to the parent through ``progress_file`` (one line,
    "phase fraction", replaced atomically on each phase or 2 % step): a plain file, because the
    pool's child has no channel back but its result.
    """
    last: dict[str, float] = {}  # phase -> last fraction written

    def tell(phase: str, done: float) -> None:
        if progress_file is None or done - last.get(phase, -1.0) < 0.02:
            return
        last[phase] = done
        tmp = f"{progress_file}.tmp"
        try:
            Path(tmp).write_text(f"{phase} {done:.4f}")
            os.replace(tmp, progress_file)
        except OSError:  # a read-only cache directory costs the progress, never the job
            return

    twin = load_twin(Path(path), cache_dir=Path(cache_dir), progress=tell, engine=engine)
    return twin.source.sha256


def _read_progress(progress_file: Path) -> tuple[str, float] | None:
    try:
        phase, done = progress_file.read_text().rsplit(maxsplit=1)
        return phase, float(done)
    except (OSError, ValueError):
        return None


class JobRunner:
    """Queues ingest jobs and keeps their records."""

    def __init__(self, cache_dir: Path, *, on_done: OnDone, workers: int = 1):
        self._cache_dir = cache_dir
        self._on_done = on_done
        self._workers = workers
        self._jobs: dict[str, IngestJob] = {}
        self._ends: dict[str, _JobEnd] = {}
        self._paths: dict[str, Path] = {}
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self._workers, mp_context=ctx)
        return self._pool

    def _set(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs[job_id]
            self._jobs[job_id] = replace(job, updated=time.time(), **changes)  # type: ignore[arg-type]

    def submit(
        self,
        path: Path,
        filename: str,
        *,
        on_done: OnDone | None = None,
        on_end: Callable[[IngestJob], None] | None = None,
        discard_on_failure: bool = False,
        engine: str = "auto",
    ) -> IngestJob:
        """Queue ``path``; when parsed, ``on_done`` (default: the runner's, which serves the model)
        receives the twin and returns the id the job reports. ``on_end`` sees the final record
        (done or failed) before the job reports it, e.g. to audit the outcome. With
        ``discard_on_failure`` (uploads: never a caller's own file) a failed job's file is
        removed unless another job of the same file is still running or done. ``engine``: the
        geometry engine of the parse (twin.service.cache.load_twin)."""
        now = time.time()
        job = IngestJob(uuid.uuid4().hex[:12], filename, "queued", now, now, 0.0)
        with self._lock:
            self._jobs[job.id] = job
            self._ends[job.id] = _JobEnd(path, on_end, discard_on_failure)
            self._paths[job.id] = path
        future = self._executor().submit(
            _parse_in_child,
            str(path),
            str(self._cache_dir),
            str(self._progress_file(job.id)),
            engine,
        )
        self._set(job.id, state="parsing", progress=0.1)
        done = on_done or self._on_done
        future.add_done_callback(lambda f: self._finish(job.id, path, f, done, engine))
        log.info("ingest job %s queued for %s", job.id, filename)
        return self._jobs[job.id]

    def _progress_file(self, job_id: str) -> Path:
        return self._cache_dir / f".job-{job_id}.progress"

    def _finish(
        self, job_id: str, path: Path, future: Future[str], on_done: OnDone, engine: str = "auto"
    ) -> None:
        try:
            try:
                future.result()
                self._set(job_id, state="loading", progress=0.9)
            finally:  # only now: a poll in between read "parsing" without a file, i.e. 0.1
                self._progress_file(job_id).unlink(missing_ok=True)
            twin = load_twin(path, cache_dir=self._cache_dir, engine=engine)
            outcome = on_done(twin)
            model_id, result = outcome if isinstance(outcome, tuple) else (outcome, None)
            self._end(job_id, state="done", progress=1.0, model_id=model_id, result=result)
            log.info("ingest job %s done: model %s", job_id, model_id)
        except TwinError as exc:
            extra = exc.extra if isinstance(exc, ModelConflict) else {}  # what a client fixes
            self._fail(job_id, path, exc.slug, exc.title, exc.status, exc.detail, **extra)
        except BrokenProcessPool:
            self._pool = None  # the child died (e.g. the geometry kernel aborted): start afresh
            self._fail(job_id, path, "ifc-load-error", "IFC file cannot be loaded", 422,
                       "the parser process crashed on {file}")  # fmt: skip
        except Exception:  # the job fails, the service goes on
            log.exception("ingest job %s failed", job_id)
            self._fail(job_id, path, "internal-error", "Ingest failed", 500,
                       "ingesting {file} failed; the error is logged")  # fmt: skip

    def _fail(
        self, job_id: str, path: Path, slug: str, title: str, status: int, detail: str,
        **extra: object,
    ) -> None:  # fmt: skip
        """Fail with an RFC 9457 problem document that names the client's file, never ours."""
        name = self._jobs[job_id].filename
        error: dict[str, object] = {
            "type": f"/problems/{slug}", "title": title, "status": status,
            "detail": _client_text(detail.replace("{file}", name), path, name),
        }  # fmt: skip
        error.update({k: _client_text(v, path, name) for k, v in extra.items() if k not in error})
        log.warning("ingest job %s (%s) failed: %s", job_id, path, error["detail"])
        self._end(job_id, state="failed", error=error)

    def _end(self, job_id: str, **changes: object) -> None:
        """Finish a job: discard a failed upload, tell ``on_end``, then publish the record."""
        with self._lock:
            final = replace(self._jobs[job_id], updated=time.time(), **changes)  # type: ignore[arg-type]
            end = self._ends.pop(job_id, None)
            keep = {
                self._paths[j] for j, rec in self._jobs.items()
                if j != job_id and rec.state != "failed" and j in self._paths
            }  # fmt: skip
        if end is not None and final.state == "failed" and end.discard and end.path not in keep:
            end.path.unlink(missing_ok=True)
            log.info("ingest job %s: removed the failed upload %s", job_id, end.path)
        if end is not None and end.on_end is not None:
            try:
                end.on_end(final)
            except Exception:  # an audit hook must not leave the job running forever
                log.exception("ingest job %s: on_end failed", job_id)
        with self._lock:
            self._jobs[job_id] = final

    def get(self, job_id: str) -> IngestJob:
        try:
            job = self._jobs[job_id]
        except KeyError:
            raise NotFound(f"no ingest job {job_id!r}", job=job_id) from None
        if job.state == "parsing":  # the child's phase: parsing spans 0.1 -> 0.9
            heard = _read_progress(self._progress_file(job_id))
            if heard is not None:
                return replace(job, phase=heard[0], progress=0.1 + 0.8 * heard[1])
        return job

    def all(self) -> list[IngestJob]:
        return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def wait(self, job_id: str, timeout: float = 120.0) -> IngestJob:
        """Block until the job ends (tests and the CLI use this)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(job_id)
            if job.state in ("done", "failed"):
                return job
            time.sleep(0.05)
        return self.get(job_id)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
