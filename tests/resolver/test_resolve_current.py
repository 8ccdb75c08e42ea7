"""``smcat.resolve`` without ``snapshot=``: the default store wherever it lives, s3:// included."""

from __future__ import annotations

import pytest

import smcat
from smcat.catalog.store import Store, open_store
from smcat.storage import S3Layer
from tests.catalog.test_resolve_current import later

BUCKET = "smcat-resolve"


def test_an_s3_store_answers_from_the_bucket(aws, monkeypatch):
    session, url = aws
    session.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)
    shipped = open_store(with_shipped=True).load()
    new = later(shipped, 3)
    Store(S3Layer(BUCKET, "team", session=session, endpoint_url=url)).publish(new)
    monkeypatch.setenv("SMCAT_CATALOG", f"s3://{BUCKET}/team")
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    res = smcat.resolve("tensorflow", "2.0", "us-east-1")
    assert res.catalog_version == new.id  # the bucket's version, not the shipped one
    newer = later(shipped, 4)
    Store(S3Layer(BUCKET, "team", session=session, endpoint_url=url)).publish(newer)
    smcat.reload()
    assert smcat.resolve("tensorflow", "2.0", "us-east-1").catalog_version == newer.id


def test_a_local_store_and_an_explicit_snapshot(tmp_path, monkeypatch):
    monkeypatch.setenv("SMCAT_CATALOG", str(tmp_path / "cat"))
    shipped = open_store().load()
    assert smcat.resolve("pytorch", "2", "eu-west-1").catalog_version == shipped.id
    other = later(shipped, 5)
    assert smcat.resolve("pytorch", "2", "eu-west-1", snapshot=other).catalog_version == other.id


@pytest.mark.parametrize("name", ["resolve", "reload"])
def test_the_package_exports_the_store_aware_functions(name):
    from smcat import current

    assert getattr(smcat, name) is getattr(current, name)
