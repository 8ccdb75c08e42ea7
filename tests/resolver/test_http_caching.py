"""Issue 11: ``ETag``, ``Cache-Control`` and ``304`` on every read-only GET route of the API
(``/healthz`` excluded on purpose: ``no-store``), and what ``/healthz`` says after install."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from smcat.catalog.store import make_snapshot, open_store
from smcat.service.app import create_app
from smcat.service.holder import CatalogHolder
from smcat.service.settings import Settings


@pytest.fixture
def store(tmp_path):
    """A new, empty catalogue directory over the shipped snapshot: a fresh install."""
    return open_store(tmp_path)


@pytest.fixture
def client(store):
    with TestClient(create_app(Settings(cache_max_age=120), holder=CatalogHolder(store))) as c:
        yield c


def routes(store) -> list[str]:
    current = store.current_id()
    return [
        "/frameworks",
        "/frameworks/torch",
        "/regions",
        "/catalog/versions",
        "/catalog/conflicts",
        f"/catalog/diff?from={current}",
        f"/catalog/diff?from={current}&format=markdown",
        "/image?framework=pytorch&version=2&region=eu-west-1",
    ]


def test_every_get_route_is_revalidated(client, store):
    for path in routes(store):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text)
        etag = r.headers["etag"]
        assert etag.startswith('"') and r.headers["cache-control"] == "public, max-age=120", path
        # RFC 9110: weak comparison, lists, *
        for inm in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            again = client.get(path, headers={"If-None-Match": inm})
            assert again.status_code == 304 and again.content == b"", (path, inm)
            assert again.headers["etag"] == etag and again.headers["cache-control"], path
        other = client.get(path, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200 and other.content == r.content, path


def test_tags_follow_the_content(client, store):
    """Another framework, another format, another catalogue version: another tag."""
    tags = {client.get(p).headers["etag"] for p in routes(store)}
    assert len(tags) == len(routes(store))
    assert (
        client.get("/frameworks/pytorch").headers["etag"]
        != client.get("/frameworks/tensorflow").headers["etag"]
    )
    before = client.get("/catalog/versions").headers["etag"]
    snap = store.load()
    newer = make_snapshot(list(snap.images)[:-1], sources=snap.sources, registries=snap.registries)
    store.publish(newer)
    client.app.state.holder.check_now()
    assert client.get("/catalog/versions").headers["etag"] != before
    assert client.get("/catalog/versions", headers={"If-None-Match": before}).status_code == 200


def test_errors_carry_no_validators(client):
    for path in ("/frameworks/nosuchframework", "/catalog/diff?from=nope"):
        r = client.get(path, headers={"If-None-Match": "*"})
        assert r.status_code in (404, 422) and "etag" not in r.headers, path
        assert r.headers["content-type"] == "application/problem+json"


def test_healthz_is_never_cached_and_says_what_it_serves(client, store):
    r = client.get("/healthz", headers={"If-None-Match": "*"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store" and "etag" not in r.headers
    body = r.json()
    assert body["ready"] is True and body["status"] in ("ok", "degraded")
    assert body["catalog_origin"] == "shipped"
    assert "never refreshed here" in body["summary"] and store.current_id() in body["summary"]


def test_healthz_right_after_install_is_ready_but_degraded_with_what_to_do(store):
    """Stale (the shipped snapshot is older than the limit): still ready, degraded for alerting,
    with the reason and the next step in words."""
    with TestClient(create_app(Settings(stale_after_hours=0.0001), holder=CatalogHolder(store))) as c:
        body = c.get("/healthz").json()
    assert body["ready"] is True and body["status"] == "degraded"
    built = store.load().created_at[:10]
    assert any(
        f"shipped snapshot built {built}" in r and "no refresh has run here" in r for r in body["reasons"]
    )
    assert any("smcat refresh" in s for s in body["next_steps"])


def test_healthz_after_a_refresh_is_ok_with_no_steps(store):
    snap = store.load()
    store.publish(make_snapshot(list(snap.images)[:-1], sources=snap.sources, registries=snap.registries))
    from datetime import UTC, datetime

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    store.write_status({"last_successful_refresh": now, "last_refresh": {"at": now, "outcome": "published"}})
    with TestClient(create_app(Settings(), holder=CatalogHolder(store))) as c:
        body = c.get("/healthz").json()
    assert body["ready"] is True and body["status"] == "ok", body["reasons"]
    assert body["catalog_origin"] == "store" and body["next_steps"] == []
    assert f"last refreshed here {now}" in body["summary"]
