"""A refresh whose store fails under it (issue 9, item 11): disk full is a one-line ``failed``, recorded.

The sources are two hand-made fixtures (one DLC image YAML, the region table) served from a
mirror directory through the real ``Fetcher`` and parsed by the real scrapers. The full disk is
a store layer whose writes raise ``OSError(ENOSPC)``, as ``os.write`` does on a full filesystem.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smcat.catalog.store import LocalLayer, Store
from smcat.scrapers.http import Fetcher, mirror_path
from smcat.scrapers.refresh import run_refresh
from smcat.scrapers.registry import get
from smcat.scrapers.sources import dlc_regions

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
YAML_URL = (
    "https://raw.githubusercontent.com/aws/deep-learning-containers/main/docs/src/data/"
    "tensorflow-inference/2.18-gpu-sagemaker.yml"
)
YAML_URL2 = YAML_URL.replace("tensorflow-inference/2.18-gpu-sagemaker", "pytorch-training/2.7-gpu-ec2")
SCRAPERS = (dataclasses.replace(get("dlc-image-data"), start_urls=(YAML_URL,)), get("dlc-regions"))
#: The next day's sources: one more image, so the refresh has a new version to write.
MORE = (dataclasses.replace(get("dlc-image-data"), start_urls=(YAML_URL, YAML_URL2)), get("dlc-regions"))


class DiskFull(LocalLayer):
    """A local store on a disk that is full for names starting with one of ``full``."""

    def __init__(self, root, full: tuple[str, ...]) -> None:
        super().__init__(root)
        self.full = full

    def write(self, name: str, text: str) -> None:
        if name.startswith(self.full):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.location(name))
        super().write(name, text)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("mirror")
    for url, fixture in (
        (YAML_URL, FIXTURES / "dlc_image_data" / "tensorflow-inference" / "2.18-gpu-sagemaker.yml"),
        (YAML_URL2, FIXTURES / "dlc_image_data" / "pytorch-training" / "2.7-gpu-ec2.yml"),
        (dlc_regions.URL, FIXTURES / "dlc_regions" / "region_availability.md"),
    ):
        path = mirror_path(root, url)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(fixture, path)
    return root


@pytest.fixture(scope="module")
def first(mirror, tmp_path_factory):
    """A catalogue with one published version from the fixtures."""
    root = tmp_path_factory.mktemp("catalog")
    report = run_refresh(Store(root), Fetcher(mirror=mirror), scrapers=SCRAPERS)
    assert report.outcome == "published", report.reason
    return root, report.snapshot_id


def copy_of(first, tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(first[0], root)
    return root


class TestDiskFull:
    """Item 11: ENOSPC while publishing gives a ``failed`` report, one line, recorded in status.json."""

    def test_the_next_days_sources_do_publish_on_a_disk_with_room(self, first, mirror, tmp_path):
        root = copy_of(first, tmp_path)
        report = run_refresh(Store(root), Fetcher(mirror=mirror), scrapers=MORE)
        assert report.outcome == "published" and report.snapshot_id != first[1]

    def test_enospc_on_the_snapshot_is_a_failed_refresh_recorded_in_status(self, first, mirror, tmp_path):
        root = copy_of(first, tmp_path)
        store = Store(DiskFull(root, full=("snapshots/",)))
        report = run_refresh(
            store, Fetcher(mirror=mirror), scrapers=MORE, now=datetime(2031, 1, 1, tzinfo=UTC)
        )
        assert report.outcome == "failed" and not report.ok
        assert "No space left on device (ENOSPC)" in report.reason and "\n" not in report.reason
        assert "the current version stays" in report.reason
        assert (root / "CURRENT").read_text().strip() == first[1]  # nothing moved
        status = json.loads((root / "status.json").read_text())
        assert status["last_refresh"]["outcome"] == "failed"
        assert "ENOSPC" in status["last_refresh"]["reason"]
        assert {s["last_status"] for s in status["sources"].values()} == {"ok"}  # the sources were fine

    def test_a_disk_too_full_even_for_status_still_gives_a_report(self, first, mirror, tmp_path):
        root = copy_of(first, tmp_path)
        before = (root / "status.json").read_bytes()
        store = Store(DiskFull(root, full=("snapshots/", "status.json", "CURRENT")))
        report = run_refresh(
            store, Fetcher(mirror=mirror), scrapers=MORE, now=datetime(2031, 1, 1, tzinfo=UTC)
        )
        assert report.outcome == "failed"
        assert "and status.json was not updated" in report.reason and "\n" not in report.reason
        assert (root / "status.json").read_bytes() == before
        assert (root / "CURRENT").read_text().strip() == first[1]
        assert json.loads(json.dumps(report.to_dict()))["outcome"] == "failed"  # --json prints this

    def test_a_corrupt_status_json_is_rewritten_by_the_next_refresh(self, first, mirror, tmp_path):
        root = copy_of(first, tmp_path)
        (root / "status.json").write_text("[]")
        report = run_refresh(Store(root), Fetcher(mirror=mirror), scrapers=SCRAPERS)
        assert report.outcome == "unchanged"
        assert Store(root).status()["last_refresh"]["outcome"] == "unchanged"

    def test_a_lock_directory_that_cannot_be_made_is_a_failed_refresh_not_a_traceback(
        self, first, mirror, tmp_path
    ):
        root = copy_of(first, tmp_path)
        (tmp_path / "a-file").write_text("")
        store = Store(root, lock_dir=tmp_path / "a-file" / "locks")
        report = run_refresh(store, Fetcher(mirror=mirror), scrapers=MORE)
        assert report.outcome == "failed"
        assert report.reason.startswith(
            f"Cannot take the refresh lock of {root} in {tmp_path / 'a-file' / 'locks'}"
        )
        assert "\n" not in report.reason
        assert Store(root).status()["last_refresh"]["outcome"] == "failed"
        assert (root / "CURRENT").read_text().strip() == first[1]
