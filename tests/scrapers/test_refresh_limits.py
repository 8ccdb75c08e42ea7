"""No silent cap on documents per source, and libyaml giving the pure-Python loader's output."""

from __future__ import annotations

import pytest
import yaml

from smcat.scrapers.http import Fetcher
from smcat.scrapers.refresh import MAX_DOCUMENTS_PER_SOURCE, collect
from smcat.scrapers.registry import get
from smcat.scrapers.sources import dlc_image_data
from tests.conftest import MIRROR, requires_shared


@requires_shared
def test_a_source_over_the_limit_is_refused_with_the_reason():
    """The DLC tree lists ~300 YAML files: with a limit of 50 the source fails, it is not cut short."""
    _, reports = collect(Fetcher(mirror=MIRROR), [get("dlc-image-data")], max_documents=50)
    (rep,) = reports
    assert rep.status == "failed"
    assert "links to more than 50 documents" in rep.error and "refusing" in rep.error
    assert rep.documents < 300  # it stopped, and says why, rather than publishing part of it


@requires_shared
def test_the_default_limit_reads_every_document():
    _, reports = collect(Fetcher(mirror=MIRROR), [get("dlc-image-data")])
    (rep,) = reports
    assert rep.status == "ok" and 250 < rep.documents < MAX_DOCUMENTS_PER_SOURCE


def test_libyaml_is_used_when_available():
    expected = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert dlc_image_data._SAFE_LOADER is expected


@requires_shared
@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")
def test_libyaml_and_the_pure_python_loader_agree_on_every_mirrored_document():
    files = sorted(MIRROR.rglob("*.yml"))
    assert len(files) > 200
    for path in files:
        text = path.read_text("utf-8")
        assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.load(text, Loader=yaml.SafeLoader), path


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2\n",  # unclosed flow sequence
        "a: b: c\n",  # a mapping where a value is expected
        "\t- x\n",  # a tab as indentation
    ],
)
def test_syntax_errors_are_still_parse_errors(text):
    from smcat.catalog.errors import ParseError

    with pytest.raises(ParseError, match="YAML syntax error"):
        dlc_image_data._load_yaml(text, "https://example.test/x.yml")
