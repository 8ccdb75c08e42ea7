"""The HTTP service: every route through TestClient, caching headers, errors, hot reload of versions."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from smcat.catalog.store import Store, make_snapshot, shipped_dir
from smcat.service.app import create_app
from smcat.service.holder import CatalogHolder
from smcat.service.settings import Settings

EXAMPLE = "/image?framework=tensorflow&version=2.0&gpu=true&region=ap-southeast-1"


@pytest.fixture
def store(tmp_path):
    """A writable copy of the shipped catalogue (real facts)."""
    shutil.copytree(shipped_dir() / "snapshots", tmp_path / "snapshots")
    shutil.copy(shipped_dir() / "CURRENT", tmp_path / "CURRENT")
    return Store(tmp_path)


@pytest.fixture
def client(store):
    clock = [0.0]
    holder = CatalogHolder(store, reload_seconds=5, clock=lambda: clock[0])
    app = create_app(Settings(reload_seconds=5), holder=holder)
    with TestClient(app) as c:
        c.clock = clock
        yield c


def test_the_example_query(client):
    r = client.get(EXAMPLE)
    assert r.status_code == 200
    body = r.json()
    assert body["uri"] == "763104351884.dkr.ecr.ap-southeast-1.amazonaws.com/tensorflow-inference:2.0.4-gpu"
    assert body["account"] == "763104351884" and body["repository"] == "tensorflow-inference"
    assert body["version"] == "2.0.4" and body["processor"] == "gpu" and body["image_scope"] == "inference"
    assert body["catalog_version"] == (shipped_dir() / "CURRENT").read_text().strip()
    assert body["provenance"] and all("url" in p for p in body["provenance"])
    assert r.headers["cache-control"].startswith("public, max-age=")


@pytest.mark.parametrize(
    "query, uri",
    [
        # China: the partition's DNS suffix
        (
            "framework=keras&version=2.19&region=cn-north-1",
            "727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/tensorflow-inference:2.19.0-cpu-py312-ubuntu22.04-sagemaker",
        ),
        # first-party scikit-learn in its own registry account
        (
            "framework=scikit-learn&version=1.0-1&region=us-east-1",
            "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3",
        ),
        # a built-in algorithm
        (
            "framework=linear-learner&region=eu-west-1",
            "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1",
        ),
        # an instance type implies the processor
        (
            "framework=tensorflow&version=2.0.4&instance_type=ml.p3.2xlarge&region=us-west-2",
            "763104351884.dkr.ecr.us-west-2.amazonaws.com/tensorflow-inference:2.0.4-gpu",
        ),
    ],
)
def test_image_answers(client, query, uri):
    r = client.get(f"/image?{query}")
    assert r.status_code == 200, r.text
    assert r.json()["uri"] == uri


def test_etag_gives_304_and_changes_with_the_query(client):
    first = client.get(EXAMPLE)
    etag = first.headers["etag"]
    again = client.get(EXAMPLE, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get(EXAMPLE.replace("2.0", "2.1"))
    assert other.headers["etag"] != etag


@pytest.mark.parametrize(
    "query, status, error, text",
    [
        ("framework=tensorfloww&region=us-east-1", 422, "invalid_query", "Did you mean 'tensorflow'"),
        ("framework=tensorflow&region=Mars", 422, "invalid_query", "region"),
        ("framework=tensorflow&version=lolwat", 422, "invalid_query", "lolwat"),
        ("framework=tensorflow&gpu=true&instance_type=ml.m5.large", 422, "invalid_query", "Contradictory"),
        ("framework=tensorflow&gpu=maybe", 422, "invalid_query", "gpu"),
        ("region=us-east-1", 422, "invalid_query", "framework"),
        ("framework=tensorflow&version=9.9&region=us-east-1", 404, "no_match", "Versions that exist"),
        ("framework=tensorflow&region=us-east-7", 422, "invalid_query", "Unknown region"),
        ("framework=tensorflow&versoin=2.0", 422, "invalid_query", "Unknown query parameter 'versoin'"),
        ("framework=tensorflow&version=2.0&version=2.1", 422, "invalid_query", "given twice"),
    ],
)
def test_errors_say_what_exists(client, query, status, error, text):
    r = client.get(f"/image?{query}")
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error
    assert text in body["message"]


def test_a_query_without_region_answers_for_the_services_region_and_says_so(client, monkeypatch):
    body = client.get("/image?framework=tensorflow&version=2.0&gpu=true").json()
    assert (body["region"], body["region_source"]) == ("us-east-1", "AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # no region anywhere: no silent us-east-1
    r = client.get("/image?framework=tensorflow&version=2.0&gpu=false")
    assert r.status_code == 422 and "No region given" in r.json()["message"]


def test_no_match_carries_suggestions(client):
    body = client.get("/image?framework=tensorflow&version=9.9&region=us-east-1").json()
    assert "2.19.0" in body["suggestions"]["versions"]


def test_frameworks_regions_versions_and_health(client, store):
    fws = client.get("/frameworks").json()
    assert "tensorflow" in fws["frameworks"] and "sklearn" in fws["frameworks"]
    tf = client.get("/frameworks/keras").json()
    assert "2.19.0" in tf["versions"] and "inference" in tf["image_scopes"]
    assert client.get("/frameworks/caffe").status_code == 422
    regions = {r["region"]: r for r in client.get("/regions").json()["regions"]}
    assert regions["cn-north-1"]["dns_suffix"] == "amazonaws.com.cn"
    assert regions["af-south-1"]["accounts"]["dlc"] == "626614931356"
    vs = client.get("/catalog/versions").json()
    assert vs["serving"] == store.current_id() and len(vs["versions"]) == 1
    h = client.get("/healthz").json()
    assert h["catalog_version"] == store.current_id() and h["images"] > 1000
    assert set(h["sources"]) == {
        "aws-docs-ecr-paths",
        "dlc-image-data",
        "dlc-regions",
        "dlc-legacy",
        "dlc-available-images",
        "sdk-image-config",
        "sdk-image-config-v2",
    }
    assert h["status"] in ("ok", "degraded")
    assert client.get("/docs").status_code == 200
    assert "/image" in client.get("/openapi.json").json()["paths"]


def test_a_new_version_is_served_without_restart_and_diffable(client, store):
    old = store.load()
    old_id = old.id
    kept = [r for r in old.images if r.repository != "tensorflow-inference" or r.version != "2.0.4"]
    new = make_snapshot(
        kept, sources=old.sources, registries=old.registries, now=datetime(2030, 1, 1, tzinfo=UTC)
    )
    store.publish(new)
    assert client.get(EXAMPLE).json()["catalog_version"] == old_id  # not re-checked yet (every 5 s)
    client.app.state.holder.check_now()  # what the background poll does every reload_seconds
    body = client.get(EXAMPLE).json()
    assert body["catalog_version"] == new.id
    assert body["version"] == "2.0.3"  # 2.0.4 is gone in the new version
    d = client.get(f"/catalog/diff?from={old_id}&to={new.id}").json()
    assert len(d["removed"]) == 2 and all("|2.0.4|" in k for k in d["removed"])
    assert client.get("/catalog/diff?from=nope").status_code == 404


def test_conflicts_route_says_which_claim_won_and_why(client):
    body = client.get("/catalog/conflicts").json()
    assert body["counts"] and sum(body["counts"].values()) == len(body["conflicts"])
    il = next(c for c in body["conflicts"] if c["subject"] == "dlc registry in il-central-1")
    assert il["winner"] == "780543022126" and "region table" in il["reason"]
    assert {cl["value"] for cl in il["claims"]} == {"763104351884", "780543022126"}
