"""A moto server acting as the DLC registry account, and real Docker v2 manifests to push into it.

Shared by the verify tests and ``bench/bench_verify.py``. The server is a separate process from
the import tests' one because its account is chosen per process (``MOTO_ACCOUNT_ID``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import urllib.request

import pytest

from tests.resolver import servers

DLC_ACCOUNT = "763104351884"
REGION = "eu-west-1"
MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"


def moto_server(account: str = DLC_ACCOUNT) -> contextlib.AbstractContextManager[str]:
    """A moto server whose account is the DLC registry's (``account``); yields its URL."""
    return servers.moto_server(account)


def reset(url: str) -> None:
    """Forget every repository and image on the server."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST")).close()


def manifest(seed: str) -> str:
    """A real Docker image manifest (schema 2) with a config and two layers derived from ``seed``."""

    def blob(kind: str, size: int, media: str) -> dict:
        return {
            "mediaType": media,
            "size": size,
            "digest": "sha256:" + hashlib.sha256(f"{seed}/{kind}".encode()).hexdigest(),
        }

    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_V2,
            "config": blob("config", 7023, "application/vnd.docker.container.image.v1+json"),
            "layers": [
                blob("layer0", 32654, "application/vnd.docker.image.rootfs.diff.tar.gzip"),
                blob("layer1", 16724, "application/vnd.docker.image.rootfs.diff.tar.gzip"),
            ],
        },
        indent=3,
    )


MANIFEST_SIZE = 7023 + 32654 + 16724  # config + layers of ``manifest()``


def push(ecr, repository: str, tag: str, *, seed: str | None = None) -> str:
    """Create ``repository`` if needed and put an image tagged ``tag``; returns the registry's digest."""
    with contextlib.suppress(ecr.exceptions.RepositoryAlreadyExistsException):
        ecr.create_repository(repositoryName=repository)
    out = ecr.put_image(
        repositoryName=repository,
        imageManifest=manifest(seed or f"{repository}:{tag}"),
        imageManifestMediaType=MANIFEST_V2,
        imageTag=tag,
    )
    return out["image"]["imageId"]["imageDigest"]


@pytest.fixture(scope="session")
def ecr_url():
    """One moto server per test session acting as the DLC registry account."""
    with moto_server() as url:
        yield url


@pytest.fixture
def ecr(ecr_url, monkeypatch):
    """A clean registry; yields (session with dummy credentials, endpoint URL, ECR client)."""
    import boto3

    reset(ecr_url)
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ECR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return session, ecr_url, session.client("ecr", endpoint_url=ecr_url)
