"""The versioned catalogue store: immutable snapshots, a pointer to the current one, diffs and gates.

Layout of a store directory (the same layout ships inside the package, read-only)::

    CURRENT                   # the current snapshot id, one line
    snapshots/<id>.json       # immutable snapshots, id = <UTC time>-<content hash 8>
    locks/                    # diskcache directory holding the refresh lock

Every write is a temp file in the same directory, fsynced, then ``os.replace``d into place,
so a crash leaves either the old file or the new one, never a torn one. The pointer moves
only after the snapshot it names is fully on disk.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, cast

from smcat.catalog import snapshot_io
from smcat.catalog.errors import (
    BadPointer,
    CatalogError,
    CorruptDocument,
    InvalidVersion,
    RefreshRefused,
    SnapshotNotFound,
    StoreWriteFailed,
)
from smcat.catalog.models import Conflict, ImageRecord, Snapshot
from smcat.catalog.shapes import ID_PATTERN, status_problem

if TYPE_CHECKING:  # the lock (sqlite3, uuid, socket) is imported by writers only: readers start faster
    from smcat.catalog.lock import RefreshLock
__all__ = [
    "DEFAULT_MAX_LOSS",
    "CurrentSnapshot",
    "Diff",
    "DiffDict",
    "Layer",
    "LocalLayer",
    "Store",
    "VersionInfo",
    "default_location",
    "diff_snapshots",
    "make_snapshot",
    "open_store",
    "shipped_dir",
]

DEFAULT_MAX_LOSS = 0.10
_ID_RE = ID_PATTERN
#: What a version asked for from outside (CLI, HTTP) may look like: an id, a prefix, a hash, a date.
_SPEC_RE = re.compile(r"^[0-9A-Za-z:TZ-]{1,40}$")
#: Parsed snapshots a Store keeps (least recently used dropped first); each is ~2 MB in memory.
LOADED_VERSIONS_MAX = 8


def shipped_dir() -> Path:
    """The read-only snapshot directory inside the installed package."""
    return Path(__file__).resolve().with_name("data")  # importlib.resources' readers cost ~4 ms to import


def default_user_dir() -> Path:
    """``$SMCAT_CATALOG`` or ``$XDG_DATA_HOME/smcat/catalog`` (``~/.local/share/smcat/catalog``)."""
    env = os.environ.get("SMCAT_CATALOG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "smcat" / "catalog"


def default_location() -> str:
    """``default_user_dir()`` as text, except that a ``$SMCAT_CATALOG`` URL (``s3://b/p``) stays a URL.

    ``Path("s3://b/p")`` would collapse it to ``s3:/b/p``, a relative directory: the store would
    then silently answer from the shipped snapshot instead of the bucket.
    """
    env = os.environ.get("SMCAT_CATALOG", "")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:/", env):
        return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*):/+", r"\1://", env)
    return str(default_user_dir())


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One listed version: its id, when it was made, where it lives, and whether it is current."""

    id: str
    created_at: str
    location: str
    current: bool = False
    shipped: bool = False


class ChangedImage(TypedDict):
    """One changed image in ``Diff.to_dict``: its key and the fields that differ."""

    image: str
    fields: list[str]


#: ``Diff.to_dict``'s answer (functional form: ``from`` is a Python keyword).
DiffDict = TypedDict(
    "DiffDict",
    {
        "from": str,
        "to": str,
        "added": list[str],
        "removed": list[str],
        "changed": list[ChangedImage],
        "regions_added": list[str],
        "regions_removed": list[str],
    },
)


@dataclass(frozen=True, slots=True)
class Diff:
    """What changed between two snapshots (keys are ``ImageRecord.key_str``)."""

    old: str
    new: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (key, fields that differ)
    regions_added: tuple[str, ...] = ()
    regions_removed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.regions_added or self.regions_removed)

    def to_dict(self) -> DiffDict:
        """The diff as JSON data (``smcat catalog diff --json``, the service's diff answer)."""
        # explicit, not to_jsonable(): changed images are written as {image, fields} objects
        return {
            "from": self.old,
            "to": self.new,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [{"image": k, "fields": list(f)} for k, f in self.changed],
            "regions_added": list(self.regions_added),
            "regions_removed": list(self.regions_removed),
        }


_DIFF_FIELDS = ("tags", "accounts", "ga", "eop", "cuda", "os", "framework", "registry_family", "derived_tags")


def diff_snapshots(old: Snapshot | None, new: Snapshot) -> Diff:
    """Images added / removed / changed and regions added / removed from ``old`` to ``new``."""
    old_by = {r.key_str: r for r in old.images} if old else {}
    new_by = {r.key_str: r for r in new.images}
    changed: list[tuple[str, tuple[str, ...]]] = []
    for k in sorted(old_by.keys() & new_by.keys()):
        a, b = old_by[k], new_by[k]
        fields = tuple(f for f in _DIFF_FIELDS if _norm(getattr(a, f)) != _norm(getattr(b, f)))
        if fields:
            changed.append((k, fields))
    old_regions = old.regions if old else frozenset()
    return Diff(
        old=old.id if old else "",
        new=new.id,
        added=tuple(sorted(new_by.keys() - old_by.keys())),
        removed=tuple(sorted(old_by.keys() - new_by.keys())),
        changed=tuple(changed),
        regions_added=tuple(sorted(new.regions - old_regions)),
        regions_removed=tuple(sorted(old_regions - new.regions)),
    )


def _norm(v: Any) -> Any:
    """A mapping as a plain dict (so a MappingProxyType compares equal to a dict), else ``v``."""
    return dict(v) if hasattr(v, "items") else v


def make_snapshot(
    images: list[ImageRecord],
    *,
    sources: Mapping[str, Mapping[str, Any]] | None = None,
    registries: Mapping[str, Mapping[str, str]] | None = None,
    conflicts: list[Conflict] | tuple[Conflict, ...] = (),
    now: datetime | None = None,
) -> Snapshot:
    """Build a snapshot with its id (UTC time + first 8 hex of the content hash)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    images = sorted(images, key=lambda r: r.key)
    registries = registries or {}
    h = snapshot_io.content_hash(images, registries, conflicts)
    return Snapshot(
        id=f"{now:%Y%m%dT%H%M%SZ}-{h[:8]}",
        created_at=now.isoformat().replace("+00:00", "Z"),
        images=tuple(images),
        sources=sources or {},
        registries=registries,
        conflicts=tuple(conflicts),
        content_hash=h,
    )


class Layer(Protocol):
    """Where a store's documents live: a local directory (``LocalLayer``) or S3 (``smcat.storage``).

    Names are relative (``CURRENT``, ``status.json``, ``snapshots/<id>.json``); ``read`` answers
    None for a document that does not exist; ``write`` replaces a document atomically.
    """

    def location(self, name: str = "") -> str:
        """Where ``name`` lives, for messages (a path or an ``s3://`` URL)."""
        ...

    def read(self, name: str) -> str | None:
        """The document's text, or None when it does not exist."""
        ...

    def write(self, name: str, text: str) -> None:
        """Replace the document atomically."""
        ...

    def snapshot_ids(self) -> list[str]:
        """The ids of the snapshots the layer holds."""
        ...

    def default_lock_dir(self) -> Path:
        """A local directory for the refresh lock of this layer."""
        ...


class LocalLayer:
    """A store layer in a local directory (``CURRENT``, ``snapshots/``, ``status.json``)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()

    def __repr__(self) -> str:
        return f"LocalLayer({str(self.root)!r})"

    def location(self, name: str = "") -> str:
        return str(self.root / name) if name else str(self.root)

    def read(self, name: str) -> str | None:
        """The text of ``name``, or None when it does not exist."""
        try:
            return (self.root / name).read_text("utf-8")
        except FileNotFoundError:
            return None

    def write(self, name: str, text: str) -> None:
        """Write ``name`` atomically (temp file + fsync + rename)."""
        _atomic_write(self.root / name, text)

    def snapshot_ids(self) -> list[str]:
        d = self.root / "snapshots"
        return [p.stem for p in d.glob("*.json")] if d.is_dir() else []

    def default_lock_dir(self) -> Path:
        return self.root / "locks"

    def remove_debris(self, older_than: float) -> list[str]:
        """Delete temp files (``.<name>.*.tmp``) a crashed write left, last modified before ``older_than``."""
        removed = []
        for d in (self.root, self.root / "snapshots"):
            for p in d.glob(".*.tmp") if d.is_dir() else ():
                with contextlib.suppress(FileNotFoundError):
                    if p.is_file() and p.stat().st_mtime < older_than:
                        p.unlink()
                        removed.append(str(p.relative_to(self.root)))
        return sorted(removed)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; snapshots are for every reader (service users)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@dataclass
class Store:
    """A writable catalogue layer overlaid on read-only base layers (the shipped one).

    Versions are the union of all layers; the current version is the writable layer's pointer
    when it has one, else the first base layer's. Writes only touch the writable layer. A layer
    is a local directory (``LocalLayer``) or anything with the same five methods (the S3
    layer in ``smcat.storage``).
    """

    layer: Layer
    bases: tuple[Layer, ...] = ()
    lock_dir: str | os.PathLike[str] | None = None
    _cache: OrderedDict[str, Snapshot] = field(default_factory=OrderedDict, repr=False)  # LRU
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.layer, (str, os.PathLike)):
            self.layer = LocalLayer(self.layer)
        self.bases = tuple(LocalLayer(b) if isinstance(b, (str, os.PathLike)) else b for b in self.bases)

    @property
    def location(self) -> str:
        """Where the writable layer lives (a directory or an ``s3://`` URL)."""
        return self.layer.location()

    # ---- reading -------------------------------------------------------------------------
    def _layers(self) -> tuple[Layer, ...]:
        return (self.layer, *self.bases)

    def current_id(self) -> str | None:
        """The id the pointer names (None for a store with no versions at all).

        The first layer with a ``CURRENT`` decides. A layer without one (or with an empty one)
        is passed over only when it holds no snapshots either; a layer that has snapshots but
        no usable pointer raises ``BadPointer`` rather than serve an older layer's version.
        A pointer that is not shaped like an id also raises ``BadPointer`` (it is never a path).
        """
        for layer in self._layers():
            text = layer.read("CURRENT")
            cid = (text or "").strip()
            where = layer.location("CURRENT")
            if cid:
                if not _ID_RE.match(cid):
                    raise BadPointer(
                        f"The catalogue pointer {where} holds {cid[:60]!r}, which is not a version id "
                        "(<UTC time>-<hash8>). Pin a version with 'smcat catalog use VERSION' "
                        "(see 'smcat catalog versions')."
                    )
                return cid
            ids = sorted(i for i in layer.snapshot_ids() if _ID_RE.match(i))
            if ids:
                state = "missing" if text is None else "empty"
                raise BadPointer(
                    f"The catalogue pointer {where} is {state}, but the store holds {len(ids)} "
                    f"version(s) (newest {ids[-1]}); smcat will not fall back to an older catalogue. "
                    f"Pin one with 'smcat catalog use {ids[-1]}'."
                )
        return None

    def _current_or_none(self) -> str | None:
        """``current_id``, or None when the pointer is unusable (for listings that must still work)."""
        try:
            return self.current_id()
        except BadPointer:
            return None

    def versions(self) -> list[VersionInfo]:
        """Every version in every layer, oldest first (none marked current if the pointer is bad)."""
        cur = self._current_or_none()
        seen: dict[str, VersionInfo] = {}
        for i, layer in enumerate(self._layers()):
            for vid in layer.snapshot_ids():
                m = _ID_RE.match(vid)
                if not m or vid in seen:
                    continue
                st = m["stamp"]  # YYYYmmddTHHMMSSZ, checked by the pattern (no strptime: it imports locale)
                created = datetime(
                    int(st[:4]),
                    int(st[4:6]),
                    int(st[6:8]),
                    int(st[9:11]),
                    int(st[11:13]),
                    int(st[13:15]),
                    tzinfo=UTC,
                )
                seen[vid] = VersionInfo(
                    id=vid,
                    created_at=created.isoformat().replace("+00:00", "Z"),
                    location=layer.location(f"snapshots/{vid}.json"),
                    current=vid == cur,
                    shipped=i > 0,
                )
        return sorted(seen.values(), key=lambda v: v.id)

    def resolve_version(self, spec: str | None) -> str:
        """Turn ``None``/``current``, an id, a unique id prefix or hash, or a date (as of) into an id."""
        if spec in (None, "", "current", "latest"):
            cid = self.current_id()
            if not cid:
                raise SnapshotNotFound(
                    f"The catalogue at {self.location} has no versions yet. Run 'smcat refresh' to build one."
                )
            return cid
        if not isinstance(spec, str) or not _SPEC_RE.match(spec):
            shown = spec[:40] + "..." if isinstance(spec, str) and len(spec) > 40 else spec
            raise InvalidVersion(
                f"Invalid catalogue version {shown!r}: use an id (20260101T000000Z-0123abcd), an id "
                "prefix, a hash, a date (2026-01-01) or 'current' (see 'smcat catalog versions')."
            )
        ids = [v.id for v in self.versions()]
        if spec in ids:
            return spec
        as_of = _parse_date(spec)
        if as_of is not None:
            stamp = f"{as_of:%Y%m%dT%H%M%SZ}"
            older = [i for i in ids if i.split("-")[0] <= stamp]
            if older:
                return older[-1]
            raise SnapshotNotFound(
                f"No catalogue version as of {spec}: the oldest is {ids[0] if ids else 'none'}.",
            )
        hits = [i for i in ids if i.startswith(spec) or i.endswith("-" + spec)]
        if len(hits) == 1:
            return hits[0]
        what = "is ambiguous" if hits else "does not exist"
        raise SnapshotNotFound(
            f"Catalogue version {spec!r} {what}. Versions: {', '.join(ids[-10:]) or 'none'}"
            " (see 'smcat catalog versions')."
        )

    def _read_snapshot_text(self, vid: str) -> tuple[str, str] | None:
        if not _ID_RE.match(vid):  # ids become file names and keys: never anything else
            raise InvalidVersion(f"Invalid catalogue version id {vid[:60]!r}.")
        name = f"snapshots/{vid}.json"
        for layer in self._layers():
            text = layer.read(name)
            if text is not None:
                return text, layer.location(name)
        return None

    def load(self, version: str | None = None, *, incremental: bool = False) -> Snapshot:
        """Load a version (default: current). Loaded snapshots are cached; they are immutable.

        ``incremental``: parse the file piece by piece (a background thread then lets other
        threads run during the parse; see ``snapshot_io.loads``)."""
        vid = self.resolve_version(version)
        with self._cache_lock:
            snap = self._cache.get(vid)
            if snap is not None:
                self._cache.move_to_end(vid)
                return snap
        found = self._read_snapshot_text(vid)
        if found is None:
            raise BadPointer(
                f"Catalogue version {vid!r} is named by the pointer but its file is missing from "
                f"{self.location}. Pin another version with 'smcat catalog use VERSION'."
            )
        snap = snapshot_io.loads(found[0], origin=found[1], expect_id=vid, incremental=incremental)
        self._remember(vid, snap)
        return snap

    def _remember(self, vid: str, snap: Snapshot) -> None:
        """Keep a parsed snapshot, dropping the least recently used past ``LOADED_VERSIONS_MAX``."""
        with self._cache_lock:
            self._cache[vid] = snap
            self._cache.move_to_end(vid)
            while len(self._cache) > LOADED_VERSIONS_MAX:
                self._cache.popitem(last=False)

    def diff(self, old: str | None, new: str | None = None) -> Diff:
        """Diff two versions (ids, prefixes or dates)."""
        return diff_snapshots(self.load(old), self.load(new))

    def status(self) -> dict[str, Any]:
        """What the last refreshes recorded per source (``status.json``), or ``{}`` when none ran.

        A ``status.json`` that is not JSON or not of its schema raises ``CorruptDocument``.
        """
        text = self.layer.read("status.json")
        if not text:
            return {}
        where = self.layer.location("status.json")
        problem: str | None
        try:
            doc = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as e:
            problem = f"not valid JSON ({e})"
        else:
            problem = status_problem(doc)
            if problem is None:
                return cast("dict[str, Any]", doc)  # status_problem checked it is an object
        raise CorruptDocument(
            f"The refresh status {where} is unreadable: {problem}. The next 'smcat refresh' rewrites it.",
            origin=where,
            problem=problem,
        )

    # ---- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(
        self, *, stale_after: float | None = None, heartbeat_every: float | None = None
    ) -> Iterator[RefreshLock]:
        """Hold the store's refresh lock, or refuse at once (``RefreshRefused`` names the holder).

        A holder that is gone (its pid dead on this host, or no heartbeat for ``stale_after``
        seconds from another host) is taken over (see ``smcat.catalog.lock``). Once held, temp files
        a crashed write left behind (older than this holder) are removed; the yielded lock
        tells what it took over (``taken_over``) and what it removed (``removed_debris``).
        ``stale_after`` defaults to ``smcat.catalog.lock.DEFAULT_STALE_AFTER``.
        """
        from smcat.catalog.lock import DEFAULT_STALE_AFTER, RefreshLock

        lock_dir = self.lock_dir or self.layer.default_lock_dir()
        lk = RefreshLock(
            lock_dir,
            what=self.location,
            stale_after=DEFAULT_STALE_AFTER if stale_after is None else stale_after,
            heartbeat_every=heartbeat_every,
        )
        with lk:
            remove = getattr(self.layer, "remove_debris", None)
            assert lk.holder is not None  # entering the lock recorded this process as its holder
            lk.removed_debris = remove(lk.holder.started_at) if remove else []
            yield lk

    def check_gates(self, snap: Snapshot, *, max_loss: float = DEFAULT_MAX_LOSS) -> Diff:
        """Diff ``snap`` against the current version; refuse when it loses more than ``max_loss``."""
        cur_id = self.current_id()
        current = self.load(cur_id) if cur_id else None
        d = diff_snapshots(current, snap)
        if not snap.images:
            raise RefreshRefused("The new catalogue has no images; refusing to publish it.")
        if current and current.images:
            lost = len(d.removed) / len(current.images)
            if lost > max_loss:
                raise RefreshRefused(
                    f"The new catalogue would lose {len(d.removed)} of {len(current.images)} images "
                    f"({lost:.0%} > the {max_loss:.0%} limit) compared with {current.id}; "
                    "refusing to publish. Check the sources' status above; "
                    "rerun with --force if the loss is real."
                )
        return d

    def publish(self, snap: Snapshot) -> None:
        """Write ``snap`` (if new) then move the pointer to it, both atomically."""
        name = f"snapshots/{snap.id}.json"
        if self.layer.read(name) is None:
            self._write(name, snapshot_io.dumps(snap))
        self._write("CURRENT", snap.id + "\n")
        self._remember(snap.id, snap)

    def write_status(self, status: Mapping[str, Any]) -> None:
        """Record per-source refresh outcomes (``status.json``, atomically)."""
        self._write("status.json", json.dumps(status, indent=1, sort_keys=True) + "\n")

    def _write(self, name: str, text: str) -> None:
        """``layer.write``, with an OS error (disk full, read-only...) as one ``StoreWriteFailed`` line."""
        try:
            self.layer.write(name, text)
        except OSError as e:
            code = errno.errorcode.get(e.errno or 0, "")
            hint = " Free some space there and rerun." if e.errno == errno.ENOSPC else ""
            raise StoreWriteFailed(
                f"Cannot write {self.layer.location(name)}: {e.strerror or e}"
                f"{f' ({code})' if code else ''}; nothing was replaced, the current version stays.{hint}",
                errno=e.errno,
            ) from e

    def set_current(self, version: str) -> str:
        """Pin the pointer to an existing version (roll back or forward); returns its id."""
        vid = self.resolve_version(version)
        self.load(vid)
        name = f"snapshots/{vid}.json"
        if self.layer.read(name) is None:
            found = self._read_snapshot_text(vid)
            assert found is not None
            self._write(name, found[0])
        self._write("CURRENT", vid + "\n")
        return vid


def _parse_date(spec: str) -> datetime | None:
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S"):
        try:
            d = datetime.strptime(spec, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d":
            d = d.replace(hour=23, minute=59, second=59)
        return d
    return None


_default: dict[str, Store] = {}


def open_store(
    location: str | os.PathLike[str] | None = None,
    *,
    with_shipped: bool = True,
    lock_dir: str | None = None,
    layer_factory: Callable[[str], Layer] | None = None,
) -> Store:
    """The catalogue store at ``location`` (default: ``$SMCAT_CATALOG`` or the user data dir),
    overlaid on the snapshot shipped in the package. Stores are cached per location.

    A URL location (``s3://bucket/prefix``) needs ``layer_factory`` (the resolver layer passes
    the S3 one: ``smcat.storage.open_any_store``); catalog itself never imports boto3, and
    without a factory such a location is refused with a clear error, never read as a path.
    """
    loc = str(location) if location else default_location()
    lock_dir = lock_dir or os.environ.get("SMCAT_LOCK_DIR")
    key = f"{loc}|{with_shipped}|{lock_dir}"
    st = _default.get(key)
    if st is None:
        scheme = loc.split("://", 1)[0] if "://" in loc else ""
        if scheme:
            if layer_factory is None:
                raise CatalogError(
                    f"Catalogue location {loc!r}: the {scheme!r} scheme is not readable from the catalog "
                    "package alone. Use smcat.resolve / smcat.storage.open_any_store (they open "
                    "s3://bucket/prefix), pass snapshot=, or use a directory."
                )
            layer = layer_factory(loc)
        else:
            root = Path(loc).expanduser()
            if root.exists() and not root.is_dir():
                raise CatalogError(f"Catalogue location {root} exists and is not a directory.")
            layer = LocalLayer(root)
        st = Store(layer, bases=(LocalLayer(shipped_dir()),) if with_shipped else (), lock_dir=lock_dir)
        _default[key] = st
    return st


class CurrentSnapshot:
    """The current snapshot of a store for callers that do not hold one (``resolve()`` without
    ``snapshot=``): kept in memory, the pointer re-read at most once per ``recheck_seconds``.

    A call costs a clock read while the pointer is fresh; the first call after ``recheck_seconds``
    reads ``CURRENT`` again (and loads a version it has not seen, integrity-checked like any
    load). ``reload()`` makes the next call re-read it at once.
    """

    def __init__(
        self, store: Store, *, recheck_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.recheck_seconds = recheck_seconds
        self._clock = clock
        self._snap: Snapshot | None = None
        self._next = 0.0
        self._lock = threading.Lock()

    def get(self) -> Snapshot:
        """The current snapshot (re-reading the pointer when the last read is older than the limit)."""
        snap = self._snap
        if snap is not None and self._clock() < self._next:
            return snap
        with self._lock:
            snap = self._snap
            if snap is not None and self._clock() < self._next:
                return snap
            cid = self.store.resolve_version(None)
            if snap is None or snap.id != cid:
                snap = self.store.load(cid)
                self._snap = snap
            self._next = self._clock() + self.recheck_seconds
            return snap

    def reload(self) -> None:
        """Re-read the pointer on the next ``get()`` (whatever the time since the last read)."""
        self._next = 0.0
