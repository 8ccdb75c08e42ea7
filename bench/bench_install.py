"""What installing smcat costs, next to the SageMaker Python SDK v2: time, packages, disk.

Each install goes into a fresh venv in a temporary directory (pip upgraded first, not timed):

    python bench/bench_install.py                 # smcat runtime, smcat[test], sagemaker<3
    python bench/bench_install.py --no-cache      # the same with pip's cache off (downloads)
    python bench/bench_install.py --only smcat    # one of: smcat, smcat-test, sdk

Packages are those ``pip list`` shows, pip itself left out; disk is the whole venv as ``du -s``
counts it (an empty venv with pip is given for reference). The machine is shared: times vary.
It needs PyPI (the ordinary pip client).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

# Nothing here may send traffic off loopback: boto3 (and the SageMaker SDK a bench installs or
# imports) must not probe the EC2 metadata address, in this process or any it starts.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "smcat": [str(ROOT)],
    "smcat-test": [f"{ROOT}[test]"],
    "sdk": ["sagemaker<3"],
}


def du_mb(path: Path) -> float:
    """Disk used, as ``du -s`` counts it (allocated blocks, MiB)."""
    total = 0
    for dirpath, dirs, files in os.walk(path):
        for f in files + dirs:
            total += Path(dirpath, f).lstat().st_blocks * 512
    return total / 2**20


def fresh_venv(where: Path) -> Path:
    venv.EnvBuilder(with_pip=True).create(where)
    py = where / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    return py


def measure(name: str, spec: list[str], tmp: Path, no_cache: bool) -> dict:
    where = tmp / name
    py = fresh_venv(where)
    empty = du_mb(where)
    cmd = [py, "-m", "pip", "install", "-q", *(["--no-cache-dir"] if no_cache else []), *spec]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    listed = subprocess.run(
        [py, "-m", "pip", "list", "--format=freeze"], check=True, capture_output=True, text=True
    ).stdout.split()
    packages = [p for p in listed if not p.lower().startswith("pip==")]
    return {
        "name": name,
        "seconds": seconds,
        "packages": len(packages),
        "mb": du_mb(where),
        "empty_mb": empty,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-cache", action="store_true", help="pip --no-cache-dir (download everything)")
    ap.add_argument("--only", choices=sorted(TARGETS), action="append")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="smcat-install-"))
    try:
        print(f"{'install':<12} {'seconds':>8} {'packages':>9} {'venv MB':>8}  (empty venv MB)")
        for name in args.only or list(TARGETS):
            r = measure(name, TARGETS[name], tmp, args.no_cache)
            line = f"{r['name']:<12} {r['seconds']:8.1f} {r['packages']:9d} {r['mb']:8.0f}"
            print(f"{line}  ({r['empty_mb']:.0f})")
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
