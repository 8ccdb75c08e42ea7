"""Build a deterministic ``model.tar.gz``, streamed from disk, hashing while it writes.

Same input -> same bytes: members sorted by name, mtime 0, owner 0/0 with empty names,
normalised modes, and a gzip header without a file name or timestamp.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .layout import Entry, collect_entries, is_archive
from .limits import ArchiveLimits

__all__ = ["COMPRESSLEVEL", "PackageInfo", "file_digest", "package_model"]

COMPRESSLEVEL = 6
_BUF = 1 << 20


@dataclass(frozen=True, slots=True)
class PackageInfo:
    path: Path
    sha256: str
    size: int
    members: int
    built: bool  # False when an existing archive was kept as is


class _HashingWriter:
    """A write-only file object that hashes and counts what passes through it."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


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


def package_model(
    model: Path,
    dest: Path,
    framework: str,
    *,
    entry_point: Path | None = None,
    source_dir: Path | None = None,
    compresslevel: int = COMPRESSLEVEL,
    limits: ArchiveLimits | None = None,
) -> PackageInfo:
    """Write ``dest`` (a ``model.tar.gz``) from ``model``; an existing archive is copied unchanged.

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
    with open(dest, "wb", buffering=_BUF) as raw:
        hw = _HashingWriter(raw)
        with (
            gzip.GzipFile(filename="", mode="wb", fileobj=hw, compresslevel=compresslevel, mtime=0) as gz,
            tarfile.open(fileobj=gz, mode="w|", format=tarfile.GNU_FORMAT, bufsize=_BUF) as tf,
        ):
            for e in entries:
                ti = _tarinfo(e)
                if ti.type == tarfile.REGTYPE:
                    with open(e.source, "rb") as f:
                        tf.addfile(ti, f)
                else:
                    tf.addfile(ti)
        raw.flush()
    return PackageInfo(dest, hw.sha.hexdigest(), hw.size, len(entries), built=True)
