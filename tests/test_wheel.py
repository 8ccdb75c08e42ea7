"""The built wheel marks every import package it installs as typed (PEP 561 ``py.typed``).

Builds one wheel with pip (``pip wheel . --no-deps``) from a copy of the checkout, once per module.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT

NOT_IN_A_BUILD = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", "tests", "bench", ".*cache", ".hypothesis"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Iterator[zipfile.ZipFile]:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=NOT_IN_A_BUILD)
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--quiet", "-w", str(work / "dist")],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    (built,) = (work / "dist").glob("*.whl")
    with zipfile.ZipFile(built) as zf:
        yield zf


def top_level_packages(names: list[str]) -> set[str]:
    return {n.split("/", 1)[0] for n in names if n.count("/") == 1 and n.endswith("/__init__.py")}


def test_every_top_level_package_in_the_wheel_ships_py_typed(wheel):
    names = wheel.namelist()
    packages = top_level_packages(names)
    assert packages, names[:20]
    assert sorted(p for p in packages if f"{p}/py.typed" not in names) == []


def test_each_source_package_has_its_marker_in_the_wheel(wheel):
    # The repository's folders are installed under the one import package (pyproject's package-dir).
    import tomllib

    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    names = wheel.namelist()
    assert sorted(mapping) == ["smcat", "smcat.catalog", "smcat.scrapers"]
    for package, folder in mapping.items():
        assert (ROOT / folder / "py.typed").is_file(), folder
        assert package.replace(".", "/") + "/py.typed" in names, package


def test_nothing_but_smcat_is_installed_at_the_top_level(wheel):
    # PyPI has distributions named "resolver" and "scrapers": smcat installs none of these names
    top = {n.split("/", 1)[0] for n in wheel.namelist() if not n.split("/", 1)[0].endswith(".dist-info")}
    assert top == {"smcat"}
