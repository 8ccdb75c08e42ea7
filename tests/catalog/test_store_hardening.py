"""The store under attack and corruption (issue 9, items 8-10): integrity, the pointer, document shapes.

One class per item. The shipped snapshot is the real document under test; broken variants are
made from it (or from small hand-made snapshots) by editing the JSON as an attacker or a bad
disk would.
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from smcat.catalog import shapes, snapshot_io
from smcat.catalog.errors import (
    BadPointer,
    CatalogError,
    CorruptDocument,
    CorruptSnapshot,
    InvalidQuery,
    InvalidVersion,
    SnapshotNotFound,
)
from smcat.catalog.models import Conflict, ImageRecord, Provenance
from smcat.catalog.store import LocalLayer, Store, make_snapshot, shipped_dir

SHIPPED_ID = (shipped_dir() / "CURRENT").read_text().strip()
SHIPPED_TEXT = (shipped_dir() / "snapshots" / f"{SHIPPED_ID}.json").read_text("utf-8")
SHIPPED_DOC = json.loads(SHIPPED_TEXT)
#: The shipped document with its first 20 images only (every table kept): broken variants are made
#: from it, as the shape rules do not depend on the number of images and jsonschema is slow.
SMALL_DOC = {**SHIPPED_DOC, "images": SHIPPED_DOC["images"][:20]}
DLC = "763104351884"
EVIL = "666666666666"


def rec(version: str, **kw) -> ImageRecord:
    base = dict(
        framework="pytorch",
        version=version,
        image_scope="inference",
        processor="gpu",
        repository="pytorch-inference",
        tags=(f"{version}-gpu-py310",),
        accounts={"us-east-1": DLC, "eu-west-1": DLC},
        provenance=(Provenance("dlc-image-data", "https://example.test/p.yml", "2026-11-01T00:00:00Z"),),
    )
    base.update(kw)
    return ImageRecord(**base)


def snap(images, when="2026-11-01T10:00:00", **kw):
    return make_snapshot(images, now=datetime.fromisoformat(when).replace(tzinfo=UTC), **kw)


def local_copy(root: Path) -> Store:
    """A writable store holding a copy of the shipped snapshot and pointer (no shipped base)."""
    (root / "snapshots").mkdir(parents=True)
    shutil.copy(shipped_dir() / "snapshots" / f"{SHIPPED_ID}.json", root / "snapshots")
    shutil.copy(shipped_dir() / "CURRENT", root / "CURRENT")
    return Store(root)


def flip_first_account(text: str) -> str:
    """The attack of the issue: one DLC account becomes 666666666666, everything else untouched."""
    assert DLC in text
    return text.replace(f'"{DLC}"', f'"{EVIL}"', 1)


class TestIntegrity:
    """Item 8: a snapshot's content hash and the hash in its id are checked on every load."""

    def test_the_shipped_snapshot_verifies(self):
        assert snapshot_io.document_hash(SHIPPED_DOC) == SHIPPED_DOC["content_hash"]
        assert SHIPPED_ID.endswith(SHIPPED_DOC["content_hash"][:8])
        assert Store(shipped_dir()).load().id == SHIPPED_ID

    def test_document_hash_equals_content_hash_over_every_field(self):
        images = [
            rec("2.1.0"),
            rec(
                "2.2.0",
                processor="cpu",
                tags=("2.2.0-cpu-py310", "2.2-cpu"),
                py_version="py310",
                cuda="cu121",
                os="ubuntu20.04",
                platform="sagemaker",
                arch="arm64",
                registry_family="dlc",
                ga="2024-01-01",
                eop="2025-01-01",
                base_framework="pytorch",
                base_framework_version="2.2",
                variant="devel",
                extra=(("transformers", "4.37.0"), ("zz", "last")),
                derived_tags=True,
                provenance=(
                    Provenance(
                        "aws-docs",
                        "https://d.test/a",
                        "t",
                        facts=("tags",),
                        derived=True,
                        note="from a table",
                        region="eu-west-1",
                    ),
                    Provenance("dlc-image-data", "https://d.test/b", "t2"),
                ),
            ),
        ]
        s = snap(
            images,
            registries={"dlc": {"us-east-1": DLC}},
            conflicts=[Conflict("dlc registry in x", "account", ((DLC, "u1"), (EVIL, "u2")))],
        )
        doc = json.loads(snapshot_io.dumps(s))
        assert snapshot_io.document_hash(doc) == s.content_hash
        assert snapshot_io.loads(snapshot_io.dumps(s)) == s

    def test_a_flipped_account_is_refused_naming_the_file(self, tmp_path):
        st = local_copy(tmp_path)
        path = tmp_path / "snapshots" / f"{SHIPPED_ID}.json"
        path.write_text(flip_first_account(path.read_text()))
        with pytest.raises(CorruptSnapshot) as e:
            st.load()
        assert str(path) in str(e.value) and "content_hash" in str(e.value)
        assert e.value.origin == str(path) and "changed after it was written" in e.value.problem
        assert "\n" not in str(e.value)

    def test_a_tampered_hash_that_no_longer_matches_the_id_is_refused(self, tmp_path):
        st = local_copy(tmp_path)
        path = tmp_path / "snapshots" / f"{SHIPPED_ID}.json"
        doc = json.loads(path.read_text())
        doc["content_hash"] = "0" * 64  # an attacker who rewrote the hash but not the file name
        path.write_text(json.dumps(doc))
        with pytest.raises(CorruptSnapshot, match=f"names hash {SHIPPED_ID[-8:]}"):
            st.load()

    def test_a_file_renamed_to_another_id_is_refused(self, tmp_path):
        st = local_copy(tmp_path)
        other = "20300101T000000Z-" + SHIPPED_ID[-8:]
        (tmp_path / "snapshots" / f"{SHIPPED_ID}.json").rename(tmp_path / "snapshots" / f"{other}.json")
        (tmp_path / "CURRENT").write_text(other + "\n")
        with pytest.raises(CorruptSnapshot, match="is not the version it was read as"):
            st.load()

    def test_a_refused_snapshot_is_not_cached_and_a_good_one_still_loads(self, tmp_path):
        st = Store(tmp_path)
        good, bad = snap([rec("2.1.0")]), snap([rec("2.1.0"), rec("2.2.0")], "2026-11-02T00:00:00")
        st.publish(good)
        (tmp_path / "snapshots" / f"{bad.id}.json").write_text(flip_first_account(snapshot_io.dumps(bad)))
        (tmp_path / "CURRENT").write_text(bad.id + "\n")
        fresh = Store(tmp_path)
        for _ in range(2):  # refused every time, never served from a cache
            with pytest.raises(CorruptSnapshot):
                fresh.load()
        assert fresh.load(good.id) == good

    def test_a_tampered_version_cannot_be_pinned(self, tmp_path):
        st = Store(tmp_path)
        good, bad = snap([rec("2.1.0")]), snap([rec("2.1.0"), rec("2.2.0")], "2026-11-02T00:00:00")
        st.publish(good)
        (tmp_path / "snapshots" / f"{bad.id}.json").write_text(flip_first_account(snapshot_io.dumps(bad)))
        with pytest.raises(CorruptSnapshot):
            st.set_current(bad.id)
        assert Store(tmp_path).current_id() == good.id


class TestPointer:
    """Item 9: CURRENT is validated as an id; no silent fallback to the shipped catalogue."""

    @pytest.mark.parametrize("content", ["", "\n", "   \n"])
    def test_an_empty_pointer_in_a_store_with_snapshots_is_an_error(self, tmp_path, content):
        st = Store(tmp_path, bases=(shipped_dir(),))
        a = snap([rec("2.1.0")])
        st.publish(a)
        (tmp_path / "CURRENT").write_text(content)
        with pytest.raises(BadPointer, match=rf"is empty, but the store holds 1 version.*catalog use {a.id}"):
            st.load()

    def test_a_deleted_pointer_in_a_store_with_snapshots_is_an_error(self, tmp_path):
        st = Store(tmp_path, bases=(shipped_dir(),))
        st.publish(snap([rec("2.1.0")]))
        (tmp_path / "CURRENT").unlink()
        with pytest.raises(BadPointer, match="is missing"):
            st.current_id()
        # listing still works (nothing marked current), and pinning repairs the store
        vs = st.versions()
        assert len(vs) == 2 and not any(v.current for v in vs)
        vid = st.set_current(vs[-1].id)
        assert st.load().id == vid

    def test_an_empty_store_still_uses_the_shipped_catalogue(self, tmp_path):
        st = Store(tmp_path / "new", bases=(shipped_dir(),))
        st.write_status({"last_refresh": {"at": "2026-01-01T00:00:00Z", "outcome": "refused"}})
        assert st.load().id == SHIPPED_ID  # no snapshots here: the base layer's pointer applies

    @pytest.mark.parametrize(
        "pointer",
        [
            "../../../etc/passwd",  # a path
            "../outside",  # a path to a real, valid snapshot outside the store
            "20261124T205020Z-6cb6c694/../../outside",
            "20261124T205020Z-6CB6C694",  # not lower-case hex
            "x" * 5000,  # junk
        ],
    )
    def test_a_pointer_that_is_not_an_id_is_refused_and_never_read_as_a_path(self, tmp_path, pointer):
        st = local_copy(tmp_path / "store")
        shutil.copy(tmp_path / "store" / "snapshots" / f"{SHIPPED_ID}.json", tmp_path / "outside.json")
        (tmp_path / "store" / "CURRENT").write_text(pointer + "\n")
        with pytest.raises(BadPointer, match="not a version id") as e:
            st.load()
        assert len(str(e.value)) < 400  # junk is not echoed in full

    def test_a_pointer_naming_a_missing_file_says_so(self, tmp_path):
        st = local_copy(tmp_path)
        (tmp_path / "CURRENT").write_text("20300101T000000Z-0123abcd\n")
        with pytest.raises(BadPointer, match="named by the pointer but its file is missing"):
            st.load()

    @pytest.mark.parametrize(
        "spec",
        [
            "../../../etc/passwd",
            "snapshots/../CURRENT",
            "a b",
            "1." * 50,  # too long
            "%2e%2e",
            "\x00",
        ],
    )
    def test_version_specs_from_outside_are_validated(self, spec):
        with pytest.raises(InvalidVersion) as e:
            Store(shipped_dir()).load(spec)
        assert isinstance(e.value, InvalidQuery) and e.value.field == "catalog_version"
        assert e.value.exit_code == 2

    @pytest.mark.parametrize("spec", [SHIPPED_ID, SHIPPED_ID[:12], SHIPPED_ID[-8:], "2026-11-30", "current"])
    def test_valid_version_specs_still_resolve(self, spec):
        assert Store(shipped_dir()).load(spec).id == SHIPPED_ID

    def test_a_well_formed_unknown_version_is_still_not_found(self):
        with pytest.raises(SnapshotNotFound, match="does not exist"):
            Store(shipped_dir()).load("deadbeef")


def _mutations():
    """(comment, function that breaks a copy of the shipped document) pairs."""

    def setter(path, value):
        def f(doc):
            *parents, last = path
            target = doc
            for p in parents:
                target = target[p]
            target[last] = value

        return f

    def deleter(path):
        def f(doc):
            *parents, last = path
            target = doc
            for p in parents:
                target = target[p]
            del target[last]

        return f

    return [
        ("the issue's case: an image is a number", setter(("images",), [1])),
        ("images is an object", setter(("images",), {})),
        ("an image lacks its framework", deleter(("images", 0, "framework"))),
        ("a framework is a number", setter(("images", 0, "framework"), 3)),
        ("an empty repository", setter(("images", 0, "repository"), "")),
        ("tags is a string", setter(("images", 0, "tags"), "2.0-gpu")),
        ("a tag is null", setter(("images", 0, "tags"), [None])),
        ("accounts is a map, not an index", setter(("images", 0, "accounts"), {"us-east-1": DLC})),
        ("accounts is true (a bool is not an index)", setter(("images", 0, "accounts"), True)),
        ("a negative account index", setter(("images", 0, "accounts"), -1)),
        ("provenance is an index, not a list", setter(("images", 0, "provenance"), 0)),
        ("py_version is a number", setter(("images", 0, "py_version"), 3.1)),
        ("extra is a list", setter(("images", 0, "extra"), [["a", "b"]])),
        ("derived_tags is a string", setter(("images", 0, "derived_tags"), "yes")),
        ("an account id is not 12 digits", setter(("account_maps", 0, "us-east-1"), "66666666666x")),
        ("an account map is a list", setter(("account_maps", 0), [DLC])),
        ("a registry account is a number", setter(("registries", "dlc", "us-east-1"), 763104351884)),
        ("provenance entry lacks its url", deleter(("provenance", 0, "url"))),
        ("provenance facts is a string", setter(("provenance", 0, "facts"), "tags")),
        ("a conflict has no claims", deleter(("conflicts", 0, "claims"))),
        ("a claim value is a number", setter(("conflicts", 0, "claims", 0, "value"), 1)),
        ("sources is a list", setter(("sources",), [])),
        ("a source is a string", setter(("sources", "dlc-regions"), "ok")),
        ("the id is a path", setter(("id",), "../../etc/passwd")),
        ("the content hash is short", setter(("content_hash",), "abc")),
        ("the format is foreign", setter(("format",), "other/1")),
        ("no account_maps", deleter(("account_maps",))),
        ("created_at is a number", setter(("created_at",), 0)),
    ]


#: Broken in a way JSON Schema cannot say (an index past the end of its table): only the hand check sees it.
_BEYOND_SCHEMA = [
    ("an account index past the end", ("images", 0, "accounts"), 10_000),
    ("a provenance index past the end", ("images", 0, "provenance"), [10_000]),
]


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(shapes.schema_path("snapshot").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def status_validator():
    schema = json.loads(shapes.schema_path("status").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


class TestShape:
    """Item 10: the packaged JSON Schema and the fast hand check agree; a bad shape is a corrupt file."""

    def test_the_schema_files_ship_in_the_package(self):
        import tomllib

        data = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
        patterns = data["tool"]["setuptools"]["package-data"]["smcat.catalog"]
        for name in ("snapshot", "status"):
            path = shapes.schema_path(name)
            assert path.is_file()
            assert any(path.relative_to(Path(shapes.__file__).parent).match(p) for p in patterns)

    def test_the_shipped_snapshot_is_valid_for_both(self, validator):
        validator.validate(SHIPPED_DOC)
        assert shapes.snapshot_problem(SHIPPED_DOC) is None

    def test_extra_image_fields_are_tolerated_by_both(self, validator):
        doc = copy.deepcopy(SMALL_DOC)
        doc["images"][0]["moving_tags"] = ["2.0-gpu"]  # a field a newer smcat may add
        doc["images"][0]["scopes"] = ["inference", "training"]
        validator.validate(doc)
        assert shapes.snapshot_problem(doc) is None

    @pytest.mark.parametrize(("comment", "mutate"), _mutations(), ids=[c for c, _ in _mutations()])
    def test_hand_check_and_schema_agree_on_broken_variants(self, validator, comment, mutate):
        doc = copy.deepcopy(SMALL_DOC)
        mutate(doc)
        assert not validator.is_valid(doc), comment
        problem = shapes.snapshot_problem(doc)
        assert problem, comment
        with pytest.raises(CorruptSnapshot) as e:
            snapshot_io.loads(json.dumps(doc), origin="s.json")
        assert "s.json" in str(e.value) and "\n" not in str(e.value)

    @pytest.mark.parametrize(
        ("comment", "path", "value"), _BEYOND_SCHEMA, ids=[c for c, *_ in _BEYOND_SCHEMA]
    )
    def test_index_ranges_are_checked_beyond_the_schema(self, validator, comment, path, value):
        doc = copy.deepcopy(SMALL_DOC)
        doc[path[0]][path[1]][path[2]] = value
        assert validator.is_valid(doc)  # JSON Schema cannot say it ...
        assert "expected" in shapes.snapshot_problem(doc)  # ... the hand check does
        with pytest.raises(CorruptSnapshot, match="malformed"):
            snapshot_io.loads(json.dumps(doc))

    @pytest.mark.parametrize(
        "text",
        [
            "[]",
            "null",
            '"snapshot"',
            "[" * 100_000,  # deep nesting: not a RecursionError traceback
        ],
    )
    def test_json_that_is_not_a_snapshot_is_refused(self, text):
        with pytest.raises(CorruptSnapshot):
            snapshot_io.loads(text, origin="x.json")

    def test_a_malformed_snapshot_in_a_store_is_refused_like_a_corrupt_one(self, tmp_path):
        st = local_copy(tmp_path)
        path = tmp_path / "snapshots" / f"{SHIPPED_ID}.json"
        doc = json.loads(path.read_text())
        doc["images"] = [1]
        path.write_text(json.dumps(doc))
        with pytest.raises(CorruptSnapshot, match=r"malformed \(images\[0\]: expected an image object"):
            st.load()

    @pytest.mark.parametrize(
        ("doc", "ok"),
        [
            ({}, True),
            (
                {
                    "sources": {"a": {"last_status": "ok", "last_attempt": "2026-01-01T00:00:00Z"}},
                    "last_refresh": {"at": "2026-01-01T00:00:00Z", "outcome": "refused", "reason": None},
                    "last_successful_refresh": "2026-01-01T00:00:00Z",
                },
                True,
            ),
            ([], False),  # the case
            ({"sources": []}, False),
            ({"sources": {"a": "ok"}}, False),
            ({"last_refresh": "yesterday"}, False),
            ({"last_refresh": {"outcome": 1}}, False),
            ({"last_successful_refresh": 5}, False),
        ],
    )
    def test_status_hand_check_agrees_with_its_schema(self, status_validator, doc, ok):
        assert status_validator.is_valid(doc) is ok
        assert (shapes.status_problem(doc) is None) is ok

    @pytest.mark.parametrize("text", ["[]", '{"sources": [1]}', "{not json", '"x"'])
    def test_a_bad_status_json_is_a_corrupt_document(self, tmp_path, text):
        (tmp_path / "status.json").write_text(text)
        with pytest.raises(CorruptDocument, match=r"status.json is unreadable") as e:
            Store(tmp_path).status()
        assert isinstance(e.value, CatalogError) and e.value.origin.endswith("status.json")


def test_local_layer_is_the_layer_tested_here():
    """The tests above go through the local layer; the S3 layer shares the same load path."""
    assert isinstance(Store(shipped_dir()).layer, LocalLayer)
