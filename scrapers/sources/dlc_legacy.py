"""GA / end-of-patch dates of retired Deep Learning Containers framework versions.

``docs/src/legacy/legacy_support.yml`` maps a framework key to a list of
``{version, ga, eop}`` entries; it yields ``lifecycle`` facts, not images.
"""

from __future__ import annotations

import re

import yaml

from smcat.catalog.errors import ParseError
from smcat.catalog.models import ParseResult
from smcat.catalog.names import REPOSITORY_FRAMEWORKS, canonical_framework
from smcat.scrapers.scraper import Role, Scraper

__all__ = ["SCRAPER", "SOURCE", "URL", "URL_PATTERN", "parse"]

SOURCE = "dlc-legacy"
URL = "https://raw.githubusercontent.com/aws/deep-learning-containers/main/docs/src/legacy/legacy_support.yml"
URL_PATTERN = re.compile(
    r"^https://raw\.githubusercontent\.com/aws/deep-learning-containers/[^/]+/docs/src/legacy/legacy_support\.ya?ml$"
)


def _framework(key: str) -> str:
    name = canonical_framework(key)
    if name in REPOSITORY_FRAMEWORKS:
        return REPOSITORY_FRAMEWORKS[name]
    for prefix in ("huggingface", "tensorflow", "pytorch", "autogluon"):
        if name.startswith(f"{prefix}-"):
            return prefix
    return name


def _date(value: object) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def parse(text: str, url: str = URL, fetched_at: str = "") -> ParseResult:
    """``lifecycle[(framework, version)] = (ga, eop)`` for every legacy entry."""

    def error(message: str) -> ParseError:
        return ParseError(message, source=SOURCE, url=url)

    if not text or not text.strip():
        raise error(f"Empty document from {url}")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise error(f"YAML syntax error in {url}: {e}") from None
    if not isinstance(data, dict):
        raise error(
            f"Expected a mapping of framework -> list of versions in {url}, got {type(data).__name__}"
        )
    out = ParseResult()
    for key, entries in data.items():
        if not isinstance(entries, list):
            raise error(
                f"Framework {key!r} in {url} should hold a list of versions, got {type(entries).__name__}"
            )
        framework = _framework(str(key))
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or entry.get("version") in (None, ""):
                found = sorted(entry) if isinstance(entry, dict) else repr(entry)
                raise error(f"Entry {i} of {key!r} in {url} has no 'version' (found: {found})")
            out.lifecycle[(framework, str(entry["version"]))] = (
                _date(entry.get("ga")),
                _date(entry.get("eop")),
            )
    if not out.lifecycle:
        raise error(f"No legacy versions in {url}")
    return out


#: This source's description, listed in ``smcat.scrapers.registry``.
SCRAPER = Scraper(
    name=SOURCE,
    description="GA / end-of-patch dates of retired Deep Learning Containers framework versions",
    parse=parse,
    url_pattern=URL_PATTERN,
    start_urls=(URL,),
    roles=frozenset({Role.LIFECYCLE}),
)
