"""A fleet: two service processes over one S3 catalogue pick up a new pointer without a restart.

The moto server stands in for S3; each replica is a real uvicorn process (one of them with two
workers) reading
``SMCAT_CATALOG=s3://bucket/prefix`` with boto3's standard configuration (``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smcat.catalog.store import LocalLayer, Store, make_snapshot, shipped_dir
from smcat.storage import S3Layer
from tests.conftest import MIRROR, requires_shared
from tests.resolver.servers import free_port

BUCKET = "smcat-fleet"
PREFIX = "prod/catalog"
RELOAD_SECONDS = 0.5
QUERY = "framework=tensorflow&version=2.0&gpu=true&region=ap-southeast-1"

# The app opens SMCAT_CATALOG=s3://... itself (smcat.storage.open_any_store): nothing to register first.
BOOT = (
    "import sys, uvicorn; "
    "uvicorn.run('smcat.service.app:create_app', factory=True, host='127.0.0.1', port=int(sys.argv[1]), "
    "log_level='warning', access_log=False)"
)


def get(port: int, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def later(snap, images, hours: int):
    created = datetime.fromisoformat(snap.created_at.replace("Z", "+00:00")).astimezone(UTC)
    return make_snapshot(
        list(images),
        sources=dict(snap.sources),
        registries=dict(snap.registries),
        conflicts=snap.conflicts,
        now=created.replace(microsecond=0) + timedelta(hours=hours),
    )


def wait_for(check, *, timeout: float, what: str):
    """Poll ``check()`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except OSError as e:
            last = e
        else:
            if last:
                return last
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


@pytest.fixture
def s3_store(aws):
    session, url = aws
    session.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)
    return Store(S3Layer(BUCKET, PREFIX, session=session, endpoint_url=url)), url


def test_two_replicas_pick_up_a_new_pointer_without_restart(s3_store, tmp_path):
    store, url = s3_store
    shipped = Store(LocalLayer(shipped_dir())).load()
    first = later(shipped, shipped.images[1:], hours=1)  # a version only S3 has
    store.publish(first)

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SMCAT_")) and k != "XDG_CACHE_HOME"
    }
    env.update(
        SMCAT_CATALOG=f"s3://{BUCKET}/{PREFIX}",
        SMCAT_RELOAD_SECONDS=str(RELOAD_SECONDS),
        SMCAT_LOCK_DIR=str(tmp_path / "locks"),
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
    )
    ports = [free_port(), free_port()]
    smcat = str(Path(sys.executable).parent / "smcat")
    commands = [  # a bare uvicorn app, and `smcat serve` with two workers
        [sys.executable, "-c", BOOT, str(ports[0])],
        [smcat, "serve", "--port", str(ports[1]), "--workers", "2"],
    ]
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for c in commands]
    try:

        def up(port, proc):
            if proc.poll() is not None:
                pytest.fail(f"a replica exited: {proc.stdout.read().decode()}")
            return get(port, "/healthz")[1]

        for port, proc in zip(ports, procs, strict=True):
            health = wait_for(lambda p=port, pr=proc: up(p, pr), timeout=30, what="a replica to start")
            assert health["catalog_version"] == first.id  # read from S3, not the shipped snapshot

        status, before = get(ports[0], f"/image?{QUERY}")
        assert status == 200 and before["catalog_version"] == first.id
        assert get(ports[1], f"/image?{QUERY}") == (200, before)

        # publish a version without the image the query resolves to
        gone = [r for r in first.images if r.repository == before["repository"] and before["tag"] in r.tags]
        assert gone
        second = later(first, [r for r in first.images if r not in gone], hours=2)
        t0 = time.monotonic()
        store.publish(second)

        for port in ports:
            wait_for(
                lambda p=port: get(p, "/healthz")[1]["catalog_version"] == second.id,
                timeout=15,
                what=f"replica :{port} to serve {second.id}",
            )
        swap_seconds = time.monotonic() - t0
        assert swap_seconds < 10
        # a port may front several workers, each polling on its own: past one more reload
        # interval every worker has seen the new pointer
        time.sleep(RELOAD_SECONDS + 0.2)
        answers = {json.dumps(get(p, f"/image?{QUERY}"), sort_keys=True) for p in ports for _ in range(4)}
        assert len(answers) == 1
        status, after = json.loads(answers.pop())
        assert (status, after) != (200, before)
        if status == 200:
            assert after["catalog_version"] == second.id and after["tag"] != before["tag"]

        # roll back: pinning the pointer is picked up the same way
        store.set_current(first.id)
        for port in ports:
            wait_for(
                lambda p=port: get(p, f"/image?{QUERY}") == (200, before),
                timeout=15,
                what=f"replica :{port} to roll back to {first.id}",
            )
        for proc in procs:
            assert proc.poll() is None  # the same processes throughout: no restart
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@requires_shared
def test_the_refresh_command_publishes_to_s3(s3_store, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from smcat.cli import cli

    store, url = s3_store
    prefix = f"cli-{uuid.uuid4().hex[:8]}"
    location = f"s3://{BUCKET}/{prefix}"
    # an older version in S3 one image short, so the refresh has something to publish
    shipped = Store(LocalLayer(shipped_dir())).load()
    older = later(shipped, shipped.images[1:], hours=-1)
    Store(S3Layer(BUCKET, prefix, client=store.layer.client)).publish(older)
    for k, v in {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "SMCAT_LOCK_DIR": str(tmp_path / "locks"),
        "SMCAT_CATALOG": location,
    }.items():
        monkeypatch.setenv(k, v)
    runner = CliRunner()
    res = runner.invoke(cli, ["refresh", "--mirror", str(MIRROR), "--catalog", location, "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["outcome"] == "published", report
    assert report["previous"] == older.id
    res = runner.invoke(cli, ["catalog", "versions", "--json"])  # the location from SMCAT_CATALOG
    assert res.exit_code == 0, res.output
    versions = json.loads(res.stdout)
    current = [v for v in versions if v["current"]]
    assert current and current[0]["id"] == report["snapshot"]
    assert current[0]["location"] == f"{location}/snapshots/{report['snapshot']}.json"
    assert {v["id"] for v in versions} >= {older.id, shipped.id, report["snapshot"]}
