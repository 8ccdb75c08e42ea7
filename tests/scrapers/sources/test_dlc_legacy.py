"""smcat.scrapers.sources.dlc_legacy: GA / end-of-patch dates of retired framework versions."""

from __future__ import annotations

import pytest

from smcat.catalog.errors import ParseError
from smcat.scrapers.sources.dlc_legacy import URL, URL_PATTERN, parse
from tests import golden
from tests.conftest import FIXTURES, mirror_file, requires_shared

HERE = FIXTURES / "dlc_legacy"


def test_legacy_lifecycle():
    result = parse((HERE / "legacy_support.yml").read_text("utf-8"), URL)
    assert result.lifecycle == {
        ("pytorch", "2.0"): ("2023-03-15", "2024-03-15"),
        ("pytorch", "1.13"): ("2022-10-28", "2024-10-28"),  # unquoted YAML dates -> ISO strings
        ("tensorflow", "2.14"): ("2023-09-26", "2024-09-26"),
        ("huggingface", "4.28"): ("2023-05-01", None),  # huggingface-pytorch -> huggingface; no eop
        ("sklearn", "1.0-1"): ("2022-06-01", "2023-06-01"),  # scikit-learn -> the SDK's sklearn
    }
    assert result.images == [] and result.registries == []


BROKEN = [
    # YAML syntax error
    ("syntax.yml", "YAML syntax error"),
    # a top-level list instead of framework -> versions
    ("list.yml", "Expected a mapping of framework -> list of versions"),
    # a framework holding a mapping, not a list
    ("not-a-list.yml", "Framework 'pytorch' in"),
    # an entry without a version
    ("no-version.yml", "Entry 0 of 'pytorch'"),
    # only a comment: nothing to parse
    ("empty.yml", "Expected a mapping"),
]


@pytest.mark.parametrize(("name", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_legacy_raises(name, message):
    with pytest.raises(ParseError) as info:
        parse((HERE / name).read_text("utf-8"), URL)
    assert message in str(info.value)
    assert info.value.source == "dlc-legacy"


def test_empty_mapping_raises():
    with pytest.raises(ParseError, match="No legacy versions"):
        parse("pytorch: []\n", URL)


def test_url_pattern():
    assert URL_PATTERN.search(URL)
    assert not URL_PATTERN.search(URL.replace("legacy/legacy_support", "data/pytorch/2.7-gpu-ec2"))


@requires_shared
def test_real_legacy_file():
    result = parse(mirror_file(URL).read_text("utf-8"), URL)
    assert result.lifecycle[("pytorch", "2.5")] == ("2024-10-29", "2025-10-29")
    assert result.lifecycle[("tensorflow", "2.18")] == ("2024-10-24", "2025-10-24")
    assert len(result.lifecycle) == 10
    assert {f for f, _ in result.lifecycle} == {"pytorch", "tensorflow"}


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("case", golden.cases(HERE))
def test_golden(case: str) -> None:
    fixture = HERE / case
    got = golden.outcome(parse, fixture.read_text("utf-8"), URL, "2026-11-01T00:00:00Z")
    golden.check(got, golden.expected_file(fixture))
