"""Benchmark the catalogue: full offline refresh over the mirror, and loading it in a fresh process.

    python bench/bench_catalog.py [--mirror ../shared/sources/mirror] [--runs 3]

Targets (issue 2): refresh <= 5 s on the 2-core machine; load of the current catalogue in a
fresh process <= 200 ms. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

# Peak RSS from /proc (VmHWM): getrusage's ru_maxrss survives fork+exec and would report the parent's.
LOAD_SNIPPET = """
import time
t0 = time.perf_counter()
from smcat.catalog.store import Store

# Nothing here may send traffic off loopback: boto3 (and the SageMaker SDK a bench installs or
# imports) must not probe the EC2 metadata address, in this process or any it starts.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
snap = Store({root!r}).load()
t1 = time.perf_counter()
rss = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:"))
print(f"{{t1 - t0:.4f}} {{len(snap.images)}} {{rss}}")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", type=Path, default=HERE.parent / "shared" / "sources" / "mirror")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not args.mirror.is_dir():
        sys.exit(f"mirror not found at {args.mirror}; pass --mirror DIR")

    from smcat.catalog.store import Store
    from smcat.scrapers.http import Fetcher
    from smcat.scrapers.refresh import run_refresh

    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            root = Path(tmp) / f"c{i}"
            t0 = time.perf_counter()
            rep = run_refresh(Store(root), Fetcher(mirror=args.mirror))
            times.append(time.perf_counter() - t0)
            assert rep.outcome == "published", rep.reason
        snap_file = next((root / "snapshots").glob("*.json"))
        size = snap_file.stat().st_size
        print(
            f"refresh (offline, mirror, {len(rep.sources)} sources, "
            f"{sum(s.documents for s in rep.sources)} documents): "
            f"median {statistics.median(times):.2f} s, min {min(times):.2f} s   (target <= 5 s)"
        )
        for s in rep.sources:
            print(f"    {s.name:24} {s.documents:4} docs {s.images:6} images {s.seconds:6.2f} s")
        print(f"snapshot on disk: {size / 1024:.0f} KiB")
        loads = []
        for _ in range(5):
            out = subprocess.run(
                [sys.executable, "-c", LOAD_SNIPPET.format(root=str(root))],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "PYTHONPATH": str(HERE)},
            ).stdout.split()
            loads.append((float(out[0]), int(out[1]), int(out[2])))
        med = statistics.median(x[0] for x in loads)
        print(
            f"load current catalogue in a fresh process: median {med * 1000:.0f} ms "
            f"({loads[0][1]} images; process peak RSS {loads[0][2] / 1024:.0f} MiB)   (target <= 200 ms)"
        )


if __name__ == "__main__":
    main()
