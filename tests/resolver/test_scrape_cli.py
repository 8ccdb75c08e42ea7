"""``smcat scrape`` and ``smcat sources``: how a maintainer checks one document against one scraper."""

from __future__ import annotations

import json

from click.testing import CliRunner

from smcat.cli import cli
from smcat.scrapers.registry import SCRAPERS
from tests.conftest import FIXTURES

HTML_PAGE = FIXTURES / "aws_docs_ecr_paths" / "html" / "ecr-ap-southeast-1.html"
HTML_URL = "https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/ecr-ap-southeast-1.html"


def test_scrape_prints_the_records_of_one_document_as_json():
    out = CliRunner().invoke(
        cli, ["scrape", "aws-docs-ecr-paths", "--file", str(HTML_PAGE), "--url", HTML_URL, "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["source"] == "aws-docs-ecr-paths" and data["images"]
    assert all(next(iter(i["accounts"])) == "ap-southeast-1" for i in data["images"])


def test_scrape_human_output_and_the_moved_stub():
    stub = FIXTURES / "dlc_available_images" / "moved_stub.md"
    url = "https://raw.githubusercontent.com/aws/deep-learning-containers/master/available_images.md"
    out = CliRunner().invoke(cli, ["scrape", "dlc-available-images", "--file", str(stub), "--url", url])
    assert out.exit_code == 0, out.output
    assert "0 images" in out.stdout and "MOVED ->" in out.stdout


def test_scrape_errors_name_the_problem():
    runner = CliRunner()
    unknown = runner.invoke(cli, ["scrape", "nope", "--file", str(HTML_PAGE)])
    assert unknown.exit_code == 2
    assert f"Known sources: {', '.join(s.name for s in SCRAPERS)}" in unknown.stderr
    broken = FIXTURES / "dlc_available_images" / "html_error.html"
    bad = runner.invoke(cli, ["scrape", "dlc-available-images", "--file", str(broken)])
    assert bad.exit_code == 1 and "smcat: error:" in bad.stderr


def test_sources_lists_every_registered_scraper():
    out = CliRunner().invoke(cli, ["sources", "--json"])
    assert [s["name"] for s in json.loads(out.stdout)] == [s.name for s in SCRAPERS]
