"""Hostile archives and directories, built by hand: link chains, control characters, bombs, non-tars."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import pytest

from smcat.importer import ArchiveRefused, ContractError, InvalidImportRequest, check_model, find_problems
from smcat.importer.layout import collect_entries
from smcat.importer.limits import ArchiveLimits, parse_size
from smcat.importer.safety import LinkVerdict, resolve_link
from tests.resolver import import_models as m


def messages(report) -> str:
    return "\n".join(str(p) for p in report.problems)


def tar_gz(path: Path, members: list[tuple[str, str, str | bytes]], *, fmt=tarfile.GNU_FORMAT) -> Path:
    """Write ``path`` from (name, kind, data-or-linkname); kind is file, dir, sym or hard."""
    with tarfile.open(path, "w:gz", format=fmt) as tf:
        for name, kind, data in members:
            ti = tarfile.TarInfo(name)
            if kind == "file":
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
                continue
            if kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            elif kind == "sym":
                ti.type, ti.linkname = tarfile.SYMTYPE, data
            elif kind == "hard":
                ti.type, ti.linkname = tarfile.LNKTYPE, data
            tf.addfile(ti)
    return path


SAVED = [("1/saved_model.pb", "file", b"pb"), ("1/variables/variables.index", "file", b"ix")]


# --- link chains, resolved through the archive's own tree ----------------------------------------


@pytest.mark.parametrize(
    "start, target, symlinks, verdict",
    [
        ("", "sub/l/../etc/passwd", {"sub/l": ".."}, LinkVerdict.ESCAPES),  # the issue's chain
        ("sub", "..", {}, LinkVerdict.INSIDE),  # sub/l -> .. is the root: inside
        ("", "a/b", {"a": "x/y", "x/y": "../.."}, LinkVerdict.ESCAPES),  # two hops, then up
        ("", "a/f", {"a": "x", "x": "a"}, LinkVerdict.LOOP),  # a -> x -> a ...
        ("", "a/f", {"a": "/etc"}, LinkVerdict.ABSOLUTE),  # absolute in the middle of a chain
        ("d", "../d/./f", {}, LinkVerdict.INSIDE),  # dots that stay inside
        ("", "b/c/..", {"b": "d/e"}, LinkVerdict.INSIDE),  # b -> d/e, then c, then up to d/e
    ],
)
def test_resolve_link(start, target, symlinks, verdict):
    assert resolve_link(start, target, symlinks)[0] == verdict


def test_resolve_link_follows_to_the_real_place():
    assert resolve_link("", "b/c/..", {"b": "d/e"}) == (LinkVerdict.INSIDE, "d/e")


def test_symlink_chain_in_tarball_refused(tmp_path):
    archive = tar_gz(
        tmp_path / "model.tar.gz",
        [*SAVED, ("sub", "dir", ""), ("sub/l", "sym", ".."), ("esc", "sym", "sub/l/../etc/passwd")],
    )
    with pytest.raises(ContractError) as exc:
        check_model(archive, "tensorflow", "2.16")
    assert [p.path for p in exc.value.problems] == ["esc"]
    assert "points outside" in str(exc.value) and "via" in str(exc.value)


def test_symlink_chain_in_directory_refused(tmp_path):
    root = m.tf_savedmodel(tmp_path / "tf")
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "l")  # the root itself: harmless alone
    os.symlink("sub/l/../etc/passwd", root / "esc")  # normpath says "sub/etc/passwd"
    problems = find_problems(root, "tensorflow", "2.16").problems
    assert [p.path for p in problems] == ["esc"]


def test_link_loop_and_hardlink_through_symlink_refused(tmp_path):
    archive = tar_gz(
        tmp_path / "model.tar.gz",
        [*SAVED, ("a", "sym", "b"), ("b", "sym", "a"), ("up", "sym", ".."), ("h", "hard", "up/x")],
    )
    problems = {p.path: p.message for p in find_problems(archive, "tensorflow", "2.16").problems}
    assert "loop" in problems["a"] and "loop" in problems["b"]
    assert "hardlink points outside" in problems["h"] and "up" in problems
    assert "1/saved_model.pb" not in problems


def test_member_written_through_a_symlink_refused(tmp_path):
    archive = tar_gz(tmp_path / "model.tar.gz", [*SAVED, ("lnk", "sym", "1"), ("lnk/extra", "file", b"x")])
    problems = find_problems(archive, "tensorflow", "2.16").problems
    assert [(p.path, "stored under the symlink" in p.message) for p in problems] == [("lnk/extra", True)]


def test_links_that_stay_inside_pass(tmp_path):
    archive = tar_gz(
        tmp_path / "model.tar.gz",
        [
            *SAVED,
            ("code", "dir", ""),
            ("code/model.pb", "sym", "../1/saved_model.pb"),
            ("h", "hard", "1/saved_model.pb"),
        ],
    )
    assert find_problems(archive, "tensorflow", "2.16").problems == []


@pytest.mark.parametrize("name", ["1/evil\nname", "1/tab\there", "1/esc\x1b[31m", "1/del\x7f"])
def test_control_characters_in_names_refused(tmp_path, name):
    archive = tar_gz(tmp_path / "model.tar.gz", [*SAVED, (name, "file", b"x")])
    problems = find_problems(archive, "tensorflow", "2.16").problems
    assert len(problems) == 1 and "control character" in problems[0].message
    assert "\n" not in str(problems[0]) and "\x1b" not in str(problems[0])  # printed escaped


def test_control_character_in_link_target_refused(tmp_path):
    archive = tar_gz(
        tmp_path / "model.tar.gz", [*SAVED, ("l", "sym", "1/saved_model.pb\n")], fmt=tarfile.PAX_FORMAT
    )
    assert "link target" in messages(find_problems(archive, "tensorflow", "2.16"))


def test_newline_in_directory_file_name_refused(tmp_path):
    root = m.tf_savedmodel(tmp_path / "tf")
    (root / "1" / "bad\nname").write_text("x")
    assert "control character" in messages(find_problems(root, "tensorflow", "2.16"))


# --- limits: member count and expanded size ------------------------------------------------------


def many_empty_members(path: Path, n: int) -> Path:
    """A .tar.gz of ``n`` empty files (the issue's 10^6 case at a smaller n)."""
    with gzip.open(path, "wb", compresslevel=1) as gz, tarfile.open(fileobj=gz, mode="w|") as tf:
        for i in range(n):
            tf.addfile(tarfile.TarInfo(f"f{i}"))
    return path


def test_member_count_capped_with_clear_error(tmp_path):
    archive = many_empty_members(tmp_path / "model.tar.gz", 500)
    with pytest.raises(ArchiveRefused) as exc:
        find_problems(archive, "xgboost", "1.7-1", limits=ArchiveLimits(max_members=100))
    text = str(exc.value)
    assert "more than 100 members" in text and "--max-members" in text and "\n" not in text
    assert exc.value.exit_code == 2
    assert find_problems(archive, "xgboost", "1.7-1", limits=ArchiveLimits(max_members=500)).entries


def test_expanded_size_capped(tmp_path):
    archive = tar_gz(tmp_path / "model.tar.gz", [("xgboost-model", "file", b"\0" * 4096)])
    with pytest.raises(ArchiveRefused, match="expands to more than 1 KiB"):
        find_problems(archive, "xgboost", "1.7-1", limits=ArchiveLimits(max_bytes=1024))


def test_directory_member_count_capped_while_walking(tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    for i in range(50):
        (root / f"f{i}").touch()
    with pytest.raises(ArchiveRefused, match="more than 10 members"):
        collect_entries(root, "xgboost", limits=ArchiveLimits(max_members=10))


def test_limits_from_env(monkeypatch):
    monkeypatch.setenv("SMCAT_IMPORT_MAX_MEMBERS", "7")
    monkeypatch.setenv("SMCAT_IMPORT_MAX_SIZE", "2G")
    assert ArchiveLimits.from_env() == ArchiveLimits(7, 2 << 30)
    monkeypatch.setenv("SMCAT_IMPORT_MAX_MEMBERS", "many")
    with pytest.raises(InvalidImportRequest, match="SMCAT_IMPORT_MAX_MEMBERS"):
        ArchiveLimits.from_env()


@pytest.mark.parametrize(
    "text, expected",
    [("4096", 4096), ("500M", 500 << 20), ("100g", 100 << 30), ("1TiB", 1 << 40), ("2 GB", 2 << 30)],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "-1", "1.5G", "10X", "0"])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError, match="--max-size"):
        parse_size(text)


# --- not a tarball -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"this is not an archive\n",  # plain text named .tar.gz
        gzip.compress(b"plain text, gzip-compressed, not a tar" * 20, mtime=0),  # gzip but not tar
        b"",  # empty file
    ],
    ids=["plain-text", "gzip-not-tar", "empty"],  # the same ids in every pytest-xdist worker
)
def test_not_a_tarball_is_one_clear_error(tmp_path, content):
    bad = tmp_path / "notatar.tar.gz"
    bad.write_bytes(content)
    with pytest.raises(ArchiveRefused) as exc:
        find_problems(bad, "xgboost", "1.7-1")
    text = str(exc.value)
    assert "not a readable gzip-compressed tar archive" in text and "tar czf" in text
    assert "\n" not in text and exc.value.exit_code == 2


def test_truncated_tarball_is_refused(tmp_path):
    good = tar_gz(tmp_path / "good.tar.gz", [("xgboost-model", "file", os.urandom(64 << 10))])
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[:20_000])
    with pytest.raises(ArchiveRefused, match="not a readable"):
        find_problems(cut, "xgboost", "1.7-1")


def test_huge_extended_header_refused_before_it_is_read(tmp_path):
    """tarfile reads a pax header whole into memory: a 2 MiB one is refused from its size field."""
    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz", format=tarfile.PAX_FORMAT) as tf:
        ti = tarfile.TarInfo("xgboost-model")
        ti.pax_headers = {"comment": "x" * (2 << 20)}
        tf.addfile(ti, io.BytesIO(b""))
    with pytest.raises(ArchiveRefused, match="extended header of 2,097,"):
        find_problems(archive, "xgboost", "1.7-1")
