"""Benchmark a full offline refresh (``python -m smcat.scrapers.shipped``'s build) at 1x, 3x and 10x sources.

    python bench/bench_refresh.py [--mirror ../shared/sources/mirror] [--runs 3]

Each size is a temporary copy of the recorded mirror in which every DLC image YAML is replicated
``factor`` times under new names (``<name>-x<j>.yml``, listed in the Trees API answer) with its
version's first number raised by ``1000 * j`` (so the copies are new images, not duplicates).
Each run is a fresh interpreter doing fetch-from-mirror + parse + merge + snapshot + publish into
a temporary directory; the figure is the median wall time of the build (imports apart).
Targets (issue 10): <= 1 s at today's sources, and linear in the sources (3x and 10x reported
with their ratio to 1x per document). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from synthetic import bump

HERE = Path(__file__).resolve().parents[1]
TREE = "api.github.com/repos/aws/deep-learning-containers/git/trees/main"
RAW = "raw.githubusercontent.com/aws/deep-learning-containers/main/"

SNIPPET = r"""
import sys, time, json
from pathlib import Path
t0 = time.perf_counter()
from smcat.scrapers.shipped import main
t1 = time.perf_counter()
code = main(["--mirror", sys.argv[1], "--out", sys.argv[2]])
t2 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, code]))
"""


def replicate(mirror: Path, dest: Path, factor: int) -> int:
    """Copy ``mirror`` to ``dest`` with every DLC YAML replicated ``factor`` times; returns the YAML count."""
    shutil.copytree(mirror, dest)
    tree_file = next(p for p in (dest / TREE).parent.rglob("*") if p.is_file() and TREE in str(p))
    tree = json.loads(tree_file.read_text("utf-8"))
    added = []
    ymls = [e for e in tree["tree"] if e["path"].endswith(".yml") and (dest / RAW / e["path"]).is_file()]
    for e in ymls:
        src = dest / RAW / e["path"]
        text = src.read_text("utf-8")
        m = re.search(r'^version:\s*"?([^"\n]+)"?', text, re.M)
        if not m:
            continue
        version = m.group(1).strip()
        for j in range(1, factor):
            new = text.replace(version, bump(version, j))
            path = e["path"][: -len(".yml")] + f"-x{j}.yml"
            (dest / RAW / path).write_text(new, "utf-8")
            added.append({**e, "path": path, "sha": f"{j:040d}"})
    tree["tree"].extend(added)
    tree_file.write_text(json.dumps(tree), "utf-8")
    return len(ymls) * factor


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", type=Path, default=HERE.parent / "shared" / "sources" / "mirror")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(HERE), "AWS_EC2_METADATA_DISABLED": "true"}
    print(f"{'sources':>8} {'DLC YAMLs':>10} {'images':>7} {'build s':>8} {'ms per YAML':>12} {'vs 1x':>6}")
    per_doc_1x = None
    with tempfile.TemporaryDirectory() as tmp:
        for factor in (1, 3, 10):
            mirror = Path(tmp) / f"mirror{factor}"
            n = replicate(args.mirror, mirror, factor)
            times = []
            images = 0
            for i in range(args.runs):
                out = Path(tmp) / f"out{factor}-{i}"
                res = subprocess.run(
                    [sys.executable, "-c", SNIPPET, str(mirror), str(out)],
                    capture_output=True, text=True, env=env, check=True,
                )  # fmt: skip
                _, build, code = json.loads(res.stdout.strip().splitlines()[-1])
                if code != 0:
                    raise SystemExit(f"build failed at {factor}x: {res.stdout[-500:]}")
                times.append(build)
                images = int(re.search(r"(\d+) images", res.stdout).group(1))
            med = statistics.median(times)
            per_doc = med / n * 1000
            per_doc_1x = per_doc_1x or per_doc
            print(
                f"{factor:>7}x {n:>10} {images:>7} {med:>8.2f} {per_doc:>12.2f} {per_doc / per_doc_1x:>5.2f}x"
            )
    print("targets: <= 1 s at 1x; linear (the per-YAML cost stays ~1.0x of the 1x figure at 3x and 10x)")
    yaml_loaders(args.mirror)


def yaml_loaders(mirror: Path) -> None:
    """The DLC YAML parse alone: libyaml's loader (what the scraper uses) beside the pure-Python one."""
    import time

    import yaml

    texts = [p.read_text("utf-8") for p in sorted((mirror / RAW).rglob("*.yml"))]
    row = []
    for name in ("CSafeLoader", "SafeLoader"):
        loader = getattr(yaml, name, None)
        if loader is None:
            row.append(f"{name}: not available")
            continue
        t = time.perf_counter()
        for text in texts:
            yaml.load(text, Loader=loader)
        row.append(f"{name} {(time.perf_counter() - t) * 1000:.0f} ms")
    print(f"parsing the {len(texts)} DLC YAML files alone: " + " vs ".join(row))


if __name__ == "__main__":
    main()
