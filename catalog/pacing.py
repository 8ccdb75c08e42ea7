"""Cooperative pacing: background work that gives the interpreter lock back often.

A service loads and indexes a new catalogue version in a background thread while its event loop
answers requests. The interpreter's switch interval alone is not enough: every socket call the
event loop makes releases the lock, and a CPU-bound thread then holds it again until the loop
asks back, so answers queue behind the load (p99 8x steady at 10x today's catalogue). Inside
``paced()``, the long loops of loading and indexing (``tick()`` per item) sleep 1 ms every 50
items, so the loop keeps its turn; outside it, ``tick()`` costs one global lookup.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

__all__ = ["paced", "tick"]

_local = threading.local()
_active = 0  # threads inside paced(): while none is, tick() returns at once
_active_lock = threading.Lock()


@contextlib.contextmanager
def paced(every: int = 50, pause: float = 0.001) -> Iterator[None]:
    """In the calling thread, ``tick()`` sleeps ``pause`` seconds every ``every`` calls."""
    global _active
    _local.state = [every, every, pause]
    with _active_lock:
        _active += 1
    try:
        yield
    finally:
        with _active_lock:
            _active -= 1
        _local.state = None


def tick() -> None:
    """One item of a long loop done (a no-op unless this thread is inside ``paced()``)."""
    if not _active:
        return
    state = getattr(_local, "state", None)
    if state is None:
        return
    state[0] -= 1
    if state[0] <= 0:
        state[0] = state[1]
        time.sleep(state[2])
