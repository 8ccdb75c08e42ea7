"""The registry: every source module describes itself, and the registry lists each once, in precedence."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from smcat.catalog.errors import InvalidQuery
from smcat.scrapers import sources
from smcat.scrapers.registry import SCRAPERS, get, scraper_for_url
from smcat.scrapers.scraper import Role, Scraper


def _described() -> list[Scraper]:
    """Every ``Scraper`` a module of ``smcat.scrapers.sources`` exports, found by walking the package."""
    out = []
    for mod in pkgutil.iter_modules(sources.__path__):
        module = importlib.import_module(f"{sources.__name__}.{mod.name}")
        out += [v for k, v in vars(module).items() if k.startswith("SCRAPER") and isinstance(v, Scraper)]
    return out


def test_every_source_module_describes_itself_and_the_registry_lists_each_once():
    described = _described()
    assert len(described) >= 7
    assert sorted(s.name for s in SCRAPERS) == sorted(s.name for s in described)
    assert len({s.name for s in SCRAPERS}) == len(SCRAPERS)
    assert all(any(s is d for d in described) for s in SCRAPERS)  # the modules' own objects


@pytest.mark.parametrize("scraper", SCRAPERS, ids=lambda s: s.name)
def test_a_source_owns_its_start_urls_and_plays_a_role(scraper):
    assert scraper.roles, f"{scraper.name} plays no role: the merge would never read it"
    for url in scraper.start_urls:
        assert scraper_for_url(url) is scraper


@pytest.mark.parametrize(
    ("role", "precedence"),
    [
        # pinned tags of today's releases, then the historic ones
        (Role.VERBATIM_IMAGES, ["dlc-image-data", "dlc-available-images"]),
        # the SDK's master branch, then its maintained v2 line
        (Role.SDK_IMAGES, ["sdk-image-config", "sdk-image-config-v2"]),
        (Role.DERIVED_IMAGES, ["aws-docs-ecr-paths"]),
        # today's region table, then the older ones in available_images.md
        (Role.REGION_TABLES, ["dlc-regions", "dlc-available-images"]),
        (Role.LIFECYCLE, ["dlc-legacy"]),
    ],
)
def test_the_registry_order_is_the_merge_precedence(role, precedence):
    assert [s.name for s in SCRAPERS if s.plays(role)] == precedence


def test_an_unknown_source_is_refused_with_the_names_that_exist():
    with pytest.raises(InvalidQuery) as e:
        get("dlc")
    assert str(e.value) == f"Unknown source 'dlc'. Known sources: {', '.join(s.name for s in SCRAPERS)}"
    assert e.value.valid == [s.name for s in SCRAPERS]
