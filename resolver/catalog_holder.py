"""Hold the catalogue a service serves; swap in a newly published version without a restart.

A request costs at most one small file read every ``reload_seconds`` (the pointer); a new
version is loaded completely before it replaces the old one, so no request ever sees a
half-loaded catalogue.
"""

from __future__ import annotations

import threading
import time

from catalog.errors import SmcatError
from catalog.models import Snapshot
from catalog.store import Store

__all__ = ["CatalogHolder"]


class CatalogHolder:
    """The current snapshot of a store, re-checked at most every ``reload_seconds``."""

    def __init__(self, store: Store, *, reload_seconds: float = 5.0, clock=time.monotonic) -> None:
        self.store = store
        self.reload_seconds = reload_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: Snapshot = store.load()
        self._checked = clock()
        self.loaded_at = time.time()
        #: Why the last pointer check failed (None when it worked); shown by /healthz.
        self.last_error: str | None = None

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot (checking the pointer if the last check is old enough)."""
        now = self._clock()
        if now - self._checked >= self.reload_seconds:
            self._maybe_reload(now)
        return self._snapshot

    def check_now(self) -> None:
        """Check the pointer at once (after this process published a version itself)."""
        self._maybe_reload(self._clock())

    def _maybe_reload(self, now: float) -> None:
        if not self._lock.acquire(blocking=False):
            return  # another request is checking; serve the current snapshot meanwhile
        try:
            self._checked = now
            cid = self.store.current_id()
            if cid and cid != self._snapshot.id:
                self._snapshot = self.store.load(cid)  # fully loaded before the swap
                self.loaded_at = time.time()
            self.last_error = None
        except SmcatError as e:  # the store is unreachable or a file is bad: keep serving what we have
            self.last_error = f"{type(e).__name__}: {e}"
        finally:
            self._lock.release()
