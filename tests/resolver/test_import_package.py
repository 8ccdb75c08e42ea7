"""Deterministic, streamed packaging of model.tar.gz."""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile

from resolver.importer import package_model
from tests.resolver import import_models as m


def test_same_input_same_bytes_regardless_of_mtime(tmp_path):
    root = m.tf_savedmodel(tmp_path / "tf")
    m.script(root / "code" / "inference.py")
    a = package_model(root, tmp_path / "a.tar.gz", "tensorflow")
    for p in root.rglob("*"):
        os.utime(p, (1_700_000_000, 1_700_000_000))
    b = package_model(root, tmp_path / "b.tar.gz", "tensorflow")
    assert a.sha256 == b.sha256
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()
    assert a.sha256 == hashlib.sha256((tmp_path / "a.tar.gz").read_bytes()).hexdigest()
    assert a.size == (tmp_path / "a.tar.gz").stat().st_size


def test_members_sorted_with_fixed_owner_and_mtime(tmp_path):
    root = m.hf_dir(tmp_path / "hf")
    info = package_model(root, tmp_path / "model.tar.gz", "huggingface")
    with tarfile.open(info.path) as tf:
        members = tf.getmembers()
    names = [t.name for t in members]
    assert names == sorted(names)
    assert {(t.mtime, t.uid, t.gid, t.uname, t.gname) for t in members} == {(0, 0, 0, "", "")}
    raw = info.path.read_bytes()
    assert raw[4:8] == b"\0\0\0\0"  # gzip header mtime
    assert gzip.decompress(raw)  # a valid gzip stream


def test_entry_point_and_source_dir_go_to_code(tmp_path):
    model = m.torchscript(tmp_path / "model.pth")
    src = tmp_path / "src"
    m.script(src / "helpers.py", "X = 1\n")
    (src / "requirements.txt").write_text("numpy\n")
    ep = m.script(tmp_path / "inference.py")
    info = package_model(model, tmp_path / "out.tar.gz", "pytorch", entry_point=ep, source_dir=src)
    with tarfile.open(info.path) as tf:
        assert tf.getnames() == [
            "code",
            "code/helpers.py",
            "code/inference.py",
            "code/requirements.txt",
            "model.pth",
        ]


def test_existing_archive_is_kept(tmp_path):
    root = m.tf_savedmodel(tmp_path / "tf")
    first = package_model(root, tmp_path / "model.tar.gz", "tensorflow")
    kept = package_model(first.path, tmp_path / "copy.tar.gz", "tensorflow")
    assert kept.sha256 == first.sha256 and not kept.built
