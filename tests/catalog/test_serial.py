"""``to_jsonable``: dataclasses as JSON data, keys in field order, and the classes that use it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import MappingProxyType

import pytest

from smcat.catalog.release_notes import Changes, VersionGroup
from smcat.catalog.resolve import resolve
from smcat.catalog.serial import OMIT, rename, to_jsonable
from smcat.catalog.store import Store, shipped_dir
from smcat.scrapers.refresh import SourceReport


@dataclass(frozen=True)
class Inner:
    a: int
    b: tuple[str, ...] = ()


@dataclass(frozen=True)
class Told:
    x: int

    def to_dict(self) -> dict[str, object]:
        return {"told": self.x}


@dataclass(frozen=True, slots=True)
class Outer:
    zeta: str
    alpha: Inner
    old: str = field(default="o", metadata=rename("from"))
    back: object = field(default=None, metadata=OMIT)
    when: date = date(2026, 1, 15)
    at: datetime = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    pairs: tuple[tuple[str, int], ...] = (("k", 1),)
    table: MappingProxyType[str, Inner] = field(default_factory=lambda: MappingProxyType({"i": Inner(2)}))
    told: tuple[Told, ...] = (Told(3),)
    empty: str = ""
    none: None = None


def test_fields_in_order_nested_renamed_omitted_and_converted():
    got = to_jsonable(Outer("z", Inner(1, ("p", "q")), back=object()))
    assert got == {
        "zeta": "z",
        "alpha": {"a": 1, "b": ["p", "q"]},  # a nested dataclass, its tuple a list
        "from": "o",  # renamed
        # "back" is omitted
        "when": "2026-01-15",
        "at": "2026-01-15T12:00:00+00:00",
        "pairs": [["k", 1]],
        "table": {"i": {"a": 2, "b": []}},  # a Mapping is a dict
        "told": [{"told": 3}],  # a class with its own to_dict is asked for it
        "empty": "",
        "none": None,
    }
    assert list(got) == ["zeta", "alpha", "from", "when", "at", "pairs", "table", "told", "empty", "none"]
    assert json.loads(json.dumps(got)) == got


def test_omit_empty_leaves_out_none_blank_and_empty_sequences_but_not_zero():
    got = to_jsonable(Outer("", Inner(0), pairs=()), omit_empty=True)
    assert list(got) == ["alpha", "from", "when", "at", "table", "told"]
    assert got["alpha"] == {"a": 0, "b": []}  # only the top level is trimmed


@pytest.mark.parametrize(
    "bad",
    [
        {"a": 1},  # not a dataclass
        Inner,  # a dataclass class, not an instance
        Inner(1, (object(),)),  # a value JSON cannot hold: said, never written as garbage
    ],
)
def test_refuses_what_it_cannot_write(bad):
    with pytest.raises(TypeError):
        to_jsonable(bad)


def test_the_classes_that_use_it_keep_their_json_form():
    snap = Store(shipped_dir()).load()
    res = resolve("tensorflow", "2.0.4", "ap-southeast-1", gpu=True, snapshot=snap, today=date(2026, 1, 15))
    d = res.to_dict()
    assert list(d) == [
        "uri", "account", "region", "repository", "tag", "moving_tags", "framework", "version",
        "image_scope", "processor", "arch", "py_version", "cuda", "os", "platform", "lifecycle",
        "provenance", "catalog_version", "alternatives", "moving_uri", "pinned_uri", "region_source",
    ]  # fmt: skip
    assert "record" not in d and d["pinned_uri"] == res.uri  # derived: pinned_uri is never null
    assert list(d["lifecycle"]) == ["ga", "eop", "past_eop", "warning"]
    assert d["provenance"] == [p.to_dict() for p in res.provenance]  # Provenance writes itself
    assert isinstance(d["moving_tags"], list)
    assert VersionGroup("pytorch", "2.1", ("inference",), ("cpu", "gpu"), 4).to_dict() == {
        "framework": "pytorch", "version": "2.1", "scopes": ["inference"], "processors": ["cpu", "gpu"],
        "images": 4,
    }  # fmt: skip
    assert list(Changes(images=2).to_dict()) == [
        "images",
        "tags_added",
        "tags_removed",
        "lifecycle",
        "accounts",
        "other",
    ]
    rep = SourceReport("dlc", documents=0, moved=[], warnings=["w"], error=None)
    assert rep.to_dict() == {"name": "dlc", "status": "ok", "documents": 0, "images": 0, "registries": 0,
                             "seconds": 0.0, "warnings": ["w"]}  # fmt: skip
