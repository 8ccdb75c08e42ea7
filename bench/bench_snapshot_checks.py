"""What the load-time checks of a snapshot cost (issue 9, items 8 and 10), on the shipped snapshot.

    python bench/bench_snapshot_checks.py [--runs 20] [--snapshot FILE]

Prints the median of the steps of ``smcat.catalog.snapshot_io.loads`` (parse the JSON, hand check of
the shape, id + content hash check) and of the whole call (they plus building the records), next
to what the alternatives would
cost: validating with the ``jsonschema`` library (the test extra) and recomputing the hash
from the loaded records (``snapshot_io.content_hash``). Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from smcat.catalog import shapes, snapshot_io
from smcat.catalog.store import shipped_dir

# Nothing here may send traffic off loopback: boto3 (and the SageMaker SDK a bench installs or
# imports) must not probe the EC2 metadata address, in this process or any it starts.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--snapshot", type=Path, help="a snapshot file (default: the shipped one)")
    args = ap.parse_args()
    path = args.snapshot
    if path is None:
        cid = (shipped_dir() / "CURRENT").read_text().strip()
        path = shipped_dir() / "snapshots" / f"{cid}.json"
    text = path.read_text("utf-8")
    doc = json.loads(text)
    snap = snapshot_io.loads(text)
    rows = [
        ("json.loads", _median_ms(lambda: json.loads(text), args.runs)),
        ("shape (hand check)", _median_ms(lambda: shapes.snapshot_problem(doc), args.runs)),
        ("id + content hash (document_hash)", _median_ms(lambda: snapshot_io.document_hash(doc), args.runs)),
        ("loads: parse + checks + build records", _median_ms(lambda: snapshot_io.loads(text), args.runs)),
        (
            "alt: content_hash over records",
            _median_ms(
                lambda: snapshot_io.content_hash(list(snap.images), snap.registries, snap.conflicts),
                args.runs,
            ),
        ),
    ]
    try:
        import jsonschema
    except ImportError:
        rows.append(("alt: jsonschema validate", float("nan")))
    else:
        schema = json.loads(shapes.schema_path("snapshot").read_text("utf-8"))
        validator = jsonschema.Draft202012Validator(schema)
        rows.append(
            ("alt: jsonschema validate", _median_ms(lambda: validator.validate(doc), max(3, args.runs // 4)))
        )
    print(
        f"snapshot {path.name}: {len(text) / 1e6:.2f} MB, {len(doc['images'])} images; "
        f"median of {args.runs} runs"
    )
    for name, ms in rows:
        print(f"  {name:36} {ms:8.1f} ms")


if __name__ == "__main__":
    main()
