"""What goes where inside ``model.tar.gz``: one sorted list of entries, shared by check and package."""

from __future__ import annotations

import os
import stat
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .errors import ArchiveRefused, Problem
from .limits import ArchiveLimits, Budget

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


def _walk(root: Path, prefix: str, budget: Budget) -> list[Entry]:
    """Every entry under ``root`` (links not followed), counted as it is seen: a directory of a
    million files is refused at the limit instead of being listed in full first."""
    out: list[Entry] = []
    stack = [(root, prefix)]
    while stack:
        directory, base = stack.pop()
        with os.scandir(directory) as it:
            for d in it:
                e = _entry(Path(d.path), base + d.name)
                budget.add(e.arcname, e.size)
                out.append(e)
                if e.kind == "dir":
                    stack.append((Path(d.path), f"{e.arcname}/"))
    return out


def _kind_of_member(m: tarfile.TarInfo) -> str:
    if m.isfile():
        return "file"
    if m.isdir():
        return "dir"
    if m.issym():
        return "symlink"
    if m.islnk():
        return "hardlink"
    return "special"


MAX_EXTENDED_HEADER = 1 << 20  # a pax / GNU long-name header larger than this is not a model's


class _BoundedTarInfo(tarfile.TarInfo):
    """tarfile reads a pax or long-name header into memory whole: refuse a huge one first."""

    # ``_proc_member`` and ``SubsequentHeaderError`` are tarfile internals that typeshed omits.
    def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        extended = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE, tarfile.XGLTYPE)
        if self.type in (*extended, tarfile.SOLARIS_XHDTYPE) and self.size > MAX_EXTENDED_HEADER:
            raise tarfile.SubsequentHeaderError(  # type: ignore[attr-defined]  # tarfile internal
                f"extended header of {self.size:,} bytes, over the {MAX_EXTENDED_HEADER:,}-byte limit"
            )
        member: tarfile.TarInfo = super()._proc_member(tarfile_)  # type: ignore[misc]  # tarfile internal
        return member


def _unreadable(path: Path, err: BaseException) -> ArchiveRefused:
    detail = str(err) or type(err).__name__
    return ArchiveRefused(
        str(path),
        Problem(
            f"not a readable gzip-compressed tar archive ({detail})",
            "build it with `tar czf model.tar.gz -C MODEL_DIR .`, or pass the model directory instead",
        ),
    )


def _archive_entries(path: Path, budget: Budget) -> list[Entry]:
    """Headers of every member, read forward once (``r|gz``); member data is skipped, never kept."""
    out: list[Entry] = []
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic != b"\x1f\x8b":
        raise _unreadable(path, ValueError("no gzip header: SageMaker expects a gzip-compressed tar"))
    try:
        with tarfile.open(path, "r|gz", tarinfo=_BoundedTarInfo) as tf:
            while (m := tf.next()) is not None:
                # tarfile keeps every TarInfo it has seen in its (untyped, internal) list: do not let it
                tf.members.clear()  # type: ignore[attr-defined]
                budget.add(m.name, m.size if m.isfile() else 0)
                name = m.name.removeprefix("./").rstrip("/")
                out.append(Entry(name, _kind_of_member(m), m.size, None, m.linkname, m.mode))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:  # corrupt, truncated, not a tar
        raise _unreadable(path, err) from None
    return out


def collect_entries(
    model: Path,
    framework: str,
    *,
    entry_point: Path | None = None,
    source_dir: Path | None = None,
    limits: ArchiveLimits | None = None,
) -> list[Entry]:
    """Every member of the archive-to-be, sorted by name; ``entry_point``/``source_dir`` go to ``code/``.

    Raises ArchiveRefused when ``model`` is not a readable archive or goes over ``limits``
    (default: ``ArchiveLimits.from_env()``), stopping at the first member over the limit.
    """
    model = Path(model)
    budget = Budget(limits or ArchiveLimits.from_env(), model)
    if is_archive(model):
        entries = _archive_entries(model, budget)
    elif model.is_dir():
        entries = _walk(model, "", budget)
    else:
        entries = [_entry(model, single_file_arcname(framework, model))]
        budget.add(entries[0].arcname, entries[0].size)
    extra: list[Entry] = []
    if source_dir is not None:
        extra += _walk(Path(source_dir), "code/", budget)
    if entry_point is not None:
        extra.append(_entry(Path(entry_point), f"code/{Path(entry_point).name}"))
        budget.add(extra[-1].arcname, extra[-1].size)
    if extra:
        names = {e.arcname for e in entries}
        if "code" not in names:
            entries.append(Entry("code", "dir", source=None, mode=0o755))
        byname = {e.arcname: e for e in entries}
        byname.update({e.arcname: e for e in extra})
        entries = list(byname.values())
    return sorted(entries, key=lambda e: e.arcname)
