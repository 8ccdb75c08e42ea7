"""Packaging throughput of smcat.importer.package vs ``tar -czf`` and ``tar | pigz``, and the repeat skip.

    python bench/bench_package.py --size-mb 500 --runs 3

Prints figures, asserts nothing. The model directory is generated to look like a model, never one
repeated block: float32 and float16 weight shards whose sign/exponent bytes follow a gaussian
(std 0.02) and whose mantissa bytes are random (gzip -6 shrinks them ~7 % and ~20 %, as it does
real checkpoints), a tokenizer.json / vocab.txt / merges.txt of Zipf-distributed words, and a few
hundred small files (configs, code, small tensors). Each tool runs ``--runs`` times, interleaved
(the machine is shared), and the medians are printed side by side. Then: the same bytes with one
thread, peak RSS, the manifest's reuse of an unchanged model, and two imports through a local moto
server (the second finds the archive kept and the object already uploaded).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smcat.importer.package import COMPRESSLEVEL, package_model
from smcat.importer.package_cache import ENV_CACHE
from smcat.importer.parallel_gzip import ENGINE, default_threads

MB = 1024 * 1024


def _top_byte_table(rng: random.Random, fmt: str) -> bytes:
    """256 most-significant bytes (sign + exponent) of gaussian weights packed as ``fmt``."""
    return bytes(struct.pack(fmt, rng.gauss(0.0, 0.02))[-1] for _ in range(256))


def _weights(rng: random.Random, n: int, width: int, table: bytes) -> bytes:
    """``n`` bytes of little-endian floats: random mantissa bytes, a gaussian's top byte."""
    b = bytearray(rng.randbytes(n))
    b[width - 1 :: width] = bytes(b[width - 1 :: width]).translate(table)
    return bytes(b)


def _text(rng: random.Random, vocab: list[str], cum_weights: list[float], n: int) -> str:
    out, size = [], 0
    while size < n:
        line = " ".join(rng.choices(vocab, cum_weights=cum_weights, k=rng.randint(4, 24)))
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)[:n]


def make_model(root: Path, size_mb: int, seed: int = 7) -> int:
    """Write a ~size_mb model directory (weights ~88 %, text ~10 %, small files ~2 %); return bytes."""
    rng = random.Random(seed)
    f32, f16 = _top_byte_table(rng, "<f"), _top_byte_table(rng, "<e")
    syllables = ["an", "ber", "co", "de", "el", "fi", "gra", "hu", "in", "jo", "ka", "lo", "mi", "nu", "or"]
    vocab = ["".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(30_000)]
    zipf = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(vocab))))  # cumulative
    root.mkdir(parents=True)
    code = root / "code"
    code.mkdir()
    (code / "inference.py").write_text("def model_fn(model_dir):\n    return None\n")
    total_target = size_mb * MB
    text_bytes = total_target // 10
    small_bytes = total_target // 50
    weight_bytes = total_target - text_bytes - small_bytes

    # weights: shards of <= 64 MiB, one in five float16
    shard, written = 0, 0
    while written < weight_bytes:
        n = min(64 * MB, weight_bytes - written)
        width, table = (2, f16) if shard % 5 == 4 else (4, f32)
        with open(root / f"model-{shard:05d}.safetensors", "wb") as f:
            for off in range(0, n, MB):
                f.write(_weights(rng, min(MB, n - off), width, table))
        written += n
        shard += 1

    # tokenizer and vocabulary
    vocab_json = {w: i for i, w in enumerate(dict.fromkeys(vocab))}
    tok = json.dumps({"model": {"type": "BPE", "vocab": vocab_json}, "added_tokens": []}, indent=2)
    (root / "tokenizer.json").write_text(tok)
    (root / "vocab.txt").write_text("\n".join(vocab_json))
    (root / "merges.txt").write_text(_text(rng, vocab, zipf, max(0, text_bytes - len(tok) - 300_000)))

    # many small files: configs, code, small tensors
    small = root / "extra"
    small.mkdir()
    i, done = 0, 0
    while done < small_bytes:
        kind = i % 3
        if kind == 0:
            body = json.dumps({"layer": i, "hidden": rng.choice([768, 1024, 4096]), "eps": rng.random()})
            data = body.encode()
            name = f"config-{i:04d}.json"
        elif kind == 1:
            data = _text(rng, vocab, zipf, rng.randint(200, 4000)).encode()
            name = f"notes-{i:04d}.txt"
        else:
            data = _weights(rng, 4 * rng.randint(256, 16384), 4, f32)
            name = f"bias-{i:04d}.bin"
        (small / name).write_bytes(data)
        done += len(data)
        i += 1
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def peak_rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _cpu() -> float:
    """CPU seconds of this process (every thread) and of its waited-for children (tar, pigz)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _timed_cpu(fn) -> tuple[float, float]:
    c = _cpu()
    wall = _timed(fn)
    return wall, _cpu() - c


def bench_package(model: Path, work: Path, total: int, runs: int) -> None:
    have_pigz = shutil.which("pigz") is not None
    tools = {
        "smcat package": lambda: package_model(model, work / "smcat.tar.gz", "pytorch"),
        "tar -czf": lambda: subprocess.run(
            ["tar", "-czf", str(work / "gnu.tar.gz"), "-C", str(model), "."], check=True
        ),
    }
    if have_pigz:
        tools["tar | pigz"] = lambda: subprocess.run(
            ["bash", "-o", "pipefail", "-c", f"tar -cf - -C '{model}' . | pigz -6 > '{work}/pigz.tar.gz'"],
            check=True,
        )
    times: dict[str, list[float]] = {k: [] for k in tools}
    cpus: dict[str, list[float]] = {k: [] for k in tools}
    for _ in range(runs):  # interleaved, so load from other processes hits every tool alike
        for name, fn in tools.items():
            wall, cpu = _timed_cpu(fn)
            times[name].append(wall)
            cpus[name].append(cpu)
    outputs = {"smcat package": "smcat.tar.gz", "tar -czf": "gnu.tar.gz", "tar | pigz": "pigz.tar.gz"}
    print(f"input:          {total / MB:.0f} MB, {sum(1 for _ in model.rglob('*'))} entries")
    print(f"cores:          {default_threads()} (smcat deflate: {ENGINE}, level {COMPRESSLEVEL})")
    print(f"load average:   {os.getloadavg()[0]:.1f} (other processes share these cores: see CPU s)")
    print(
        f"{'':15} {'median s':>9} {'MB/s':>8} {'min..max s':>14} {'CPU s':>7} {'MB/CPU s':>9} "
        f"{'output MB':>10} {'ratio':>6}"
    )
    for name, ts in times.items():
        med, cpu = statistics.median(ts), statistics.median(cpus[name])
        out = os.path.getsize(work / outputs[name]) / MB
        print(
            f"{name:15} {med:9.2f} {total / MB / med:8.1f} {min(ts):6.2f}..{max(ts):<6.2f} {cpu:7.2f} "
            f"{total / MB / cpu:9.1f} {out:10.1f} {out / (total / MB):6.3f}"
        )
    smcat = statistics.median(times["smcat package"])
    print(f"smcat vs tar -czf:   {statistics.median(times['tar -czf']) / smcat:.2f}x throughput")
    if have_pigz:
        pigz = statistics.median(times["tar | pigz"])
        print(f"smcat vs tar | pigz: {pigz / smcat:.2f}x throughput (target >= 1)")
    else:
        print("tar | pigz: pigz is not installed (apt-get install -y pigz), no figure")
    child = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[3]); "
        "from smcat.importer.package import package_model; "
        "package_model(Path(sys.argv[1]), Path(sys.argv[2]), 'pytorch'); "
        "print(next(int(l.split()[1]) // 1024 for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )  # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec from the forked parent's size
    root = str(Path(__file__).resolve().parents[1])
    rss = subprocess.run(
        [sys.executable, "-c", child, str(model), str(work / "rss.tar.gz"), root],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"peak RSS:       {rss} MB packaging {total / MB:.0f} MB in a fresh process (interpreter included)")
    ref = (work / "smcat.tar.gz").read_bytes()
    t = _timed(lambda: package_model(model, work / "one.tar.gz", "pytorch", threads=1))
    same = (work / "one.tar.gz").read_bytes() == ref
    print(f"1 thread:       same bytes as {default_threads()} threads: {same} ({total / MB / t:.1f} MB/s)")
    del ref


def bench_reuse(model: Path, work: Path, total: int) -> None:
    cache = work / "cache"
    t_build = _timed(lambda: package_model(model, work / "c1.tar.gz", "pytorch", cache_dir=cache))
    t_reuse = _timed(lambda: package_model(model, work / "c2.tar.gz", "pytorch", cache_dir=cache))
    print(f"manifest:       first package {t_build:.2f} s (hashing each file too), unchanged -> reused in "
          f"{t_reuse * 1000:.1f} ms (stat of every member)")
    for p in model.rglob("*"):
        os.utime(p)  # touched: the stat moved, the bytes did not
    t_hash = _timed(lambda: package_model(model, work / "c3.tar.gz", "pytorch", cache_dir=cache))
    print(f"                every file touched -> re-hashed and reused in {t_hash:.2f} s "
          f"({total / MB / t_hash:.0f} MB/s)")


def bench_upload(model: Path, work: Path) -> None:
    import boto3

    from smcat.importer import import_model

    os.environ[ENV_CACHE] = str(work / "import-cache")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
        session.client("s3", endpoint_url=url).create_bucket(Bucket="bench")
        for attempt in ("first import ", "repeat import"):
            t = time.perf_counter()
            res = import_model(
                model,
                framework="pytorch",
                version="2.1",
                region="us-east-1",
                role="arn:aws:iam::123456789012:role/SageMakerRole",
                mode="register",
                image_uri="763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1.0-cpu-py310",
                bucket="bench",
                boto3_session=session,
                endpoint_url=url,
            )
            print(
                f"{attempt}:  uploaded={res.uploaded!s:5}  {res.size / MB:.1f} MB  "
                f"total {time.perf_counter() - t:.2f} s (package {res.timings.get('package', 0):.2f} s, "
                f"upload step {res.timings.get('upload_file', 0):.2f} s)"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3, help="runs per tool (median printed)")
    ap.add_argument("--upload-size-mb", type=int, default=None, help="model size for the import part")
    ap.add_argument("--no-upload", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="smcat-bench-"))
    try:
        t = time.perf_counter()
        total = make_model(work / "model", args.size_mb)
        print(f"generated:      {total / MB:.0f} MB in {time.perf_counter() - t:.1f} s")
        bench_package(work / "model", work, total, args.runs)
        bench_reuse(work / "model", work, total)
        if not args.no_upload:
            model = work / "model"
            if args.upload_size_mb:
                make_model(work / "small", args.upload_size_mb)
                model = work / "small"
            bench_upload(model, work)
        print(f"bench process peak RSS: {peak_rss_mb():.0f} MB (generator, boto3's 8 x 64 MiB upload parts)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
