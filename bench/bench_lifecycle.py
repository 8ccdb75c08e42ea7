"""Benchmark the successor rule's two users over the shipped catalogue.

    python bench/bench_lifecycle.py

Prints the per-call time of ``resolve()`` for images past their end of patch (the answer names
a successor: ``catalog/lifecycle.py``'s rule, published in the region asked) beside the same
queries' images before their EOP (no successor asked), and the time of a whole ``eol_report``.
Figures only; asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import timeit
from datetime import date

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

from smcat.catalog.lifecycle import eol_report
from smcat.catalog.models import Snapshot
from smcat.catalog.resolve import resolve
from smcat.catalog.store import Store, shipped_dir

#: (framework, version, region, kwargs): images with an end-of-patch date in the shipped catalogue
QUERIES = [
    ("pytorch", "1.13.1", "us-east-1", {}),
    ("pytorch", "2.3.0", "eu-west-1", {"gpu": True}),
    ("pytorch", "2.0.1", "us-west-2", {}),
    ("pytorch", "2.1.0", "us-east-1", {}),
    ("huggingface", "4.48.0", "us-east-1", {}),
]


def per_call_us(snap: Snapshot, today: date) -> list[float]:
    """Per query, the best of 5 repeats of 5000 calls, in microseconds."""
    out = []
    for fw, v, region, kw in QUERIES:

        def call(fw: str = fw, v: str = v, region: str = region, kw: dict[str, object] = kw) -> object:
            return resolve(fw, v, region, snapshot=snap, today=today, **kw)  # type: ignore[arg-type]

        call()
        out.append(min(timeit.repeat(call, number=5000, repeat=5)) / 5000 * 1e6)
    return out


def main() -> None:
    snap = Store(shipped_dir()).load()
    for label, today in (("past EOP (successor named)", date(2026, 1, 15)), ("before EOP", date(2020, 1, 1))):
        us = per_call_us(snap, today)
        each = " ".join(f"{x:.1f}" for x in us)
        print(f"resolve() {label:28}: median {statistics.median(us):.1f} us ({each})")
    n = 20
    t = min(timeit.repeat(lambda: eol_report(snap, today=date(2026, 1, 15)), number=n, repeat=3)) / n
    print(f"eol_report over {len(snap.images)} images: {t * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
