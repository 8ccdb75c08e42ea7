"""``GET /image`` answers assembled from per-image pieces are exactly ``Resolution.to_dict()``."""

from __future__ import annotations

import json
import random

import pytest

from smcat.catalog.errors import SmcatError
from smcat.catalog.resolve import resolve
from smcat.catalog.store import open_store, shipped_dir
from smcat.service.routes.image import answer_bytes

SNAP = open_store(shipped_dir(), with_shipped=False).load()


def queries(n: int, seed: int = 7) -> list[tuple]:
    """Valid queries over the shipped catalogue: every kind of image, in several regions."""
    rng = random.Random(seed)
    out = []
    images = [
        r for r in SNAP.images if r.tags and (r.accounts or SNAP.registries.get(r.registry_family or ""))
    ]
    while len(out) < n:
        r = rng.choice(images)
        regions = sorted(r.accounts or SNAP.registries[r.registry_family])
        kw = {"image_scope": r.image_scope, "tag_style": rng.choice(["pinned", "moving"])}
        if rng.random() < 0.5:
            kw["processor"] = r.processor
        out.append((r.framework, rng.choice([r.version, r.version.split(".")[0]]), rng.choice(regions), kw))
    return out


def test_assembled_answers_equal_to_dict():
    checked = 0
    for fw, version, region, kw in queries(600):
        try:
            res = resolve(fw, version, region, snapshot=SNAP, **kw)
        except SmcatError:
            continue
        assert json.loads(answer_bytes(res)) == res.to_dict(), (fw, version, region, kw)
        assert answer_bytes(res) == answer_bytes(res)  # the cached pieces give the same bytes again
        checked += 1
    assert checked > 400


@pytest.mark.parametrize("region_first", ["us-east-1", "eu-west-1"])
def test_the_same_image_in_two_regions_keeps_its_own_fields(region_first):
    """The pieces are per image *and region*: accounts, region and provenance never leak across."""
    other = "eu-west-1" if region_first == "us-east-1" else "us-east-1"
    a = resolve("tensorflow", "2.0", region_first, snapshot=SNAP)
    b = resolve("tensorflow", "2.0", other, snapshot=SNAP)
    assert json.loads(answer_bytes(a))["region"] == region_first
    assert json.loads(answer_bytes(b)) == b.to_dict()


def test_assembled_bytes_are_json_dumps_of_the_answer():
    """Byte for byte what ``json.dumps`` writes (escaping included), fields in the answer's order."""
    from smcat.service.routes.image import _FIXED

    order = (*_FIXED, "uri", "tag", "lifecycle", "moving_uri", "pinned_uri", "region_source", "alternatives")
    checked = 0
    for fw, version, region, kw in queries(300, seed=11):
        try:
            res = resolve(fw, version, region, snapshot=SNAP, **kw)
        except SmcatError:
            continue
        whole = res.to_dict()
        expect = json.dumps({k: whole[k] for k in order}, separators=(",", ":")).encode()
        assert answer_bytes(res) == expect, (fw, version, region, kw)
        checked += 1
    assert checked > 200


def test_the_etag_names_the_bytes_of_the_answer():
    """Two queries answered with the same bytes share a tag; different bytes never do."""
    from fastapi.testclient import TestClient

    from smcat.service.app import create_app
    from smcat.service.holder import CatalogHolder

    holder = CatalogHolder(open_store(shipped_dir(), with_shipped=False))
    with TestClient(create_app(holder=holder)) as client:
        a = client.get("/image?framework=tensorflow&version=2.0&gpu=true&region=eu-west-1")
        b = client.get("/image?framework=tensorflow&version=2.0&processor=gpu&region=eu-west-1")
        c = client.get("/image?framework=tensorflow&version=2.0&gpu=true&region=us-east-1")
    assert a.status_code == b.status_code == c.status_code == 200
    assert a.content == b.content and a.headers["etag"] == b.headers["etag"]
    assert a.content != c.content and a.headers["etag"] != c.headers["etag"]
    assert a.headers["etag"].startswith(f'"{SNAP.content_hash[:12]}-')
