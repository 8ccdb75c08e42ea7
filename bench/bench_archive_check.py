"""Time and peak memory of the import archive check on an adversarial and a normal model.tar.gz.

    python bench/bench_archive_check.py [--members 1000000] [--normal-mb 64]

Issue 9 #13: a ~6 MB .tar.gz of 10^6 empty members took 31 s and 640 MB to check. Each case
runs in a fresh process; peak RSS is VmHWM from /proc/self/status. Cases: the adversarial
archive with the default limits (refused at the member cap), the same archive with the cap
raised above its size (a full scan, to show memory stays bounded), and a normal archive
(a SavedModel with one large variables file). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

SNIPPET = """
import time
from smcat.importer import ArchiveLimits, ArchiveRefused, find_problems
limits = ArchiveLimits(max_members={max_members}) if {max_members} else None
t0 = time.perf_counter()
try:
    report = find_problems({path!r}, "tensorflow", "2.16", limits=limits)
    outcome = f"checked {{len(report.entries)}} members, {{len(report.problems)}} problem(s)"
except ArchiveRefused as err:
    outcome = "refused: " + str(err).split(": ", 1)[1][:60]
t1 = time.perf_counter()
rss = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:"))
print(f"{{t1 - t0:.3f}}|{{rss}}|{{outcome}}")
"""


def adversarial(path: Path, n: int) -> None:
    with gzip.open(path, "wb", compresslevel=6) as gz, tarfile.open(fileobj=gz, mode="w|") as tf:
        for i in range(n):
            tf.addfile(tarfile.TarInfo(f"f{i:07d}"))


def normal(path: Path, mb: int) -> None:
    with tarfile.open(path, "w:gz", compresslevel=1) as tf:
        for name, data in (
            ("1/saved_model.pb", b"\x08\x01\x12\x0fserving_default"),
            ("1/variables/variables.index", b"\x00index"),
            ("1/variables/variables.data-00000-of-00001", os.urandom(mb << 20)),
        ):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))


def run(path: Path, max_members: int) -> tuple[float, int, str]:
    env = dict(os.environ, AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=str(HERE))
    code = SNIPPET.format(path=str(path), max_members=max_members)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    secs, rss, outcome = out.stdout.strip().split("|", 2)
    return float(secs), int(rss), outcome


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--normal-mb", type=int, default=64)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="smcat-bench-") as tmp:
        bomb, ok = Path(tmp) / "bomb.tar.gz", Path(tmp) / "model.tar.gz"
        t0 = time.perf_counter()
        adversarial(bomb, args.members)
        normal(ok, args.normal_mb)
        print(f"built inputs in {time.perf_counter() - t0:.1f} s")
        print(f"adversarial: {args.members:,} empty members, {bomb.stat().st_size / 1e6:.1f} MB gzip")
        print(f"normal:      SavedModel, {ok.stat().st_size / 1e6:.1f} MB gzip\n")
        print(f"{'case':52} {'time s':>8} {'peak RSS MB':>12}  outcome")
        cases = [
            ("adversarial, default limits", bomb, 0),
            (f"adversarial, --max-members {args.members + 1:,} (full scan)", bomb, args.members + 1),
            ("normal archive, default limits", ok, 0),
        ]
        for label, path, cap in cases:
            secs, rss, outcome = run(path, cap)
            print(f"{label:52} {secs:8.3f} {rss / 1024:12.1f}  {outcome}")


if __name__ == "__main__":
    main()
