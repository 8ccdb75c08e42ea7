"""The refresh lock: one refresh per store at a time, and a crashed one never blocks the next.

The lock is a record in a ``diskcache`` directory (SQLite transactions make taking it atomic
across processes) naming its holder: host, machine id, pid, the pid's start time, when it was
taken, and a heartbeat a background thread renews while it is held. A new refresh takes the
lock over when its holder is gone:

* on the same machine (same host name, boot and pid namespace): the holder's pid is dead, or
  now belongs to another process (its start time differs);
* from another machine sharing the lock directory: the heartbeat is older than ``stale_after``.

So a ``kill -9``'d refresh blocks nothing: the next run sees the dead pid and takes over.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from smcat.catalog.errors import RefreshRefused, StoreWriteFailed
from smcat.catalog.times import format_iso

if TYPE_CHECKING:
    import diskcache

__all__ = ["DEFAULT_STALE_AFTER", "Holder", "RefreshLock", "this_machine"]

#: Seconds without a heartbeat after which another machine's holder counts as gone.
DEFAULT_STALE_AFTER = 300.0
_KEY = "refresh"


def this_machine() -> str:
    """Host name + boot id + pid namespace: two processes with equal values can see each other's pids."""
    parts = [socket.gethostname()]
    probes: tuple[Callable[[], str], ...] = (
        lambda: Path("/proc/sys/kernel/random/boot_id").read_text().strip(),
        lambda: os.readlink("/proc/self/ns/pid"),
    )
    for probe in probes:
        try:
            parts.append(probe())
        except OSError:
            parts.append("?")
    return "|".join(parts)


def _pid_start(pid: int) -> str | None:
    """The start time of ``pid`` in clock ticks since boot (Linux), or None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the command name may hold spaces


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is someone else's
    return True


def _iso(t: float) -> str:
    return format_iso(datetime.fromtimestamp(t, UTC))


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds the lock, as recorded in it."""

    token: str
    host: str
    machine: str
    pid: int
    pid_start: str | None
    started_at: float
    heartbeat: float

    def describe(self, now: float) -> str:
        """``pid 42 on host-a, started 2026-...Z, last heartbeat 3 s ago``."""
        return (
            f"pid {self.pid} on {self.host}, started {_iso(self.started_at)}, "
            f"last heartbeat {max(0, round(now - self.heartbeat))} s ago"
        )

    def gone(self, machine: str, now: float, stale_after: float) -> str | None:
        """Why this holder no longer holds anything (seen from ``machine``), or None if it may."""
        if self.machine == machine:
            if not _pid_alive(self.pid):
                return f"its process {self.pid} is gone"
            if self.pid_start is not None and _pid_start(self.pid) != self.pid_start:
                return f"its pid {self.pid} now belongs to another process"
            return None
        if now - self.heartbeat > stale_after:
            silent = round(now - self.heartbeat)
            return f"no heartbeat from {self.host} for {silent} s (limit {stale_after:g} s)"
        return None


class RefreshLock:
    """Hold the refresh lock in ``lock_dir`` (``with RefreshLock(...) as lk:``), or refuse at once.

    ``what`` names the store in messages. ``taken_over`` is set to the previous holder and the
    reason when the lock was taken from a holder that was gone. ``machine`` defaults to
    ``this_machine()``; ``heartbeat_every`` to a tenth of ``stale_after``.
    """

    def __init__(
        self,
        lock_dir: str | os.PathLike[str],
        *,
        what: str = "the catalogue",
        stale_after: float = DEFAULT_STALE_AFTER,
        heartbeat_every: float | None = None,
        machine: str | None = None,
    ) -> None:
        self.lock_dir = Path(lock_dir)
        self.what = what
        self.stale_after = stale_after
        self.heartbeat_every = heartbeat_every if heartbeat_every is not None else stale_after / 10
        self.machine = machine or this_machine()
        self.holder: Holder | None = None
        self.taken_over: tuple[Holder, str] | None = None
        #: Temp files of crashed writes removed once the lock was taken (set by ``Store.lock``).
        self.removed_debris: list[str] = []
        #: Set when another run took the lock from us (our heartbeat stopped for too long).
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._cache: diskcache.Cache | None = None
        self._beat: threading.Thread | None = None

    def acquire(self) -> Holder:
        """Take the lock (over a gone holder if need be); raises ``RefreshRefused`` while it is held."""
        import diskcache

        now = time.time()
        pid = os.getpid()
        me = Holder(uuid.uuid4().hex, socket.gethostname(), self.machine, pid, _pid_start(pid), now, now)
        try:
            self._cache = cache = diskcache.Cache(str(self.lock_dir))
            with cache.transact():
                current = cache.get(_KEY)
                if current is not None:
                    self._check_current(current, now)
                cache.set(_KEY, asdict(me))
        except (OSError, sqlite3.Error) as e:  # disk full, read-only, not a directory
            self._close()
            raise StoreWriteFailed(
                f"Cannot take the refresh lock of {self.what} in {self.lock_dir}: {e}. "
                "Check that the directory is writable and has free space (or set SMCAT_LOCK_DIR).",
                errno=getattr(e, "errno", None),
            ) from e
        except BaseException:
            self._close()
            raise
        self.holder = me
        self._beat = threading.Thread(target=self._heartbeat, name="smcat-lock-heartbeat", daemon=True)
        self._beat.start()
        return me

    def _check_current(self, current: object, now: float) -> None:
        if not isinstance(current, dict):  # a lock from an older smcat: a bare token with an expiry
            raise RefreshRefused(
                f"Another refresh of {self.what} is running (holder not recorded; an older smcat); "
                "this one was not started. Its lock expires within an hour."
            )
        held = Holder(**current)
        why = held.gone(self.machine, now, self.stale_after)
        if why is None:
            raise RefreshRefused(
                f"Another refresh of {self.what} is running ({held.describe(now)}); this one was not "
                f"started. A holder is taken over once its process is gone (same host) or silent for "
                f"{self.stale_after:g} s (other hosts)."
            )
        self.taken_over = (held, why)

    def _heartbeat(self) -> None:
        cache, holder = self._cache, self.holder  # both set by ``acquire`` before this thread starts
        assert cache is not None and holder is not None
        while not self._stop.wait(self.heartbeat_every):
            try:
                with cache.transact():
                    current = cache.get(_KEY)
                    if not isinstance(current, dict) or current.get("token") != holder.token:
                        self.lost.set()
                        return
                    current["heartbeat"] = time.time()
                    cache.set(_KEY, current)
            except (OSError, sqlite3.Error):  # a full disk: try again next beat; the pid still speaks for us
                continue

    def release(self) -> None:
        """Give the lock back (if it is still ours) and stop the heartbeat."""
        self._stop.set()
        if self._beat is not None:
            self._beat.join()
        if self._cache is None:
            return
        try:
            with self._cache.transact():
                current = self._cache.get(_KEY)
                if isinstance(current, dict) and self.holder and current.get("token") == self.holder.token:
                    self._cache.delete(_KEY)
        except (OSError, sqlite3.Error):
            pass  # left behind: the next run takes it over once this process is gone
        finally:
            self._close()

    def _close(self) -> None:
        if self._cache is not None:
            with contextlib.suppress(OSError, sqlite3.Error):
                self._cache.close()
            self._cache = None

    def __enter__(self) -> RefreshLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
