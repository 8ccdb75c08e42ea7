"""Rebuild the snapshot shipped inside the package from a mirror of the sources.

    python -m smcat.scrapers.shipped --mirror ../shared/sources/mirror

writes ``catalog/data/snapshots/<id>.json`` and ``catalog/data/CURRENT`` (replacing the previous
shipped snapshot). A test rebuilds it the same way and fails when the shipped one is stale.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from smcat.catalog.models import Snapshot
from smcat.catalog.store import Store, shipped_dir
from smcat.scrapers.http import Fetcher
from smcat.scrapers.refresh import SourceReport, build_snapshot, collect

__all__ = ["build_from_mirror", "main"]


def build_from_mirror(mirror: Path) -> tuple[Snapshot, list[SourceReport]]:
    """Scrape every source from ``mirror`` and merge; raises nothing, returns the reports too."""
    inp, reports = collect(Fetcher(mirror=mirror))
    return build_snapshot(inp, reports), reports


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", type=Path, required=True, help="mirror directory laid out as HOST/PATH")
    ap.add_argument("--out", type=Path, default=shipped_dir(), help="target directory (default: the package)")
    args = ap.parse_args(argv)
    snap, reports = build_from_mirror(args.mirror)
    failed = [r for r in reports if r.status == "failed"]
    if failed:
        for r in failed:
            print(f"{r.name}: {r.error}")
        return 4
    shutil.rmtree(args.out / "snapshots", ignore_errors=True)
    Store(args.out).publish(snap)
    print(f"shipped {snap.id}: {len(snap.images)} images, {len(snap.regions)} regions")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
