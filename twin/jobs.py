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
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from twin.errors import ModelConflict, NotFound, TwinError
from twin.model import Twin

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
    progress: float  # 0..1, by stage: queued 0, parsing 0.1, loading 0.9, done 1
    model_id: str | None = None
    error: dict[str, object] | None = field(default=None)
    #: what serving the model did (twin.campus.Admission.as_dict: revision changes, ...)
    result: dict[str, object] | None = field(default=None)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "filename": self.filename,
            "state": self.state,
            "progress": self.progress,
            "created": self.created,
            "updated": self.updated,
            "seconds": round(self.updated - self.created, 3),
            "model_id": self.model_id,
            "error": self.error,
            "result": self.result,
        }


def _parse_in_child(path: str, cache_dir: str) -> str:
    """Runs in the child: parse and fill the cache. Returns the sha256 of the file."""
    from twin.cache import load_twin

    twin = load_twin(Path(path), cache_dir=Path(cache_dir))
    return twin.source.sha256


class JobRunner:
    """Queues ingest jobs and keeps their records."""

    def __init__(self, cache_dir: Path, *, on_done: OnDone, workers: int = 1):
        self._cache_dir = cache_dir
        self._on_done = on_done
        self._workers = workers
        self._jobs: dict[str, IngestJob] = {}
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

    def submit(self, path: Path, filename: str, *, on_done: OnDone | None = None) -> IngestJob:
        """Queue ``path``; when parsed, ``on_done`` (default: the runner's, which serves the model)
        receives the twin and returns the id the job reports."""
        now = time.time()
        job = IngestJob(uuid.uuid4().hex[:12], filename, "queued", now, now, 0.0)
        with self._lock:
            self._jobs[job.id] = job
        future = self._executor().submit(_parse_in_child, str(path), str(self._cache_dir))
        self._set(job.id, state="parsing", progress=0.1)
        done = on_done or self._on_done
        future.add_done_callback(lambda f: self._finish(job.id, path, f, done))
        log.info("ingest job %s queued for %s", job.id, filename)
        return self._jobs[job.id]

    def _finish(self, job_id: str, path: Path, future: Future[str], on_done: OnDone) -> None:
        try:
            future.result()
            self._set(job_id, state="loading", progress=0.9)
            from twin.cache import load_twin

            twin = load_twin(path, cache_dir=self._cache_dir)
            outcome = on_done(twin)
            model_id, result = outcome if isinstance(outcome, tuple) else (outcome, None)
            self._set(job_id, state="done", progress=1.0, model_id=model_id, result=result)
            log.info("ingest job %s done: model %s", job_id, model_id)
        except TwinError as exc:
            error = {"title": exc.title, "status": exc.status, "detail": exc.detail}
            if isinstance(exc, ModelConflict):  # the model and ids collided: what a client fixes
                error.update(exc.extra)
            self._fail(job_id, error)
        except BrokenProcessPool:
            self._pool = None  # the child died (e.g. the geometry kernel aborted): start afresh
            self._fail(
                job_id,
                {
                    "title": "IFC file cannot be loaded",
                    "status": 422,
                    "detail": "the parser process crashed on this file",
                },
            )
        except Exception as exc:  # the job fails, the service goes on
            log.exception("ingest job %s failed", job_id)
            self._fail(job_id, {"title": "Ingest failed", "status": 500, "detail": str(exc)})

    def _fail(self, job_id: str, error: dict[str, object]) -> None:
        log.warning("ingest job %s failed: %s", job_id, error.get("detail"))
        self._set(job_id, state="failed", error=error)

    def get(self, job_id: str) -> IngestJob:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise NotFound(f"no ingest job {job_id!r}", job=job_id) from None

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
