"""smcat.scrapers.sources.dlc_regions: region -> registry account tables of region_availability.md."""

from __future__ import annotations

import pytest

from smcat.catalog.errors import ParseError
from smcat.catalog.models import Provenance, RegistryAccount
from smcat.scrapers.sources.dlc_regions import URL, URL_PATTERN, family_of, parse
from tests import golden
from tests.conftest import FIXTURES, mirror_file, requires_shared

HERE = FIXTURES / "dlc_regions"
PROV = Provenance(
    source="dlc-regions", url=URL, fetched_at="2026-01-02", facts=("region", "account", "region_name")
)


def _read(name: str) -> str:
    return (HERE / name).read_text("utf-8")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # today's shape: a DLC table, then the algorithm registries table under a long heading
        (
            "region_availability.md",
            [
                ("dlc", "us-east-1", "111111111111", "US East (N. Virginia)"),
                ("dlc", "af-south-1", "222222222222", "Africa (Cape Town)"),
                ("dlc", "cn-north-1", "333333333333", "China (Beijing)"),
                ("algorithms", "us-east-1", "444444444444", "US East (N. Virginia)"),
                ("algorithms", "cn-northwest-1", "555555555555", "China (Ningxia)"),
            ],
        ),
        # reworded headings, other heading level, columns in another order: matched by name
        (
            "reworded.md",
            [
                ("dlc", "us-west-2", "111111111111", "US West (Oregon)"),
                ("algorithms", "eu-west-1", "666666666666", "EU (Ireland)"),
            ],
        ),
    ],
)
def test_region_tables(name, expected):
    result = parse(_read(name), URL, "2026-01-02")
    assert result.registries == [RegistryAccount(f, r, a, n, PROV) for f, r, a, n in expected]
    assert result.images == [] and result.warnings == []


@pytest.mark.parametrize(
    ("heading", "family"),
    [
        ("Deep Learning Containers", "dlc"),  # today's DLC heading
        ("SageMaker Algorithm Registry (XGBoost, Scikit-learn, HuggingFace TEI)", "algorithms"),  # today's
        ("XGBoost and scikit-learn images", "algorithms"),  # reworded without "algorithm"
        ("Text Embeddings Inference (TEI)", "algorithms"),
        ("Deep Learning Containers for Neuron", "dlc-neuron"),
        ("DLC accounts", "dlc"),
        ("Region Availability", None),  # a page title names no registry
    ],
)
def test_family_of(heading, family):
    assert family_of(heading) == family


BROKEN = [
    # no table at all (the content moved)
    ("no-table.md", "No 'Region | Code | Account ID' table"),
    # the Account ID column was renamed: no account table left
    ("renamed-column.md", "tables found: region | region code | registry"),
    # the Code column is missing: named, with the columns found
    ("missing-code.md", "Column(s) code missing"),
    # a header and separator but zero rows
    ("no-rows.md", "has no rows"),
    # an account id that is not 12 digits
    ("bad-account.md", "Invalid account id '7631043518' for us-east-1"),
    # a region column that holds no region code
    ("bad-region.md", "Invalid region code 'US East 1'"),
    # a table under a heading that names no known registry
    ("unknown-heading.md", "Cannot tell which registry"),
]


@pytest.mark.parametrize(("name", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_pages_raise(name, message):
    with pytest.raises(ParseError) as info:
        parse(_read(name), URL)
    assert message in str(info.value)
    assert info.value.source == "dlc-regions" and info.value.url == URL


@pytest.mark.parametrize("text", ["", "  \n", "<!DOCTYPE html><html><body>404</body></html>"])
def test_empty_or_html_raises(text):
    with pytest.raises(ParseError):
        parse(text, URL)


def test_url_pattern():
    assert URL_PATTERN.search(URL)
    assert not URL_PATTERN.search(URL.replace("region_availability", "support_policy"))


@requires_shared
def test_real_region_table():
    result = parse(mirror_file(URL).read_text("utf-8"), URL)
    by_key = {(r.family, r.region): r.account for r in result.registries}
    assert by_key[("dlc", "ap-southeast-1")] == "763104351884"
    assert by_key[("dlc", "af-south-1")] == "626614931356"
    assert by_key[("algorithms", "us-east-1")] == "683313688378"
    assert ("dlc", "cn-north-1") in by_key and ("algorithms", "cn-north-1") in by_key
    assert len(by_key) == len(result.registries)  # no region twice in one family
    assert {r.family for r in result.registries} == {"dlc", "algorithms"}
    assert sum(r.family == "dlc" for r in result.registries) == 36
    assert sum(r.family == "algorithms" for r in result.registries) == 29


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("case", golden.cases(HERE))
def test_golden(case: str) -> None:
    fixture = HERE / case
    got = golden.outcome(parse, fixture.read_text("utf-8"), URL, "2026-01-02")
    golden.check(got, golden.expected_file(fixture))
