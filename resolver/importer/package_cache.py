"""Keep the last ``model.tar.gz`` per model, with a manifest that says when it can be reused.

A slot (one directory under the cache directory, named from a hash of the model's absolute path,
framework, entry point, source dir, level and compressor) holds ``model.tar.gz`` and
``manifest.json``: every member's name, kind, mode, link, size, mtime_ns, ctime_ns, inode and
sha256 as they were packaged, and the archive's own sha256, size, mtime_ns and inode.

The archive is reused when every member is the same: same names, kinds, modes and links, and for
each file the same size and either the same (mtime_ns, ctime_ns, inode) or, when those moved
(``touch``, a copy with ``cp -p``) or were too close to the packaging time to trust (git's "racily
clean" files), the same sha256 read again. Anything else re-packages. Files are replaced by
rename only, so a reader never sees half an archive, and a manifest never vouches for another
run's archive (the inode is checked). Only the ``KEEP`` most recently used slots are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import astuple, dataclass
from pathlib import Path

from smcat.catalog.paths import cache_home

from .layout import Entry

__all__ = ["ENV_CACHE", "KEEP", "CachedArchive", "FileState", "Slot", "default_cache_dir", "open_slot"]

ENV_CACHE = "SMCAT_PACKAGE_CACHE"  # a directory, or "off"
KEEP = 3  # slots kept (one per model); each holds one archive
MANIFEST_VERSION = 1
RACY_NS = 2_000_000_000  # a file changed this close to its packaging is verified by hash next time
STALE_TMP_S = 24 * 3600  # a half-written archive this old belongs to no running packager
_BUF = 1 << 20


def default_cache_dir() -> Path | None:
    """``$SMCAT_PACKAGE_CACHE`` (``off``: no cache), else ``packages/`` beside smcat's HTTP cache
    (``~/.cache/smcat/packages``)."""
    value = os.environ.get(ENV_CACHE, "").strip()
    if value.lower() in ("off", "0", "no", "none"):
        return None
    if value:
        return Path(value).expanduser()
    return cache_home() / "packages"


@dataclass(frozen=True, slots=True)
class FileState:
    """One member as it was packaged (``sha256`` empty for directories and links)."""

    arcname: str
    kind: str
    mode: int
    link: str
    size: int
    mtime_ns: int = 0
    ctime_ns: int = 0
    ino: int = 0
    sha256: str = ""

    @classmethod
    def of(cls, e: Entry, st: os.stat_result | None = None, sha256: str = "") -> FileState:
        if st is None:
            return cls(e.arcname, e.kind, e.mode, e.link, e.size)
        stamp = (st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        return cls(e.arcname, e.kind, e.mode, e.link, e.size, *stamp, sha256)


@dataclass(frozen=True, slots=True)
class CachedArchive:
    path: Path
    sha256: str
    size: int
    members: int


def _sha256_file(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_BUF):
            sha.update(block)
    return sha.hexdigest()


def _same(e: Entry, old: FileState, trusted_before_ns: int) -> tuple[FileState | None, bool]:
    """``e``'s state on disk when it still matches ``old`` (else None), and whether it was re-hashed."""
    if (e.arcname, e.kind, e.mode, e.link, e.size) != (old.arcname, old.kind, old.mode, old.link, old.size):
        return None, False
    if e.kind != "file":
        return old, False
    if e.source is None:  # never for a directory's files; without a path nothing can be trusted
        return None, False
    try:
        st = os.stat(e.source)
    except OSError:
        return None, False
    if (st.st_mtime_ns, st.st_ctime_ns, st.st_ino) == (old.mtime_ns, old.ctime_ns, old.ino) and (
        st.st_mtime_ns < trusted_before_ns
    ):
        return old, False
    try:
        if st.st_size != old.size or _sha256_file(e.source) != old.sha256:
            return None, True
    except OSError:  # unreadable now: packaging will say why
        return None, True
    return FileState.of(e, st, old.sha256), True


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Slot:
    """The cache directory of one model (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.archive = directory / "model.tar.gz"
        self.manifest = directory / "manifest.json"

    def lookup(self, entries: list[Entry]) -> CachedArchive | None:
        """The kept archive when ``entries`` are unchanged since it was packaged, else None."""
        checked_ns = time.time_ns()
        try:
            m = json.loads(self.manifest.read_text())
            if m.get("version") != MANIFEST_VERSION:
                return None
            old = [FileState(*row) for row in m["entries"]]
            a, trusted_before_ns = m["archive"], m["packaged_ns"] - RACY_NS
            st = self.archive.stat()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if (st.st_size, st.st_mtime_ns, st.st_ino) != (a["size"], a["mtime_ns"], a["ino"]):
            return None
        if len(old) != len(entries):
            return None
        now: list[FileState] = []
        rehashed = False
        for e, o in zip(entries, old, strict=True):
            state, hashed = _same(e, o, trusted_before_ns)
            if state is None:
                return None
            now.append(state)
            rehashed |= hashed
        with contextlib.suppress(OSError):  # a read-only cache is still a good one
            if rehashed:  # record what was seen, so that the next check is a stat again
                self._write_manifest(now, a, checked_ns)
            else:
                os.utime(self.manifest)  # most recently used, for pruning
        return CachedArchive(self.archive, a["sha256"], a["size"], a["members"])

    def new_archive_path(self) -> Path:
        """A fresh file in the slot to package into (renamed over the archive by ``store``)."""
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-", suffix=".tar.gz")
        os.close(fd)
        return Path(tmp)

    def store(self, built: Path, states: list[FileState], sha256: str, size: int, packaged_ns: int) -> Path:
        """Make ``built`` the slot's archive and record ``states``; returns the archive's path."""
        os.replace(built, self.archive)
        st = self.archive.stat()
        archive: dict[str, str | int] = {
            "sha256": sha256,
            "size": size,
            "members": len(states),
            "mtime_ns": st.st_mtime_ns,
            "ino": st.st_ino,
        }
        self._write_manifest(states, archive, packaged_ns)
        return self.archive

    def _write_manifest(
        self, states: list[FileState], archive: dict[str, str | int], packaged_ns: int
    ) -> None:
        body = {
            "version": MANIFEST_VERSION,
            "packaged_ns": packaged_ns,
            "archive": archive,
            "entries": [list(astuple(s)) for s in states],
        }
        _atomic_write(self.manifest, json.dumps(body, separators=(",", ":")))


def open_slot(cache_dir: Path, key: Mapping[str, object]) -> Slot:
    """The slot for ``key`` under ``cache_dir`` (created), after pruning all but the ``KEEP`` newest.

    Raises OSError when the cache directory cannot be written.
    """
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]
    slot = Slot(Path(cache_dir) / digest)
    slot.dir.mkdir(parents=True, exist_ok=True)
    _prune(Path(cache_dir), keep=slot.dir)
    return slot


def _prune(cache_dir: Path, keep: Path) -> None:
    def used(d: Path) -> float:  # a slot being filled has no manifest yet, but a fresh mtime
        times = [0.0]
        for p in (d, d / "manifest.json"):
            with contextlib.suppress(OSError):
                times.append(p.stat().st_mtime)
        return max(times)

    for tmp in keep.glob(".tmp-*"):  # left by a run that was killed while packaging
        with contextlib.suppress(OSError):
            if time.time() - tmp.stat().st_mtime > STALE_TMP_S:
                tmp.unlink()
    others = sorted((d for d in cache_dir.iterdir() if d.is_dir() and d != keep), key=used, reverse=True)
    for d in others[KEEP - 1 :]:
        shutil.rmtree(d, ignore_errors=True)
