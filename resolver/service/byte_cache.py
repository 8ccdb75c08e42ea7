"""A least-recently-used cache bounded by bytes, for answers the service has already serialised."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["ByteLRU", "CachedAnswer"]

#: Rough cost of one entry beyond its key and body bytes (tuple, dict slot, str/bytes headers).
_ENTRY_OVERHEAD = 200

#: What ``/image`` keeps per key: (HTTP status, serialised body, ETag).
CachedAnswer = tuple[int, bytes, str]

#: The entries' type. The service's one cache holds several kinds, told apart by their keys:
#: ``/image`` answers (``CachedAnswer``), ``cached_json`` answers (body, ETag) and ``/catalog/diff``
#: answers (body, media type, ETag); each user types the cache as the kind its keys hold.
V = TypeVar("V")


class ByteLRU(Generic[V]):
    """``key -> answer`` (e.g. (status, body, etag)), evicting the least recently used past ``max_bytes``.

    ``size_of`` an entry is its key's length plus its body's plus a fixed overhead; an entry
    larger than a quarter of the budget is not kept. Thread-safe (sync routes run in threads).
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._data: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Hashable) -> V | None:
        """The cached value, or None (marks it recently used)."""
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            self._data.move_to_end(key)
            return hit[0]

    def put(self, key: Hashable, value: V, size: int) -> None:
        """Keep ``value`` (about ``size`` bytes of payload) unless it is too large to be worth it."""
        cost = size + _ENTRY_OVERHEAD
        if cost > self.max_bytes // 4:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._data[key] = (value, cost)
            self.bytes += cost
            while self.bytes > self.max_bytes and self._data:
                _, (_, c) = self._data.popitem(last=False)
                self.bytes -= c
