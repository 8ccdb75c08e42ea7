"""Benchmark resolution: import time, per-call latency, and the SageMaker SDK side by side.

    python bench/bench_resolve.py [--sdk-python /path/to/venv-with-sagemaker/bin/python]

Targets (issue 5): ``from smcat import resolve`` in a fresh process <= 0.15 s (FastAPI and
boto3 not loaded); ``resolve()`` median <= 20 us per call over a realistic mix; >= 1000x faster
than ``sagemaker.image_uris.retrieve()`` on the same queries. The SDK column is measured in a
separate interpreter (``pip install "sagemaker<3"`` into its own venv) and skipped with a note
when none is given or found. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

#: (framework, version, region, kwargs) - a realistic mix: the SDK's names and values.
QUERIES = [
    ("tensorflow", "2.0.4", "ap-southeast-1", {"instance_type": "ml.p3.2xlarge"}),
    ("tensorflow", "2.3.1", "us-east-1", {"instance_type": "ml.m5.large"}),
    ("pytorch", "1.8.1", "eu-west-1", {"instance_type": "ml.g4dn.xlarge", "py_version": "py3"}),
    ("pytorch", "1.12.0", "us-west-2", {"instance_type": "ml.m5.xlarge", "py_version": "py38"}),
    ("sklearn", "1.0-1", "us-east-1", {"instance_type": "ml.m5.large"}),
    ("xgboost", "1.5-1", "eu-central-1", {"instance_type": "ml.m5.large"}),
    ("mxnet", "1.8.0", "us-east-2", {"instance_type": "ml.c5.xlarge", "py_version": "py37"}),
    ("linear-learner", "1", "eu-west-1", {}),
    ("tensorflow", "2.0.4", "cn-north-1", {"instance_type": "ml.m5.large"}),
    ("pytorch", "1.10.2", "ap-northeast-1", {"instance_type": "ml.p3.2xlarge", "py_version": "py38"}),
]

IMPORT_SNIPPET = (
    "import time, sys; t=time.perf_counter(); from smcat import resolve; "
    "print(time.perf_counter()-t, int('fastapi' in sys.modules), int('boto3' in sys.modules))"
)

SDK_SNIPPET = r"""
import json, sys, time, statistics
t0 = time.perf_counter()
from sagemaker import image_uris
t_import = time.perf_counter() - t0
queries = json.loads(sys.argv[1])
out = {"import_s": t_import, "per_call_us": [], "uris": []}
for fw, v, region, kw in queries:
    kw = dict(kw)
    kw.setdefault("image_scope", "inference")
    try:
        uri = image_uris.retrieve(fw, region=region, version=v, **kw)
    except Exception as e:
        out["uris"].append("error: %s" % str(e)[:80]); out["per_call_us"].append(None); continue
    n = 50
    t = time.perf_counter()
    for _ in range(n):
        image_uris.retrieve(fw, region=region, version=v, **kw)
    out["per_call_us"].append((time.perf_counter() - t) / n * 1e6)
    out["uris"].append(uri)
print(json.dumps(out))
"""


def _same(ours: str, theirs: str) -> str:
    """'yes', 'pinned' when ours is the same image under its more specific tag, else 'NO'."""
    if ours == theirs:
        return "yes"
    repo_a, _, tag_a = ours.partition(":")
    repo_b, _, tag_b = theirs.partition(":")
    return "pinned" if repo_a == repo_b and tag_a.startswith(tag_b + "-") else f"NO (SDK: {theirs})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--sdk-python", default=os.environ.get("SMCAT_BENCH_SDK_PYTHON", "/work/sdkvenv/bin/python")
    )
    ap.add_argument("--calls", type=int, default=20000)
    args = ap.parse_args()

    # bytecode cached (under a temporary prefix) as in any installed package, whatever the shell says
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="smcat-bench-pycache-")
    subprocess.run([sys.executable, "-c", IMPORT_SNIPPET], env=env, check=True, capture_output=True)
    imports = []
    for _ in range(7):
        out = subprocess.run(
            [sys.executable, "-c", IMPORT_SNIPPET], capture_output=True, text=True, env=env, check=True
        ).stdout.split()
        imports.append(float(out[0]))
    print(
        f"from smcat import resolve (fresh process): median {statistics.median(imports) * 1000:.0f} ms "
        f"(fastapi loaded: {bool(int(out[1]))}, boto3 loaded: {bool(int(out[2]))})   (target <= 150 ms)"
    )


    from smcat import reload, resolve  # the documented call: the default store, no snapshot=
    from smcat.catalog.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SMCAT_CATALOG"] = tmp  # an empty user store over the shipped snapshot
        t = time.perf_counter()
        snap = open_store().load()
        print(
            f"first catalogue load: {(time.perf_counter() - t) * 1000:.0f} ms "
            f"({len(snap.images)} images, {snap.id})"
        )
        ours = []
        for fw, v, region, kw in QUERIES:
            resolve(fw, v, region, **kw)  # warm the per-snapshot index
        per_query = []
        with_snapshot = []
        for fw, v, region, kw in QUERIES:
            n = max(1, args.calls // len(QUERIES))
            t = time.perf_counter()
            for _ in range(n):
                r = resolve(fw, v, region, **kw)
            per_query.append((time.perf_counter() - t) / n * 1e6)
            t = time.perf_counter()
            for _ in range(n):
                resolve(fw, v, region, snapshot=snap, **kw)
            with_snapshot.append((time.perf_counter() - t) / n * 1e6)
            ours.append(r.uri)
        med = statistics.median(per_query)
        print(
            f"resolve() without snapshot= (default store): median {med:.1f} us per call over {len(QUERIES)} "
            f"queries (min {min(per_query):.1f}, max {max(per_query):.1f})   (target <= 20 us)"
        )
        print(f"resolve(snapshot=...) for comparison: median {statistics.median(with_snapshot):.1f} us")
        print(pointer_follow(open_store(), snap, resolve, reload))
    sdk_py = Path(args.sdk_python)
    if not sdk_py.exists():
        print(
            f"SageMaker SDK column skipped: no interpreter at {sdk_py} "
            "(python -m venv V && V/bin/pip install 'sagemaker<3'; pass --sdk-python V/bin/python)"
        )
        return
    q = json.dumps([[fw, v, r, kw] for fw, v, r, kw in QUERIES])
    sdk_env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}  # the SDK must not probe 169.254.169.254
    res = subprocess.run([str(sdk_py), "-c", SDK_SNIPPET, q], capture_output=True, text=True, env=sdk_env)
    if res.returncode != 0:
        print(f"SageMaker SDK column skipped: it failed: {res.stderr.strip()[-300:]}")
        return
    sdk = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"SDK: from sagemaker import image_uris: {sdk['import_s']:.2f} s")
    print(f"{'query':52} {'smcat us':>9} {'SDK us':>9} {'speed-up':>9}  same image")
    ratios = []
    for (fw, v, region, kw), mine, ours_uri, theirs, their_uri in zip(
        QUERIES, per_query, ours, sdk["per_call_us"], sdk["uris"], strict=True
    ):
        label = f"{fw} {v} {region} {kw.get('instance_type', '')}"
        if theirs is None:
            print(f"{label:52} {mine:9.1f} {'-':>9} {'-':>9}  SDK: {their_uri}")
            continue
        ratios.append(theirs / mine)
        print(f"{label:52} {mine:9.1f} {theirs:9.0f} {theirs / mine:8.0f}x  {_same(ours_uri, their_uri)}")
    if ratios:
        sdk_mean = statistics.mean(x for x in sdk["per_call_us"] if x is not None)
        print(
            f"speed-up over the SDK: median {statistics.median(ratios):.0f}x, min {min(ratios):.0f}x; "
            f"SDK mean per call {sdk_mean:.0f} us / smcat median {med:.1f} us = {sdk_mean / med:.0f}x "
            "(target >= 1000x)"
        )


def pointer_follow(store, snap, resolve, reload) -> str:
    """How long the default call takes to answer from a newly published version (no reload())."""
    from datetime import UTC, datetime, timedelta

    from smcat.catalog.store import make_snapshot

    when = datetime.fromisoformat(snap.created_at.replace("Z", "+00:00")).astimezone(UTC)
    new = make_snapshot(
        list(snap.images[1:]),
        sources=dict(snap.sources),
        registries=dict(snap.registries),
        conflicts=snap.conflicts,
        now=when.replace(microsecond=0) + timedelta(hours=1),
    )
    store.publish(new)
    t = time.perf_counter()
    while resolve("tensorflow", "2.0", "us-east-1").catalog_version != new.id:
        time.sleep(0.001)
    seen = time.perf_counter() - t
    store.set_current(snap.id)
    reload()
    back = resolve("tensorflow", "2.0", "us-east-1").catalog_version == snap.id
    return (
        f"a newly published version is answered {seen:.2f} s after the pointer moved (target <= 1 s); "
        f"after reload(): at once ({back})"
    )


if __name__ == "__main__":
    main()
