"""smcat.scrapers.sources.sdk_image_config: the SageMaker SDK's image_uri_config files, as golden files.

Each ``tests/fixtures/sdk_image_config/<case>.json`` is a hand-written file in the SDK's format; the
records it parses to are compared with ``<case>.expected.json`` beside it. After a deliberate change
to the parser, regenerate the expected files (see tests/golden.py) and review the diff:

    SMCAT_REGENERATE_GOLDEN=1 python -m pytest tests/scrapers/sources/test_sdk_image_config.py
"""

from __future__ import annotations

import pytest

from smcat.catalog.errors import ParseError
from smcat.scrapers.registry import scraper_for_url
from smcat.scrapers.sources import sdk_image_config as sdk
from tests import golden
from tests.conftest import FIXTURES, SOURCES, requires_shared

HERE = FIXTURES / "sdk_image_config"
RAW = "https://raw.githubusercontent.com/aws/sagemaker-python-sdk/master/sagemaker-core/src/sagemaker/core/image_uri_config/"
RAW_V2 = (
    "https://raw.githubusercontent.com/aws/sagemaker-python-sdk/master-v2/src/sagemaker/image_uri_config/"
)
CASES = [
    "kmeans",
    "tensorflow",
    "huggingface",
    "sagemaker-tritonserver",
    "djl-lmi",
    "huggingface-neuronx",
    "neo-tensorflow",
    "pytorch-smp",
]


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    fixture = HERE / f"{case}.json"
    got = golden.outcome(sdk.parse, fixture.read_text("utf-8"), RAW + fixture.name, "2026-11-01")
    golden.check(got, golden.expected_file(fixture))
    assert got["images"] and all(
        p["source"] == "sdk-image-config" and p["url"] == RAW + fixture.name
        for r in got["images"]
        for p in r["provenance"]
    )


# The SDK's own strings, for the cases that have an exception in its tag grammar.
@pytest.mark.parametrize(
    ("case", "select", "spelling", "tag"),
    [
        # an alias builds the moving tag with the alias as spelled
        ("tensorflow", ("inference", "gpu", "2.1.3"), "2.1", "2.1-gpu"),
        ("tensorflow", ("training", "gpu", "2.14.1"), "2.14", "2.14-gpu-py310"),
        # Graviton repositories end in "-sagemaker" after the container version
        ("tensorflow", ("inference", "cpu", "2.9.1"), "2.9.1", "2.9.1-cpu-py38-ubuntu20.04-sagemaker"),
        # Triton: the GPU image has no processor in its tag; the CPU one does
        ("sagemaker-tritonserver", ("inference", "gpu", "25.09"), "25.09", "25.09-py3"),
        ("sagemaker-tritonserver", ("inference", "cpu", "25.09"), "25.09", "25.09-py3-cpu"),
        # Hugging Face: base version and transformers version, both as spelled
        (
            "huggingface",
            ("inference", "gpu", "4.26.0"),
            "4.26/pytorch1.13",
            "1.13-transformers4.26-gpu-py39-cu117-ubuntu20.04",
        ),
        (
            "huggingface",
            ("inference", "cpu", "4.26.0"),
            "4.26.0/pytorch1.13.1",
            "1.13.1-transformers4.26.0-cpu-py39-ubuntu20.04",
        ),
        # Neuron: the inference tool where the processor goes, the newest SDK before the container
        (
            "huggingface-neuronx",
            ("inference", "neuronx", "4.28.1"),
            "4.28/pytorch1.13",
            "1.13.0-transformers4.28.1-neuronx-py38-sdk2.9.1-ubuntu20.04",
        ),
        # tag_prefix as given; algorithms carry no processor
        ("djl-lmi", ("inference", "gpu", "0.30.0"), "0.30.0", "0.30.0-lmi12.0.0-cu124"),
        ("kmeans", ("training", "cpu", "1"), "1", "1"),
    ],
)
def test_sdk_tag_grammar(case, select, spelling, tag) -> None:
    res = sdk.parse((HERE / f"{case}.json").read_text("utf-8"), RAW + f"{case}.json")
    scope, proc, version = select
    [rec] = [
        r
        for r in res.images
        if (r.image_scope, r.processor, r.version) == (scope, proc, version)
        and (r.base_framework in (None, "pytorch"))
    ]
    assert dict(rec.sdk_tags)[spelling] == tag


def test_neuron_sdk_rule_is_the_sdks_string_order() -> None:
    # the SDK takes sorted(sdk_versions, reverse=True)[0]: "sdk2.9.1" > "sdk2.10.0" as strings
    [rec] = sdk.parse(
        (HERE / "huggingface-neuronx.json").read_text("utf-8"), RAW + "huggingface-neuronx.json"
    ).images
    assert "-sdk2.9.1-" in rec.tags[0]


def test_an_alias_to_another_version_is_an_image_of_its_own() -> None:
    # Neo: "2.4.2" reads the 2.9.2 entry but builds the tag 2.4.2-cpu-py3; "2.9" is 2.9.2's moving tag
    recs = {
        r.version: r for r in sdk.parse((HERE / "neo-tensorflow.json").read_text(), RAW + "x.json").images
    }
    assert set(recs) == {"2.9.2", "2.4.2"}
    assert recs["2.4.2"].tags == ("2.4.2-cpu-py3",)
    assert dict(recs["2.9.2"].sdk_tags) == {
        "2.9": "2.9-cpu-py3",
        "2.9.2": "2.9.2-cpu-py3",
        "latest": "latest-cpu-py3",
    }


def test_a_version_key_that_is_also_an_alias_is_read_through_the_alias() -> None:
    # pytorch-smp: asking for "2.2.0" reads the 2.3.1 entry (py311, cu121); "2.3.1" reads 2.5.0's
    recs = {r.version: r for r in sdk.parse((HERE / "pytorch-smp.json").read_text(), RAW + "x.json").images}
    assert set(recs) == {"2.2", "2.2.0", "2.3.1", "2.5.0"}
    assert recs["2.2.0"].tags == ("2.2.0-gpu-py311-cu121",)
    assert recs["2.3.1"].tags == ("2.3.1-gpu-py311-cu124",)


def test_a_repository_per_processor_is_read_per_processor() -> None:
    # a shape the files do not use today but may: "repository" as a mapping per processor
    res = sdk.parse((HERE / "per-processor-repository.json").read_text(), RAW + "newfw.json")
    assert {(r.processor, r.repository, r.tags[0]) for r in res.images} == {
        ("cpu", "newfw-inference-cpu", "1.0.0-cpu-py312"),
        ("gpu", "newfw-inference-gpu", "1.0.0-gpu-py312"),
    }


def test_every_partition_is_kept() -> None:
    [inf, *_] = sdk.parse((HERE / "kmeans.json").read_text("utf-8"), RAW + "kmeans.json").images
    assert {"cn-north-1", "us-gov-west-1", "us-iso-east-1", "ca-west-1"} <= set(inf.accounts)


def test_listing_links_every_image_file_and_skips_the_rest() -> None:
    url = sdk.LIST_URL_V3
    res = sdk.parse((HERE / "listing.json").read_text("utf-8"), url)
    assert res.links == [RAW + "kmeans.json", RAW + "tensorflow.json"]
    assert any("instance_gpu_info" in w for w in res.warnings)


def test_a_file_that_is_not_images_is_skipped_with_a_reason() -> None:
    res = sdk.parse((HERE / "instance_gpu_info.json").read_text("utf-8"), RAW + "instance_gpu_info.json")
    assert res.images == [] and "not images" in res.warnings[0]


def test_a_truncated_file_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="Not JSON"):
        sdk.parse((HERE / "truncated.json").read_text("utf-8"), RAW + "truncated.json")


def test_a_file_that_describes_no_images_is_a_warning_not_a_blocked_refresh() -> None:
    # a new helper file upstream must not stop every refresh; the source-level gate still refuses
    # a source whose files all describe nothing
    res = sdk.parse((HERE / "no-images.json").read_text("utf-8"), RAW + "no-images.json")
    assert res.images == [] and "describes no images" in res.warnings[0]


def test_empty_document_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="Empty"):
        sdk.parse("  ", RAW + "kmeans.json")


def test_the_registry_dispatches_each_branch_to_its_own_source() -> None:
    assert scraper_for_url(RAW + "kmeans.json").name == "sdk-image-config"
    assert scraper_for_url(RAW_V2 + "kmeans.json").name == "sdk-image-config-v2"
    assert scraper_for_url(sdk.LIST_URL_V2).name == "sdk-image-config-v2"
    assert scraper_for_url(sdk.LIST_URL_V3).name == "sdk-image-config"
    res = sdk.parse((HERE / "kmeans.json").read_text("utf-8"), RAW_V2 + "kmeans.json")
    assert res.images[0].provenance[0].source == "sdk-image-config-v2"


# --------------------------------------------------------------------------- the recorded files

MIRROR_V3 = (
    SOURCES
    / "mirror/raw.githubusercontent.com/aws/sagemaker-python-sdk/master"
    / "sagemaker-core/src/sagemaker/core/image_uri_config"
)
MIRROR_V2 = (
    SOURCES
    / "mirror/raw.githubusercontent.com/aws/sagemaker-python-sdk/master-v2/src/sagemaker/image_uri_config"
)


@requires_shared
@pytest.mark.integration
@pytest.mark.parametrize(("folder", "base"), [(MIRROR_V3, RAW), (MIRROR_V2, RAW_V2)])
def test_every_recorded_file_parses(folder, base) -> None:
    files = sorted(folder.glob("*.json"))
    assert len(files) >= 60
    total = 0
    for f in files:
        res = sdk.parse(f.read_text("utf-8"), base + f.name)
        if f.stem in sdk.NOT_IMAGES:
            assert not res.images
            continue
        assert res.images, f.name
        total += len(res.images)
        for r in res.images:
            assert r.tags and r.accounts and r.repository, (f.name, r)
    assert total > 900
