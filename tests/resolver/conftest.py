"""A real moto server process on loopback, shared by the import tests; state reset per test."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from tests.resolver import servers

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1.0-cpu-py310"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server process on a free loopback port for the whole session; yields its URL."""
    with servers.moto_server() as url:
        yield url


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
