"""Packaging throughput of resolver.importer.package vs GNU ``tar -czf``, peak RSS, and upload skip.

    python bench/bench_package.py --size-mb 500

Prints figures, asserts nothing. The model directory is generated: files mixing random blocks
(incompressible, like weights) and repeated blocks (compressible, like padding and text).
The upload part starts a local moto server and imports the same model twice.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resolver.importer.package import COMPRESSLEVEL, package_model

MB = 1024 * 1024


def make_model(root: Path, size_mb: int, seed: int = 7) -> int:
    """Write ~size_mb of model files in 1 MiB blocks (half random, half repeated); return bytes."""
    import random

    rng = random.Random(seed)
    root.mkdir(parents=True)
    (root / "code").mkdir()
    (root / "code" / "inference.py").write_text("def model_fn(model_dir):\n    return None\n")
    repeated = (b"smcat-weights-" * 80000)[:MB]
    total, n = 0, 0
    per_file = max(1, min(64, size_mb // 8 or 1))
    while total < size_mb * MB:
        with open(root / f"shard-{n:03d}.bin", "wb") as f:
            for _ in range(per_file):
                block = rng.randbytes(MB) if rng.random() < 0.5 else repeated
                f.write(block)
                total += MB
                if total >= size_mb * MB:
                    break
        n += 1
    return total


def peak_rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def bench_package(model: Path, work: Path, total: int) -> None:
    t = time.perf_counter()
    subprocess.run(["tar", "-czf", str(work / "gnu.tar.gz"), "-C", str(model), "."], check=True)
    gnu = time.perf_counter() - t
    t = time.perf_counter()
    info = package_model(model, work / "model.tar.gz", "pytorch")
    ours = time.perf_counter() - t
    print(f"input:            {total / MB:.0f} MB in {info.members} members")
    gnu_mb = os.path.getsize(work / "gnu.tar.gz") / MB
    print(f"GNU tar -czf:     {gnu:6.2f} s  {total / MB / gnu:7.1f} MB/s  -> {gnu_mb:.1f} MB")
    print(
        f"smcat package:    {ours:6.2f} s  {total / MB / ours:7.1f} MB/s  -> {info.size / MB:.1f} MB"
        f"  (gzip level {COMPRESSLEVEL}, sha256 {info.sha256[:12]}...)"
    )
    print(f"throughput ratio: {gnu / ours:.2f}x of GNU tar (target >= 0.8x)")
    print(f"peak RSS:         {peak_rss_mb():.0f} MB (this process, incl. interpreter and boto3 later)")
    t = time.perf_counter()
    again = package_model(model, work / "again.tar.gz", "pytorch")
    print(f"repeat package:   same sha256: {again.sha256 == info.sha256} ({time.perf_counter() - t:.2f} s)")


def bench_upload(model: Path) -> None:
    import boto3

    from resolver.importer import import_model

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
            up = res.timings.get("upload_file", 0)
            print(
                f"{attempt}:    uploaded={res.uploaded!s:5}  {res.size / MB:.1f} MB  "
                f"total {time.perf_counter() - t:.2f} s (upload step {up:.2f} s)"
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=500)
    ap.add_argument("--upload-size-mb", type=int, default=None, help="model size for the upload part")
    ap.add_argument("--no-upload", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="smcat-bench-"))
    try:
        total = make_model(work / "model", args.size_mb)
        bench_package(work / "model", work, total)
        if not args.no_upload:
            model = work / "model"
            if args.upload_size_mb:
                make_model(work / "small", args.upload_size_mb)
                model = work / "small"
            bench_upload(model)
        print(f"peak RSS (final): {peak_rss_mb():.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
