"""Deep Learning Containers region -> registry account tables (``region_availability.md``).

The page holds one ``Region | Code | Account ID`` table per registry: the DLC account per region,
and the SageMaker algorithm registries (XGBoost, scikit-learn, TEI). The registry family comes
from the nearest heading, matched by keywords so a reworded heading still lands right.
Columns are found by name, never by position.
"""

from __future__ import annotations

import re

from smcat.catalog.errors import ParseError
from smcat.catalog.models import ParseResult, Provenance, RegistryAccount
from smcat.catalog.names import is_region_code
from smcat.scrapers.scraper import Role, Scraper
from smcat.scrapers.tables import Table, column, markdown_tables

__all__ = ["SCRAPER", "SOURCE", "URL", "URL_PATTERN", "family_of", "parse"]

SOURCE = "dlc-regions"
URL = "https://raw.githubusercontent.com/aws/deep-learning-containers/main/docs/reference/region_availability.md"
URL_PATTERN = re.compile(
    r"^https://raw\.githubusercontent\.com/aws/deep-learning-containers/[^/]+/docs/reference/region_availability\.md$"
)
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_FACTS = ("region", "account", "region_name")


def family_of(heading: str) -> str | None:
    """The registry family a table heading names, or None (``Deep Learning Containers`` -> ``dlc``)."""
    h = heading.lower()
    if "algorithm" in h or re.search(r"xgboost|scikit|sklearn|\btei\b", h):
        return "algorithms"
    if "neuron" in h:
        return "dlc-neuron"
    if "deep learning container" in h or re.search(r"\bdlc\b", h):
        return "dlc"
    return None


def _error(message: str, url: str) -> ParseError:
    return ParseError(message, source=SOURCE, url=url)


def parse(text: str, url: str = URL, fetched_at: str = "") -> ParseResult:
    """Every region -> account row of the page's account tables."""
    if not text or not text.strip():
        raise _error(f"Empty document from {url}", url)
    if text.lstrip()[:100].lower().startswith(("<!doctype html", "<html")):
        raise _error(f"Got an HTML page instead of markdown from {url} (error page?)", url)
    provenance = Provenance(source=SOURCE, url=url, fetched_at=fetched_at, facts=_FACTS)
    tables = markdown_tables(text)
    account_tables = [t for t in tables if column(t, "account id", "account")]
    if not account_tables:
        found = "; ".join(" | ".join(t.header) for t in tables) or "no table at all"
        raise _error(f"No 'Region | Code | Account ID' table in {url} (tables found: {found})", url)
    out = ParseResult()
    for table in account_tables:
        out.registries.extend(_rows(table, url, provenance))
    if not out.registries:
        raise _error(f"The account tables of {url} have no rows", url)
    return out


def _rows(table: Table, url: str, provenance: Provenance) -> list[RegistryAccount]:
    where = f"table under {table.heading!r} (line {table.line}) of {url}"
    family = family_of(table.heading)
    if family is None:
        raise _error(
            f"Cannot tell which registry the {where} lists; expected a DLC or algorithm heading", url
        )
    cols = {"region": column(table, "region"), "code": column(table, "code", "region code")}
    cols["account"] = column(table, "account id", "account")
    missing = [name for name, key in cols.items() if key is None]
    if missing:
        raise _error(
            f"Column(s) {', '.join(missing)} missing from the {where}; "
            f"columns found: {', '.join(table.header)}",
            url,
        )
    code_col, account_col, region_col = cols["code"], cols["account"], cols["region"]
    assert code_col is not None and account_col is not None and region_col is not None  # checked above
    if table.bad_rows:
        raise _error(f"Malformed row(s) in the {where}: {table.bad_rows[0]!r}", url)
    if not table.rows:
        raise _error(f"The {where} has no rows", url)
    out = []
    for row in table.rows:
        code, account = row[code_col].strip("` "), row[account_col].strip("` ")
        if not is_region_code(code):
            raise _error(f"Invalid region code {code!r} in the {where}; expected e.g. 'us-east-1'", url)
        if not _ACCOUNT_RE.match(account):
            raise _error(f"Invalid account id {account!r} for {code} in the {where}; expected 12 digits", url)
        out.append(RegistryAccount(family, code, account, row[region_col] or None, provenance))
    return out


#: This source's description, listed in ``smcat.scrapers.registry``.
SCRAPER = Scraper(
    name=SOURCE,
    description="Deep Learning Containers region -> account tables (DLC and algorithm registries)",
    parse=parse,
    url_pattern=URL_PATTERN,
    start_urls=(URL,),
    roles=frozenset({Role.REGION_TABLES}),
)
