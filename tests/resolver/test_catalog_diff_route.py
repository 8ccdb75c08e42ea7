"""``GET /catalog/diff``: the diff with its summary, and as Markdown.

The store is a real directory of hand-made snapshots (``tests/resolver/catalog_versions.py``).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from smcat.catalog.store import Store, diff_snapshots
from smcat.service.app import create_app
from smcat.service.holder import CatalogHolder
from smcat.service.settings import Settings
from tests.resolver.catalog_versions import V1, V2, two_versions


@pytest.fixture
def client(tmp_path):
    holder = CatalogHolder(Store(two_versions(tmp_path / "catalog")), reload_seconds=5, clock=lambda: 0.0)
    with TestClient(create_app(Settings(reload_seconds=5), holder=holder)) as c:
        yield c


def test_route_diff_includes_the_summary(client):
    body = client.get(f"/catalog/diff?from={V1.id}&to={V2.id}").json()
    assert body["added"] == list(diff_snapshots(V1, V2).added)
    assert body["summary"]["new_frameworks"] == ["xgboost"]
    assert body["summary"]["new_versions"][0]["version"] == "2.20.0"


def test_route_diff_as_markdown(client):
    r = client.get(f"/catalog/diff?from={V1.id}&format=markdown")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/markdown")
    assert r.text.startswith(f"# smcat catalogue {V2.id}\n")
    assert client.get(f"/catalog/diff?from={V1.id}&format=html").status_code == 422
    assert client.get("/catalog/diff?from=nope&format=markdown").status_code == 404
