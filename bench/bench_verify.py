"""Verify N catalogue-like images against a local moto server acting as the DLC registry account.

Prints, for each concurrency asked: wall time, images per second and the ECR requests actually
sent (counted with botocore's ``before-send`` hook); then a second run within the freshness
window, which must send zero requests (its answers come from ``verifications.json``).

    .venv/bin/python bench/bench_verify.py                 # 500 images, concurrency 8 (and 1 for comparison)
    .venv/bin/python bench/bench_verify.py --images 200 --concurrency 16 --compare 0
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import boto3  # noqa: E402

from smcat.catalog.store import Store  # noqa: E402
from smcat.verify import Verifier  # noqa: E402
from smcat.verify_log import VerificationLog, verify_many  # noqa: E402
from tests.resolver import ecr_registry as reg  # noqa: E402

REGION = reg.REGION
REPOS = (
    "pytorch-inference",
    "pytorch-training",
    "tensorflow-inference",
    "tensorflow-training",
    "huggingface-pytorch-inference",
)


def _session():
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


def populate(url: str, n: int, absent_every: int) -> list[str]:
    """Push images for ``n`` URIs (every ``absent_every``-th left absent); returns the URIs."""
    ecr = _session().client("ecr", endpoint_url=url)
    uris = []
    for i in range(n):
        repo = REPOS[i % len(REPOS)]
        tag = f"2.{i // len(REPOS)}.0-gpu-py312-cu124-ubuntu22.04-sagemaker"
        if absent_every and i % absent_every == absent_every - 1:
            pass  # listed by "the sources", absent from the registry
        else:
            reg.push(ecr, repo, tag)
        uris.append(f"{reg.DLC_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repo}:{tag}")
    return uris


def run(url: str, uris: list[str], concurrency: int, store_dir: Path) -> dict:
    session = _session()
    sent = [0]
    session.events.register("before-send.ecr", lambda **_: sent.__setitem__(0, sent[0] + 1))
    log = VerificationLog(Store(store_dir))
    verifier = Verifier(session, endpoint_url=url)
    t0 = time.perf_counter()
    results = verify_many(
        uris, verifier=verifier, log=log, max_age=timedelta(hours=24), concurrency=concurrency
    )
    dt = time.perf_counter() - t0
    return {"seconds": dt, "requests": sent[0], "statuses": dict(Counter(v.status for v in results))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--compare", type=int, default=1, help="also time this concurrency (0: skip)")
    ap.add_argument("--absent-every", type=int, default=10, help="leave every Nth image out of the registry")
    args = ap.parse_args()
    with reg.moto_server() as url:
        t0 = time.perf_counter()
        uris = populate(url, args.images, args.absent_every)
        print(
            f"registry: {args.images} URIs over {len(REPOS)} repositories, "
            f"pushed in {time.perf_counter() - t0:.1f} s"
        )
        levels = [args.concurrency] + (
            [args.compare] if args.compare and args.compare != args.concurrency else []
        )
        for c in levels:
            with tempfile.TemporaryDirectory() as d:
                first = run(url, uris, c, Path(d))
                second = run(url, uris, c, Path(d))
                size = (Path(d) / "verifications.json").stat().st_size
            print(
                f"concurrency {c:>2}: first run {first['seconds']:.2f} s "
                f"({args.images / first['seconds']:.0f} images/s), "
                f"{first['requests']} requests, {first['statuses']}"
            )
            print(
                f"               second run within 24 h: {second['seconds'] * 1000:.1f} ms, "
                f"{second['requests']} requests, {second['statuses']}; "
                f"verifications.json {size / 1024:.0f} KiB"
            )
            assert second["requests"] == 0, "a second run within the freshness window must not ask ECR"


if __name__ == "__main__":
    main()
