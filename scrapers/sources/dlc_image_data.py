"""Deep Learning Containers per-image YAML data, listed through the GitHub trees API.

Two document shapes reach :func:`parse`:

* the trees API JSON (``git/trees/<ref>?recursive=1``): every ``docs/src/data/<repo>/<file>.yml``
  blob becomes a raw.githubusercontent.com link to fetch (the authors' ``template/`` is skipped);
* one per-image YAML file: one :class:`~catalog.models.ImageRecord`.

Choices the YAML leaves open, made here and tested:

* ``repository`` is the ECR repository: the YAML's ``ecr_repository`` when it has one (the TEI
  images live in ``tei`` / ``tei-cpu``, vLLM server builds in ``vllm``), else the data directory
  name. The directory name drives the framework and scope and is kept in ``extra`` when different.
* ``version`` is the finest version the first (pinned) tag spells: YAML ``2.19`` + tag
  ``2.19.0-gpu-...`` -> ``2.19.0``. A trailing ``-pyNNN`` (scikit-learn ``1.4-2-py312``) is the
  Python version, not part of the framework version: ``1.4-2`` + ``py312``.
* Hugging Face framework images follow the SageMaker SDK: framework ``huggingface``, ``version``
  = the transformers version, ``base_framework`` / ``base_framework_version`` = PyTorch or
  TensorFlow and its version.
* ``image_scope`` comes from a ``-inference`` / ``-training`` repository suffix. Repositories
  without one are serving images (vLLM, SGLang, TEI, Triton, DJL, Ray Serve, llama.cpp, WhisperX)
  and get ``inference``; the scikit-learn and XGBoost images serve both training and inference,
  are recorded as ``inference`` (smcat's question is deployment) with
  ``("image_scopes", "inference,training")`` in ``extra``; the CUDA base images get ``base``.
* ``registry_family``: ``algorithms`` for images distributed through the SageMaker algorithm
  registries (scikit-learn, XGBoost, TEI, or any ``example_ecr_account: "<account-id>"``
  placeholder); ``dlc`` for images in the DLC account (neuronx included); ``None`` when the YAML
  names another real account (Triton's ``007439368137``): that account is kept in ``extra`` and
  no family is implied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml

from smcat.catalog.errors import ParseError
from smcat.catalog.models import ImageRecord, ParseResult, Provenance
from smcat.catalog.names import REPOSITORY_FRAMEWORKS
from smcat.scrapers.scraper import Role, Scraper

__all__ = ["SCRAPER", "SOURCE", "TREE_URL", "URL_PATTERN", "parse", "raw_url"]

SOURCE = "dlc-image-data"
REPO = "aws/deep-learning-containers"
TREE_URL = f"https://api.github.com/repos/{REPO}/git/trees/main?recursive=1"
URL_PATTERN = re.compile(
    r"^https://(?:api\.github\.com/repos/aws/deep-learning-containers/git/trees/(?P<tree_ref>[^/?#]+)"
    r"|raw\.githubusercontent\.com/aws/deep-learning-containers/(?P<raw_ref>[^/]+)"
    r"/docs/src/data/(?P<repository>[^/]+)/(?P<file>[^/?#]+\.ya?ml))(?:\?.*)?$"
)

_DATA_PATH = re.compile(r"^docs/src/data/(?P<repository>[^/]+)/(?:.+/)?[^/]+\.ya?ml$")
_REQUIRED = ("framework", "version", "accelerator", "tags")
_DLC_ACCOUNT = "763104351884"
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_PY_SUFFIX = re.compile(r"^(?P<version>.+?)-(?P<py>py\d+)$")
_FACTS = ("repository", "tags", "version", "processor", "py_version", "cuda", "os", "platform", "ga", "eop")
#: Repositories distributed through the SageMaker algorithm registries, not the DLC account.
_ALGORITHM_REPOS = frozenset({"sagemaker-scikit-learn", "sagemaker-xgboost", "huggingface-tei"})
#: Images that serve both training and inference from one repository.
_DUAL_SCOPE_REPOS = frozenset({"sagemaker-scikit-learn", "sagemaker-xgboost"})
_PROCESSORS = {"cpu": "cpu", "gpu": "gpu", "cuda": "gpu", "neuronx": "neuronx", "neuron": "neuron"}


def raw_url(path: str, ref: str = "main") -> str:
    """The raw.githubusercontent.com URL of a file path in the DLC repository."""
    return f"https://raw.githubusercontent.com/{REPO}/{ref}/{path}"


def parse(text: str, url: str, fetched_at: str = "") -> ParseResult:
    """Parse a trees API listing (-> links) or one per-image YAML file (-> one image record)."""
    if not text or not text.strip():
        raise ParseError(f"Empty document from {url}", source=SOURCE, url=url)
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")):
        raise ParseError(
            f"Got an HTML page instead of YAML/JSON from {url} (error page or rate limit?)",
            source=SOURCE,
            url=url,
        )
    m = URL_PATTERN.match(url)
    if (m and m.group("tree_ref")) or (not m and head.startswith("{")):
        return _parse_tree(text, url, (m and m.group("tree_ref")) or "main")
    repository = m.group("repository") if m else _repository_from_url(url)
    out = ParseResult()
    out.images.append(_parse_image(text, url, fetched_at, repository, out.warnings))
    return out


def _repository_from_url(url: str) -> str:
    m = re.search(r"/docs/src/data/([^/]+)/[^/]+$", url.split("?", 1)[0])
    if not m:
        raise ParseError(
            f"Cannot tell the repository of {url}: expected .../docs/src/data/<repository>/<file>.yml",
            source=SOURCE,
            url=url,
        )
    return m.group(1)


def _parse_tree(text: str, url: str, ref: str) -> ParseResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ParseError(f"Trees API response from {url} is not JSON: {e}", source=SOURCE, url=url) from None
    if not isinstance(data, dict) or not isinstance(data.get("tree"), list):
        found = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise ParseError(
            f"Trees API response from {url} has no 'tree' list (found: {found})", source=SOURCE, url=url
        )
    out = ParseResult()
    for entry in data["tree"]:
        if not isinstance(entry, dict) or entry.get("type") != "blob":
            continue
        path = entry.get("path", "")
        pm = _DATA_PATH.match(path)
        if pm and pm.group("repository") != "template":
            out.links.append(raw_url(path, ref))
    if data.get("truncated"):
        out.warnings.append(
            f"Trees API listing {url} is truncated: some image YAML files are missing from it "
            f"({len(out.links)} listed); list docs/src/data through a non-recursive tree instead"
        )
    if not out.links:
        out.warnings.append(f"Trees API listing {url} names no docs/src/data/**.yml file")
    return out


#: libyaml's loader when PyYAML was built with it (the wheels are): the same documents, ~8x faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(text: str, url: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)  # a safe loader, C or pure Python
    except yaml.YAMLError as e:
        raise ParseError(f"YAML syntax error in {url}: {e}", source=SOURCE, url=url) from None
    if not isinstance(data, dict):
        raise ParseError(
            f"Expected a YAML mapping of image fields in {url}, got {type(data).__name__}",
            source=SOURCE,
            url=url,
        )
    missing = [k for k in _REQUIRED if data.get(k) in (None, "")]
    if missing:
        raise ParseError(
            f"Image YAML {url} lacks required key(s) {', '.join(missing)}; "
            f"keys found: {', '.join(map(str, data))}",
            source=SOURCE,
            url=url,
        )
    if not isinstance(data["tags"], list) or not data["tags"]:
        raise ParseError(
            f"'tags' in {url} must be a non-empty list of tags, got {data['tags']!r}", source=SOURCE, url=url
        )
    return data


def _str(value: Any) -> str | None:
    """A YAML scalar as a string (dates and numbers included), or None."""
    if value is None or value == "":
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _framework(directory: str, yaml_framework: str) -> tuple[str, str | None]:
    """(canonical framework, base framework) from the data directory and the YAML's display name."""
    if directory in REPOSITORY_FRAMEWORKS:
        return REPOSITORY_FRAMEWORKS[directory], None
    for base in ("pytorch", "tensorflow"):
        if directory.startswith(f"huggingface-{base}"):
            return "huggingface", base
    for prefix in ("tensorflow", "pytorch", "autogluon"):
        if directory == prefix or directory.startswith(f"{prefix}-"):
            return prefix, None
    stem = re.sub(r"-(inference|training)(?=-|$)", "", directory)
    stem = re.sub(r"-(arm64|neuronx)$", "", stem)
    return stem or yaml_framework.lower(), None


def _scope(directory: str) -> str:
    m = re.search(r"-(inference|training)(?=-|$)", directory)
    if m:
        return m.group(1)
    if directory in ("base", "base-ubuntu"):
        return "base"
    return "inference"  # serving images: vllm, sglang, tei, triton, djl, ray serve, llama.cpp, whisperx


def _full_version(version: str, tag: str) -> str:
    """The finest version the pinned tag spells for ``version`` (``2.19`` + ``2.19.0-gpu`` -> ``2.19.0``)."""
    m = re.match(re.escape(version) + r"(?:\.\d+)+(?=$|[-+_])", tag)
    return m.group(0) if m else version


def _yaml_version(value: Any, tag: str, url: str, warnings: list[str]) -> str:
    """The YAML ``version`` as text; an unquoted number (``2.10`` read as 2.1) is repaired from the tag."""
    if isinstance(value, str):
        return value
    text = str(value)
    if isinstance(value, float):
        m = re.match(r"\d+\.\d+", tag)
        if m and float(m.group(0)) == value:
            text = m.group(0)
        warnings.append(
            f"Unquoted version {value!r} in {url} (YAML reads it as a number); using {text!r}, "
            "the version the first tag spells when it has the same value"
        )
    return text


def _parse_image(text: str, url: str, fetched_at: str, directory: str, warnings: list[str]) -> ImageRecord:
    d = _load_yaml(text, url)
    tags = tuple(str(t) for t in d["tags"])
    yaml_version = _yaml_version(d["version"], tags[0], url, warnings)
    py_version = _str(d.get("python"))
    pm = _PY_SUFFIX.match(yaml_version)
    if pm:  # scikit-learn "1.4-2-py312": the suffix is the Python version
        yaml_version = pm.group("version")
        py_version = py_version or pm.group("py")
    version = _full_version(yaml_version, tags[0])

    accelerator = str(d["accelerator"]).strip().lower()
    processor = _PROCESSORS.get(accelerator)
    if processor is None:
        raise ParseError(
            f"Unknown accelerator {accelerator!r} in {url}; expected one of {', '.join(sorted(_PROCESSORS))}",
            source=SOURCE,
            url=url,
        )
    framework, base_framework = _framework(directory, str(d["framework"]))
    base_framework_version = None
    transformers = _str(d.get("transformers"))
    if framework == "huggingface" and transformers:
        base_framework_version, version = version, transformers

    repository = _str(d.get("ecr_repository")) or directory
    extra: list[tuple[str, str]] = []
    if repository != directory:
        extra.append(("data_directory", directory))
    if directory in _DUAL_SCOPE_REPOS:
        extra.append(("image_scopes", "inference,training"))

    account = _str(d.get("example_ecr_account"))
    family: str | None = "dlc"
    if directory in _ALGORITHM_REPOS or (account and not _ACCOUNT_RE.match(account)):
        family = "algorithms"
    elif account and account != _DLC_ACCOUNT:
        family = None  # a real account outside the DLC registry (Triton): no family implied
    if account and _ACCOUNT_RE.match(account):
        extra.append(("example_ecr_account", account))
    for key in ("sdk", "transformers", "engine", "public_registry"):
        value = d.get(key)
        if value is not None and value != "":
            shown = str(value).lower() if isinstance(value, bool) else _str(value)
            if shown is not None:  # always: value is neither None nor ""
                extra.append((key, shown))

    platform = _str(d.get("platform"))
    platform = platform if platform in ("sagemaker", "ec2") else None
    tag_platform = re.search(r"-(sagemaker|ec2)(?=-v\d|$)", tags[0])
    if platform and tag_platform and tag_platform.group(1) != platform:
        # Upstream slip: vllm/0.20.1-gpu-sagemaker.yml says "platform: ec2" while its file name and
        # tags say sagemaker. The tags are what gets pulled, so they win.
        warnings.append(
            f"'platform: {platform}' in {url} contradicts its tag {tags[0]!r}; "
            f"using {tag_platform.group(1)!r}"
        )
        platform = tag_platform.group(1)
    return ImageRecord(
        variant=_variant(directory if repository != directory else None, d),
        framework=framework,
        version=version,
        image_scope=_scope(directory),
        processor=processor,
        repository=repository,
        tags=tags,
        py_version=py_version,
        cuda=_str(d.get("cuda")),
        os=_str(d.get("os")),
        platform=platform,
        arch="arm64" if "-arm64" in directory else "x86_64",
        registry_family=family,
        ga=_str(d.get("ga")),
        eop=_str(d.get("eop")),
        base_framework=base_framework,
        base_framework_version=base_framework_version,
        extra=tuple(extra),
        provenance=(Provenance(source=SOURCE, url=url, fetched_at=fetched_at, facts=_FACTS),),
    )


def _variant(directory: str | None, d: Mapping[str, Any]) -> str | None:
    """What tells apart builds sharing one version: data directory, engine, Neuron SDK, devel/runtime."""
    parts = [directory] if directory else []
    engine = _str(d.get("engine"))
    if engine:
        m = re.match(r"([A-Za-z]+)\s*(\d[\w.]*)", engine)
        parts.append(f"{m[1].lower()}{m[2]}" if m else re.sub(r"\W+", "-", engine.lower()))
    sdk = _str(d.get("sdk"))
    if sdk:
        parts.append(f"sdk{sdk}")
    kind = re.search(r"\b(devel|runtime)\b", str(d.get("framework", "")).lower())
    if kind:
        parts.append(kind[1])
    return "-".join(parts) or None


#: This source's description, listed in ``smcat.scrapers.registry``.
SCRAPER = Scraper(
    name=SOURCE,
    description="Deep Learning Containers per-image YAML data (listed through the GitHub trees API)",
    parse=parse,
    url_pattern=URL_PATTERN,
    start_urls=(TREE_URL,),
    roles=frozenset({Role.VERBATIM_IMAGES}),
)
