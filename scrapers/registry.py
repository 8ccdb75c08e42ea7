"""The explicit registry of scrapers: which parser reads which URL, and where each source starts.

The refresh pipeline fetches every ``start_urls`` entry, parses it with the scraper whose
``url_pattern`` matches, and follows the ``links`` a parse returns (the docs index lists the
region pages; the GitHub tree lists the per-image YAML files) through the same dispatch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from smcat.catalog.models import ParseResult
from smcat.scrapers import (
    aws_docs_ecr_paths,
    dlc_available_images,
    dlc_image_data,
    dlc_legacy,
    dlc_regions,
    sdk_image_config,
)

__all__ = ["SCRAPERS", "Scraper", "get", "scraper_for_url"]

Parse = Callable[..., ParseResult]


@dataclass(frozen=True, slots=True)
class Scraper:
    """One source family: its name, parser, the URLs it reads, and where it starts."""

    name: str
    description: str
    parse: Parse
    url_pattern: re.Pattern[str]
    start_urls: tuple[str, ...]


SCRAPERS: tuple[Scraper, ...] = (
    Scraper(
        name="aws-docs-ecr-paths",
        description="AWS docs 'Docker Registry Paths and Example Code' (index + region pages)",
        parse=aws_docs_ecr_paths.parse,
        url_pattern=aws_docs_ecr_paths.URL_PATTERN,
        start_urls=(aws_docs_ecr_paths.INDEX_URL,),
    ),
    Scraper(
        name="dlc-image-data",
        description="Deep Learning Containers per-image YAML data (listed through the GitHub trees API)",
        parse=dlc_image_data.parse,
        url_pattern=dlc_image_data.URL_PATTERN,
        start_urls=(dlc_image_data.TREE_URL,),
    ),
    Scraper(
        name="sdk-image-config",
        description="SageMaker Python SDK image configuration, branch master (image_uri_config/*.json)",
        parse=sdk_image_config.parse,
        url_pattern=sdk_image_config.URL_PATTERN_V3,
        start_urls=(sdk_image_config.LIST_URL_V3,),
    ),
    Scraper(
        name="sdk-image-config-v2",
        description="SageMaker Python SDK image configuration, maintained v2 line (branch master-v2)",
        parse=sdk_image_config.parse,
        url_pattern=sdk_image_config.URL_PATTERN_V2,
        start_urls=(sdk_image_config.LIST_URL_V2,),
    ),
    Scraper(
        name="dlc-regions",
        description="Deep Learning Containers region -> account tables (DLC and algorithm registries)",
        parse=dlc_regions.parse,
        url_pattern=dlc_regions.URL_PATTERN,
        start_urls=(dlc_regions.URL,),
    ),
    Scraper(
        name="dlc-legacy",
        description="GA / end-of-patch dates of retired Deep Learning Containers framework versions",
        parse=dlc_legacy.parse,
        url_pattern=dlc_legacy.URL_PATTERN,
        start_urls=(dlc_legacy.URL,),
    ),
    Scraper(
        name="dlc-available-images",
        description="Deep Learning Containers available_images.md (all formats since 2020)",
        parse=dlc_available_images.parse,
        url_pattern=dlc_available_images.URL_PATTERN,
        start_urls=dlc_available_images.START_URLS,
    ),
)

_BY_NAME = {s.name: s for s in SCRAPERS}


def get(name: str) -> Scraper:
    """The scraper called ``name``; the error lists the names that exist."""
    try:
        return _BY_NAME[name]
    except KeyError:
        from smcat.catalog.errors import InvalidQuery

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
