"""smcat.scrapers.sources.dlc_image_data: the GitHub trees listing and the per-image YAML files."""

from __future__ import annotations

import collections
import json

import pytest

from smcat.catalog.errors import ParseError
from smcat.catalog.models import ImageRecord, Provenance
from smcat.scrapers.sources import dlc_image_data
from smcat.scrapers.sources.dlc_image_data import TREE_URL, URL_PATTERN, parse
from tests import golden
from tests.conftest import FIXTURES, MIRROR, mirror_file, requires_shared

HERE = FIXTURES / "dlc_image_data"
RAW = "https://raw.githubusercontent.com/aws/deep-learning-containers/main/docs/src/data"
FACTS = ("repository", "tags", "version", "processor", "py_version", "cuda", "os", "platform", "ga", "eop")


def _parse_fixture(relpath: str, fetched_at: str = "") -> ImageRecord:
    result = parse((HERE / relpath).read_text("utf-8"), f"{RAW}/{relpath}", fetched_at)
    assert len(result.images) == 1
    assert not (result.links or result.registries or result.lifecycle)
    return result.images[0]


def _prov(relpath: str, fetched_at: str = "") -> tuple[Provenance, ...]:
    return (Provenance(source="dlc-image-data", url=f"{RAW}/{relpath}", fetched_at=fetched_at, facts=FACTS),)


CASES = [
    # TF Serving GPU: version refined from the pinned tag (2.18 -> 2.18.1); every tag kept in order.
    (
        "tensorflow-inference/2.18-gpu-sagemaker.yml",
        dict(
            framework="tensorflow",
            version="2.18.1",
            image_scope="inference",
            processor="gpu",
            repository="tensorflow-inference",
            tags=(
                "2.18.1-gpu-py310-cu121-ubuntu20.04-sagemaker",
                "2.18-gpu-py310-cu121-ubuntu20.04-sagemaker-v1",
                "2.18-gpu-py310-sagemaker",
            ),
            py_version="py310",
            cuda="cu121",
            os="ubuntu20.04",
            platform="sagemaker",
            registry_family="dlc",
            ga="2024-10-24",
            eop="2025-10-24",
            extra=(("public_registry", "true"),),
        ),
    ),
    # scikit-learn: "1.2-1-py310" is version 1.2-1 on py310; algorithm registry; serves both scopes.
    (
        "sagemaker-scikit-learn/1.2-1-py310-cpu-sagemaker.yml",
        dict(
            framework="sklearn",
            version="1.2-1",
            image_scope="inference",
            processor="cpu",
            repository="sagemaker-scikit-learn",
            tags=("1.2-1-py310",),
            py_version="py310",
            platform="sagemaker",
            registry_family="algorithms",
            ga="2023-05-02",
            eop="2024-05-02",
            extra=(("image_scopes", "inference,training"),),
        ),
    ),
    # XGBoost: the "1.0-1" style version is kept whole; no python field, so no py_version.
    (
        "sagemaker-xgboost/2.0-1-cpu-sagemaker.yml",
        dict(
            framework="xgboost",
            version="2.0-1",
            image_scope="inference",
            processor="cpu",
            repository="sagemaker-xgboost",
            tags=("2.0-1",),
            platform="sagemaker",
            registry_family="algorithms",
            extra=(("image_scopes", "inference,training"),),
        ),
    ),
    # Hugging Face on PyTorch, SDK convention: version = transformers, base framework = pytorch 2.3.0.
    (
        "huggingface-pytorch-inference/2.3-gpu-sagemaker.yml",
        dict(
            framework="huggingface",
            version="4.46.1",
            image_scope="inference",
            processor="gpu",
            repository="huggingface-pytorch-inference",
            tags=("2.3.0-transformers4.46.1-gpu-py311-cu121-ubuntu20.04",),
            py_version="py311",
            cuda="cu121",
            os="ubuntu20.04",
            platform="sagemaker",
            registry_family="dlc",
            base_framework="pytorch",
            base_framework_version="2.3.0",
            extra=(("transformers", "4.46.1"),),
        ),
    ),
    # Neuronx: processor neuronx, still the DLC account; the Neuron SDK version goes to extra and
    # names the build variant (several SDK builds share one framework version).
    (
        "pytorch-inference-neuronx/2.5-neuronx-sdk2.21.0.yml",
        dict(
            framework="pytorch",
            version="2.5.1",
            image_scope="inference",
            processor="neuronx",
            repository="pytorch-inference-neuronx",
            tags=("2.5.1-neuronx-py310-sdk2.21.0-ubuntu22.04",),
            py_version="py310",
            os="ubuntu22.04",
            platform="sagemaker",
            registry_family="dlc",
            extra=(("sdk", "2.21.0"),),
            variant="sdk2.21.0",
        ),
    ),
    # Graviton: arm64 from the repository name; unquoted YAML dates become ISO strings.
    (
        "pytorch-inference-arm64/2.4-cpu-ec2.yml",
        dict(
            framework="pytorch",
            version="2.4.0",
            image_scope="inference",
            processor="cpu",
            repository="pytorch-inference-arm64",
            tags=("2.4.0-cpu-py311-ubuntu22.04-ec2", "2.4-cpu-py311-ec2"),
            py_version="py311",
            os="ubuntu22.04",
            platform="ec2",
            arch="arm64",
            registry_family="dlc",
            ga="2024-08-01",
            eop="2025-08-01",
        ),
    ),
    # EC2 training image without lifecycle dates.
    (
        "pytorch-training/2.7-gpu-ec2.yml",
        dict(
            framework="pytorch",
            version="2.7.1",
            image_scope="training",
            processor="gpu",
            repository="pytorch-training",
            tags=("2.7.1-gpu-py312-cu128-ubuntu22.04-ec2",),
            py_version="py312",
            cuda="cu128",
            os="ubuntu22.04",
            platform="ec2",
            registry_family="dlc",
        ),
    ),
    # TEI: the ECR repository (tei-cpu) differs from the data directory; tag does not start with
    # the TEI version, so the YAML version stands; algorithm registry.
    (
        "huggingface-tei/1.8.2-cpu-sagemaker.yml",
        dict(
            framework="huggingface-tei",
            version="1.8.2",
            image_scope="inference",
            processor="cpu",
            repository="tei-cpu",
            tags=("2.0.1-tei1.8.2-cpu-py310-ubuntu22.04",),
            os="ubuntu22.04",
            platform="sagemaker",
            registry_family="algorithms",
            extra=(("data_directory", "huggingface-tei"),),
            variant="huggingface-tei",
        ),
    ),
    # Triton: a real account outside the DLC registry -> no family implied, account kept in extra.
    (
        "sagemaker-tritonserver/24.05-gpu-sagemaker.yml",
        dict(
            framework="sagemaker-tritonserver",
            version="24.05",
            image_scope="inference",
            processor="gpu",
            repository="sagemaker-tritonserver",
            tags=("24.05-py3",),
            py_version="py3",
            platform="sagemaker",
            registry_family=None,
            extra=(("example_ecr_account", "111122223333"),),
        ),
    ),
    # vLLM serving image: no -inference suffix -> scope inference; platform "default" -> None.
    (
        "vllm/0.9.2-gpu-default.yml",
        dict(
            framework="vllm",
            version="0.9.2",
            image_scope="inference",
            processor="gpu",
            repository="vllm",
            tags=("0.9.2-gpu-py312-cu128-ubuntu22.04", "0.9-gpu-py312"),
            py_version="py312",
            cuda="cu128",
            os="ubuntu22.04",
            platform=None,
            registry_family="dlc",
        ),
    ),
]


@pytest.mark.parametrize(("relpath", "fields"), CASES, ids=[c[0].split("/")[0] for c in CASES])
def test_image_yaml(relpath, fields):
    expected = ImageRecord(**fields, provenance=_prov(relpath, "2026-01-02T03:04:05Z"))
    assert _parse_fixture(relpath, "2026-01-02T03:04:05Z") == expected


def test_tree_lists_data_yaml_except_template():
    result = parse((HERE / "tree.json").read_text("utf-8"), TREE_URL)
    assert result.links == [
        f"{RAW}/pytorch-training/2.7-gpu-ec2.yml",
        f"{RAW}/sagemaker-xgboost/2.0-1-cpu-sagemaker.yml",
    ]
    assert result.images == [] and result.warnings == []


def test_tree_links_follow_the_tree_ref():
    url = "https://api.github.com/repos/aws/deep-learning-containers/git/trees/v2?recursive=1"
    result = parse((HERE / "tree.json").read_text("utf-8"), url)
    assert result.links[0] == (
        "https://raw.githubusercontent.com/aws/deep-learning-containers/v2/docs/src/data/pytorch-training/2.7-gpu-ec2.yml"
    )


def test_truncated_tree_warns():
    result = parse((HERE / "tree-truncated.json").read_text("utf-8"), TREE_URL)
    assert result.links == [f"{RAW}/vllm/0.9.2-gpu-default.yml"]
    assert len(result.warnings) == 1 and "truncated" in result.warnings[0]


@pytest.mark.parametrize(
    "url",
    [
        TREE_URL,
        TREE_URL.split("?")[0],  # the registry matches URLs without their query string
        f"{RAW}/pytorch-training/2.7-gpu-ec2.yml",
        "https://raw.githubusercontent.com/aws/deep-learning-containers/e0ecedea6a/docs/src/data/vllm/0.9.2-gpu-ec2.yml",
    ],
)
def test_url_pattern_matches(url):
    assert URL_PATTERN.search(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://raw.githubusercontent.com/aws/deep-learning-containers/main/docs/reference/region_availability.md",
        "https://raw.githubusercontent.com/aws/deep-learning-containers/main/docs/src/legacy/legacy_support.yml",
        "https://raw.githubusercontent.com/aws/deep-learning-containers/master/available_images.md",
        "https://api.github.com/repos/other/repo/git/trees/main",
    ],
)
def test_url_pattern_rejects_other_documents(url):
    assert not URL_PATTERN.search(url)


BROKEN = [
    # empty body
    ("empty.yml", "Empty document"),
    # YAML syntax error
    ("syntax.yml", "YAML syntax error"),
    # a required key is missing: the message names it and lists the keys found
    ("missing-version.yml", "lacks required key(s) version; keys found: framework, accelerator, tags"),
    # tags is a string, not a list
    ("tags-not-list.yml", "'tags' in"),
    # a YAML list instead of a mapping
    ("not-a-mapping.yml", "Expected a YAML mapping"),
    # an accelerator smcat has no processor for
    ("unknown-accelerator.yml", "Unknown accelerator 'tpu'"),
    # an HTML error page served instead of the file
    ("error-page.html", "HTML page"),
]


@pytest.mark.parametrize(("name", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_yaml_raises(name, message):
    url = f"{RAW}/pytorch-training/{name}"
    with pytest.raises(ParseError) as info:
        parse((HERE / "broken" / name).read_text("utf-8"), url)
    assert message in str(info.value)
    assert info.value.source == "dlc-image-data" and info.value.url == url


def test_tree_without_tree_raises():
    with pytest.raises(ParseError, match=r"no 'tree' list \(found: \['documentation_url', 'message'\]\)"):
        parse((HERE / "broken" / "tree-no-tree.json").read_text("utf-8"), TREE_URL)


def test_tree_not_json_raises():
    with pytest.raises(ParseError, match="not JSON"):
        parse("{not json", TREE_URL)


# --- integration: the recorded upstream sources --------------------------------------------------

DATA_DIR = MIRROR / "raw.githubusercontent.com/aws/deep-learning-containers/main/docs/src/data"


def _real_images() -> list[ImageRecord]:
    images = []
    for path in sorted(DATA_DIR.glob("*/*.yml")):
        if path.parent.name == "template":
            continue
        url = f"{RAW}/{path.parent.name}/{path.name}"
        images.extend(parse(path.read_text("utf-8"), url).images)
    return images


@requires_shared
def test_real_tree_lists_every_image_yaml():
    tree = mirror_file(TREE_URL)
    result = parse(tree.read_text("utf-8"), TREE_URL)
    on_disk = sorted(
        f"{RAW}/{p.parent.name}/{p.name}" for p in DATA_DIR.glob("*/*.yml") if p.parent.name != "template"
    )
    assert len(result.links) == 267  # the recorded commit holds 267 image files (+ the template)
    assert sorted(result.links) == on_disk
    assert not any("/template/" in link for link in result.links)
    assert result.warnings == []
    assert json.loads(tree.read_text("utf-8"))["truncated"] is False


@requires_shared
def test_real_yaml_files_all_parse():
    images = _real_images()
    assert len(images) == 267
    assert {i.processor for i in images} == {"cpu", "gpu", "neuronx"}
    assert all(i.tags and i.version and i.repository for i in images)
    families = collections.Counter(i.registry_family for i in images)
    assert families["algorithms"] == 6  # 2 scikit-learn, 2 XGBoost, 2 TEI
    assert families[None] == 8  # Triton, in its own account


@requires_shared
def test_real_tensorflow_219_gpu_sagemaker_inference():
    url = f"{RAW}/tensorflow-inference/2.19-gpu-sagemaker.yml"
    (image,) = parse(mirror_file(url).read_text("utf-8"), url).images
    assert (image.framework, image.version, image.image_scope, image.processor) == (
        "tensorflow",
        "2.19.0",
        "inference",
        "gpu",
    )
    assert image.tags[0] == "2.19.0-gpu-py312-cu122-ubuntu22.04-sagemaker"
    assert "2.19-gpu-py312-sagemaker" in image.tags
    assert (image.py_version, image.cuda, image.os, image.platform) == (
        "py312",
        "cu122",
        "ubuntu22.04",
        "sagemaker",
    )
    assert (image.ga, image.eop) == ("2025-03-11", "2026-03-11")


@requires_shared
@pytest.mark.parametrize(
    ("relpath", "framework", "version", "py_version"),
    [
        ("sagemaker-scikit-learn/1.4-2-py312-cpu-sagemaker.yml", "sklearn", "1.4-2", "py312"),
        ("sagemaker-xgboost/3.0-5-cpu-sagemaker.yml", "xgboost", "3.0-5", None),
        ("huggingface-pytorch-inference/2.6-gpu-sagemaker.yml", "huggingface", "5.5.3", "py312"),
    ],
)
def test_real_first_party_and_huggingface_versions(relpath, framework, version, py_version):
    url = f"{RAW}/{relpath}"
    (image,) = parse(mirror_file(url).read_text("utf-8"), url).images
    assert (image.framework, image.version, image.py_version) == (framework, version, py_version)


def test_module_exports():
    assert set(dlc_image_data.__all__) >= {"TREE_URL", "URL_PATTERN", "parse"}


@pytest.mark.parametrize(
    ("version", "tag", "expected", "warned"),
    [
        ('"2.10"', "2.10.0-gpu-py312", "2.10.0", False),  # quoted, as the authors' template asks
        ("2.10", "2.10.0-gpu-py312", "2.10.0", True),  # unquoted: YAML reads 2.1; the tag repairs it
        ("2.1", "2.1.0-gpu-py312", "2.1.0", True),  # unquoted and really 2.1
        ("3", "3-cpu", "3", False),  # an unquoted integer reads back unchanged: no warning
    ],
)
def test_unquoted_version_is_repaired_from_the_tag(version, tag, expected, warned):
    text = f'framework: PyTorch\nversion: {version}\naccelerator: gpu\ntags:\n  - "{tag}"\n'
    result = parse(text, f"{RAW}/pytorch-training/x.yml")
    assert result.images[0].version == expected
    assert bool(result.warnings) is warned


def test_yaml_outside_the_url_pattern_takes_the_repository_from_the_path():
    # a mirror or fork URL: still .../docs/src/data/<repository>/<file>.yml
    url = "http://127.0.0.1:8000/raw/docs/src/data/pytorch-training/2.7-gpu-ec2.yml"
    (image,) = parse((HERE / "pytorch-training/2.7-gpu-ec2.yml").read_text("utf-8"), url).images
    assert (image.repository, image.framework, image.image_scope) == (
        "pytorch-training",
        "pytorch",
        "training",
    )


def test_yaml_url_without_a_repository_raises():
    with pytest.raises(ParseError, match="Cannot tell the repository"):
        parse((HERE / "pytorch-training/2.7-gpu-ec2.yml").read_text("utf-8"), "http://127.0.0.1/x.yml")


@pytest.mark.parametrize(
    ("platform", "tag", "expected", "warned"),
    [
        ("sagemaker", "0.9.2-gpu-py312-cu128-ubuntu22.04-sagemaker", "sagemaker", False),  # agree
        ("ec2", "0.9.2-gpu-py312-cu128-ubuntu22.04-ec2-v1", "ec2", False),  # agree, moving "-v1" tag
        ("ec2", "0.9.2-gpu-py312-cu128-ubuntu22.04-sagemaker", "sagemaker", True),  # upstream slip: tag wins
        ("sagemaker", "0.9.2-gpu-py312", "sagemaker", False),  # the tag does not say
        ("default", "0.9.2-gpu-py312-cu128-ubuntu22.04-ec2", None, False),  # "default" is no platform
    ],
)
def test_platform_contradicted_by_tag(platform, tag, expected, warned):
    text = f'framework: vLLM\nversion: "0.9.2"\naccelerator: gpu\nplatform: {platform}\ntags:\n  - "{tag}"\n'
    result = parse(text, f"{RAW}/vllm/x.yml")
    assert result.images[0].platform == expected
    assert bool(result.warnings) is warned


@requires_shared
def test_real_files_warn_only_about_the_vllm_platform_slip():
    warnings = []
    for path in sorted(DATA_DIR.glob("*/*.yml")):
        if path.parent.name != "template":
            warnings += parse(path.read_text("utf-8"), f"{RAW}/{path.parent.name}/{path.name}").warnings
    assert len(warnings) == 1 and "vllm/0.20.1-gpu-sagemaker.yml" in warnings[0]


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("case", golden.cases(HERE))
def test_golden(case: str) -> None:
    # the tree listings are read from the trees API; broken files as a pytorch-training YAML file
    if case.endswith(".json"):
        url = TREE_URL
    elif case.startswith("broken/"):
        url = f"{RAW}/pytorch-training/{case.removeprefix('broken/')}"
    else:
        url = f"{RAW}/{case}"
    fixture = HERE / case
    got = golden.outcome(parse, fixture.read_text("utf-8"), url, "2026-11-01T00:00:00Z")
    golden.check(got, golden.expected_file(fixture))
