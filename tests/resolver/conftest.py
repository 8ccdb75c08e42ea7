"""A real moto server process on loopback, shared by the import tests; state reset per test."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1.0-cpu-py310"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_server():
    """Start ``python -m moto.server`` on a free loopback port; yield its URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def aws(moto_server, monkeypatch):
    """A clean moto state and a boto3 session with dummy credentials; yields (session, endpoint_url)."""
    import boto3

    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")).close()
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return session, moto_server


@pytest.fixture(autouse=True)
def _service_region(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service and CLI under test run where boto3's region is us-east-1 (a container on AWS
    gets AWS_DEFAULT_REGION the same way); a query without ``region`` answers for it and says so.
    Tests about a missing region delete it themselves."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
