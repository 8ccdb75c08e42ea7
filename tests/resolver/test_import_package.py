"""Deterministic, streamed packaging of model.tar.gz."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import tarfile
import zlib
from pathlib import Path

import pytest

from smcat.importer import import_model, package_model
from smcat.importer.package_cache import ENV_CACHE, KEEP, default_cache_dir
from smcat.importer.parallel_gzip import CHUNK, ParallelGzipWriter
from tests.resolver import import_models as m
from tests.resolver.conftest import IMAGE, REGION, ROLE


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


# --- threaded deflate: same bytes for any thread count, a gzip every reader accepts -----------------


def _mixed_model(root: Path, seed: int = 11) -> Path:
    """A few MiB over several deflate chunks: random (weights-like) and text, plus small files."""
    rng = random.Random(seed)
    (root / "code").mkdir(parents=True)
    m.script(root / "code" / "inference.py")
    (root / "weights.bin").write_bytes(rng.randbytes(CHUNK + 12345))
    words = [rng.choice(["attention", "layer", "norm", "weight", "bias", "token"]) for _ in range(200_000)]
    (root / "vocab.txt").write_text(" ".join(words))
    for i in range(40):
        (root / "small" / f"{i:02d}.json").parent.mkdir(exist_ok=True)
        (root / "small" / f"{i:02d}.json").write_text(json.dumps({"i": i, "x": rng.random()}))
    (root / "empty.bin").write_bytes(b"")
    for p in root.rglob("*"):  # written long ago: the manifest trusts their stat, never re-hashes
        os.utime(p, (1_600_000_000, 1_600_000_000))
    return root


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    return _mixed_model(tmp_path_factory.mktemp("mixed") / "model")


def test_thread_count_never_changes_the_bytes(mixed, tmp_path):
    outs = [package_model(mixed, tmp_path / f"t{n}.tar.gz", "pytorch", threads=n) for n in (1, 2, 3, 8)]
    assert len({(tmp_path / f"t{n}.tar.gz").read_bytes() for n in (1, 2, 3, 8)}) == 1
    assert len({o.sha256 for o in outs}) == 1
    assert (tmp_path / "t1.tar.gz").stat().st_size > CHUNK  # really several chunks


def test_gnu_tar_and_tarfile_read_it_back(mixed, tmp_path):
    info = package_model(mixed, tmp_path / "model.tar.gz", "pytorch", threads=2)
    subprocess.run(["gzip", "-t", str(info.path)], check=True)
    out = tmp_path / "gnu"
    out.mkdir()
    subprocess.run(["tar", "-xzf", str(info.path), "-C", str(out)], check=True)
    with tarfile.open(info.path) as tf:
        names = tf.getnames()
        assert names == sorted(names) and len(names) == info.members
        assert tf.extractfile("vocab.txt").read() == (mixed / "vocab.txt").read_bytes()
    for p in mixed.rglob("*"):
        if p.is_file():
            assert (out / p.relative_to(mixed)).read_bytes() == p.read_bytes(), p


@pytest.mark.parametrize(
    "sizes",
    [
        [],  # empty stream: header, one empty final block, trailer
        [CHUNK],  # exactly one chunk: the final chunk is empty
        [CHUNK - 1, 1, CHUNK + 1],  # writes across chunk boundaries
        [7] * 1000 + [3 * CHUNK],  # many small writes, then one larger than several chunks
    ],
)
def test_parallel_gzip_round_trips(sizes):
    rng = random.Random(len(sizes))
    parts = [rng.randbytes(n // 2) + b"a" * (n - n // 2) for n in sizes]
    raw = io.BytesIO()
    with ParallelGzipWriter(raw, threads=3) as gz:
        for p in parts:
            gz.write(p)
    assert gzip.decompress(raw.getvalue()) == b"".join(parts)  # checks the CRC-32 and size trailer
    assert zlib.decompress(raw.getvalue(), 31) == b"".join(parts)


def test_an_error_abandons_the_stream_without_a_trailer():
    raw = io.BytesIO()
    with pytest.raises(RuntimeError), ParallelGzipWriter(raw, threads=2) as gz:
        gz.write(b"x" * (CHUNK + 1))
        raise RuntimeError("disk gone")
    with pytest.raises(EOFError):
        gzip.decompress(raw.getvalue())


# --- the manifest: an unchanged model is not packaged again ------------------------------------------


def _slot_archive(cache: Path) -> Path:
    (archive,) = cache.glob("*/model.tar.gz")
    return archive


def test_unchanged_model_reuses_the_kept_archive(mixed, tmp_path):
    cache = tmp_path / "cache"
    first = package_model(mixed, tmp_path / "a" / "model.tar.gz", "pytorch", cache_dir=cache)
    kept = _slot_archive(cache)
    ino = kept.stat().st_ino
    (tmp_path / "b").mkdir()
    second = package_model(mixed, tmp_path / "b" / "model.tar.gz", "pytorch", cache_dir=cache)
    assert first.built and not second.built
    assert (second.sha256, second.size, second.members) == (first.sha256, first.size, first.members)
    assert _slot_archive(cache).stat().st_ino == ino  # not written again
    assert second.path.stat().st_ino == ino  # dest is a hard link to it
    assert hashlib.sha256(second.path.read_bytes()).hexdigest() == first.sha256


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def _same_size_new_bytes(root: Path) -> None:
    p = root / "weights.bin"
    st = p.stat()
    data = bytearray(p.read_bytes())
    data[100] ^= 0xFF
    p.write_bytes(bytes(data))
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and mtime: only ctime tells


def _replace_with_other_bytes_keeping_stat(root: Path) -> None:
    p = root / "vocab.txt"
    st = p.stat()
    other = root.parent / "other.txt"
    other.write_bytes(p.read_bytes().replace(b"layer", b"LAYER"))
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, p)  # like `cp -p`: same size and mtime, another inode


@pytest.mark.parametrize(
    "change",
    [
        _same_size_new_bytes,
        _replace_with_other_bytes_keeping_stat,
        lambda r: (r / "vocab.txt").open("a").write("x"),  # appended
        lambda r: (r / "new.txt").write_text("new"),  # a file added
        lambda r: (r / "small" / "03.json").unlink(),  # a file removed
        lambda r: (r / "small" / "03.json").rename(r / "small" / "03b.json"),  # renamed
        lambda r: (r / "code" / "inference.py").chmod(0o755),  # mode
        lambda r: (r / "small" / "sub").mkdir(),  # an empty directory added
        lambda r: (r / "link").symlink_to("vocab.txt"),  # a link added
    ],
)
def test_any_change_packages_again(mixed, tmp_path, change):
    model = _copy(mixed, tmp_path / "model")
    cache = tmp_path / "cache"
    first = package_model(model, tmp_path / "a.tar.gz", "pytorch", cache_dir=cache)
    change(model)
    second = package_model(model, tmp_path / "b.tar.gz", "pytorch", cache_dir=cache)
    fresh = package_model(model, tmp_path / "fresh.tar.gz", "pytorch")  # no cache at all
    assert second.built and second.sha256 != first.sha256
    assert second.sha256 == fresh.sha256
    assert (tmp_path / "b.tar.gz").read_bytes() == (tmp_path / "fresh.tar.gz").read_bytes()


def test_symlink_target_change_packages_again(tmp_path):
    model = m.hf_dir(tmp_path / "hf")
    (model / "link").symlink_to("config.json")
    cache = tmp_path / "cache"
    first = package_model(model, tmp_path / "a.tar.gz", "huggingface", cache_dir=cache)
    (model / "link").unlink()
    (model / "link").symlink_to("model.safetensors")
    second = package_model(model, tmp_path / "b.tar.gz", "huggingface", cache_dir=cache)
    assert second.built and second.sha256 != first.sha256


def test_touched_or_copied_but_same_bytes_is_reused(mixed, tmp_path):
    model = _copy(mixed, tmp_path / "model")
    cache = tmp_path / "cache"
    first = package_model(model, tmp_path / "a.tar.gz", "pytorch", cache_dir=cache)
    os.utime(model / "weights.bin", (1_800_000_000, 1_800_000_000))  # stat moved, bytes did not
    shutil.copy(model / "vocab.txt", tmp_path / "v")
    os.replace(tmp_path / "v", model / "vocab.txt")  # another inode, same bytes
    second = package_model(model, tmp_path / "b.tar.gz", "pytorch", cache_dir=cache)
    assert not second.built and second.sha256 == first.sha256
    third = package_model(model, tmp_path / "c.tar.gz", "pytorch", cache_dir=cache)
    assert not third.built and third.sha256 == first.sha256


def test_a_tampered_cached_archive_is_not_trusted(mixed, tmp_path):
    cache = tmp_path / "cache"
    first = package_model(mixed, tmp_path / "a.tar.gz", "pytorch", cache_dir=cache)
    kept = _slot_archive(cache)
    (tmp_path / "a.tar.gz").unlink()  # drop the hard link so the next write is the cache's own
    kept.write_bytes(b"not the archive")
    second = package_model(mixed, tmp_path / "b.tar.gz", "pytorch", cache_dir=cache)
    assert second.built and second.sha256 == first.sha256
    assert hashlib.sha256(second.path.read_bytes()).hexdigest() == first.sha256


def test_level_and_options_are_part_of_the_key(mixed, tmp_path):
    cache = tmp_path / "cache"
    six = package_model(mixed, tmp_path / "a.tar.gz", "pytorch", cache_dir=cache)
    one = package_model(mixed, tmp_path / "b.tar.gz", "pytorch", cache_dir=cache, compresslevel=1)
    assert one.built and one.sha256 != six.sha256


def test_unwritable_cache_still_packages(mixed, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory would go")
    info = package_model(mixed, tmp_path / "a.tar.gz", "pytorch", cache_dir=blocker / "cache")
    assert info.built and info.path == tmp_path / "a.tar.gz"
    assert hashlib.sha256(info.path.read_bytes()).hexdigest() == info.sha256


def test_only_the_most_recent_slots_are_kept(tmp_path):
    cache = tmp_path / "cache"
    for i in range(KEEP + 2):
        model = m.hf_dir(tmp_path / f"hf{i}")
        package_model(model, tmp_path / f"{i}.tar.gz", "huggingface", cache_dir=cache)
    assert len(list(cache.glob("*/manifest.json"))) == KEEP


def test_cache_dir_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_CACHE, "off")
    assert default_cache_dir() is None
    monkeypatch.setenv(ENV_CACHE, str(tmp_path / "pc"))
    assert default_cache_dir() == tmp_path / "pc"
    monkeypatch.delenv(ENV_CACHE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "smcat" / "packages"


def test_repeated_import_reuses_the_archive_and_uploads_nothing(aws, mixed, tmp_path, monkeypatch):
    session, endpoint = aws
    monkeypatch.setenv(ENV_CACHE, str(tmp_path / "cache"))
    session.client("s3", endpoint_url=endpoint).create_bucket(Bucket="pkg-bucket")
    model = _copy(mixed, tmp_path / "model")

    def run():
        return import_model(
            model,
            framework="pytorch",
            version="2.1",
            region=REGION,
            role=ROLE,
            mode="register",
            image_uri=IMAGE,
            bucket="pkg-bucket",
            boto3_session=session,
            endpoint_url=endpoint,
        )

    first = run()
    ino = _slot_archive(tmp_path / "cache").stat().st_ino
    second = run()
    assert first.uploaded and not second.uploaded and second.sha256 == first.sha256
    assert _slot_archive(tmp_path / "cache").stat().st_ino == ino  # reused, not packaged again
    (model / "vocab.txt").open("a").write("retrained")
    third = run()
    assert third.uploaded and third.sha256 != first.sha256


def test_a_killed_run_leaves_nothing_for_long(mixed, tmp_path):
    cache = tmp_path / "cache"
    package_model(mixed, tmp_path / "a.tar.gz", "pytorch", cache_dir=cache)
    slot = _slot_archive(cache).parent
    stale, fresh = slot / ".tmp-stale.tar.gz", slot / ".tmp-fresh.tar.gz"
    for p in (stale, fresh):
        p.write_bytes(b"half an archive")
    os.utime(stale, (1_600_000_000, 1_600_000_000))
    again = package_model(mixed, tmp_path / "b.tar.gz", "pytorch", cache_dir=cache)
    assert not again.built and not stale.exists() and fresh.exists()  # fresh: maybe another run's
