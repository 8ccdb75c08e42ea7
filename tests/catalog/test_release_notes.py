"""Release notes from hand-made snapshots: what is new, what was retired, what changed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smcat.catalog.models import Provenance
from smcat.catalog.release_notes import note_for, predecessor, summarize
from smcat.catalog.store import Store, diff_snapshots, make_snapshot
from tests.records import P, rec


def snap(images, when="2026-11-01T10:00:00"):
    return make_snapshot(images, now=datetime.fromisoformat(when).replace(tzinfo=UTC))


BASE = [rec(processor="cpu"), rec(), rec("pytorch", "2.1.0"), rec("pytorch", "2.0.1")]


def test_new_versions_are_grouped_by_scope_and_processor():
    new_tf = [
        rec(version="2.20.0", scope=s, processor=p) for s in ("training", "inference") for p in ("gpu", "cpu")
    ]
    note = summarize(snap(BASE), snap(BASE + new_tf, "2026-11-02T10:00:00"))
    assert [str(g) for g in note.new_versions] == ["tensorflow 2.20.0 (inference, training; cpu, gpu)"]
    assert note.new_versions[0].images == 4
    assert note.images_added == 4 and note.images_removed == 0
    assert note.new_frameworks == () and note.new_variants == ()
    assert "tensorflow 2.20.0 (inference, training; cpu, gpu)" in str(note)
    assert note.headline.endswith("1 new version")


@pytest.mark.parametrize(
    "old, new, field, expected",
    [
        # a framework never seen before: both a new framework and its versions
        (BASE, [*BASE, rec("xgboost", "1.7-1", processor="cpu")], "new_frameworks", ("xgboost",)),
        (
            BASE,
            [*BASE, rec("xgboost", "1.7-1", processor="cpu")],
            "new_versions",
            ("xgboost 1.7-1 (inference; cpu)",),
        ),
        # a new processor for a version that exists: a variant, not a new version
        (
            BASE,
            [*BASE, rec("pytorch", "2.1.0", processor="neuronx")],
            "new_variants",
            ("pytorch 2.1.0 (inference; neuronx)",),
        ),
        (BASE, [*BASE, rec("pytorch", "2.1.0", processor="neuronx")], "new_versions", ()),
        # graviton images are told apart by architecture
        (
            BASE,
            [*BASE, rec(version="2.18.0", processor="cpu", arch="arm64")],
            "new_versions",
            ("tensorflow 2.18.0 (inference; cpu/arm64)",),
        ),
        # a version gone entirely: retired
        (BASE, BASE[:3], "retired_versions", ("pytorch 2.0.1 (inference; gpu)",)),
        # one processor of a version gone: a retired variant, the version stays
        (BASE, BASE[1:], "retired_variants", ("tensorflow 2.19.0 (inference; cpu)",)),
        (BASE, BASE[1:], "retired_versions", ()),
        # a framework gone entirely
        (BASE, BASE[:2], "retired_frameworks", ("pytorch",)),
        # newest version first within a framework, frameworks A-Z
        (
            [],
            [rec("pytorch", "2.0.1"), rec("pytorch", "2.10.0"), rec("pytorch", "2.9.1"), rec("keras", "3.0")],
            "new_versions",
            (
                "keras 3.0 (inference; gpu)",
                "pytorch 2.10.0 (inference; gpu)",
                "pytorch 2.9.1 (inference; gpu)",
                "pytorch 2.0.1 (inference; gpu)",
            ),
        ),
    ],
)
def test_summary_table(old, new, field, expected):
    note = summarize(snap(old) if old else None, snap(new, "2026-11-02T10:00:00"))
    got = getattr(note, field)
    assert tuple(str(g) for g in got) == expected


def test_regions_added_and_retired():
    moved = {"us-east-1": "763104351884", "eu-west-3": "763104351884"}
    new = [rec(processor="cpu", accounts=moved), *BASE[1:]]
    note = summarize(snap(BASE), snap(new, "2026-11-02T10:00:00"))
    assert note.new_regions == ("eu-west-3",)
    assert note.retired_regions == ()  # ap-southeast-1 still has the other images
    note = summarize(snap(BASE), snap([r.__class__(**{**_fields(r), "accounts": moved}) for r in BASE]))
    assert note.new_regions == ("eu-west-3",) and note.retired_regions == ("ap-southeast-1",)


def _fields(r):
    return {f: getattr(r, f) for f in r.__slots__}


@pytest.mark.parametrize(
    "change, counts",
    [
        ({"tags": ("2.19.0-gpu", "2.19-gpu")}, {"tags_added": 1}),  # a moving tag appears
        ({"tags": ()}, {"tags_removed": 1}),
        ({"ga": "2025-01-01", "eop": "2026-01-01"}, {"lifecycle": 1}),  # dates published
        ({"accounts": {"us-east-1": "763104351884"}}, {"accounts": 1}),
        ({"cuda": "cu124"}, {"other": 1}),
        ({"ga": "2025-01-01", "tags": ("2.19.0-gpu", "x")}, {"tags_added": 1, "lifecycle": 1}),
    ],
)
def test_changed_images_are_counted_by_kind(change, counts):
    new = [BASE[0], rec(**change), *BASE[2:]]
    note = summarize(snap(BASE), snap(new, "2026-11-02T10:00:00"))
    assert note.changes.images == 1
    assert {k: v for k, v in note.changes.to_dict().items() if v and k != "images"} == counts
    assert note.images_added == note.images_removed == 0


def test_provenance_only_changes_are_not_changes():
    later = Provenance(P.source, P.url, "2026-11-20T00:00:00Z", facts=P.facts)
    note = summarize(snap(BASE), snap([rec(processor="cpu", provenance=(later,)), *BASE[1:]]))
    assert note.empty
    assert "no changes" in note.headline
    assert "No changes." in note.to_markdown()


def test_first_version_has_everything_new():
    note = summarize(None, snap(BASE))
    assert note.old == "" and note.images_added == 4
    assert note.new_frameworks == ("pytorch", "tensorflow")
    assert note.new_regions == ("ap-southeast-1", "us-east-1")
    assert "the first version" in note.to_markdown()


def test_markdown_and_dict():
    old, new = snap(BASE), snap([*BASE[1:], rec(version="2.20.0")], "2026-11-02T10:00:00")
    note = summarize(old, new)
    md = note.to_markdown()
    assert md.startswith(f"# smcat catalogue {new.id}\n")
    assert f"compared with `{old.id}`" in md
    assert "## New versions\n\n- tensorflow 2.20.0 (inference; gpu)\n" in md
    assert "## Retired images of remaining versions\n\n- tensorflow 2.19.0 (inference; cpu)\n" in md
    assert "## New regions" not in md  # empty sections are left out
    d = note.to_dict()
    assert d["from"] == old.id and d["to"] == new.id
    assert d["new_versions"] == [
        {
            "framework": "tensorflow",
            "version": "2.20.0",
            "scopes": ["inference"],
            "processors": ["gpu"],
            "images": 1,
        }
    ]
    assert d["changed"]["images"] == 0 and d["headline"] == note.headline


def test_note_for_a_version_is_against_its_predecessor(tmp_path):
    store = Store(tmp_path)
    a, b, c = (
        snap(BASE),
        snap([*BASE, rec(version="2.20.0")], "2026-11-02T10:00:00"),
        snap(BASE[:3], "2026-11-03"),
    )
    for s in (a, b, c):
        store.publish(s)
    assert predecessor(store) == b.id and predecessor(store, a.id) is None
    assert [str(g) for g in note_for(store, b.id).new_versions] == ["tensorflow 2.20.0 (inference; gpu)"]
    cur = note_for(store)
    assert cur.old == b.id and cur.new == c.id
    assert {g.version for g in cur.retired_versions} == {"2.20.0", "2.0.1"}
    assert note_for(store, a.id).old == ""


@pytest.mark.parametrize(
    "change",
    [
        {"tags": ("2.19.0-gpu", "2.19-gpu")},
        {"eop": "2026-01-01"},
        {"accounts": {"us-east-1": "763104351884"}},
        {"cuda": "cu124"},
        {"os": "ubuntu24.04"},
        {"registry_family": "dlc-neuron"},
        {"derived_tags": True},
    ],
)
def test_the_note_counts_what_the_one_diff_reports(change):
    # Release notes no longer re-diff with a field list of their own: they count diff_snapshots.
    old, new = snap(BASE), snap([BASE[0], rec(**change), *BASE[2:]], "2026-11-02T10:00:00")
    (_key, fields), *more = diff_snapshots(old, new).changed
    assert not more and set(fields) == set(change)
    assert summarize(old, new).changes.images == 1
