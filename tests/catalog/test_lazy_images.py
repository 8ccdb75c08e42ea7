"""A loaded snapshot builds its records on demand (``LazyImages``) and answers as the tuple would."""

from __future__ import annotations

from dataclasses import replace

import pytest

from smcat.catalog import snapshot_io
from smcat.catalog.models import LazyImages, Snapshot
from smcat.catalog.resolve import resolve, summarise
from smcat.catalog.store import open_store, shipped_dir
from tests.records import rec

SHIPPED = open_store(shipped_dir(), with_shipped=False)


def loaded() -> Snapshot:
    vid = SHIPPED.current_id()
    assert vid
    return snapshot_io.loads((shipped_dir() / "snapshots" / f"{vid}.json").read_text(), expect_id=vid)


def test_the_summary_read_from_json_is_the_summary_of_the_built_records():
    """Two readings of one rule (usable records, their frameworks, aliases, regions, scopes,
    repositories): from the JSON without building records, and from the records."""
    snap = loaded()
    assert isinstance(snap.images, LazyImages)
    from_json = snap.images.summary()
    from_records = summarise(tuple(snap.images), snap.registries)
    assert from_json == from_records
    assert len(from_json.regions) > 30 and "inference" in from_json.scopes


def test_the_first_query_builds_only_the_records_of_its_framework_and_scope():
    snap = loaded()
    images = snap.images
    assert isinstance(images, LazyImages)
    resolve("xgboost", "1.7-1", "us-east-1", snapshot=snap)
    built = sum(r is not None for r in images._records)
    by_scope = images.summary().frameworks["xgboost"]
    assert 0 < built == len(by_scope["inference"]) < sum(len(v) for v in by_scope.values())


def test_lazy_records_behave_as_the_tuple():
    snap = loaded()
    lazy = snap.images
    assert isinstance(lazy, LazyImages)
    first, last = lazy[0], lazy[-1]
    assert lazy[0] is first  # built once: every caller sees the same object
    whole = tuple(lazy)
    assert len(lazy) == len(whole) and whole[0] is first and whole[-1] is last
    assert lazy == whole and lazy[1:3] == whole[1:3]
    for seq in (lazy, whole):  # records hold account mappings: neither is hashable
        with pytest.raises(TypeError):
            hash(seq)
    with pytest.raises(IndexError):
        lazy[len(whole)]
    assert loaded() == replace(snap, images=whole)  # a snapshot loaded twice is equal to itself


def test_the_answers_of_a_loaded_snapshot_and_of_its_records_are_the_same():
    snap = loaded()
    eager = replace(snap, images=tuple(loaded().images))
    for fw, version, region in [
        ("tensorflow", "2.0", "ap-southeast-1"),
        ("pytorch", "latest", "us-gov-west-1"),
        ("huggingface", "latest", "eu-west-1"),
        ("xgboost", "1", "us-east-1"),
    ]:
        a = resolve(fw, version, region, snapshot=snap).to_dict()
        b = resolve(fw, version, region, snapshot=eager).to_dict()
        assert a == b, (fw, version, region)


def test_records_with_aliases_are_filed_once_under_each_name():
    """Two aliases that name the same framework file a record there once, not twice."""
    r = replace(rec("djl-lmi", "0.29.0", tags=("0.29.0-lmi",)), also_known_as=("lmi", "LMI"))
    snap = Snapshot(id="t", created_at="", images=(r,))
    summary = summarise(snap.images, {})
    assert summary.aliases == [(0, "djl-lmi", ("lmi", "LMI"), ("inference",))]
    res = resolve("lmi", "0.29.0", "us-east-1", snapshot=snap)
    assert res.alternatives == ()


def test_an_index_holds_no_reference_cycle():
    """A service freezes its catalogue out of the cyclic collector's reach: a cycle in a snapshot
    or its index would then never be freed, one whole catalogue leaked per swap."""
    import gc

    from smcat.catalog.resolve import _Index

    gc.collect()
    snap = loaded()
    idx = _Index(snap).warm()
    assert len(idx.frameworks["tensorflow"]["inference"].groups) > 10
    del idx, snap
    assert gc.collect() == 0  # everything went by reference counting alone
