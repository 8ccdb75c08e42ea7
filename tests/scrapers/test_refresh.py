"""End-to-end refresh over the recorded sources, and every way an upstream fault is refused.

The recorded mirror is replayed through a real loopback HTTP server (conditional GETs and
all) or through ``responses`` when a fault needs a status code or a timeout. A refused
refresh must leave the catalogue directory byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
import requests
import responses
from click.testing import CliRunner

from smcat.catalog.store import Store, open_store, shipped_dir
from smcat.cli import cli
from smcat.scrapers.http import Fetcher, make_session, mirror_path, prefix_rewriter
from smcat.scrapers.refresh import run_refresh
from tests.conftest import MIRROR, requires_shared
from tests.httpserver import serve_directory
from tests.mirror_overlay import MirrorOverlay

pytestmark = requires_shared

DOCS = "https://raw.githubusercontent.com/awsdocs/amazon-sagemaker-developer-guide/a869fa5c9bd1074a85bd23748d0463e322ad8939/doc_source"
DLC = "https://raw.githubusercontent.com/aws/deep-learning-containers"
TF_YAML = f"{DLC}/main/docs/src/data/tensorflow-inference/2.19-gpu-sagemaker.yml"


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every catalogue file: snapshots and the pointer. The lock directory, the HTTP
    cache and ``status.json`` (the record of refresh attempts, which a refused refresh must
    update) are not catalogue."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] not in ("locks", "http-cache", "status.json")
    }


def image(snap, repository, version, processor, *, platform=None):
    return next(
        r
        for r in snap.images
        if r.repository == repository
        and r.version == version
        and r.processor == processor
        and (platform is None or r.platform == platform)
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One real refresh over the loopback-served mirror, into a fresh catalogue."""
    root = tmp_path_factory.mktemp("catalog")
    with serve_directory(MIRROR) as base:
        fetcher = Fetcher(
            make_session(), rewrite=prefix_rewriter({"https://": base + "/"}), cache_dir=root / "http-cache"
        )
        report = run_refresh(Store(root), fetcher)
        again = run_refresh(Store(root), fetcher)
    return root, report, again, fetcher


def test_end_to_end_refresh_publishes_real_facts(published):
    root, report, _, _ = published
    assert report.outcome == "published", report.reason
    assert {s.name: s.status for s in report.sources} == {
        "aws-docs-ecr-paths": "ok",
        "dlc-image-data": "ok",
        "sdk-image-config": "ok",
        "sdk-image-config-v2": "ok",
        "dlc-regions": "ok",
        "dlc-legacy": "ok",
        "dlc-available-images": "ok",
    }
    snap = Store(root).load()
    tf = image(snap, "tensorflow-inference", "2.19.0", "gpu", platform="sagemaker")
    assert "2.19.0-gpu-py312-cu122-ubuntu22.04-sagemaker" in tf.tags
    assert (tf.ga, tf.eop) == ("2025-03-11", "2026-03-11")
    assert tf.accounts["ap-southeast-1"] == "763104351884"
    assert tf.accounts["af-south-1"] == "626614931356"
    assert tf.accounts["cn-north-1"] == "727897471807"
    sk = image(snap, "sagemaker-scikit-learn", "1.0-1", "cpu")
    assert sk.accounts["us-east-1"] == "683313688378"
    assert sk.accounts["ap-southeast-1"] == "121021644041"
    # every region any source names is in the catalogue, China and GovCloud included
    assert {"cn-north-1", "cn-northwest-1", "us-gov-west-1", "ap-southeast-7", "mx-central-1"} <= snap.regions
    # each source's fetch time is recorded in the snapshot
    assert all(s["fetched_at"] for s in snap.sources.values())


def test_an_unchanged_upstream_costs_no_downloads_and_publishes_nothing(published):
    root, report, again, fetcher = published
    assert again.outcome == "unchanged"
    assert again.snapshot_id == report.snapshot_id
    assert len(Store(root).versions()) == 1
    docs = sum(s.documents for s in again.sources)
    assert fetcher.stats.not_modified == docs  # every document of the second run was a 304


@pytest.fixture(scope="module")
def good_template(tmp_path_factory):
    """The good catalogue, built by one real refresh from the mirror once per module."""
    root = tmp_path_factory.mktemp("good") / "catalog"
    report = run_refresh(Store(root), Fetcher(mirror=MIRROR))
    assert report.outcome == "published", report.reason
    return root


@pytest.fixture
def good_catalog(good_template, tmp_path):
    """A private copy of the good catalogue, for a test whose refresh may (wrongly) change it."""
    root = tmp_path / "catalog"
    shutil.copytree(good_template, root, ignore=shutil.ignore_patterns("locks"))
    return root


@pytest.fixture
def broken_mirror(tmp_path):
    """The recorded mirror, read through symlinks; ``edit`` gives a real copy of one document."""
    return MirrorOverlay(MIRROR, tmp_path / "mirror")


BROKEN = {
    # an empty body (a CDN hiccup)
    "empty": (f"{DOCS}/ecr-eu-west-1.md", lambda t: ""),
    # a page cut off halfway through a table
    "truncated": (f"{DOCS}/ecr-eu-west-1.md", lambda t: t[: len(t) // 2].rsplit("|", 3)[0]),
    # an HTML error page served with 200
    "error-page": (TF_YAML, lambda t: "<html><body><h1>503 Service Unavailable</h1></body></html>"),
    # a renamed column in the region table
    "renamed-column": (
        f"{DLC}/main/docs/reference/region_availability.md",
        lambda t: t.replace("| Account ID |", "| Registry |"),
    ),
    # available_images.md replaced by a page without any table
    "no-tables": (
        f"{DLC}/d2846d66a6c9651c9dc13818fe7369f90dd58485/available_images.md",
        lambda t: "# Available images\n\nSee the list below.\n",
    ),
}


@pytest.mark.parametrize("fault", sorted(BROKEN))
def test_a_broken_document_refuses_the_refresh_and_keeps_the_catalogue(fault, good_catalog, broken_mirror):
    url, breaker = BROKEN[fault]
    path = broken_mirror.edit(url)
    path.write_text(breaker(path.read_text("utf-8")), "utf-8")
    before = tree_digest(good_catalog)
    report = run_refresh(Store(good_catalog), Fetcher(mirror=broken_mirror.root))
    assert report.outcome == "refused"
    failed = [s for s in report.sources if s.status == "failed"]
    assert len(failed) == 1
    assert url in failed[0].error or url.rsplit("/", 1)[-1] in failed[0].error, failed[0].error
    assert failed[0].name in report.reason
    assert tree_digest(good_catalog) == before
    status = Store(good_catalog).status()
    assert status["last_refresh"]["outcome"] == "refused"
    assert status["sources"][failed[0].name]["last_status"] == "failed"
    assert status["sources"][failed[0].name]["error"] == failed[0].error
    assert all(v["last_status"] == "ok" for k, v in status["sources"].items() if k != failed[0].name)


def _replay(status_for: dict[str, object]):
    """A ``responses`` callback serving the mirror, with faults for some URLs."""

    def callback(request):
        url = request.url.split("?", 1)[0]
        fault = status_for.get(url)
        if isinstance(fault, Exception):
            raise fault
        if isinstance(fault, int):
            return fault, {}, "upstream trouble"
        p = mirror_path(MIRROR, url)
        if not p.is_file():
            return 404, {}, "not found"
        return 200, {"ETag": '"x"'}, p.read_bytes()

    return callback


@pytest.mark.parametrize(
    "fault",
    [
        503,  # server error, after the retries
        requests.exceptions.ConnectTimeout("connect timed out"),  # a timeout
        404,  # a page that went away
    ],
    ids=["http-503", "timeout", "http-404"],
)
def test_an_http_fault_refuses_the_refresh(fault, good_catalog, tmp_path):
    before = tree_digest(good_catalog)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.GET, re.compile(r"https://.*"), callback=_replay({TF_YAML: fault}))
        fetcher = Fetcher(make_session(retries=1, backoff=0), cache_dir=tmp_path / "cache")
        report = run_refresh(Store(good_catalog), fetcher)
    assert report.outcome == "refused"
    (failed,) = [s for s in report.sources if s.status == "failed"]
    assert failed.name == "dlc-image-data" and TF_YAML in failed.error
    assert tree_digest(good_catalog) == before


def test_losing_many_images_is_refused_unless_forced(good_catalog, broken_mirror):
    tree = broken_mirror.edit_file("api.github.com/repos/aws/deep-learning-containers/git/trees/main")
    doc = json.loads(tree.read_text())
    doc["tree"] = [e for e in doc["tree"] if "pytorch" not in e["path"] and "vllm" not in e["path"]]
    tree.write_text(json.dumps(doc))
    # and the SDK's configuration stops listing PyTorch and TensorFlow (both branches)
    sdk = "api.github.com/repos/aws/sagemaker-python-sdk/contents"
    for recorded in (MIRROR / sdk).rglob("image_uri_config"):
        listing = broken_mirror.edit_file(recorded.relative_to(MIRROR))
        entries = json.loads(listing.read_text())
        listing.write_text(
            json.dumps([e for e in entries if e["name"] not in ("pytorch.json", "tensorflow.json")])
        )
    before = tree_digest(good_catalog)
    report = run_refresh(Store(good_catalog), Fetcher(mirror=broken_mirror.root))
    assert report.outcome == "refused" and "limit" in report.reason
    assert tree_digest(good_catalog) == before
    forced = run_refresh(Store(good_catalog), Fetcher(mirror=broken_mirror.root), force=True)
    assert forced.outcome == "published" and forced.diff.removed


def test_cli_refresh_exit_codes_and_json(tmp_path, broken_mirror):
    runner = CliRunner()
    cat = str(tmp_path / "c")
    # a new catalogue directory is overlaid on the shipped snapshot, which the mirror rebuilds
    same = runner.invoke(cli, ["refresh", "--mirror", str(MIRROR), "--catalog", cat, "--json"])
    assert same.exit_code == 0, same.output
    assert json.loads(same.stdout)["outcome"] == "unchanged"
    # upstream adds a tag: a new version is published, and the diff names the changed image
    yml = broken_mirror.edit(TF_YAML)
    yml.write_text(
        yml.read_text().replace("tags:\n", 'tags:\n  - "2.19.0-gpu-py312-cu122-ubuntu22.04-sagemaker-v9.9"\n')
    )
    new = runner.invoke(cli, ["refresh", "--mirror", str(broken_mirror.root), "--catalog", cat, "--json"])
    assert new.exit_code == 0, new.output
    out = json.loads(new.stdout)
    assert out["outcome"] == "published"
    assert [c["fields"] for c in out["diff"]["changed"]] == [["tags"]]
    assert "tensorflow-inference|2.19.0|inference|gpu" in out["diff"]["changed"][0]["image"]
    # upstream breaks: refused with exit 4, the message names the source
    yml.write_text("")
    bad = runner.invoke(cli, ["refresh", "--mirror", str(broken_mirror.root), "--catalog", cat])
    assert bad.exit_code == 4
    assert "refused" in bad.stderr and "dlc-image-data" in bad.stderr
    assert open_store(cat).current_id() == out["snapshot"]


def test_an_unchanged_refresh_over_the_shipped_version_pins_it_in_the_writable_layer(tmp_path):
    # replicas sharing this store must serve this version, not whatever their own package ships
    root = tmp_path / "c"
    store = Store(root, bases=(shipped_dir(),))
    shipped = store.current_id()
    assert shipped and not (root / "CURRENT").exists()
    report = run_refresh(store, Fetcher(mirror=MIRROR))
    assert (report.outcome, report.snapshot_id) == ("unchanged", shipped)
    assert (root / "CURRENT").read_text() == shipped + "\n"
    assert Store(root).load().content_hash == store.load(shipped).content_hash  # without the base
    pinned = (root / "CURRENT").stat()
    again = run_refresh(store, Fetcher(mirror=MIRROR))  # the pointer is its own now: not rewritten
    after = (root / "CURRENT").stat()
    assert again.outcome == "unchanged"
    assert (after.st_ino, after.st_mtime_ns) == (pinned.st_ino, pinned.st_mtime_ns)


def test_the_shipped_snapshot_is_current_with_the_mirror():
    from smcat.scrapers.shipped import build_from_mirror

    rebuilt, reports = build_from_mirror(MIRROR)
    assert all(r.status == "ok" for r in reports)
    shipped = open_store("/nonexistent-smcat-user-dir").load()
    assert shipped.content_hash == rebuilt.content_hash, (
        "the shipped catalogue is stale: run "
        "'python -m smcat.scrapers.shipped --mirror ../shared/sources/mirror'"
    )
