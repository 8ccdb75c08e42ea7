"""Background refreshes started over HTTP, with job records any worker or process can read.

Job records live in a ``diskcache`` directory next to the store's refresh lock, so a
``GET /catalog/refresh/{id}`` answered by another worker sees the job a first one started.
Only one refresh runs at a time: ``start()`` takes an API-level slot in that cache (atomic
``add``) and then checks the store's own lock (held by a CLI or cron refresh, or another
service), refusing with ``RefreshBusy`` when either is taken. The refresh itself runs
``smcat.scrapers.refresh.run_refresh``, which holds the store lock while it publishes, so two
refreshes never both publish.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Required, TypedDict

import diskcache

from smcat.catalog.errors import RefreshRefused
from smcat.catalog.paths import http_cache_dir
from smcat.catalog.store import Store
from smcat.catalog.times import now_iso
from smcat.scrapers.http import Fetcher, make_session
from smcat.scrapers.refresh import RefreshReportDict, SourceReport, run_refresh

__all__ = ["JOB_STATUSES", "JobRecord", "ProgressEntry", "RefreshBusy", "RefreshJobs", "fetcher_factory"]

#: running, then one of the refresh outcomes, or ``failed`` when the job itself crashed.
JOB_STATUSES = ("running", "published", "unchanged", "refused", "failed")
_RUNNING_KEY = "running"
_JOB_TTL = 7 * 24 * 3600.0  # job records are kept a week
_SLOT_TTL = 3600.0  # a crashed worker's slot frees itself after an hour (the store lock's expiry)


class ProgressEntry(TypedDict, total=False):
    """One source of a running or finished refresh job; counts once the source is done."""

    source: Required[str]
    status: Required[str]
    documents: int
    images: int
    seconds: float
    error: str


class JobRecord(TypedDict, total=False):
    """A refresh job as recorded; ``GET /catalog/refresh/{id}`` shows it (``error`` only when set)."""

    id: Required[str]
    status: Required[str]  # one of JOB_STATUSES
    started_at: Required[str]
    finished_at: Required[str | None]
    progress: Required[list[ProgressEntry]]
    report: Required[RefreshReportDict | None]  # RefreshReport.to_dict() once finished
    error: str


class RefreshBusy(RefreshRefused):
    """A refresh is already running; ``job_id`` names it when it was started over HTTP."""

    def __init__(self, message: str, *, job_id: str | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id


def fetcher_factory(*, mirror: str | None, http_cache: str | None) -> Callable[[], Fetcher]:
    """Make a new ``Fetcher`` per refresh: from ``mirror`` when set, else the network with a cache."""
    if mirror:
        return lambda: Fetcher(mirror=mirror)
    return lambda: Fetcher(make_session(), cache_dir=http_cache or http_cache_dir())


class RefreshJobs:
    """Start refreshes of ``store`` in background threads and record their progress in ``directory``."""

    def __init__(
        self, store: Store, directory: str | os.PathLike[str], new_fetcher: Callable[[], Fetcher]
    ) -> None:
        self.store = store
        self.directory = Path(directory)
        self.new_fetcher = new_fetcher
        self.cache = diskcache.Cache(str(self.directory))
        self.on_finish: Callable[[JobRecord], None] | None = None

    def close(self) -> None:
        self.cache.close()

    def get(self, job_id: str) -> JobRecord | None:
        """The record of a job (any process's), or None when unknown or expired.

        A job still marked running that no longer holds the running slot belonged to a worker
        that died (a finishing job saves its outcome before it frees the slot): it is ``failed``.
        """
        record: JobRecord | None = self.cache.get(f"job:{job_id}")
        if record is not None and record["status"] == "running" and self.running() != job_id:
            record = self.cache.get(f"job:{job_id}")  # it may have finished in between
            if record is not None and record["status"] == "running":
                record["status"] = "failed"
                record["finished_at"] = now_iso()
                record["error"] = "the worker running this refresh stopped"
                self._save(record)
        return record

    def running(self) -> str | None:
        """The id of the refresh this service (any worker) is running, if any."""
        job_id: str | None = self.cache.get(_RUNNING_KEY)
        return job_id

    def start(self) -> JobRecord:
        """Start a refresh in a background thread; its first record. Raises ``RefreshBusy``."""
        job_id = uuid.uuid4().hex
        if not self.cache.add(_RUNNING_KEY, job_id, expire=_SLOT_TTL):
            running = self.running()
            raise RefreshBusy(f"A refresh is already running (job {running}).", job_id=running)
        try:
            with self.store.lock():  # a CLI / cron refresh of the same store holds it?
                pass
        except RefreshRefused as e:
            self._free(job_id)
            raise RefreshBusy(str(e)) from e
        record: JobRecord = {
            "id": job_id,
            "status": "running",
            "started_at": now_iso(),
            "finished_at": None,
            "progress": [],
            "report": None,
        }
        self._save(record)
        threading.Thread(
            target=self._run, args=(record,), name=f"smcat-refresh-{job_id[:8]}", daemon=True
        ).start()
        return record

    def wait(self, job_id: str, timeout: float = 60.0) -> JobRecord | None:
        """Poll until the job is done (for tests and scripts); its last record."""
        import time

        deadline = time.monotonic() + timeout
        record = self.get(job_id)
        while record is not None and record["status"] == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
            record = self.get(job_id)
        return record

    # ---- the background thread ---------------------------------------------------------
    def _save(self, record: JobRecord) -> None:
        self.cache.set(f"job:{record['id']}", record, expire=_JOB_TTL)

    def _free(self, job_id: str) -> None:
        with self.cache.transact():
            if self.cache.get(_RUNNING_KEY) == job_id:
                self.cache.delete(_RUNNING_KEY)

    def _run(self, record: JobRecord) -> None:
        def progress(event: str, rep: SourceReport) -> None:
            status = "running" if event == "start" else rep.status
            entry: ProgressEntry = {"source": rep.name, "status": status}
            if event != "start":
                entry["documents"] = rep.documents
                entry["images"] = rep.images
                entry["seconds"] = round(rep.seconds, 3)
                if rep.error:
                    entry["error"] = rep.error
                record["progress"] = [p for p in record["progress"] if p["source"] != rep.name]
            record["progress"].append(entry)
            self._save(record)

        try:
            fetcher = self.new_fetcher()
            try:
                report = run_refresh(self.store, fetcher, progress=progress)
            finally:
                fetcher.close()
            record["status"] = report.outcome
            record["report"] = report.to_dict()
        except Exception as e:  # the job must end with a record, whatever happened
            record["status"] = "failed"
            record["error"] = f"{type(e).__name__}: {e}"
        finally:
            if self.on_finish is not None:  # this worker serves what it published before the record says so
                with contextlib.suppress(Exception):
                    self.on_finish(record)
            record["finished_at"] = now_iso()
            self._save(record)
            self._free(record["id"])
