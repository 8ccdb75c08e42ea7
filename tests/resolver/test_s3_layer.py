"""The S3 store layer against a real moto server: reads, writes, listings, the cheap pointer poll, errors."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smcat.catalog.errors import CatalogError
from smcat.catalog.store import LocalLayer, Store, make_snapshot, shipped_dir
from smcat.storage import POLL_TIMEOUTS, S3Layer, normalize_location, open_any_store, parse_s3_url
from tests.conftest import MIRROR, requires_shared

BUCKET = "smcat-catalog"


@pytest.fixture
def s3(aws):
    """An empty bucket on the moto server; yields a factory of layers under it."""
    session, url = aws
    session.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)

    def layer(prefix: str = "fleet/v1") -> S3Layer:
        return S3Layer(BUCKET, prefix, session=session, endpoint_url=url)

    return layer


def get_calls(layer: S3Layer) -> list[int]:
    """Record the HTTP status of every GetObject the layer's clients make (snapshots and polls)."""
    calls: list[int] = []
    for client in {id(c): c for c in (layer.client, layer.poll_client)}.values():
        client.meta.events.register(
            "after-call.s3.GetObject", lambda http_response, **_: calls.append(http_response.status_code)
        )
    return calls


def test_the_pointer_is_polled_with_short_timeouts(s3):
    """CURRENT and status.json are read by a client that gives up quickly; snapshots by the standard one."""
    layer = s3()
    poll, std = layer.poll_client.meta.config, layer.client.meta.config
    connect, read, retries = POLL_TIMEOUTS
    assert (poll.connect_timeout, poll.read_timeout) == (connect, read)
    assert poll.retries["total_max_attempts"] == retries + 1  # botocore counts the first try too
    assert read < std.read_timeout and poll.retries["total_max_attempts"] < std.retries["total_max_attempts"]


def shifted(snap, *, drop: int = 1, hours: int = 1):
    """A later snapshot with the first ``drop`` images removed."""
    later = datetime.fromisoformat(snap.created_at.replace("Z", "+00:00")).astimezone(UTC)
    return make_snapshot(
        list(snap.images[drop:]),
        sources=dict(snap.sources),
        registries=dict(snap.registries),
        conflicts=snap.conflicts,
        now=later.replace(microsecond=0) + timedelta(hours=hours),
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://bucket/a/b", ("bucket", "a/b")),  # nested prefix
        ("s3://bucket/a/b/", ("bucket", "a/b")),  # trailing slash ignored
        ("s3://bucket", ("bucket", "")),  # the bucket root
    ],
)
def test_parse_s3_url(url, expected):
    assert parse_s3_url(url) == expected


@pytest.mark.parametrize("url", ["s3://", "s3:///prefix", "https://bucket/x"])
def test_parse_s3_url_refuses_what_is_not_one(url):
    with pytest.raises(CatalogError, match="s3://bucket/prefix"):
        parse_s3_url(url)


def test_location_and_lock_dir(monkeypatch, tmp_path):
    layer = S3Layer("b-1", "team/catalog")
    assert layer.location() == "s3://b-1/team/catalog"
    assert layer.location("CURRENT") == "s3://b-1/team/catalog/CURRENT"
    assert S3Layer("b-1").location("CURRENT") == "s3://b-1/CURRENT"
    monkeypatch.delenv("SMCAT_LOCK_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert layer.default_lock_dir() == tmp_path / "smcat" / "locks" / "b-1-team-catalog"
    monkeypatch.setenv("SMCAT_LOCK_DIR", str(tmp_path / "locks"))
    assert layer.default_lock_dir() == tmp_path / "locks"


def test_read_write_and_list(s3):
    layer = s3()
    assert layer.read("CURRENT") is None
    assert layer.snapshot_ids() == []
    layer.write("snapshots/20250101T000000Z-aaaaaaaa.json", "{}")
    layer.write("snapshots/20250102T000000Z-bbbbbbbb.json", "{}")
    layer.write("snapshots/notes.txt", "not a snapshot")
    layer.write("snapshots/old/20240101T000000Z-cccccccc.json", "{}")  # nested: not listed
    layer.write("CURRENT", "20250102T000000Z-bbbbbbbb\n")
    assert sorted(layer.snapshot_ids()) == ["20250101T000000Z-aaaaaaaa", "20250102T000000Z-bbbbbbbb"]
    # another reader (a fresh layer, as in another process) sees the same objects
    other = s3()
    assert other.read("CURRENT") == "20250102T000000Z-bbbbbbbb\n"
    assert s3("fleet").snapshot_ids() == []  # the prefix is a folder, not a string prefix
    assert s3("fleet/v2").read("CURRENT") is None


def test_snapshot_ids_paginates(s3):
    """A listing longer than one ListObjectsV2 page is read to the end. S3 pages at 1,000 keys;
    here the bucket pages at 3 (``MaxKeys`` set on every listing request), so a few keys span
    several pages, some of them holding keys that are not snapshots."""
    layer = s3("many")
    pages: list[int] = []

    def small_pages(params, **_):
        params["MaxKeys"] = min(params.get("MaxKeys", 1000), 3)

    layer.client.meta.events.register("before-parameter-build.s3.ListObjectsV2", small_pages)
    layer.client.meta.events.register(
        "after-call.s3.ListObjectsV2", lambda parsed, **_: pages.append(parsed.get("KeyCount", 0))
    )
    ids = [f"20250101T{i:06d}Z-00000000" for i in range(10)]
    for sid in ids:
        layer.client.put_object(Bucket=BUCKET, Key=f"many/snapshots/{sid}.json", Body=b"")
    layer.client.put_object(Bucket=BUCKET, Key="many/snapshots/notes.txt", Body=b"")
    layer.client.put_object(Bucket=BUCKET, Key="many/snapshots/old/20240101T000000Z-00000000.json", Body=b"")
    assert sorted(layer.snapshot_ids()) == ids
    assert pages == [3, 3, 3, 3]  # 12 keys: every page was read


def test_pointer_poll_is_a_conditional_get(s3):
    reader, writer = s3(), s3()
    writer.write("CURRENT", "one\n")
    calls = get_calls(reader)
    assert reader.read("CURRENT") == "one\n"
    assert reader.read("CURRENT") == "one\n"
    assert reader.read("CURRENT") == "one\n"
    assert calls == [200, 304, 304]  # unchanged pointer: no body sent
    writer.write("CURRENT", "two\n")
    assert reader.read("CURRENT") == "two\n"
    assert reader.read("CURRENT") == "two\n"
    assert calls[3:] == [200, 304]


def test_a_layer_polls_its_own_write_cheaply(s3):
    layer = s3()
    layer.write("CURRENT", "mine\n")
    calls = get_calls(layer)
    assert layer.read("CURRENT") == "mine\n"
    assert calls == [304]


def test_snapshots_are_read_once(s3):
    layer = s3()
    s3().write("snapshots/20250101T000000Z-aaaaaaaa.json", '{"x": 1}')
    calls = get_calls(layer)
    for _ in range(3):
        assert layer.read("snapshots/20250101T000000Z-aaaaaaaa.json") == '{"x": 1}'
    assert calls == [200]


def test_a_deleted_pointer_reads_as_missing(s3):
    layer = s3()
    layer.write("CURRENT", "x\n")
    layer.client.delete_object(Bucket=BUCKET, Key="fleet/v1/CURRENT")
    assert layer.read("CURRENT") is None


def test_missing_bucket_says_what_to_do(aws):
    session, url = aws
    layer = S3Layer("smcat-no-such-bucket", "p", session=session, endpoint_url=url)
    with pytest.raises(CatalogError) as e:
        layer.read("CURRENT")
    msg = str(e.value)
    assert "s3://smcat-no-such-bucket/p/CURRENT" in msg
    assert "does not exist" in msg and "aws s3 mb s3://smcat-no-such-bucket" in msg
    with pytest.raises(CatalogError, match=r"Cannot write .*does not exist"):
        layer.write("CURRENT", "x")
    with pytest.raises(CatalogError, match=r"Cannot list .*does not exist"):
        layer.snapshot_ids()


def test_no_credentials_says_what_to_do(moto_server, monkeypatch, tmp_path):
    import boto3

    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    layer = S3Layer("smcat-x", "p", session=boto3.Session(region_name="us-east-1"), endpoint_url=moto_server)
    with pytest.raises(CatalogError, match=r"s3://smcat-x/p/CURRENT: no AWS credentials found"):
        layer.read("CURRENT")


def test_store_over_s3(s3):
    layer = s3()
    store = Store(layer)
    shipped = Store(LocalLayer(shipped_dir())).load()
    first = shifted(shipped, drop=0, hours=1)
    second = shifted(shipped, drop=3, hours=2)
    store.publish(first)
    store.publish(second)
    assert store.current_id() == second.id
    assert [v.id for v in store.versions()] == [first.id, second.id]
    assert store.versions()[0].location == f"s3://{BUCKET}/fleet/v1/snapshots/{first.id}.json"
    # a second replica (fresh store, fresh layer) reads the same catalogue
    replica = Store(s3())
    assert replica.load() == second
    assert replica.load(first.id) == first
    d = replica.diff(first.id, second.id)
    assert len(d.removed) == 3 and not d.added
    assert store.set_current(first.id) == first.id
    assert replica.current_id() == first.id  # the pin is seen by the replica's next poll
    store.write_status({"src": {"status": "ok"}})
    assert replica.status() == {"src": {"status": "ok"}}


def test_s3_store_overlays_the_shipped_one(s3):
    store = Store(s3(), bases=(LocalLayer(shipped_dir()),))
    shipped_id = Store(LocalLayer(shipped_dir())).current_id()
    assert store.current_id() == shipped_id  # nothing published to S3 yet
    assert store.load().id == shipped_id
    newer = shifted(store.load(), drop=1)
    store.publish(newer)
    assert store.current_id() == newer.id
    assert [(v.id, v.shipped) for v in store.versions()] == [(shipped_id, True), (newer.id, False)]
    assert store.set_current(shipped_id) == shipped_id  # pinning a shipped version copies it to S3
    assert shipped_id in s3().snapshot_ids()


def test_open_any_store_reads_s3_urls(aws, s3, monkeypatch):
    _, url = aws
    s3().write("CURRENT", "20250101T000000Z-aaaaaaaa\n")
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    store = open_any_store(f"s3://{BUCKET}/fleet/v1", with_shipped=False)
    assert store.location == f"s3://{BUCKET}/fleet/v1"
    assert store.current_id() == "20250101T000000Z-aaaaaaaa"
    # a CLI option typed as a path turns s3://b/p into s3:/b/p; open_any_store repairs it
    assert open_any_store(Path(f"s3://{BUCKET}/fleet/v1"), with_shipped=False) is store
    monkeypatch.setenv("SMCAT_CATALOG", f"s3://{BUCKET}/fleet/v1")
    assert open_any_store(with_shipped=False) is store


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("s3:/b/p", "s3://b/p"),  # pathlib collapsed the double slash
        ("s3://b/p", "s3://b/p"),  # already fine
        ("/srv/catalog", "/srv/catalog"),  # a directory is left alone
        ("", None),  # nothing given: the default applies
    ],
)
def test_normalize_location(given, expected):
    assert normalize_location(given) == expected


def test_importing_the_store_layer_does_not_import_boto3():
    """Explicit dispatch: importing ``smcat.storage`` changes no global state and loads no boto3.

    ``smcat.catalog.store.open_store`` still refuses ``s3://`` afterwards: only ``open_any_store``
    (which passes the S3 layer itself) reads it.
    """
    code = (
        "import sys, smcat, smcat.storage, smcat.current\n"
        "from smcat.catalog.errors import CatalogError\n"
        "from smcat.catalog.store import open_store\n"
        "try:\n"
        "    open_store('s3://bucket/prefix', with_shipped=False)\n"
        "except CatalogError as e:\n"
        "    assert 'smcat.storage.open_any_store' in str(e), e\n"
        "else:\n"
        "    raise AssertionError('catalog opened s3:// by itself')\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, 'boto3 imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@requires_shared
def test_refresh_publishes_into_s3(s3, tmp_path):
    from smcat.scrapers.http import Fetcher
    from smcat.scrapers.refresh import run_refresh

    layer = s3("prod/catalog")
    store = Store(layer, lock_dir=tmp_path / "locks")  # an empty S3 catalogue: the refresh must publish
    report = run_refresh(store, Fetcher(mirror=MIRROR))
    assert report.outcome == "published", report.reason
    cid = store.current_id()
    assert report.snapshot_id == cid
    client = layer.client
    body = client.get_object(Bucket=BUCKET, Key="prod/catalog/CURRENT")["Body"].read().decode()
    assert body.strip() == cid
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix="prod/catalog/")["Contents"]}
    assert f"prod/catalog/snapshots/{cid}.json" in keys
    assert "prod/catalog/status.json" in keys
    assert len(Store(s3("prod/catalog")).load(cid).images) > 1000
