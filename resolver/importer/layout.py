"""What goes where inside ``model.tar.gz``: one sorted list of entries, shared by check and package."""

from __future__ import annotations

import os
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Entry", "collect_entries", "is_archive", "single_file_arcname"]

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")


@dataclass(frozen=True, slots=True)
class Entry:
    """One archive member: its name in the archive, its kind, and where its bytes come from.

    ``kind`` is ``file``, ``dir``, ``symlink``, ``hardlink`` or ``special`` (device, fifo, socket).
    ``source`` is the file on disk (None for members read from an existing archive).
    """

    arcname: str
    kind: str
    size: int = 0
    source: Path | None = None
    link: str = ""
    mode: int = 0o644


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.endswith(ARCHIVE_SUFFIXES)


def single_file_arcname(framework: str, path: Path) -> str:
    """The name a lone model file gets in the archive (XGBoost's container loads ``xgboost-model``)."""
    return "xgboost-model" if framework == "xgboost" else path.name


def _kind(st: os.stat_result) -> str:
    if stat.S_ISLNK(st.st_mode):
        return "symlink"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    if stat.S_ISREG(st.st_mode):
        return "file"
    return "special"


def _entry(path: Path, arcname: str) -> Entry:
    st = path.lstat()
    kind = _kind(st)
    link = os.readlink(path) if kind == "symlink" else ""
    mode = 0o755 if kind == "dir" or st.st_mode & 0o111 else 0o644
    return Entry(arcname, kind, st.st_size if kind == "file" else 0, path, link, mode)


def _walk(root: Path, prefix: str) -> list[Entry]:
    out: list[Entry] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel = Path(dirpath).relative_to(root).as_posix()
        base = prefix if rel == "." else f"{prefix}{rel}/"
        for name in dirnames + filenames:
            out.append(_entry(Path(dirpath) / name, base + name))
    return out


def _archive_entries(path: Path) -> list[Entry]:
    out: list[Entry] = []
    with tarfile.open(path, "r:*") as tf:
        for m in tf:  # streamed: headers only, member data is skipped
            if m.isfile():
                kind = "file"
            elif m.isdir():
                kind = "dir"
            elif m.issym():
                kind = "symlink"
            elif m.islnk():
                kind = "hardlink"
            else:
                kind = "special"
            out.append(Entry(m.name.removeprefix("./").rstrip("/"), kind, m.size, None, m.linkname, m.mode))
    return out


def collect_entries(
    model: Path, framework: str, *, entry_point: Path | None = None, source_dir: Path | None = None
) -> list[Entry]:
    """Every member of the archive-to-be, sorted by name; ``entry_point``/``source_dir`` go to ``code/``."""
    model = Path(model)
    if is_archive(model):
        entries = _archive_entries(model)
    elif model.is_dir():
        entries = _walk(model, "")
    else:
        entries = [_entry(model, single_file_arcname(framework, model))]
    extra: list[Entry] = []
    if source_dir is not None:
        extra += _walk(Path(source_dir), "code/")
    if entry_point is not None:
        extra.append(_entry(Path(entry_point), f"code/{Path(entry_point).name}"))
    if extra:
        names = {e.arcname for e in entries}
        if "code" not in names:
            entries.append(Entry("code", "dir", source=None, mode=0o755))
        byname = {e.arcname: e for e in entries}
        byname.update({e.arcname: e for e in extra})
        entries = list(byname.values())
    return sorted(entries, key=lambda e: e.arcname)
