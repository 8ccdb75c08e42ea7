"""smcat.scrapers.sources.aws_docs_ecr_paths: the AWS docs "Docker Registry Paths and Example Code" pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from smcat.catalog.errors import ParseError
from smcat.scrapers.sources import aws_docs_ecr_paths as ecr
from tests import golden
from tests.conftest import FIXTURES, MIRROR, requires_shared

HERE = FIXTURES / "aws_docs_ecr_paths"
MD_BASE = ecr.INDEX_URL.rsplit("/", 1)[0] + "/"
HTML_BASE = "https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/"
REAL = MIRROR / MD_BASE.split("://", 1)[1]


def _parse(relative: str, url: str | None = None, fetched_at: str = "2026-01-01T00:00:00Z"):
    path = HERE / relative
    name = Path(relative).name
    if url is None:
        url = (HTML_BASE if name.endswith(".html") else MD_BASE) + name
    return ecr.parse(path.read_text("utf-8"), url, fetched_at)


def _summary(record) -> tuple:
    """(repository, account, region, version, scope, processor, py, tags) of one record."""
    ((region, account),) = record.accounts.items()
    return (
        record.repository,
        account,
        region,
        record.version,
        record.image_scope,
        record.processor,
        record.py_version,
        record.tags,
    )


US_EAST_1 = [
    # a built-in algorithm: no processor column, the tag is the bare version
    ("blazingtext", "811284229777", "us-east-1", "1", "inference", "cpu", None, ("1",)),
    ("blazingtext", "811284229777", "us-east-1", "1", "training", "cpu", None, ("1",)),
    # Hugging Face: the tag needs the base framework version the page does not give -> no tag
    ("huggingface-pytorch-training", "763104351884", "us-east-1", "4.17.0", "training", "cpu", None, ()),
    # a tag prefix before <tag> holds the version: coach0.11-<tag> -> coach0.11-cpu-py3
    (
        "sagemaker-rl-mxnet",
        "520713654638",
        "us-east-1",
        "0.11",
        "training",
        "cpu",
        "py3",
        ("coach0.11-cpu-py3",),
    ),
    (
        "sagemaker-rl-mxnet",
        "520713654638",
        "us-east-1",
        "0.11",
        "training",
        "gpu",
        "py3",
        ("coach0.11-gpu-py3",),
    ),
    # processors x python versions
    ("pytorch-training", "763104351884", "us-east-1", "1.8.1", "training", "cpu", "py3", ("1.8.1-cpu-py3",)),
    (
        "pytorch-training",
        "763104351884",
        "us-east-1",
        "1.8.1",
        "training",
        "cpu",
        "py36",
        ("1.8.1-cpu-py36",),
    ),
    ("pytorch-training", "763104351884", "us-east-1", "1.8.1", "training", "gpu", "py3", ("1.8.1-gpu-py3",)),
    (
        "pytorch-training",
        "763104351884",
        "us-east-1",
        "1.8.1",
        "training",
        "gpu",
        "py36",
        ("1.8.1-gpu-py36",),
    ),
    ("pytorch-inference-eia", "763104351884", "us-east-1", "1.3.1", "eia", "cpu", "py3", ("1.3.1-cpu-py3",)),
    # a literal tag in the registry path is kept verbatim
    (
        "pytorch-inference",
        "763104351884",
        "us-east-1",
        "1.12.0",
        "inference",
        "gpu",
        "py38",
        ("1.12.0-gpu-py38-cu113-ubuntu20.04-sagemaker",),
    ),
    # Package version column; scikit-learn images are py3 only and tagged -cpu-py3
    (
        "sagemaker-scikit-learn",
        "683313688378",
        "us-east-1",
        "1.0-1",
        "inference",
        "cpu",
        "py3",
        ("1.0-1-cpu-py3",),
    ),
    (
        "sagemaker-scikit-learn",
        "683313688378",
        "us-east-1",
        "1.0-1",
        "training",
        "cpu",
        "py3",
        ("1.0-1-cpu-py3",),
    ),
    # Python "-": no python suffix; the duplicated row appears once
    ("tensorflow-inference", "763104351884", "us-east-1", "2.0.4", "inference", "cpu", None, ("2.0.4-cpu",)),
    ("tensorflow-inference", "763104351884", "us-east-1", "2.0.4", "inference", "gpu", None, ("2.0.4-gpu",)),
    (
        "sagemaker-tensorflow-serving-eia",
        "520713654638",
        "us-east-1",
        "1.12.0",
        "eia",
        "cpu",
        None,
        ("1.12.0-cpu",),
    ),
    # XGBoost: the SDK's bare version first, then the -cpu-py3 form; the legacy xgboost:1 image keeps "1"
    (
        "sagemaker-xgboost",
        "683313688378",
        "us-east-1",
        "1.5-1",
        "inference",
        "cpu",
        "py3",
        ("1.5-1", "1.5-1-cpu-py3"),
    ),
    (
        "sagemaker-xgboost",
        "683313688378",
        "us-east-1",
        "1.5-1",
        "training",
        "cpu",
        "py3",
        ("1.5-1", "1.5-1-cpu-py3"),
    ),
    ("xgboost", "811284229777", "us-east-1", "1", "training", "cpu", None, ("1",)),
]

CN_NORTH_1 = [
    # amazonaws.com.cn registry; "inf" processor
    (
        "sagemaker-neo-pytorch",
        "472730292857",
        "cn-north-1",
        "1.9",
        "inference",
        "inf",
        "py3",
        ("1.9-inf-py3",),
    ),
    ("kmeans", "390948362332", "cn-north-1", "1", "inference", "cpu", None, ("1",)),
    ("kmeans", "390948362332", "cn-north-1", "1", "training", "cpu", None, ("1",)),
]

AP_SOUTHEAST_1_HTML = [
    # <thead>/<th>, <code> cells, &lt;tag&gt;
    (
        "tensorflow-inference",
        "763104351884",
        "ap-southeast-1",
        "2.0.4",
        "inference",
        "cpu",
        None,
        ("2.0.4-cpu",),
    ),
    (
        "tensorflow-inference",
        "763104351884",
        "ap-southeast-1",
        "2.0.4",
        "inference",
        "gpu",
        None,
        ("2.0.4-gpu",),
    ),
    # processors split over two <p> in one cell
    (
        "tensorflow-training",
        "763104351884",
        "ap-southeast-1",
        "2.9.1",
        "training",
        "cpu",
        "py39",
        ("2.9.1-cpu-py39",),
    ),
    (
        "tensorflow-training",
        "763104351884",
        "ap-southeast-1",
        "2.9.1",
        "training",
        "gpu",
        "py39",
        ("2.9.1-gpu-py39",),
    ),
    # first-row <th> header, "Registry&nbsp;path", short "Job types"
    ("linear-learner", "475088953585", "ap-southeast-1", "1", "inference", "cpu", None, ("1",)),
    ("linear-learner", "475088953585", "ap-southeast-1", "1", "training", "cpu", None, ("1",)),
    (
        "sagemaker-xgboost",
        "121021644041",
        "ap-southeast-1",
        "1.5-1",
        "inference",
        "cpu",
        "py3",
        ("1.5-1", "1.5-1-cpu-py3"),
    ),
    (
        "sagemaker-xgboost",
        "121021644041",
        "ap-southeast-1",
        "1.5-1",
        "training",
        "cpu",
        "py3",
        ("1.5-1", "1.5-1-cpu-py3"),
    ),
]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("markdown/ecr-us-east-1.md", US_EAST_1),
        ("markdown/ecr-cn-north-1.md", CN_NORTH_1),
        ("html/ecr-ap-southeast-1.html", AP_SOUTHEAST_1_HTML),
    ],
)
def test_region_page_records(fixture, expected):
    result = _parse(fixture)
    assert [_summary(r) for r in result.images] == expected
    assert result.links == []


@pytest.mark.parametrize(
    ("fixture", "repository", "framework", "extra"),
    [
        # framework from the SDK example, not from the title
        (
            "markdown/ecr-us-east-1.md",
            "sagemaker-rl-mxnet",
            "coach-mxnet",
            (("section", "MXNet Coach (DLC)"),),
        ),
        (
            "markdown/ecr-us-east-1.md",
            "sagemaker-scikit-learn",
            "sklearn",
            (("package_version", "1.0.2"), ("section", "Scikit-learn (algorithm)")),
        ),
        (
            "markdown/ecr-us-east-1.md",
            "xgboost",
            "xgboost",
            (("package_version", "0.72"), ("section", "XGBoost (algorithm)")),
        ),
        # no SDK example: the title, lowercased and hyphenated, through the alias table (K-Means -> kmeans)
        ("markdown/ecr-cn-north-1.md", "kmeans", "kmeans", (("section", "K-Means (algorithm)"),)),
        (
            "html/ecr-ap-southeast-1.html",
            "linear-learner",
            "linear-learner",
            (("section", "Linear Learner (algorithm)"),),
        ),
        (
            "html/ecr-ap-southeast-1.html",
            "tensorflow-training",
            "tensorflow",
            (("section", "Tensorflow (DLC)"),),
        ),
    ],
)
def test_framework_and_extra(fixture, repository, framework, extra):
    record = next(r for r in _parse(fixture).images if r.repository == repository)
    assert record.framework == framework
    assert record.extra == extra


def test_hugging_face_base_framework_and_warning():
    result = _parse("markdown/ecr-us-east-1.md")
    record = next(r for r in result.images if r.framework == "huggingface")
    assert record.base_framework == "pytorch"
    assert not record.derived_tags
    assert any("Hugging Face" in w and "tags not derived" in w for w in result.warnings)


def test_provenance_of_a_derived_tag():
    url = MD_BASE + "ecr-us-east-1.md"
    record = next(r for r in _parse("markdown/ecr-us-east-1.md").images if r.tags == ("1.8.1-gpu-py36",))
    assert record.derived_tags
    stated, derived = record.provenance
    assert (stated.source, stated.url, stated.fetched_at) == (
        "aws-docs-ecr-paths",
        url,
        "2026-01-01T00:00:00Z",
    )
    assert set(stated.facts) == {
        "repository",
        "version",
        "image_scope",
        "processor",
        "py_version",
        "accounts",
    }
    assert not stated.derived
    assert derived.facts == ("tags",) and derived.derived and derived.url == url


def test_provenance_when_processor_and_python_are_not_stated():
    # scikit-learn's table has no Processor or Python column: cpu/py3 are SDK defaults, marked derived
    record = next(
        r for r in _parse("markdown/ecr-us-east-1.md").images if r.repository == "sagemaker-scikit-learn"
    )
    stated, derived = record.provenance
    assert set(stated.facts) == {"repository", "version", "image_scope", "accounts"}
    assert derived.facts == ("tags", "processor", "py_version") and derived.derived


def test_literal_tag_is_stated_not_derived():
    record = next(
        r for r in _parse("markdown/ecr-us-east-1.md").images if r.repository == "pytorch-inference"
    )
    assert not record.derived_tags
    (stated,) = record.provenance
    assert "tags" in stated.facts and not stated.derived


@pytest.mark.parametrize(
    ("fixture", "url", "links"),
    [
        (
            "markdown/sagemaker-algo-docker-registry-paths.md",
            ecr.INDEX_URL,
            # relative .md links resolved against the index; the repeated link appears once
            [MD_BASE + "ecr-us-east-1.md", MD_BASE + "ecr-cn-north-1.md", MD_BASE + "ecr-us-gov-west-1.md"],
        ),
        (
            "html/sagemaker-algo-docker-registry-paths.html",
            HTML_BASE + "sagemaker-algo-docker-registry-paths.html",
            # ./relative, bare and absolute links; fragments dropped; the index's own link ignored
            [
                HTML_BASE + "ecr-us-east-1.html",
                HTML_BASE + "ecr-ap-southeast-1.html",
                HTML_BASE + "ecr-cn-north-1.html",
            ],
        ),
    ],
)
def test_index_pages_list_region_pages(fixture, url, links):
    result = _parse(fixture, url)
    assert result.links == links
    assert result.images == []


def test_format_is_detected_by_content_not_url():
    # a markdown page served from an .html URL (a mirror, a proxy) still parses as markdown
    text = (HERE / "markdown/ecr-cn-north-1.md").read_text("utf-8")
    assert len(ecr.parse(text, HTML_BASE + "ecr-cn-north-1.html").images) == 3


def test_region_mismatch_is_a_warning():
    text = (
        (HERE / "markdown/ecr-cn-north-1.md")
        .read_text("utf-8")
        .replace("\\(cn\\-north\\-1\\)<a", "\\(cn\\-northwest\\-1\\)<a")
    )
    result = ecr.parse(text, MD_BASE + "ecr-cn-northwest-1.md")
    assert result.images[0].accounts == {"cn-north-1": "472730292857"}  # the path says where the image is
    assert any("differs from page region cn-northwest-1" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("broken/empty.md", "Empty document"),
        ("broken/error-page.html", "Not a Docker Registry Paths page (title: 'Page Not Found'"),
        ("broken/renamed-column.md", "has no 'Registry path' column; its columns are ['image location'"),
        (
            "broken/renamed-column.html",
            "has no 'Version' column; its columns are ['registry path', 'release'",
        ),
        ("broken/truncated-row.md", "row with the wrong number of cells (truncated?)"),
        ("broken/truncated-row.html", "row with the wrong number of cells (truncated?)"),
        ("broken/truncated-section.md", "Section 'Random Cut Forest (algorithm)' has no registry table"),
        ("broken/truncated-topics.md", "has no section 'Seq2Seq (algorithm)' (truncated?)"),
        ("broken/no-rows.md", "Region page for us-west-2 yielded no image rows"),
    ],
)
def test_broken_pages_raise(fixture, message):
    with pytest.raises(ParseError) as info:
        _parse(fixture, MD_BASE + "ecr-us-west-2.md")
    assert message in str(info.value)
    assert info.value.source == "aws-docs-ecr-paths"
    assert info.value.url == MD_BASE + "ecr-us-west-2.md"


def test_index_without_region_links_raises():
    with pytest.raises(ParseError, match="lists no region pages"):
        ecr.parse("# Docker Registry Paths and Example Code\n\nNothing here yet.\n", ecr.INDEX_URL)


def test_unparseable_registry_path_raises():
    text = (
        (HERE / "markdown/ecr-cn-north-1.md")
        .read_text("utf-8")
        .replace("390948362332\\.dkr", "somewhere\\.dkr")
    )
    with pytest.raises(ParseError, match=r"registry path 'somewhere\.dkr"):
        ecr.parse(text, MD_BASE + "ecr-cn-north-1.md")


@pytest.mark.parametrize(
    ("url", "matches"),
    [
        (ecr.INDEX_URL, True),
        (MD_BASE + "ecr-us-gov-west-1.md", True),
        (HTML_BASE + "ecr-ap-southeast-1.html", True),
        (HTML_BASE + "sagemaker-algo-docker-registry-paths.html", True),
        ("https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-algo-docker-registry-paths.html", True),
        (MD_BASE + "docker-containers-prebuilt.md", False),  # a prose page of the same repository
        ("https://raw.githubusercontent.com/aws/deep-learning-containers/master/available_images.md", False),
    ],
)
def test_url_pattern(url, matches):
    assert bool(ecr.URL_PATTERN.search(url)) is matches


# --- the recorded real markdown pages --------------------------------------------------------------


def _real(region: str):
    name = f"ecr-{region}.md"
    return ecr.parse((REAL / name).read_text("utf-8"), MD_BASE + name, "2023-01-01T00:00:00Z")


@requires_shared
def test_real_index_lists_every_region_page():
    links = ecr.parse(
        (REAL / "sagemaker-algo-docker-registry-paths.md").read_text("utf-8"), ecr.INDEX_URL
    ).links
    assert len(links) == 25
    assert MD_BASE + "ecr-us-gov-west-1.md" in links and MD_BASE + "ecr-cn-north-1.md" in links
    assert all((REAL / link.rsplit("/", 1)[1]).is_file() for link in links)


@requires_shared
@pytest.mark.parametrize("page", sorted(p.name for p in REAL.glob("ecr-*.md")) if REAL.is_dir() else [])
def test_real_region_pages_parse(page):
    region = page.removeprefix("ecr-").removesuffix(".md")
    result = _real(region)
    assert len(result.images) > 300
    assert {r for img in result.images for r in img.accounts} == {region}
    keys = [(img.key, img.framework, img.tags) for img in result.images]
    assert len(keys) == len(set(keys))  # duplicates removed


@requires_shared
def test_real_ap_southeast_1_tensorflow_inference():
    records = [
        r
        for r in _real("ap-southeast-1").images
        if r.repository == "tensorflow-inference" and r.version == "2.0.4"
    ]
    gpu = next(r for r in records if r.processor == "gpu")
    assert gpu.accounts == {"ap-southeast-1": "763104351884"}
    assert gpu.tags == ("2.0.4-gpu",) and gpu.derived_tags
    assert gpu.framework == "tensorflow" and gpu.image_scope == "inference"


@requires_shared
def test_real_af_south_1_dlc_account():
    dlc = {r.accounts["af-south-1"] for r in _real("af-south-1").images if r.repository == "pytorch-training"}
    assert dlc == {"626614931356"}


@requires_shared
def test_real_us_east_1_scikit_learn():
    records = [r for r in _real("us-east-1").images if r.repository == "sagemaker-scikit-learn"]
    assert {r.accounts["us-east-1"] for r in records} == {"683313688378"}
    one = next(r for r in records if r.version == "1.0-1" and r.image_scope == "inference")
    assert one.tags == ("1.0-1-cpu-py3",) and dict(one.extra)["package_version"] == "1.0.2"


@requires_shared
def test_real_cn_north_1_china_registry():
    text = (REAL / "ecr-cn-north-1.md").read_text("utf-8")
    assert "amazonaws\\.com\\.cn/" in text
    records = _real("cn-north-1").images
    blazingtext = next(r for r in records if r.repository == "blazingtext")
    assert blazingtext.accounts == {"cn-north-1": "390948362332"}


@requires_shared
def test_real_us_gov_west_1():
    records = _real("us-gov-west-1").images
    autogluon = next(r for r in records if r.repository == "autogluon-training")
    assert autogluon.accounts == {"us-gov-west-1": "442386744353"}


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("case", golden.cases(HERE))
def test_golden(case: str) -> None:
    # broken pages are read as a region page, as test_broken_pages_raise reads them
    name = Path(case).name
    if case.startswith("broken/"):
        url = MD_BASE + "ecr-us-west-2.md"
    else:
        url = (HTML_BASE if name.endswith(".html") else MD_BASE) + name
    fixture = HERE / case
    got = golden.outcome(ecr.parse, fixture.read_text("utf-8"), url, "2026-01-01T00:00:00Z")
    golden.check(got, golden.expected_file(fixture))
