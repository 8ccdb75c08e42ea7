"""Build a deterministic ``model.tar.gz``, streamed from disk, hashing while it writes.

Same input -> same bytes: members sorted by name, mtime 0, owner 0/0 with empty names,
normalised modes, and a gzip stream from ``ParallelGzipWriter`` (no file name, mtime 0, fixed
chunk boundaries), so the thread count never changes the bytes.

With ``cache_dir`` (``import_model`` passes the user cache), the archive is kept with a manifest
of its members and reused while nothing changed (see ``package_cache``): a repeated import of an
unchanged model does not package it again.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .layout import Entry, collect_entries, is_archive
from .limits import ArchiveLimits
from .package_cache import FileState, Slot, open_slot
from .parallel_gzip import ENGINE, ParallelGzipWriter

__all__ = ["COMPRESSLEVEL", "PackageInfo", "file_digest", "package_model"]

COMPRESSLEVEL = 6
_BUF = 1 << 20


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """The archive an import uploads: where it is, its sha256, size and member count."""

    path: Path | None  # None when nothing was packaged (a Hugging Face Hub model, HF_MODEL_ID only)
    sha256: str
    size: int
    members: int
    built: bool  # False when an existing archive was kept as is (a given archive, or the cache's)


class _HashingWriter:
    """A write-only file object that hashes and counts what passes through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self.sha.update(data)
        self.size += len(data)
        written: int = self.raw.write(data)
        return written

    def flush(self) -> None:
        self.raw.flush()


class _HashingReader:
    """A read-only file object that hashes what is read from it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data: bytes = self.raw.read(n)
        self.sha.update(data)
        return data


def file_digest(path: Path) -> tuple[str, int]:
    """sha256 hex and size of a file, read in 1 MiB blocks."""
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while block := f.read(_BUF):
            sha.update(block)
            size += len(block)
    return sha.hexdigest(), size


def _tarinfo(e: Entry) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(e.arcname)
    ti.mtime = 0
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    ti.mode = e.mode
    if e.kind == "dir":
        ti.type = tarfile.DIRTYPE
    elif e.kind == "symlink":
        ti.type, ti.linkname = tarfile.SYMTYPE, e.link
    else:
        ti.type, ti.size = tarfile.REGTYPE, e.size
    return ti


def _write_archive(
    entries: list[Entry], out: Path, compresslevel: int, threads: int | None, *, states_too: bool = False
) -> tuple[str, int, list[FileState] | None]:
    """Write the archive of ``entries`` to ``out``: its sha256 and size and, with ``states_too``, each
    member's state as read, its sha256 included (None when a file changed size while it was read,
    or without ``states_too``)."""
    states: list[FileState] = []
    stable = True
    with open(out, "wb") as raw:
        hw = _HashingWriter(raw)
        with (
            ParallelGzipWriter(hw, level=compresslevel, threads=threads) as gz,
            # typeshed's tarfile.open overloads omit ``copybufsize`` (a TarFile argument) and want a
            # full IO object where tarfile only calls write(): ParallelGzipWriter is enough.
            tarfile.open(  # type: ignore[call-overload]
                fileobj=gz, mode="w", format=tarfile.GNU_FORMAT, copybufsize=_BUF
            ) as tf,
        ):
            for e in entries:
                ti = _tarinfo(e)
                if ti.type != tarfile.REGTYPE:
                    tf.addfile(ti)
                    states.append(FileState.of(e))
                    continue
                assert e.source is not None  # a regular file of a model directory has its path
                with open(e.source, "rb") as f:
                    if not states_too:
                        tf.addfile(ti, f)
                        continue
                    st = os.fstat(f.fileno())
                    reader = _HashingReader(f)
                    tf.addfile(ti, reader)
                stable &= st.st_size == e.size
                states.append(FileState.of(e, st, reader.sha.hexdigest()))
        raw.flush()
    return hw.sha.hexdigest(), hw.size, states if stable and states_too else None


def _cache_key(
    model: Path, framework: str, entry_point: Path | None, source_dir: Path | None, compresslevel: int
) -> dict[str, object]:
    def where(p: Path | None) -> str | None:
        return str(Path(p).resolve()) if p is not None else None

    return {
        "model": where(model),
        "framework": framework,
        "entry_point": where(entry_point),
        "source_dir": where(source_dir),
        "level": compresslevel,
        "engine": ENGINE,
        "tar": "gnu",
    }


def _link_or_keep(archive: Path, dest: Path) -> Path:
    """``dest`` as a hard link to ``archive`` (pins this run's bytes), else ``archive`` itself."""
    if archive == dest:
        return dest
    with contextlib.suppress(OSError):
        dest.unlink(missing_ok=True)
        os.link(archive, dest)
        return dest
    return archive


def _package_cached(
    slot: Slot, entries: list[Entry], dest: Path, compresslevel: int, threads: int | None
) -> PackageInfo:
    if hit := slot.lookup(entries):
        return PackageInfo(_link_or_keep(hit.path, dest), hit.sha256, hit.size, hit.members, built=False)
    packaged_ns = time.time_ns()
    try:
        tmp = slot.new_archive_path()
    except OSError:  # a read-only cache: package as if there were none
        return _package_plain(entries, dest, compresslevel, threads)
    try:
        sha, size, states = _write_archive(entries, tmp, compresslevel, threads, states_too=True)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        if err.errno in (errno.ENOSPC, errno.EDQUOT):  # the cache's disk is full, maybe not dest's
            return _package_plain(entries, dest, compresslevel, threads)
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        if states is None:  # a file changed size while it was read: vouch for nothing
            raise FileNotFoundError("not kept")
        path = _link_or_keep(slot.store(tmp, states, sha, size, packaged_ns), dest)
    except OSError:  # not kept: hand out this run's archive all the same
        shutil.move(tmp, dest)
        path = dest
    return PackageInfo(path, sha, size, len(entries), built=True)


def _package_plain(entries: list[Entry], dest: Path, compresslevel: int, threads: int | None) -> PackageInfo:
    sha, size, _ = _write_archive(entries, dest, compresslevel, threads)
    return PackageInfo(dest, sha, size, len(entries), built=True)


def package_model(
    model: Path,
    dest: Path,
    framework: str,
    *,
    entry_point: Path | None = None,
    source_dir: Path | None = None,
    compresslevel: int = COMPRESSLEVEL,
    limits: ArchiveLimits | None = None,
    threads: int | None = None,
    cache_dir: Path | None = None,
) -> PackageInfo:
    """Write ``dest`` (a ``model.tar.gz``) from ``model``; an existing archive is copied unchanged.

    ``threads``: deflate threads (default: the usable cores); the bytes are the same for any count.
    ``cache_dir``: keep the archive there and reuse it while the model is unchanged; the returned
    ``path`` is then ``dest`` hard-linked to the kept archive, or the kept archive itself when
    ``dest`` is on another file system. A cache that cannot be written is not used.
    Call the contract check first: this function trusts the entries it is given.
    """
    model, dest = Path(model), Path(dest)
    if is_archive(model) and entry_point is None and source_dir is None:
        if model.resolve() != dest.resolve():
            shutil.copyfile(model, dest)
        sha, size = file_digest(dest)
        return PackageInfo(dest, sha, size, 0, built=False)
    if is_archive(model):
        raise ValueError("adding entry_point/source_dir to an existing archive is not supported")
    entries = collect_entries(model, framework, entry_point=entry_point, source_dir=source_dir, limits=limits)
    if cache_dir is not None:
        try:
            slot = open_slot(cache_dir, _cache_key(model, framework, entry_point, source_dir, compresslevel))
        except OSError:
            slot = None  # read-only or full cache: package as if there were none
        if slot is not None:
            return _package_cached(slot, entries, dest, compresslevel, threads)
    return _package_plain(entries, dest, compresslevel, threads)
