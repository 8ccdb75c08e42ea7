"""Hold the catalogue a service serves; swap in a newly published version without a restart.

Requests never touch the store: they read what the holder already has in memory. A daemon
thread (``start()``) polls the pointer every ``reload_seconds``, and with it the store's
``status.json`` and version list; a new version is loaded completely before it replaces the
old one, so no request ever sees a half-loaded catalogue. When the store is slow or
unreachable the poll fails (or is still running) and the last good catalogue keeps being
served; ``poll_state()`` says so without calling the store.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypedDict

from smcat.catalog.errors import SmcatError
from smcat.catalog.gc_pause import cyclic_gc_paused
from smcat.catalog.models import Snapshot
from smcat.catalog.pacing import paced
from smcat.catalog.resolve import prepare_index
from smcat.catalog.store import Store, VersionInfo

__all__ = ["CatalogHolder", "PollState"]

#: The version list changes only when a refresh publishes; re-list it at least this often (s).
_VERSIONS_EVERY = 60.0
#: The interpreter's thread switch interval (s) while a new version is prepared (default 0.005).
#: The service's collector thresholds (CPython's default: 700, 10, 10). A request allocates a few
#: short-lived containers; the caches it fills are acyclic. With the defaults a full collection
#: (~24 ms over the caches) ran every few seconds under load, each one a p99 stall.
_SERVICE_GC_THRESHOLDS = (20_000, 20, 1_000)
_SWAP_SWITCH_INTERVAL = 0.0001


class PollState(TypedDict):
    """``CatalogHolder.poll_state``: the background poll as ``/healthz`` shows it (``poll``)."""

    running: bool
    reload_seconds: float
    last_success: float | None  # wall-clock time of the last successful poll
    last_error: str | None
    in_progress_seconds: float | None  # how long a poll in progress has been running


class CatalogHolder:
    """The current snapshot of a store, refreshed by a background poll (``start()``)."""

    def __init__(
        self, store: Store, *, reload_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.reload_seconds = reload_seconds
        self._clock = clock
        self._lock = threading.Lock()  # one poll at a time
        self._snapshot: Snapshot = store.load()
        prepare_index(self._snapshot)  # before the first request, like every later version
        #: Why the last poll failed (None when it worked); shown by /healthz.
        self.last_error: str | None = None
        self.status: dict[str, Any] = {}  # the store's status.json as of the last poll
        self.versions: list[VersionInfo] = []  # the store's versions as of the last poll
        self._versions_at: float | None = None
        self.last_poll_ok: float | None = None  # wall-clock time of the last successful poll
        self._poll_started: float | None = None  # monotonic start of a poll in progress
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.check_now()  # status and versions too, before the first request (start-up may block)

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot (memory only: never waits on the store)."""
        return self._snapshot

    # ---- the background poll ------------------------------------------------------------
    def start(self) -> None:
        """Poll once now (in the background) and then every ``reload_seconds`` until ``stop()``."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="smcat-catalog-poll", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling (a poll blocked on the store is abandoned: the thread is a daemon)."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check_now(wait=False)
            self._stop.wait(max(self.reload_seconds, 0.05))

    def check_now(self, *, wait: bool = True) -> None:
        """Poll the store once, in the calling thread. With ``wait`` (callers that changed the store
        themselves: a finished refresh, tests) a poll already running is waited for, then this one
        runs; without it (the background loop) a poll already running makes this one a no-op.

        Reads the pointer, ``status.json`` and, when the pointer moved or the list is old, the
        version list. A new version is loaded, integrity-checked and indexed for resolution here,
        off the event loop, and only then swapped in (one reference assignment). Any store error
        is kept in ``last_error`` and the current catalogue stays. ``wait`` waits at most a few
        reload intervals (a poll stuck on the store is reported by ``poll_stuck()``).
        """
        acquired = (
            self._lock.acquire(timeout=max(5.0, 3 * self.reload_seconds))
            if wait
            else self._lock.acquire(False)
        )
        if not acquired:
            return
        try:
            self._poll_started = self._clock()
            cid = self.store.current_id()
            moved = False
            if cid and cid != self._snapshot.id:
                moved = True
                self._snapshot = _prepared(self.store, cid)  # one reference swap, everything built
            self.status = self.store.status()
            now = self._clock()
            if moved or self._versions_at is None or now - self._versions_at >= _VERSIONS_EVERY:
                self.versions = self.store.versions()
                self._versions_at = now
            self.last_error = None
            self.last_poll_ok = time.time()
        except SmcatError as e:  # the store is unreachable or a file is bad: keep serving what we have
            self.last_error = f"{type(e).__name__}: {e}"
        except Exception as e:  # anything else (a dropped connection mid-body...): the poll must not die
            self.last_error = f"unexpected {type(e).__name__}: {e}"
        finally:
            self._poll_started = None
            self._lock.release()

    @staticmethod
    def freeze_catalogue() -> None:
        """Move everything alive now (the loaded catalogue) out of the cyclic GC's reach.

        A full collection walks every tracked object; with a catalogue loaded that took ~50 ms,
        a stall any request could hit at random. Frozen objects are still freed by reference
        counting when a newer version replaces them (snapshots hold no cycles).
        """
        gc.collect()
        gc.freeze()
        gc.set_threshold(*_SERVICE_GC_THRESHOLDS)

    def poll_state(self) -> PollState:
        """The poll's state for ``/healthz`` (no store call): last success, error, a poll in progress."""
        started = self._poll_started
        running = None if started is None else round(self._clock() - started, 3)
        return {
            "running": self._thread is not None and self._thread.is_alive() and not self._stop.is_set(),
            "reload_seconds": self.reload_seconds,
            "last_success": self.last_poll_ok,
            "last_error": self.last_error,
            "in_progress_seconds": running,
        }

    def poll_stuck(self) -> bool:
        """True when a poll has been running for longer than a few reload intervals."""
        started = self._poll_started
        return started is not None and self._clock() - started > max(3 * self.reload_seconds, 5.0)


def _prepared(store: Store, cid: str) -> Snapshot:
    """Version ``cid`` loaded (integrity-checked) and indexed for resolution, ready to be served.

    The snapshot file is parsed piece by piece (``incremental``) so that this thread hands the
    interpreter lock back to the event loop between pieces instead of holding it for the whole
    parse; the cyclic GC is paused meanwhile (a full collection over a catalogue being built
    would be one long pause), and what was built is frozen before it resumes (otherwise its next
    collection, in whichever thread allocates first, the event loop's, would scan all of it).
    The load is paced (``smcat.catalog.pacing``) and the interpreter switches threads every
    0.1 ms meanwhile, so the event loop keeps its turn.
    """
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, _SWAP_SWITCH_INTERVAL))
    try:
        with cyclic_gc_paused(), paced():
            snap = store.load(cid, incremental=True)
            prepare_index(snap)
            gc.freeze()  # see freeze_catalogue()
        return snap
    finally:
        sys.setswitchinterval(interval)
