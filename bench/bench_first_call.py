"""Benchmark the first ``resolve()`` call of a fresh process: load + check + index, at 1x and 10x.

    python bench/bench_first_call.py [--runs 7] [--sdk-python /work/sdkvenv/bin/python]

Each figure is the median over ``--runs`` fresh interpreters of: the import of ``smcat``, the
store modules the first call imports (once per process; both reported apart), then the first
``resolve()`` without ``snapshot=`` (read the pointer, read and integrity-check the snapshot,
index the framework asked, answer: the "load + index" of issue 10), and the total of all three.
"cold" is the very first load of a file's bytes (the full integrity check, which then vouches
for those bytes with a marker under ``$XDG_CACHE_HOME/smcat/verified``); "warm" is every later
process (the bytes are hashed and compared, ids checked). The 10x catalogue is the shipped one
with every record copied nine times under new versions (``synthetic.py``). Baseline: the SageMaker SDK's first
``image_uris.retrieve()`` after its import, in its own venv. Targets (issue 10): first call
<= 15 ms at 1x, <= 100 ms at 10x. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from synthetic import scaled, shipped, write_store

HERE = Path(__file__).resolve().parents[1]

SNIPPET = r"""
import time, json
t0 = time.perf_counter()
from smcat import resolve
t1 = time.perf_counter()
import smcat.catalog.store, smcat.storage  # what the first call imports, once per process
t1b, c1b = time.perf_counter(), time.process_time()
r = resolve("tensorflow", "2.0", "ap-southeast-1", gpu=True)
t2, c2 = time.perf_counter(), time.process_time()
resolve("tensorflow", "2.0", "ap-southeast-1", gpu=True)
t3 = time.perf_counter()
print(json.dumps([t1 - t0, t1b - t1, t2 - t1b, t3 - t2, c2 - c1b, r.catalog_version]))
"""

SDK_SNIPPET = r"""
import time, json
t0 = time.perf_counter()
from sagemaker import image_uris
t1 = time.perf_counter()
image_uris.retrieve("tensorflow", region="ap-southeast-1", version="2.0", instance_type="ml.p3.2xlarge",
                    image_scope="inference")
t2 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1]))
"""


#: Bytecode is cached (under a temporary prefix) as in any installed package: a shell that sets
#: PYTHONDONTWRITEBYTECODE would otherwise make every run compile every module it imports.
PYCACHE = tempfile.mkdtemp(prefix="smcat-bench-pycache-")


def run(python: str, code: str, env: dict) -> list:
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPYCACHEPREFIX": PYCACHE}
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument(
        "--sdk-python", default=os.environ.get("SMCAT_BENCH_SDK_PYTHON", "/work/sdkvenv/bin/python")
    )
    args = ap.parse_args()
    base = shipped()
    head = f"{'catalogue':>10} {'images':>7} {'import ms':>10} {'modules ms':>11} {'first cold ms':>14}"
    print(head + f" {'first warm ms':>14} {'(CPU ms)':>9} {'total warm ms':>14} {'next us':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for factor in (1, 10):
            snap = base if factor == 1 else scaled(base, factor)
            store = Path(tmp) / f"store{factor}"
            write_store(store, snap)
            env = {
                **os.environ,
                "PYTHONPATH": str(HERE),
                "SMCAT_CATALOG": str(store),
                "AWS_EC2_METADATA_DISABLED": "true",
            }
            imports, modules, cold, warm, cpu, total, nxt = [], [], [], [], [], [], []
            run(sys.executable, SNIPPET, {**env, "XDG_CACHE_HOME": str(Path(tmp) / "pyc-warm-up")})
            for i in range(args.runs):
                cache = Path(tmp) / f"cache{factor}-{i}"  # a fresh marker directory: the cold case
                imp, mods, first, again, _, vid = run(
                    sys.executable, SNIPPET, {**env, "XDG_CACHE_HOME": str(cache)}
                )
                assert vid == snap.id
                cold.append(first)
                imp, mods, first, again, first_cpu, _ = run(
                    sys.executable, SNIPPET, {**env, "XDG_CACHE_HOME": str(cache)}
                )
                imports.append(imp)
                modules.append(mods)
                warm.append(first)
                cpu.append(first_cpu)
                total.append(imp + mods + first)
                nxt.append(again)
            med = statistics.median
            print(
                f"{factor:>9}x {len(snap.images):>7} {med(imports) * 1e3:>10.1f} {med(modules) * 1e3:>11.1f} "
                f"{med(cold) * 1e3:>14.1f} {med(warm) * 1e3:>14.1f} {med(cpu) * 1e3:>9.1f} "
                f"{med(total) * 1e3:>14.1f} "
                f"{med(nxt) * 1e6:>8.0f}"
            )
    print("targets: first call (load + index, warm) <= 15 ms at 1x, <= 100 ms at 10x")
    print("(CPU ms: the first call's process CPU time, steadier than wall time on a shared machine)")
    sdk = Path(args.sdk_python)
    if not sdk.exists():
        print(f"SDK baseline skipped: no interpreter at {sdk}")
        return
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}  # the SDK must not probe 169.254.169.254
    run(str(sdk), SDK_SNIPPET, env)  # its bytecode cached too
    res = [run(str(sdk), SDK_SNIPPET, env) for _ in range(max(3, args.runs // 2))]
    print(
        f"SageMaker SDK: import {statistics.median(r[0] for r in res) * 1e3:.0f} ms, "
        f"first image_uris.retrieve() {statistics.median(r[1] for r in res) * 1e3:.1f} ms, "
        f"total {statistics.median(r[0] + r[1] for r in res) * 1e3:.0f} ms"
    )


if __name__ == "__main__":
    main()
