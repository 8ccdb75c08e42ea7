"""Fast snapshot loads: the verified-bytes markers and the piecewise parse keep every check."""

from __future__ import annotations

import json

import pytest

from smcat.catalog import snapshot_io
from smcat.catalog.errors import CorruptSnapshot
from smcat.catalog.store import open_store, shipped_dir

SHIPPED = open_store(shipped_dir(), with_shipped=False)
DLC, EVIL = "763104351884", "666666666666"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh marker directory, and no digest remembered in this process."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("SMCAT_VERIFIED_CACHE", raising=False)
    monkeypatch.setattr(snapshot_io, "_VERIFIED", set())
    return tmp_path / "smcat" / "verified"


def shipped_text() -> tuple[str, str]:
    vid = SHIPPED.current_id()
    return (shipped_dir() / "snapshots" / f"{vid}.json").read_text("utf-8"), vid


@pytest.mark.parametrize("incremental", [False, True])
def test_a_tampered_file_is_refused_after_the_good_one_was_vouched_for(cache, incremental):
    text, vid = shipped_text()
    good = snapshot_io.loads(text, expect_id=vid, incremental=incremental)
    assert len(list(cache.iterdir())) == 1  # the bytes that passed are vouched for
    again = snapshot_io.loads(text, expect_id=vid, incremental=incremental)  # the marker path
    assert again.images == good.images and again.id == good.id
    bad = text.replace(f'"{DLC}"', f'"{EVIL}"', 1)
    with pytest.raises(CorruptSnapshot, match="integrity check"):
        snapshot_io.loads(bad, expect_id=vid, incremental=incremental)
    assert len(list(cache.iterdir())) == 1  # nothing vouches for what failed


def test_the_id_is_checked_even_for_vouched_bytes(cache):
    text, vid = shipped_text()
    snapshot_io.loads(text, expect_id=vid)
    other = "20200101T000000Z-" + vid[-8:]
    with pytest.raises(CorruptSnapshot, match="not the version it was read as"):
        snapshot_io.loads(text, expect_id=other)


def test_markers_can_be_turned_off(cache, monkeypatch):
    monkeypatch.setenv("SMCAT_VERIFIED_CACHE", "0")
    text, vid = shipped_text()
    snapshot_io.loads(text, expect_id=vid)
    assert not cache.exists()


def test_the_piecewise_parse_equals_json_loads_on_the_shipped_snapshot():
    text, _ = shipped_text()
    assert snapshot_io._loads_in_pieces(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2, {"b": [3]}], "c": "x", "d": []}',  # nested arrays, empty array
        " {} ",  # empty object, whitespace around
        "[1, 2]",  # not an object: the plain parser answers
        '{"a": [ ]}',  # whitespace inside an empty array
    ],
)
def test_the_piecewise_parse_equals_json_loads(text):
    assert snapshot_io._loads_in_pieces(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2,]}',  # trailing comma in an array
        '{"a": 1,}',  # trailing comma in an object
        '{"a" 1}',  # missing colon
        '{"a": [1 2]}',  # missing comma
        '{"a": 1} x',  # extra data
        '{"a": [1, 2',  # torn
        "{a: 1}",  # unquoted key
    ],
)
def test_the_piecewise_parse_refuses_what_json_loads_refuses(text):
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(json.JSONDecodeError):
        snapshot_io._loads_in_pieces(text)
