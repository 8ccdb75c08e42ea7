"""Save a screenshot of each catalogue page under ``docs/screenshots/`` with headless Chromium.

    python bench/screenshots.py [--out docs/screenshots]

Serves the shipped catalogue with ``smcat serve`` on loopback and drives Debian's ``chromium``
(see ``tests/browser.py``). The shipped catalogue has one version, so for the changes view an
earlier version is reconstructed from it by leaving out the images that reached GA in the 120
days before it was built; that older version exists only in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/browser.py: the same browser set-up as the browser tests

from smcat.catalog.store import Store, make_snapshot, shipped_dir  # noqa: E402
from smcat.catalog.times import parse_iso  # noqa: E402
from tests.browser import chromium_driver, start_server  # noqa: E402

# Nothing here may send traffic off loopback: boto3 (and the SageMaker SDK a bench installs or
# imports) must not probe the EC2 metadata address, in this process or any it starts.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

WIDE, PHONE = (1280, 900), (390, 844)


def _store(root: Path) -> tuple[str, str]:
    """A store with an older (reconstructed) version, then the shipped one; returns both ids."""
    shipped = Store(shipped_dir()).load()
    built = parse_iso(shipped.created_at)
    assert built is not None
    cut = (built.date() - timedelta(days=240)).isoformat()
    older_images = [r for r in shipped.images if not (r.ga and r.ga >= cut)]
    older = make_snapshot(
        older_images,
        sources=dict(shipped.sources),
        registries={k: dict(v) for k, v in shipped.registries.items()},
        conflicts=shipped.conflicts,
        now=built - timedelta(days=240),
    )
    st = Store(root)
    st.publish(older)
    shutil.copy(shipped_dir() / "snapshots" / f"{shipped.id}.json", root / "snapshots" / f"{shipped.id}.json")
    st.set_current(shipped.id)
    return older.id, shipped.id


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        old, new = _store(Path(tmp) / "catalog")
        proc, url = start_server(Path(tmp) / "catalog")
        driver = chromium_driver(Path(tmp) / "profile", width=WIDE[0], height=WIDE[1])
        views = [
            ("home", "/", WIDE),
            ("answer", "/?framework=pytorch&version=2.6&region=eu-west-1", WIDE),
            ("framework", "/framework/pytorch", WIDE),
            ("region", "/region/eu-west-1", WIDE),
            ("changes", f"/changes?from={old}&to={new}#diff", WIDE),
            ("conflicts", "/changes#c-h", WIDE),
            ("phone", "/?framework=pytorch&version=2.6&region=eu-west-1#answer", PHONE),
            ("docs", "/docs", WIDE),
        ]
        try:
            for name, path, (w, h) in views:
                driver.execute_cdp_cmd(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 500},
                )
                driver.get(url + path)
                if name == "docs":  # Swagger UI renders in the browser: wait for its operations
                    driver.implicitly_wait(10)
                    driver.find_element("css selector", ".opblock")
                target = args.out / f"{name}.png"
                target.write_bytes(driver.get_screenshot_as_png())
                print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: {path}")
        finally:
            driver.quit()
            proc.terminate()
            proc.wait(timeout=10)
    print(f"as of {date.today()}")


if __name__ == "__main__":
    main()
