"""Shared test helpers: where the recorded upstream sources live, and a skip when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = (ROOT / ".." / "shared").resolve()
SOURCES = SHARED / "sources"
MIRROR = SOURCES / "mirror"

requires_shared = pytest.mark.skipif(
    not MIRROR.is_dir(),
    reason=f"recorded upstream sources not found at {MIRROR} (../shared is absent on this checkout)",
)


def mirror_file(url: str) -> Path:
    """The mirror path holding the body of ``url`` (``https://HOST/PATH`` -> ``MIRROR/HOST/PATH``)."""
    bare = url.split("://", 1)[1].split("?", 1)[0]
    return MIRROR / bare


@pytest.fixture(autouse=True)
def _no_ambient_aws_region(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read the developer's AWS region or profile: a region is given, or none exists."""
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path_factory.getbasetemp() / "no-aws-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True)
def _package_cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Imports under test keep their packaging cache out of the developer's home directory."""
    monkeypatch.setenv("SMCAT_PACKAGE_CACHE", str(tmp_path_factory.getbasetemp() / "package-cache"))


@pytest.fixture(autouse=True)
def _cache_home_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """smcat's caches and host-local locks (``$XDG_CACHE_HOME/smcat``) live in this run's temporary
    directory: never the developer's home, and never shared by two pytest-xdist workers."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
