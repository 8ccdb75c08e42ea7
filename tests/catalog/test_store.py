"""The versioned store: snapshots, pointer, diff, gates, atomicity, the refresh lock."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest

from smcat.catalog import snapshot_io
from smcat.catalog.errors import CatalogError, RefreshRefused, SnapshotNotFound, StoreWriteFailed
from smcat.catalog.models import Conflict, ImageRecord, Provenance
from smcat.catalog.store import Store, diff_snapshots, make_snapshot

P = Provenance("dlc-image-data", "https://example.test/a.yml", "2026-11-01T00:00:00Z", facts=("tags",))
DLC = {"us-east-1": "763104351884", "ap-southeast-1": "763104351884", "cn-north-1": "727897471807"}


def rec(version: str, processor: str = "gpu", **kw) -> ImageRecord:
    base = dict(
        framework="tensorflow",
        version=version,
        image_scope="inference",
        processor=processor,
        repository="tensorflow-inference",
        tags=(f"{version}-{processor}",),
        accounts=DLC,
        provenance=(P,),
    )
    base.update(kw)
    return ImageRecord(**base)


def snap(images, when="2026-11-01T10:00:00", **kw):
    return make_snapshot(images, now=datetime.fromisoformat(when).replace(tzinfo=UTC), **kw)


def test_snapshot_id_is_utc_time_plus_content_hash():
    s = snap([rec("2.0.4")])
    assert s.id.startswith("20261101T100000Z-")
    assert s.id.endswith(s.content_hash[:8])


def test_content_hash_ignores_fetch_times():
    later = Provenance(P.source, P.url, "2026-11-20T00:00:00Z", facts=P.facts)
    assert snap([rec("2.0.4")]).content_hash == snap([rec("2.0.4", provenance=(later,))]).content_hash
    assert snap([rec("2.0.4")]).content_hash != snap([rec("2.0.5")]).content_hash


def test_roundtrip_keeps_every_fact_and_shares_account_maps():
    images = [
        rec("2.0.4", ga="2020-01-01", eop="2021-01-01", py_version="py3", cuda="cu100", os="ubuntu18.04"),
        rec("2.1.3", processor="cpu", extra=(("transformers", "4.37.0"),), derived_tags=True),
    ]
    s = snap(
        images, registries={"dlc": DLC}, conflicts=[Conflict("x in y", "account", (("1", "u1"), ("2", "u2")))]
    )
    text = snapshot_io.dumps(s)
    back = snapshot_io.loads(text)
    assert back == s
    doc = json.loads(text)
    assert len(doc["account_maps"]) == 1  # both images share one region map
    assert back.images[0].accounts is back.images[1].accounts


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"format": "smcat-snapshot/1", "id": ', "not valid JSON"),  # torn write
        ('{"format": "other"}', "not an smcat snapshot"),  # a foreign file
        ('{"format": "smcat-snapshot/1"}', "malformed"),  # missing keys
    ],
)
def test_bad_snapshot_files_raise_catalog_error(text, message):
    with pytest.raises(CatalogError, match=message):
        snapshot_io.loads(text, origin="x.json")


def test_publish_list_load_and_pin(tmp_path):
    st = Store(tmp_path)
    with pytest.raises(SnapshotNotFound, match="no versions yet"):
        st.load()
    a = snap([rec("2.0.4")], "2026-11-01T10:00:00")
    b = snap([rec("2.0.4"), rec("2.1.3")], "2026-11-02T10:00:00")
    st.publish(a)
    st.publish(b)
    assert [v.id for v in st.versions()] == [a.id, b.id]
    assert st.current_id() == b.id
    assert Store(tmp_path).load().id == b.id  # a fresh process sees the pointer
    assert st.load(a.id[:10]).id == a.id  # unique prefix
    assert st.load(a.content_hash[:8]).id == a.id  # short hash
    assert st.load("2026-11-01").id == a.id  # "as of" a date
    with pytest.raises(SnapshotNotFound, match="oldest is"):
        st.load("2020-01-01")
    with pytest.raises(SnapshotNotFound, match="does not exist"):
        st.load("nope")
    assert st.set_current(a.id) == a.id
    assert Store(tmp_path).current_id() == a.id


def test_overlay_reads_base_layer_and_writes_only_the_top(tmp_path):
    base, top = tmp_path / "shipped", tmp_path / "user"
    a = snap([rec("2.0.4")])
    Store(base).publish(a)
    st = Store(top, bases=(base,))
    assert st.current_id() == a.id and st.load().id == a.id
    assert st.versions()[0].shipped
    b = snap([rec("2.0.4"), rec("2.1.3")], "2026-11-03T00:00:00")
    st.publish(b)
    assert st.current_id() == b.id
    assert Store(base).current_id() == a.id  # the base is never written


def test_diff_reports_added_removed_changed_and_regions():
    a = snap([rec("2.0.4"), rec("2.1.3")])
    b = snap(
        [
            rec("2.0.4", tags=("2.0.4-gpu", "2.0-gpu")),
            rec("2.2.0", accounts={**DLC, "af-south-1": "626614931356"}),
        ]
    )
    d = diff_snapshots(a, b)
    assert [k.split("|")[1] for k in d.added] == ["2.2.0"]
    assert [k.split("|")[1] for k in d.removed] == ["2.1.3"]
    assert [(k.split("|")[1], f) for k, f in d.changed] == [("2.0.4", ("tags",))]
    assert d.regions_added == ("af-south-1",)
    assert not d.empty


def test_gate_refuses_large_loss_and_empty(tmp_path):
    st = Store(tmp_path)
    st.publish(snap([rec(f"2.{i}.0") for i in range(20)]))
    small = snap([rec(f"2.{i}.0") for i in range(15)], "2026-11-05T00:00:00")
    with pytest.raises(RefreshRefused, match=r"lose 5 of 20 images \(25% > the 10% limit\)"):
        st.check_gates(small)
    st.check_gates(small, max_loss=0.3)  # a caller may allow more
    with pytest.raises(RefreshRefused, match="no images"):
        st.check_gates(snap([]))


def test_lock_refuses_a_second_refresh(tmp_path):
    st = Store(tmp_path)
    with st.lock(), pytest.raises(RefreshRefused, match="Another refresh"), Store(tmp_path).lock():
        pass
    with st.lock():  # released after use
        pass


def test_a_crash_mid_write_leaves_old_pointer_and_no_torn_file(tmp_path, monkeypatch):
    st = Store(tmp_path)
    a = snap([rec("2.0.4")])
    st.publish(a)
    before = (tmp_path / "CURRENT").read_bytes()
    b = snap([rec("2.0.4"), rec("2.1.3")], "2026-11-09T00:00:00")

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(StoreWriteFailed, match="disk full; nothing was replaced"):
        st.publish(b)
    monkeypatch.undo()
    assert (tmp_path / "CURRENT").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == [f"{a.id}.json"]
    assert Store(tmp_path).load().id == a.id
