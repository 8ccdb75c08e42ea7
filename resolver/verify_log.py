"""Verifications recorded beside the catalogue, many images at once, and the service's view.

Snapshots are immutable and content-hashed: the same content gives the same id, and a diff
between two versions means the sources changed. A registry check is an observation in time
("this tag had this digest at 10:04"), repeated and superseded daily, so it lives in a side
document of the store, ``verifications.json``, written atomically through the store's layer (a
directory or S3), keyed by the image URI it checked (which names account, region, repository
and tag) and carrying the catalogue's image key.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from smcat.catalog.errors import SmcatError
from smcat.catalog.names import dns_suffix
from smcat.catalog.times import now_iso, parse_iso
from smcat.verify import EXISTS, MISSING, UNKNOWN, Verification, Verifier, now_utc, parse_image_uri

if TYPE_CHECKING:
    from starlette.datastructures import State

    from smcat.catalog.models import Snapshot
    from smcat.catalog.store import Layer, Store

__all__ = [
    "DOC_NAME",
    "StoredVerifications",
    "VerificationLog",
    "catalog_targets",
    "is_fresh",
    "stored_answer",
    "verify_many",
]

DOC_NAME = "verifications.json"
_HISTORY = 10

#: One image's stored record: the newest conclusive verification's fields, ``verified_at`` and ``history``.
Entry = dict[str, Any]


class Claim(TypedDict):
    value: str
    url: str


class RegistryConflict(TypedDict):
    """Shaped like ``Conflict.to_dict()``: the catalogue lists an image the registry says is absent."""

    subject: str
    field: str
    claims: list[Claim]


class VerificationLog:
    """``verifications.json`` in a catalogue store's writable layer: the newest conclusive
    observation per image URI (exists / missing), with a short history of every observation.

    An ``unknown`` outcome is kept in the history but never replaces a conclusive one: "we
    could not ask today" does not erase "it existed yesterday".
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.layer: Layer = store.layer
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        return self.layer.location(DOC_NAME)

    def entries(self) -> dict[str, Entry]:
        """URI -> stored entry (``{}`` when nothing was verified yet or the file is unreadable)."""
        text = self.layer.read(DOC_NAME)
        if not text:
            return {}
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            return {}
        images = doc.get("images") if isinstance(doc, dict) else None
        return images if isinstance(images, dict) else {}

    def get(self, uri: str, entries: Mapping[str, Entry] | None = None) -> Verification | None:
        """The stored verification of ``uri`` (marked ``cached``), or None."""
        e = (self.entries() if entries is None else entries).get(uri)
        return _from_entry(e) if e else None

    def fresh(
        self,
        uri: str,
        max_age: timedelta,
        *,
        now: datetime | None = None,
        entries: Mapping[str, Entry] | None = None,
    ) -> Verification | None:
        """The stored conclusive verification of ``uri`` if it is at most ``max_age`` old."""
        v = self.get(uri, entries)
        return v if v is not None and is_fresh(v, max_age, now=now) else None

    def record(self, results: Iterable[Verification]) -> int:
        """Merge new observations in (read, merge, atomic write through the layer); returns how many."""
        new = [v for v in results if not v.cached]
        if not new:
            return 0
        with self._write_lock():
            entries = self.entries()
            for v in new:
                entries[v.uri] = _merge(entries.get(v.uri), v)
            doc = {"format": 1, "source": "ecr", "updated_at": now_iso(), "images": entries}
            self.layer.write(DOC_NAME, json.dumps(doc, indent=1, sort_keys=True) + "\n")
        return len(new)

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Serialise read-merge-write across threads and processes (a diskcache lock beside the
        store's refresh lock), so two concurrent ``smcat verify`` runs do not lose each other's answers."""
        import diskcache

        lock_dir = self.store.lock_dir or self.layer.default_lock_dir()
        with (
            self._lock,
            diskcache.Cache(str(lock_dir)) as cache,
            diskcache.Lock(cache, "verifications", expire=120),
        ):
            yield

    def registry_conflicts(self, snapshot: Snapshot) -> list[RegistryConflict]:
        """Images the snapshot lists that the registry said are absent: one conflict-shaped dict each."""
        keys = {r.key_str: r for r in snapshot.images}
        out: list[RegistryConflict] = []
        for uri, e in sorted(self.entries().items()):
            rec = keys.get(e.get("image_key") or "")
            if e.get("status") != MISSING or rec is None:
                continue
            claims: list[Claim] = [{"value": "listed", "url": p.url} for p in rec.provenance]
            claims.append(
                {"value": f"absent ({e.get('reason')}, verified {e.get('verified_at')})", "url": "ecr"}
            )
            out.append({"subject": uri, "field": "registry", "claims": claims})
        return out


def is_fresh(v: Verification, max_age: timedelta, *, now: datetime | None = None) -> bool:
    """A conclusive verification checked at most ``max_age`` ago."""
    t = parse_iso(v.checked_at)
    return v.status in (EXISTS, MISSING) and t is not None and (now or now_utc()) - t <= max_age


def _entry(v: Verification) -> Entry:
    d = {k: val for k, val in asdict(v).items() if k not in ("checked_at", "cached", "attempts")}
    d["verified_at"] = v.checked_at
    return d


def _from_entry(e: Mapping[str, Any]) -> Verification:
    d = dict(e)
    d["checked_at"] = d.pop("verified_at", "")
    d.pop("history", None)
    return replace(Verification.from_dict(d), cached=True)


def _merge(old: Entry | None, v: Verification) -> Entry:
    history = list((old or {}).get("history") or [])
    history.append({"verified_at": v.checked_at, "status": v.status, "reason": v.reason, "digest": v.digest})
    history = history[-_HISTORY:]
    keep_old = v.status == UNKNOWN and old and old.get("status") in (EXISTS, MISSING)
    entry = dict(old) if keep_old and old else _entry(v)
    entry["history"] = history
    return entry


# --------------------------------------------------------------------------- many images


def catalog_targets(snapshot: Snapshot, region: str) -> list[tuple[str, str]]:
    """(URI, image key) of every catalogue image published in ``region``, one per URI."""
    suffix = dns_suffix(region)
    seen: dict[str, str] = {}
    for rec in snapshot.images:
        if not rec.tags:
            continue
        account = rec.accounts_in(snapshot.registries).get(region)
        if account:
            seen.setdefault(
                f"{account}.dkr.ecr.{region}.{suffix}/{rec.repository}:{rec.tags[0]}", rec.key_str
            )
    return sorted(seen.items())


def verify_many(
    targets: Iterable[str | tuple[str, str | None]],
    *,
    verifier: Verifier | None = None,
    log: VerificationLog | None = None,
    max_age: timedelta | None = None,
    concurrency: int = 8,
    progress: Callable[[Verification], None] | None = None,
    record: bool = True,
) -> list[Verification]:
    """Verify many images with at most ``concurrency`` requests in flight; results in input order.

    With a ``log`` and ``max_age``, an image verified at most ``max_age`` ago is answered from
    the log without asking ECR; new results are recorded in the log (unless ``record`` is false)
    in one write at the end.
    """
    verifier = verifier or Verifier()
    items = [(t, None) if isinstance(t, str) else (t[0], t[1]) for t in targets]
    for uri, _ in items:
        parse_image_uri(uri)  # refuse bad input before the first request
    stored = log.entries() if log is not None and max_age is not None else {}
    results: list[Verification | None] = [None] * len(items)

    def on_record(uri: str) -> Verification | None:
        if not stored or log is None or max_age is None:
            return None
        return log.fresh(uri, max_age, entries=stored)

    todo: list[tuple[int, str, str | None]] = []
    for i, (uri, key) in enumerate(items):
        hit = on_record(uri)
        if hit is not None:
            results[i] = hit
            if progress:
                progress(hit)
        else:
            todo.append((i, uri, key))

    def one(job: tuple[int, str, str | None]) -> tuple[int, Verification]:
        i, uri, key = job
        v = verifier.verify(uri, image_key=key)
        if progress:
            progress(v)
        return i, v

    if todo:
        for region in sorted({parse_image_uri(u).region for _, u, _ in todo}):
            verifier.client(region)  # made once, before the threads share them
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            for i, v in pool.map(one, todo):
                results[i] = v
    out = [r for r in results if r is not None]
    if log is not None and record:
        log.record(out)
    return out


# --------------------------------------------------------------------------- the service's view


class StoredVerifications:
    """What ``GET /image?verify=true`` answers from: the log, re-read at most every
    ``reload_seconds``; never a call to AWS inside a request."""

    def __init__(
        self,
        store: Store,
        *,
        max_age: timedelta,
        reload_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = VerificationLog(store)
        self.max_age = max_age
        self.reload_seconds = reload_seconds
        self._clock = clock
        self._entries: dict[str, Entry] = {}
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def _current(self) -> dict[str, Entry]:
        now = self._clock()
        if self._read_at is None or now - self._read_at >= self.reload_seconds:
            with self._lock:
                if self._read_at is None or now - self._read_at >= self.reload_seconds:
                    with contextlib.suppress(OSError, SmcatError):  # keep the last good read
                        self._entries = self.log.entries()
                    self._read_at = now
        return self._entries

    def answer(self, uri: str, *, now: datetime | None = None) -> dict[str, Any]:
        """``{"status": "verified", "result": ..., "verified_at": ...}`` when a conclusive answer
        at most ``max_age`` old is on record, else ``{"status": "not_verified", "reason": ...}``."""
        now = now or now_utc()
        v = self.log.get(uri, self._current())
        hours = self.max_age.total_seconds() / 3600
        if v is None or v.status == UNKNOWN:
            return {
                "status": "not_verified",
                "reason": "no registry check of this image is on record",
                "max_age_hours": hours,
            }
        t = parse_iso(v.checked_at)
        age = round((now - t).total_seconds() / 3600, 2) if t else None
        facts: dict[str, Any] = {
            "verified_at": v.checked_at,
            "age_hours": age,
            "source": v.source,
            "max_age_hours": hours,
        }
        if not is_fresh(v, self.max_age, now=now):
            return {
                "status": "not_verified",
                "reason": f"the last check is older than {hours:g} h",
                "last_result": v.status,
                **facts,
            }
        return {
            "status": "verified",
            "result": v.status,
            "reason": v.reason,
            "digest": v.digest,
            "pinned_uri": v.pinned_uri,
            **facts,
        }


def stored_answer(state: State, uri: str) -> dict[str, Any]:
    """The service's verification view of ``uri`` (its reader lives on ``app.state``, made on first use)."""
    reader: StoredVerifications | None = getattr(state, "verifications", None)
    if reader is None:
        reader = state.verifications = StoredVerifications(
            state.holder.store,
            max_age=timedelta(hours=state.settings.verify_max_age_hours),
            reload_seconds=state.settings.reload_seconds,
        )
    return reader.answer(uri)
