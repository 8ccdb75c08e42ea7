"""A gzip writer that deflates fixed-size chunks on several threads, with the same bytes for any count.

pigz's layout: the input is cut into ``CHUNK`` bytes (a constant, never the thread count), each chunk
is deflated on its own with the previous chunk's last 32 KiB as dictionary and ends with a sync
flush (the last one with a final block), so the pieces concatenate into one valid gzip member.
Each chunk's CRC-32 is computed beside its deflate and combined in order. Output depends only on
the input, ``level`` and the zlib-ng build (pinned by the wheel), not on ``threads`` or timing.
At most ``2 * threads`` chunks are in flight, so memory stays bounded whatever the input size.

zlib-ng (not the stdlib's zlib) does the deflate: at level 6 it is about twice as fast for the
same ratio, and like the stdlib it releases the GIL while it compresses.
"""

from __future__ import annotations

import os
import struct
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

import zlib_ng as _zlib_ng_package
from zlib_ng import zlib_ng

__all__ = ["CHUNK", "ENGINE", "ByteSink", "ParallelGzipWriter", "default_threads"]


class ByteSink(Protocol):
    """Where the gzip stream goes: a binary file, or a wrapper that hashes what passes through."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


CHUNK = 1 << 20  # input bytes per independently deflated chunk; part of the output format
_WINDOW = 32 * 1024  # deflate's window: the dictionary carried from one chunk to the next
#: names what decides the compressed bytes besides the input and level (caches key on it)
ENGINE = f"python-zlib-ng {_zlib_ng_package.__version__} zlib-ng {zlib_ng.ZLIBNG_VERSION} chunk {CHUNK}"
# gzip header: magic, deflate, no flags, mtime 0, no extra flags, OS "unknown" (as Python's gzip)
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def default_threads() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _deflate(data: bytes, zdict: bytes, level: int, last: bool) -> tuple[bytes, int]:
    c = (
        zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15, 8, zlib_ng.Z_DEFAULT_STRATEGY, zdict=zdict)
        if zdict
        else zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15, 8, zlib_ng.Z_DEFAULT_STRATEGY)
    )
    out = c.compress(data) + c.flush(zlib_ng.Z_FINISH if last else zlib_ng.Z_SYNC_FLUSH)
    return out, zlib_ng.crc32(data)


class ParallelGzipWriter:
    """Write-only binary file object: ``write()`` uncompressed bytes, ``close()`` ends the member.

    ``raw`` receives the gzip stream in order; it is not closed. ``tell()`` counts uncompressed
    bytes (what ``tarfile`` needs). Leaving a ``with`` block on an exception abandons the stream
    without a trailer.
    """

    def __init__(self, raw: ByteSink, *, level: int = 6, threads: int | None = None) -> None:
        self.raw = raw
        self.level = level
        self.threads = threads or default_threads()
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="smcat-gzip")
        self._pending: deque[tuple[Future[tuple[bytes, int]], int]] = deque()
        self._buf = bytearray()
        self._zdict = b""
        self._crc = 0
        self._size = 0
        self._closed = False
        raw.write(_HEADER)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        n = len(data)
        self._size += n
        self._buf += data
        while len(self._buf) >= CHUNK:
            with memoryview(self._buf) as view:
                chunk = bytes(view[:CHUNK])  # one copy; released before the buffer is cut
            del self._buf[:CHUNK]
            self._submit(chunk, last=False)
        return n

    def tell(self) -> int:
        return self._size

    def flush(self) -> None:
        self.raw.flush()

    def _submit(self, chunk: bytes, *, last: bool) -> None:
        self._pending.append((self._pool.submit(_deflate, chunk, self._zdict, self.level, last), len(chunk)))
        self._zdict = chunk[-_WINDOW:]
        while self._pending and (len(self._pending) > 2 * self.threads or self._pending[0][0].done()):
            self._drain_one()

    def _drain_one(self) -> None:
        future, n = self._pending.popleft()
        out, crc = future.result()
        self.raw.write(out)
        self._crc = zlib_ng.crc32_combine(self._crc, crc, n)  # the CRC of b"" is 0

    def close(self) -> None:
        """Deflate what is buffered as the final chunk, write everything and the gzip trailer."""
        if self._closed:
            return
        self._closed = True
        try:
            self._submit(bytes(self._buf), last=True)
            self._buf = bytearray()
            while self._pending:
                self._drain_one()
            self.raw.write(struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))
        finally:
            self._pool.shutdown(wait=True)

    def abandon(self) -> None:
        """Stop without writing the rest (after an error): drop queued chunks, join the threads."""
        self._closed = True
        for future, _ in self._pending:
            future.cancel()
        self._pending.clear()
        self._pool.shutdown(wait=True)

    def __enter__(self) -> ParallelGzipWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()
