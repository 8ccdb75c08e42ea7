"""``resolve()`` without ``snapshot=``: the default store's snapshot kept in memory, the pointer re-read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smcat.catalog import resolve as resolve_mod
from smcat.catalog.errors import CatalogError
from smcat.catalog.store import CurrentSnapshot, Store, make_snapshot, open_store


def later(snap, hours: int):
    when = datetime.fromisoformat(snap.created_at.replace("Z", "+00:00")).astimezone(UTC)
    return make_snapshot(
        list(snap.images[hours:]),
        sources=dict(snap.sources),
        registries=dict(snap.registries),
        conflicts=snap.conflicts,
        now=when.replace(microsecond=0) + timedelta(hours=hours),
    )


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("SMCAT_CATALOG", str(tmp_path / "cat"))
    monkeypatch.delenv("SMCAT_LOCK_DIR", raising=False)
    return open_store()


def test_the_default_call_follows_the_pointer_on_reload(store: Store):
    shipped = store.load()
    assert resolve_mod.resolve("tensorflow", "2.0", "us-east-1").catalog_version == shipped.id
    new = later(shipped, 1)
    store.publish(new)
    # kept in memory: the pointer is re-read at most once a second ...
    resolve_mod.reload()  # ... or at once on reload()
    assert resolve_mod.resolve("tensorflow", "2.0", "us-east-1").catalog_version == new.id
    # an explicit version still answers from that version
    pinned = resolve_mod.resolve("tensorflow", "2.0", "us-east-1", catalog_version=shipped.id)
    assert pinned.catalog_version == shipped.id


def test_current_snapshot_rereads_the_pointer_after_the_interval(store: Store):
    now = [100.0]
    cur = CurrentSnapshot(store, recheck_seconds=1.0, clock=lambda: now[0])
    first = cur.get()
    new = later(first, 2)
    store.publish(new)
    now[0] += 0.5
    assert cur.get() is first  # within the interval: memory only
    now[0] += 0.6
    assert cur.get().id == new.id  # past it: the pointer is read again and the new version loaded
    store.set_current(first.id)
    cur.reload()
    assert cur.get().id == first.id


def test_a_url_location_is_refused_by_catalog_alone(monkeypatch):
    """``catalog`` never imports boto3: an s3:// store is a clear error there, never a relative path."""
    monkeypatch.setenv("SMCAT_CATALOG", "s3://some-bucket/catalog")
    with pytest.raises(CatalogError, match=r"s3://some-bucket/catalog.*smcat\.resolve"):
        resolve_mod.resolve("tensorflow", "2.0", "us-east-1")
