"""Server-side time of the catalogue pages on the shipped catalogue, next to ``GET /image``.

    python bench/bench_pages.py [--repeat 200]

Requests go through the ASGI app in-process (Starlette's TestClient), so the figures are the
service's own time plus a small constant client overhead, with no network. For each page:
the first request (version rows computed for this catalogue version), then the median and p95
of full renders (no ``If-None-Match``), and the median of a revalidation answered 304.
Target (issue 13): a framework page renders in <= 20 ms. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

from fastapi.testclient import TestClient

from smcat.catalog.store import Store, shipped_dir
from smcat.service.app import create_app
from smcat.service.holder import CatalogHolder
from smcat.service.settings import Settings

URLS = (
    "/framework/tensorflow",  # the largest framework (most versions)
    "/framework/pytorch",
    "/",
    "/?framework=pytorch&version=2.6&region=eu-west-1",
    "/region/eu-west-1",
    "/changes",
    "/catalog/eol.ics",
    "/image?framework=pytorch&version=2.6&region=eu-west-1",  # for reference: the JSON answer
)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    holder = CatalogHolder(Store(shipped_dir()), reload_seconds=3600)
    snap = holder.snapshot
    print(f"catalogue {snap.id}: {len(snap.images)} images; {args.repeat} requests per page")
    print(f"{'page':58} {'first ms':>8} {'median':>8} {'p95':>8} {'304 ms':>8}  bytes")
    with TestClient(create_app(Settings(), holder=holder)) as c:
        for url in URLS:
            t = time.perf_counter()
            r = c.get(url)
            first = time.perf_counter() - t
            assert r.status_code == 200, (url, r.status_code)
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                c.get(url)
                times.append(time.perf_counter() - t)
            etag = r.headers.get("etag")
            cond = []
            for _ in range(args.repeat if etag else 0):
                t = time.perf_counter()
                c.get(url, headers={"If-None-Match": etag})
                cond.append(time.perf_counter() - t)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            c304 = ms(statistics.median(cond)) if cond else "      -"
            print(f"{url:58} {ms(first)} {ms(statistics.median(times))} {ms(p95)} {c304}  {len(r.content)}")
    print("target: /framework/<name> median <= 20 ms")


if __name__ == "__main__":
    main()
