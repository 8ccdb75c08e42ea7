"""Benchmark no-match answers against good queries, at today's catalogue size and at 10x.

    python bench/bench_nomatch.py [--calls 3000]

Every no-match query asks a version that was never asked before (so no per-version cache can
help): ``1.<n>.77`` (an existing major, a minor that does not exist) and ``<n>.3`` (a major that
does not exist). The baseline is the good-query rate at the same size. Target (issue 10): a
no-match costs O(1)/O(log n) of the catalogue size: the no-match rate stays about the same from
1x to 10x. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import statistics
import time

from synthetic import scaled, shipped

from smcat.catalog.errors import NoMatch
from smcat.catalog.resolve import resolve

# Nothing here may send traffic off loopback: boto3 (and the SageMaker SDK a bench installs or
# imports) must not probe the EC2 metadata address, in this process or any it starts.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

GOOD = [
    ("tensorflow", "2.0", "ap-southeast-1", {"gpu": True}),
    ("pytorch", "1.12", "us-west-2", {"py_version": "py38"}),
    ("xgboost", "1.5-1", "eu-central-1", {}),
    ("sklearn", "1.0-1", "us-east-1", {}),
]
_FRESH = itertools.count(100)


def bad_queries(n: int) -> list[tuple]:
    out = []
    for i in range(n):
        k = next(_FRESH)
        fw = ("tensorflow", "pytorch", "xgboost", "huggingface")[i % 4]
        version = f"1.{k}.77" if i % 2 else f"{k + 300}.3"
        out.append((fw, version, ("us-east-1", "eu-west-1")[i % 2], {"gpu": bool(i % 3 == 0)}))
    return out


def rate(snap, queries) -> tuple[float, float]:
    """(answers per second, median us) over ``queries`` (each answered once)."""
    times = []
    for fw, v, region, kw in queries:
        t = time.perf_counter()
        with contextlib.suppress(NoMatch):
            resolve(fw, v, region, snapshot=snap, **kw)
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    return 1 / med, med * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=3000)
    args = ap.parse_args()
    base = shipped()
    head = (
        f"{'size':>5} {'images':>7} {'good q/s':>9} {'good us':>8} {'no-match q/s':>13} {'no-match us':>12}"
    )
    print(head + f" {'ratio':>6}")
    for factor in (1, 10):
        snap = base if factor == 1 else scaled(base, factor)
        for q in GOOD + bad_queries(50):  # build the index and the per-query material once
            with contextlib.suppress(NoMatch):
                resolve(q[0], q[1], q[2], snapshot=snap, **q[3])
        good = rate(snap, GOOD * (args.calls // len(GOOD)))
        bad = rate(snap, bad_queries(args.calls))
        print(
            f"{factor:>4}x {len(snap.images):>7} {good[0]:>9.0f} {good[1]:>8.1f} {bad[0]:>13.0f} "
            f"{bad[1]:>12.1f} {bad[0] / good[0]:>5.2f}x"
        )
    print("target: the no-match rate does not fall with catalogue size (O(1)/O(log n) per query)")


if __name__ == "__main__":
    main()
