"""smcat.scrapers.sources.dlc_available_images: available_images.md in every format since 2020.

Also today's "moved" stub and broken documents.
"""

from __future__ import annotations

from collections import Counter

import pytest

from smcat.catalog.errors import ParseError
from smcat.catalog.models import ParseResult
from smcat.scrapers.sources import dlc_available_images as dai
from tests import golden
from tests.conftest import FIXTURES, MIRROR, requires_shared

FIX = FIXTURES / "dlc_available_images"
URL = "https://raw.githubusercontent.com/aws/deep-learning-containers/abc123/available_images.md"
DLC = "763104351884"


def _parse(name: str) -> ParseResult:
    return dai.parse((FIX / name).read_text("utf-8"), URL, "2026-11-24T00:00:00Z")


def _row(rec) -> tuple:
    """The facts a test pins, in one comparable tuple."""
    return (
        rec.repository,
        rec.tag,
        rec.framework,
        rec.version,
        rec.image_scope,
        rec.processor,
        rec.py_version,
        rec.cuda,
        rec.os,
        rec.platform,
        rec.arch,
        rec.registry_family,
    )


# (fixture, expected records as _row tuples, in document order)
CASES = [
    # 2020: EIA column; "training, inference" on an mxnet-training repo -> the repo wins (one record);
    # no platform anywhere in this format; -eia repo -> dlc-eia family.
    (
        "format_2020.md",
        [
            (
                "tensorflow-training",
                "2.2.0-gpu-py37-cu102-ubuntu18.04",
                "tensorflow",
                "2.2.0",
                "training",
                "gpu",
                "py37",
                "cu102",
                "ubuntu18.04",
                None,
                "x86_64",
                "dlc",
            ),
            (
                "mxnet-training",
                "1.6.0-cpu-py36-ubuntu16.04",
                "mxnet",
                "1.6.0",
                "training",
                "cpu",
                "py36",
                None,
                "ubuntu16.04",
                None,
                "x86_64",
                "dlc",
            ),
            (
                "tensorflow-inference-eia",
                "2.0.0-cpu-py36-ubuntu18.04",
                "tensorflow",
                "2.0.0",
                "inference",
                "cpu",
                "py36",
                None,
                "ubuntu18.04",
                None,
                "x86_64",
                "dlc-eia",
            ),
        ],
    ),
    # 2022: -e3 tag -> ec2; -sagemaker -> sagemaker; Triton lives in another account (no family);
    # Habana "Device Type" column; HF version = transformers; neuron repo -> dlc-neuron;
    # a duplicated row is deduplicated.
    (
        "format_2022.md",
        [
            (
                "pytorch-training",
                "1.11.0-gpu-py38-cu115-ubuntu20.04-e3",
                "pytorch",
                "1.11.0",
                "training",
                "gpu",
                "py38",
                "cu115",
                "ubuntu20.04",
                "ec2",
                "x86_64",
                "dlc",
            ),
            (
                "tensorflow-inference",
                "2.9.0-cpu-py39-ubuntu20.04-sagemaker",
                "tensorflow",
                "2.9.0",
                "inference",
                "cpu",
                "py39",
                None,
                "ubuntu20.04",
                "sagemaker",
                "x86_64",
                "dlc",
            ),
            (
                "sagemaker-tritonserver",
                "21.08-py3-cpu",
                "sagemaker-tritonserver",
                "21.08",
                "inference",
                "cpu",
                "py3",
                None,
                None,
                "sagemaker",
                "x86_64",
                None,
            ),
            (
                "pytorch-training-habana",
                "1.10.2-hpu-py38-synapseai1.4.1-ubuntu20.04",
                "pytorch",
                "1.10.2",
                "training",
                "hpu",
                "py38",
                None,
                "ubuntu20.04",
                None,
                "x86_64",
                "dlc",
            ),
            (
                "huggingface-pytorch-inference",
                "1.10.2-transformers4.17.0-gpu-py38-cu113-ubuntu20.04",
                "huggingface",
                "4.17.0",
                "inference",
                "gpu",
                "py38",
                "cu113",
                "ubuntu20.04",
                None,
                "x86_64",
                "dlc",
            ),
            (
                "tensorflow-inference-neuron",
                "1.15.5-neuron-py37-sdk1.17.1-ubuntu18.04",
                "tensorflow",
                "1.15.5",
                "inference",
                "neuron",
                "py37",
                None,
                "ubuntu18.04",
                None,
                "x86_64",
                "dlc-neuron",
            ),
            (
                "tensorflow-training",
                "2.0.4-gpu-py36-cu100-ubuntu18.04",
                "tensorflow",
                "2.0.4",
                "training",
                "gpu",
                "py36",
                "cu100",
                "ubuntu18.04",
                None,
                "x86_64",
                "dlc",
            ),
        ],
    ),
    # 2023: graviton repo -> arm64, EC2 section; DJL tags without py/os take python from the column and
    # the processor from the Accelerator column (or the tag's -neuronx); a <br> cell holds two URIs;
    # a repo that does not name its scope + "training, inference" -> one record per scope.
    (
        "format_2023.md",
        [
            (
                "pytorch-inference-graviton",
                "2.0.0-cpu-py310-ubuntu20.04-ec2",
                "pytorch",
                "2.0.0",
                "inference",
                "cpu",
                "py310",
                None,
                "ubuntu20.04",
                "ec2",
                "arm64",
                "dlc",
            ),
            (
                "djl-inference",
                "0.22.1-deepspeed0.9.2-cu118",
                "djl-inference",
                "0.22.1",
                "inference",
                "gpu",
                "py39",
                "cu118",
                None,
                None,
                "x86_64",
                "dlc",
            ),
            (
                "djl-inference",
                "0.22.1-neuronx-sdk2.10.0",
                "djl-inference",
                "0.22.1",
                "inference",
                "neuronx",
                "py38",
                None,
                None,
                None,
                "x86_64",
                "dlc",
            ),
            (
                "pytorch-inference-neuronx",
                "1.13.1-neuronx-py310-sdk2.12.0-ubuntu20.04",
                "pytorch",
                "1.13.1",
                "inference",
                "neuronx",
                "py310",
                None,
                "ubuntu20.04",
                None,
                "x86_64",
                "dlc-neuron",
            ),
            (
                "pytorch-inference-neuron",
                "1.13.1-neuron-py310-sdk2.12.0-ubuntu20.04",
                "pytorch",
                "1.13.1",
                "inference",
                "neuron",
                "py310",
                None,
                "ubuntu20.04",
                None,
                "x86_64",
                "dlc-neuron",
            ),
            (
                "mxnet",
                "1.9.0-cpu-py38-ubuntu20.04",
                "mxnet",
                "1.9.0",
                "training",
                "cpu",
                "py38",
                None,
                "ubuntu20.04",
                None,
                "x86_64",
                "dlc",
            ),
            (
                "mxnet",
                "1.9.0-cpu-py38-ubuntu20.04",
                "mxnet",
                "1.9.0",
                "inference",
                "cpu",
                "py38",
                None,
                "ubuntu20.04",
                None,
                "x86_64",
                "dlc",
            ),
        ],
    ),
    # 2024/2025: SageMaker graviton; Triton `23.<XY>` placeholder skipped (warning); LMI pinned -v1.0;
    # DJL cpu-full; TGI image -> huggingface with version = TGI version.
    (
        "format_2024.md",
        [
            (
                "pytorch-inference-graviton",
                "2.4.0-cpu-py311-ubuntu22.04-sagemaker",
                "pytorch",
                "2.4.0",
                "inference",
                "cpu",
                "py311",
                None,
                "ubuntu22.04",
                "sagemaker",
                "arm64",
                "dlc",
            ),
            (
                "djl-inference",
                "0.29.0-lmi11.0.0-cu124-v1.0",
                "djl-inference",
                "0.29.0",
                "inference",
                "gpu",
                "py310",
                "cu124",
                None,
                None,
                "x86_64",
                "dlc",
            ),
            (
                "djl-inference",
                "0.29.0-cpu-full",
                "djl-inference",
                "0.29.0",
                "inference",
                "cpu",
                "py310",
                None,
                None,
                None,
                "x86_64",
                "dlc",
            ),
            (
                "huggingface-pytorch-tgi-inference",
                "2.0.0-tgi0.8.2-gpu-py39-cu118-ubuntu20.04",
                "huggingface",
                "0.8.2",
                "inference",
                "gpu",
                "py39",
                "cu118",
                "ubuntu20.04",
                None,
                "x86_64",
                "dlc",
            ),
        ],
    ),
    # 2026: Platform column decides sagemaker/ec2 for vLLM (tag has no suffix for SageMaker);
    # base image has no job type -> "general"; Neuron framework cell is a markdown link.
    (
        "format_2026.md",
        [
            (
                "base",
                "12.8.1-gpu-py312-cu128-ubuntu24.04-ec2",
                "base",
                "12.8.1",
                "general",
                "gpu",
                "py312",
                "cu128",
                "ubuntu24.04",
                "ec2",
                "x86_64",
                "dlc",
            ),
            (
                "vllm",
                "0.13-gpu-py312",
                "vllm",
                "0.13",
                "inference",
                "gpu",
                "py312",
                None,
                None,
                "sagemaker",
                "x86_64",
                "dlc",
            ),
            (
                "vllm",
                "0.13-gpu-py312-ec2",
                "vllm",
                "0.13",
                "inference",
                "gpu",
                "py312",
                None,
                None,
                "ec2",
                "x86_64",
                "dlc",
            ),
            (
                "pytorch-inference",
                "2.6.0-gpu-py312-cu124-ubuntu22.04-sagemaker",
                "pytorch",
                "2.6.0",
                "inference",
                "gpu",
                "py312",
                "cu124",
                "ubuntu22.04",
                "sagemaker",
                "x86_64",
                "dlc",
            ),
            (
                "huggingface-pytorch-training-neuronx",
                "2.1.2-transformers4.48.1-neuronx-py310-sdk2.20.0-ubuntu20.04",
                "huggingface",
                "4.48.1",
                "training",
                "neuronx",
                "py310",
                None,
                "ubuntu20.04",
                None,
                "x86_64",
                "dlc-neuron",
            ),
            (
                "pytorch-inference-neuronx",
                "2.9.0-neuronx-py312-sdk2.27.1-ubuntu24.04",
                "pytorch",
                "2.9.0",
                "inference",
                "neuronx",
                "py312",
                None,
                "ubuntu24.04",
                None,
                "x86_64",
                "dlc-neuron",
            ),
        ],
    ),
]


@pytest.mark.parametrize(("fixture", "expected"), CASES, ids=[c[0] for c in CASES])
def test_images_per_format(fixture, expected):
    result = _parse(fixture)
    assert [_row(r) for r in result.images] == expected
    assert result.moved is None


# (fixture, expected registries as (family, region, account, region_name))
REGION_CASES = [
    # 2020: EIA "Available" only in us-east-1; Hong Kong and Beijing have their own accounts.
    (
        "format_2020.md",
        [
            ("dlc", "us-east-1", DLC, "US East (N. Virginia)"),
            ("dlc-eia", "us-east-1", DLC, "US East (N. Virginia)"),
            ("dlc", "ap-east-1", "871362719292", "Asia Pacific (Hong Kong)"),
            ("dlc", "cn-north-1", "727897471807", "China (Beijing)"),
        ],
    ),
    # 2022: both EIA and Neuron columns; Cape Town has EIA but no Neuron.
    (
        "format_2022.md",
        [
            ("dlc", "us-east-1", DLC, "US East (N. Virginia)"),
            ("dlc-neuron", "us-east-1", DLC, "US East (N. Virginia)"),
            ("dlc-eia", "us-east-1", DLC, "US East (N. Virginia)"),
            ("dlc", "us-west-1", DLC, "US West (N. California)"),
            ("dlc", "af-south-1", "626614931356", "Africa (Cape Town)"),
            ("dlc-eia", "af-south-1", "626614931356", "Africa (Cape Town)"),
        ],
    ),
    # 2026: Neuron available in Taipei under the region's own account.
    (
        "format_2026.md",
        [
            ("dlc", "us-east-1", DLC, "US East (N. Virginia)"),
            ("dlc-neuron", "us-east-1", DLC, "US East (N. Virginia)"),
            ("dlc", "ap-east-2", "975050140332", "Asia Pacific (Taipei)"),
            ("dlc-neuron", "ap-east-2", "975050140332", "Asia Pacific (Taipei)"),
        ],
    ),
]


@pytest.mark.parametrize(("fixture", "expected"), REGION_CASES, ids=[c[0] for c in REGION_CASES])
def test_region_registries(fixture, expected):
    regs = _parse(fixture).registries
    assert [(r.family, r.region, r.account, r.region_name) for r in regs] == expected
    assert all(r.provenance and r.provenance.url == URL for r in regs)


def test_record_details_accounts_extra_provenance():
    by_tag = {r.tag: r for r in _parse("format_2022.md").images}
    hf = by_tag["1.10.2-transformers4.17.0-gpu-py38-cu113-ubuntu20.04"]
    # The SDK's convention: version = transformers version, the base framework carries the tag's version.
    assert (hf.base_framework, hf.base_framework_version) == ("pytorch", "1.10.2")
    assert ("transformers", "4.17.0") in hf.extra
    assert hf.accounts == {"us-east-1": DLC}
    assert hf.derived_tags is False
    (prov,) = hf.provenance
    assert (prov.source, prov.url, prov.fetched_at) == ("dlc-available-images", URL, "2026-11-24T00:00:00Z")
    assert prov.facts == (
        "repository",
        "tags",
        "version",
        "processor",
        "py_version",
        "cuda",
        "os",
        "platform",
    )
    # An image shown in another region keeps that region's account; Triton's account is not the DLC one.
    assert by_tag["1.10.2-hpu-py38-synapseai1.4.1-ubuntu20.04"].accounts == {"us-west-2": DLC}
    assert by_tag["21.08-py3-cpu"].accounts == {"us-east-2": "007439368137"}
    assert ("neuron_sdk", "1.17.1") in by_tag["1.15.5-neuron-py37-sdk1.17.1-ubuntu18.04"].extra


def test_extra_facts_from_tag_and_columns():
    by_tag = {r.tag: r for r in _parse("format_2024.md").images}
    assert by_tag["0.29.0-lmi11.0.0-cu124-v1.0"].extra == (("lmi", "11.0.0"), ("image_version", "v1.0"))
    assert ("tgi", "0.8.2") in by_tag["2.0.0-tgi0.8.2-gpu-py39-cu118-ubuntu20.04"].extra
    neuron = {r.tag: r for r in _parse("format_2026.md").images}
    assert ("neuron_sdk", "2.27.1") in neuron["2.9.0-neuronx-py312-sdk2.27.1-ubuntu24.04"].extra


def test_placeholder_tag_is_skipped_with_a_warning():
    result = _parse("format_2024.md")
    assert not any(r.repository == "sagemaker-tritonserver" for r in result.images)
    assert any("23.`<XY>`" in w for w in result.warnings)


def test_moved_stub_is_moved_not_empty():
    result = _parse("moved_stub.md")
    assert result.moved == "https://aws.github.io/deep-learning-containers/reference/available_images/"
    assert result.images == [] and result.registries == []


def test_moved_wording_without_url_still_recognised():
    # The wording alone (no link) is enough; the sentence itself is kept as the target.
    result = dai.parse("# Images\n\nThis list has moved to the AWS documentation.\n", URL)
    assert result.moved and "moved" in result.moved


# (fixture or inline text, words the error must contain)
ERROR_CASES = [
    ("", "empty"),  # empty body
    ("   \n\n", "empty"),  # whitespace only
    ("@html_error.html", "HTML"),  # an error page served instead of markdown
    ("@no_tables.md", "no region table and no image tables"),  # prose only, no moved wording
    ("@no_example_url.md", "no 'Example URL' column"),  # image rows under a renamed column
    ("@truncated.md", "truncated"),  # last row cut mid-URI, no final newline
]


@pytest.mark.parametrize(("source", "words"), ERROR_CASES, ids=[c[0] or "empty" for c in ERROR_CASES])
def test_parse_errors(source, words):
    text = (FIX / source[1:]).read_text("utf-8") if source.startswith("@") else source
    with pytest.raises(ParseError, match=words) as exc:
        dai.parse(text, URL)
    assert exc.value.source == "dlc-available-images"
    assert exc.value.url == URL


def test_truncated_row_with_missing_cells():
    # The file ends after the first cells of a row (a newline still appended by a proxy).
    full = (FIX / "truncated.md").read_text("utf-8").rsplit("\n", 1)[0]
    with pytest.raises(ParseError, match="truncated"):
        dai.parse(full + "\n| PyTorch 2.6.0 | training |\n", URL)


def test_complete_file_without_final_newline_is_fine():
    text = (FIX / "format_2026.md").read_text("utf-8").rstrip("\n")
    assert len(dai.parse(text, URL).images) == 6


@pytest.mark.parametrize(
    "url",
    [
        "https://raw.githubusercontent.com/aws/deep-learning-containers/master/available_images.md",
        "https://raw.githubusercontent.com/aws/deep-learning-containers/d2846d66a6c9651c9dc13818fe7369f90dd58485/available_images.md",
    ],
)
def test_url_pattern_matches(url):
    assert dai.URL_PATTERN.search(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://raw.githubusercontent.com/aws/deep-learning-containers/main/docs/reference/region_availability.md",
        "https://github.com/aws/deep-learning-containers/blob/master/available_images.md",
    ],
)
def test_url_pattern_rejects(url):
    assert not dai.URL_PATTERN.search(url)


def test_start_urls_master_first_then_newest_commit():
    assert len(dai.START_URLS) == 7
    assert dai.START_URLS[0].endswith("/master/available_images.md")
    assert "d2846d66a6c9651c9dc13818fe7369f90dd58485" in dai.START_URLS[1]
    assert "91bfcc844b830fac41eecac61966b84702c47d71" in dai.START_URLS[-1]
    assert all(dai.URL_PATTERN.search(u) for u in dai.START_URLS)


# (tag, expected named groups) - the one tag grammar, over shapes seen since 2020
TAG_CASES = [
    (
        "2.0.4-gpu-py36-cu100-ubuntu18.04",
        {"version": "2.0.4", "processor": "gpu", "py": "py36", "cuda": "cu100"},
    ),
    ("2.9.0-gpu-py312-cu130-ubuntu22.04-ec2", {"platform": "ec2", "os": "ubuntu22.04"}),  # 2025+ ec2 suffix
    ("1.11.0-cpu-py38-ubuntu20.04-e3", {"platform": "e3"}),  # 2022 "E3" = EC2
    ("2.2.0-cpu-py37-ubuntu18.04-v1.0", {"image_version": "v1.0"}),  # pinned image version
    ("21.08-py3-cpu", {"version": "21.08", "py": "py3", "processor_late": "cpu"}),  # Triton order
    ("0.30.0-neuronx-sdk2.20.1", {"processor": "neuronx", "sdk": "sdk", "sdk_version": "2.20.1"}),  # DJL
    ("0.36.0-lmi20.0.0-cu128-v1.0", {"comp1": "lmi20.0.0", "cuda": "cu128"}),  # LMI
    ("0.11.0-optimum0.4.2-neuronx-py310-sdk2.26.0-ubuntu22.04", {"comp1": "optimum0.4.2"}),  # HF vLLM neuronx
    ("1.10.2-hpu-py38-synapseai1.4.1-ubuntu20.04", {"processor": "hpu", "sdk": "synapseai"}),  # Habana
    ("0.13-gpu-py312", {"version": "0.13", "os": None, "platform": None}),  # vLLM SageMaker
    ("3.0.0-gpu-py313-cu131-ubuntu24.04-ec2-newthing", {"rest": "newthing"}),  # unseen suffix kept
]


@pytest.mark.parametrize(("tag", "groups"), TAG_CASES, ids=[c[0] for c in TAG_CASES])
def test_tag_grammar(tag, groups):
    m = dai.TAG_RE.match(tag)
    assert m
    for name, value in groups.items():
        assert m.group(name) == value


# ---------------------------------------------------------------------------------------------
# Integration: the recorded real versions of the file.

_COMMIT_URLS = {u.split("/")[-2]: u for u in dai.START_URLS}


def _real(ref: str) -> ParseResult:
    url = _COMMIT_URLS[ref]
    return dai.parse((MIRROR / url.split("://", 1)[1]).read_text("utf-8"), url, "recorded")


# (commit, images, registries) as parsed on 2026-11-24
REAL_COUNTS = [
    ("91bfcc844b830fac41eecac61966b84702c47d71", 37, 26),  # 2020-06-26
    ("02a171e73f5ce1ddd38b66213c84c3034bcbb138", 190, 41),  # 2022-06-30
    ("1cf477e73df0d01702a768c15a661fc3d6c92dc9", 142, 41),  # 2023-07-26
    ("b6808daa38cb16c470e25740351f7e53c2c73b78", 93, 42),  # 2024-10-30
    ("14cde701158e95967c1f22bbe39f93af3a704bb3", 119, 47),  # 2025-09-29
    ("d2846d66a6c9651c9dc13818fe7369f90dd58485", 123, 48),  # 2026-02-09, last full version
]


@requires_shared
@pytest.mark.parametrize(("commit", "images", "registries"), REAL_COUNTS, ids=[c[0][:8] for c in REAL_COUNTS])
def test_real_versions_parse_to_many_images(commit, images, registries):
    result = _real(commit)
    assert (len(result.images), len(result.registries)) == (images, registries)
    assert result.moved is None
    # Every record has a concrete tag that its repository/tag grammar produced.
    assert all(r.tag and r.version and r.image_scope and r.processor for r in result.images)


@requires_shared
def test_real_master_is_the_moved_stub():
    result = _real("master")
    assert result.moved == "https://aws.github.io/deep-learning-containers/reference/available_images/"
    assert result.images == []


@requires_shared
def test_real_2022_tensorflow_2_0_4():
    result = _real("02a171e73f5ce1ddd38b66213c84c3034bcbb138")
    matches = [
        r
        for r in result.images
        if r.repository == "tensorflow-training" and r.version == "2.0.4" and r.processor == "gpu"
    ]
    assert [(r.py_version, r.tag, r.image_scope, r.cuda) for r in matches] == [
        ("py36", "2.0.4-gpu-py36-cu100-ubuntu18.04", "training", "cu100")
    ]
    assert matches[0].accounts == {"us-east-1": DLC} and matches[0].registry_family == "dlc"


@requires_shared
def test_real_2022_region_table():
    regs = {
        (r.family, r.region): r.account for r in _real("02a171e73f5ce1ddd38b66213c84c3034bcbb138").registries
    }
    assert regs[("dlc", "af-south-1")] == "626614931356"
    assert regs[("dlc-eia", "af-south-1")] == "626614931356"
    assert ("dlc-neuron", "af-south-1") not in regs
    assert regs[("dlc-neuron", "us-west-2")] == DLC


@requires_shared
def test_real_2026_sagemaker_pytorch_inference():
    result = _real("d2846d66a6c9651c9dc13818fe7369f90dd58485")
    sm = [r for r in result.images if r.repository == "pytorch-inference" and r.platform == "sagemaker"]
    assert {(r.version, r.processor) for r in sm} >= {("2.6.0", "cpu"), ("2.6.0", "gpu")}
    assert all(r.tag.endswith("-sagemaker") and r.arch == "x86_64" for r in sm)
    platforms = Counter(r.platform for r in result.images)
    assert platforms["sagemaker"] > 10 and platforms["ec2"] > 10
    assert any(r.arch == "arm64" and r.platform == "sagemaker" for r in result.images)


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("case", golden.cases(FIX))
def test_golden(case: str) -> None:
    fixture = FIX / case
    got = golden.outcome(dai.parse, fixture.read_text("utf-8"), URL, "2026-11-24T00:00:00Z")
    golden.check(got, golden.expected_file(fixture))
