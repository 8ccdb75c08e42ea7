"""The registered sources, in merge precedence: among sources of one role, the earlier wins.

Each source describes itself in its own module (``smcat.scrapers.sources.<source>.SCRAPER``);
adding one is a module, its fixtures, and one line here. The refresh fetches every source's
``start_urls``, parses each document with the source whose ``url_pattern`` matches, and follows
the ``links`` a parse returns (the docs index lists the region pages; the GitHub tree lists the
per-image YAML files) through the same dispatch.
"""

from __future__ import annotations

from smcat.catalog.errors import InvalidQuery
from smcat.scrapers.scraper import Scraper
from smcat.scrapers.sources import (
    aws_docs_ecr_paths,
    dlc_available_images,
    dlc_image_data,
    dlc_legacy,
    dlc_regions,
    sdk_image_config,
)

__all__ = ["SCRAPERS", "Scraper", "get", "scraper_for_url"]

SCRAPERS: tuple[Scraper, ...] = (
    dlc_image_data.SCRAPER,  # pinned tags and dates of today's DLC releases
    dlc_regions.SCRAPER,  # today's region table
    dlc_available_images.SCRAPER,  # historic DLC releases, older region tables
    sdk_image_config.SCRAPER,  # the SDK's master branch
    sdk_image_config.SCRAPER_V2,  # the SDK's maintained v2 line
    aws_docs_ecr_paths.SCRAPER,  # the retired docs pages (derived tags)
    dlc_legacy.SCRAPER,  # dates of retired framework versions
)

_BY_NAME = {s.name: s for s in SCRAPERS}


def get(name: str) -> Scraper:
    """The scraper called ``name``; the error lists the names that exist."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise InvalidQuery(
            f"Unknown source {name!r}. Known sources: {', '.join(_BY_NAME)}",
            field="source",
            valid=list(_BY_NAME),
        ) from None


def scraper_for_url(url: str) -> Scraper | None:
    """The scraper whose URL pattern matches ``url`` (query strings ignored), or None."""
    bare = url.split("?", 1)[0]
    for s in SCRAPERS:
        if s.url_pattern.search(bare):
            return s
    return None
