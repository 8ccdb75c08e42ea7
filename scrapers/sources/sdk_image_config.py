"""The SageMaker Python SDK's image configuration (``image_uri_config/*.json``) on GitHub.

Two document shapes reach :func:`parse`:

* the GitHub contents API listing of the directory (a JSON list of entries): every ``*.json``
  entry that describes images becomes a link to its ``download_url``;
* one configuration file: one :class:`~catalog.models.ImageRecord` per (scope, version, base
  framework, processor, Python version) it allows.

The SDK builds a tag as ``{tag_prefix}-{processor}-{py_version}-{container_version}`` (parts it
lacks are left out), where ``tag_prefix`` is the version *as the caller spelled it* (an alias such
as ``2.1`` gives the moving tag ``2.1-gpu-py310``) unless the file gives one. Its exceptions,
reproduced here so that smcat can answer with the SDK's own string:

* Hugging Face (``huggingface``, its training compiler and Neuron files): the prefix is
  ``{base version}-transformers{version}``, both as spelled by the caller;
* Neuron builds put the inference tool (``neuron``/``neuronx``) where the processor goes, and the
  newest ``sdk_versions`` entry before ``container_version``;
* ``*-inference-graviton`` repositories end in ``-sagemaker``; the first-party XGBoost and
  scikit-learn Graviton images have fixed tags;
* Triton GPU images carry no processor in the tag.

Each record's ``tags`` holds the tag for the full version; ``sdk_tags`` maps every spelling the SDK
accepts (``"2.1"``, ``"2.1.0"``; ``"4.26/pytorch1.13"`` for Hugging Face) to the tag it builds.
Scopes: ``inference_graviton`` is ``inference`` on ``arm64``; ``eia`` stays ``eia`` (Elastic
Inference, only when asked). A file with no processor list describes one image for any instance:
it becomes a ``cpu`` and a ``gpu`` record with the same tag. ``registries`` is kept whole: every
region in every partition (GovCloud and ISO included).

Files that are not images are skipped, each for a stated reason (:data:`NOT_IMAGES`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from smcat.catalog.errors import ParseError
from smcat.catalog.models import ImageRecord, ParseResult, Provenance
from smcat.catalog.versions import parse_image_version
from smcat.scrapers.scraper import Role, Scraper

__all__ = [
    "LIST_URL_V2",
    "LIST_URL_V3",
    "NOT_IMAGES",
    "SCRAPER",
    "SCRAPER_V2",
    "URL_PATTERN_V2",
    "URL_PATTERN_V3",
    "parse",
]

SOURCE_V3 = "sdk-image-config"
SOURCE_V2 = "sdk-image-config-v2"
_REPO = "aws/sagemaker-python-sdk"
_DIR_V3 = "sagemaker-core/src/sagemaker/core/image_uri_config"
_DIR_V2 = "src/sagemaker/image_uri_config"
LIST_URL_V3 = f"https://api.github.com/repos/{_REPO}/contents/{_DIR_V3}"
LIST_URL_V2 = f"https://api.github.com/repos/{_REPO}/contents/{_DIR_V2}?ref=master-v2"
URL_PATTERN_V3 = re.compile(
    rf"^https://(?:api\.github\.com/repos/{_REPO}/contents/{_DIR_V3}"
    rf"|raw\.githubusercontent\.com/{_REPO}/[^/]+/{_DIR_V3}/[^/?#]+\.json)(?:\?.*)?$"
)
URL_PATTERN_V2 = re.compile(
    rf"^https://(?:api\.github\.com/repos/{_REPO}/contents/{_DIR_V2}"
    rf"|raw\.githubusercontent\.com/{_REPO}/[^/]+/{_DIR_V2}/[^/?#]+\.json)(?:\?.*)?$"
)

#: Configuration files that do not describe images, and why they are skipped.
NOT_IMAGES: Mapping[str, str] = {
    "instance_gpu_info": "instance type -> GPU count and memory per region (used for sharding), not images",
}

_FACTS = ("repository", "tags", "version", "processor", "py_version", "accounts", "image_scope")
_SCOPE_KEYS = ("training", "inference", "inference_graviton", "eia", "processing")
_HF_BASE = re.compile(r"^(?P<fw>pytorch|tensorflow)(?P<version>\d[\w.]*)$")
_CONTAINER = re.compile(r"^(?:(?P<cuda>cu\d+)-?)?(?P<os>(?:ubuntu|amzn|al)[\d.]+)?")
#: The SDK's processor names -> smcat's (``inf2`` is Inferentia 2, which smcat calls ``neuronx``).
_PROCESSOR = {"inf2": "neuronx"}
#: First-party Graviton images whose tags the SDK fixes in code rather than in the files.
_ARM64_TAGS = {
    ("xgboost", "1.5-1"): "1.5-1-arm64",
    ("xgboost", "1.3-1"): "1.3-1-arm64",
    ("sklearn", "1.0-1"): "1.0-1-arm64-cpu-py3",
}
_HF_FRAMEWORKS = frozenset(
    {"huggingface", "huggingface-training-compiler", "huggingface-neuron", "huggingface-neuronx"}
)
_NEURON_SDK_REPOS = frozenset(
    {
        "pytorch-training-neuron",
        "huggingface-pytorch-inference-neuron",
        "huggingface-pytorch-inference-neuronx",
    }
)


def _source_for(url: str) -> str:
    return SOURCE_V2 if URL_PATTERN_V2.match(url) else SOURCE_V3


def parse(text: str, url: str, fetched_at: str = "") -> ParseResult:
    """Parse a contents API listing (-> links) or one configuration file (-> image records)."""
    source = _source_for(url)
    if not text or not text.strip():
        raise ParseError(f"Empty document from {url}", source=source, url=url)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ParseError(
            f"Not JSON ({e.msg} at line {e.lineno}) from {url}", source=source, url=url
        ) from None
    if isinstance(doc, list):
        return _parse_listing(doc, url, source)
    if not isinstance(doc, dict):
        raise ParseError(f"Expected a JSON object or list from {url}", source=source, url=url)
    name = url.split("?", 1)[0].rsplit("/", 1)[-1].removesuffix(".json")
    if name in NOT_IMAGES:
        return ParseResult(warnings=[f"skipped {name}.json: {NOT_IMAGES[name]}"])
    prov = Provenance(source=source, url=url, fetched_at=fetched_at, facts=_FACTS)
    images = list(_records(name, doc, prov))
    if not images:
        # a new helper file upstream (like instance_gpu_info.json) must not block every refresh:
        # it is reported; a source whose files all describe nothing still fails the refresh gate
        return ParseResult(
            warnings=[
                f"skipped {name}.json: it describes no images (no 'versions' with 'registries' and"
                " 'repository'); if it should, the SDK's format changed"
            ]
        )
    return ParseResult(images=images)


def _parse_listing(entries: list[Any], url: str, source: str) -> ParseResult:
    links: list[str] = []
    skipped: list[str] = []
    for e in entries:
        if not isinstance(e, dict) or e.get("type") != "file" or not str(e.get("name", "")).endswith(".json"):
            continue
        stem = str(e["name"]).removesuffix(".json")
        if stem in NOT_IMAGES:
            skipped.append(stem)
            continue
        link = e.get("download_url")
        if isinstance(link, str) and link.startswith("https://"):
            links.append(link)
    if not links:
        raise ParseError(f"The listing at {url} names no configuration files", source=source, url=url)
    res = ParseResult(links=links)
    res.warnings.extend(f"skipped {s}.json: {NOT_IMAGES[s]}" for s in skipped)
    return res


# --------------------------------------------------------------------------- walking a file


@dataclass(frozen=True, slots=True)
class _Leaf:
    """One version entry of one scope, with the context the SDK reads around it."""

    scope: str
    version: str
    spellings: tuple[str, ...]  # every way the SDK accepts to ask for this version
    leaf: Mapping[str, Any]
    processors: tuple[str | None, ...]
    base: str | None = None  # Hugging Face: "pytorch1.13.1"
    base_spellings: tuple[str, ...] = ()


def _scopes(doc: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if "versions" in doc:  # one block for every scope it lists (or none: "inference")
        scopes = doc.get("scope") or ["inference"]
        for s in scopes:
            yield str(s), doc
        return
    for key, block in doc.items():
        if isinstance(block, dict) and "versions" in block:
            yield key, block


def _aliases_to(block: Mapping[str, Any], target: str) -> tuple[str, ...]:
    aliases = block.get("version_aliases") or {}
    return tuple(a for a, t in aliases.items() if t == target and a != target)


def _is_moving(alias: str, target: str, leaf: Mapping[str, Any]) -> bool:
    """Does ``alias`` name the target's own image (a moving tag), or an image of its own?

    ``2.1`` -> ``2.1.3`` is a family alias: the moving tag ``2.1-gpu-py310`` and the target are one
    image. With a ``tag_prefix`` the tag does not depend on the spelling (TGI's ``2.0`` -> ``2.4.0``
    builds the 2.4.0 tag): one image. Otherwise a full version aliased to another
    (Neo TensorFlow ``2.4.2`` -> ``2.9.2``) shares the target's settings but builds its own tag,
    ``2.4.2-cpu-py3``: another image, recorded as one. ``latest`` is never a version of its own.
    """
    if alias == "latest" or leaf.get("tag_prefix"):
        return True
    a, t = parse_image_version(alias), parse_image_version(target)
    if a is None or t is None:
        return True
    return len(a.release) < len(t.release) and t.release[: len(a.release)] == a.release


def _leaves(name: str, doc: Mapping[str, Any]) -> Iterator[_Leaf]:
    for scope, block in _scopes(doc):
        top_procs = block.get("processors") or doc.get("processors")
        aliases = block.get("version_aliases") or {}
        for version, vconf in (block.get("versions") or {}).items():
            if not isinstance(vconf, dict):
                continue
            # a version key that is also an alias of another is read through the alias: its own
            # spelling leads elsewhere, but the aliases that point here still read this entry
            own = (version,) if aliases.get(version, version) == version else ()
            spellings = (*own, *_aliases_to(block, version))
            if not spellings:
                continue
            if "registries" in vconf:
                procs = vconf.get("processors") or top_procs
                p = tuple(procs) if procs else (None,)
                moving = tuple(sp for sp in spellings if sp == version or _is_moving(sp, version, vconf))
                if moving:
                    yield _Leaf(scope, version, moving, vconf, p)
                for sp in spellings:
                    if sp not in moving:  # an image of its own, built from the target's settings
                        yield _Leaf(scope, sp, (sp,), vconf, p)
                continue
            for base, bconf in vconf.items():  # Hugging Face: one entry per base framework version
                if not (isinstance(bconf, dict) and "registries" in bconf and _HF_BASE.match(base)):
                    continue
                procs = bconf.get("processors") or top_procs
                yield _Leaf(
                    scope,
                    version,
                    spellings,
                    bconf,
                    tuple(procs) if procs else (None,),
                    base=base,
                    base_spellings=(base, *_aliases_to(vconf, base)),
                )


def _records(name: str, doc: Mapping[str, Any], prov: Provenance) -> Iterator[ImageRecord]:
    for lf in _leaves(name, doc):
        leaf = lf.leaf
        registries = leaf.get("registries")
        if not leaf.get("repository") or not isinstance(registries, dict) or not registries:
            continue
        accounts = {str(r): str(a) for r, a in registries.items()}
        pys: tuple[str | None, ...] = tuple(leaf.get("py_versions") or ()) or (None,)
        scope, arch = lf.scope, "x86_64"
        if scope == "inference_graviton":
            scope, arch = "inference", "arm64"
        for raw_proc in lf.processors:
            repo = _repository(leaf, raw_proc)
            if repo is None:
                continue
            procs = (raw_proc,) if raw_proc else ("cpu", "gpu")
            for py in pys:
                tags = {
                    _spelling_key(sp, bsp): _tag(name, lf, sp, bsp, raw_proc, py, arch)
                    for sp in lf.spellings
                    for bsp in (lf.base_spellings or (None,))
                }
                full_key = _spelling_key(lf.version, lf.base)
                cv = _container_version(leaf, raw_proc)
                cm = _CONTAINER.match(cv or "")
                base_fw = base_v = None
                if lf.base:
                    m = _HF_BASE.match(lf.base)
                    base_fw, base_v = (m["fw"], m["version"]) if m else (None, None)
                extra = [("container_version", cv)] if cv else []
                # one transformers version on several bases is several images
                variant = lf.base or _variant(leaf, lf.version) or _neuron_sdk(leaf, repo)
                # the SDK's "" version (Model Monitor) builds a URI with no tag: Docker's "latest"
                version = lf.version or "latest"
                if not lf.version:
                    tags["latest"] = ""
                for proc in procs:
                    yield ImageRecord(
                        framework=name,
                        version=version,
                        image_scope=scope,
                        processor=_processor(proc, repo),
                        repository=repo,
                        tags=(tags.get(full_key, next(iter(tags.values()))) or "latest",),
                        py_version=py,
                        cuda=cm["cuda"] if cm and cm["cuda"] else None,
                        os=cm["os"] if cm and cm["os"] else None,
                        arch=arch,
                        accounts=accounts,
                        base_framework=base_fw,
                        base_framework_version=base_v,
                        extra=tuple(extra),
                        variant=variant,
                        sdk_tags=tuple(sorted(tags.items())),
                        provenance=(prov,),
                    )


def _repository(leaf: Mapping[str, Any], proc: str | None) -> str | None:
    """The repository of a leaf; a mapping per processor (``{"cpu": ..., "gpu": ...}``) is read as one."""
    repo = leaf.get("repository")
    if isinstance(repo, dict):
        repo = repo.get(proc or "")
    return repo if isinstance(repo, str) and repo else None


def _processor(proc: str, repo: str) -> str:
    """smcat's processor name: the SDK's ``inf`` in a ``neuronx`` repository is Inferentia 2."""
    if proc in ("inf", "inf2") and "neuronx" in repo:
        return "neuronx"
    return _PROCESSOR.get(proc, proc)


def _spelling_key(version: str, base: str | None) -> str:
    return f"{version}/{base}" if base else version


def _container_version(leaf: Mapping[str, Any], proc: str | None) -> str | None:
    cv = leaf.get("container_version")
    if isinstance(cv, dict):
        value = cv.get(proc or "")
        return str(value) if value else None
    return None


_NOT_VARIANT = re.compile(r"^(?:cu\d+|py\d+)$")


def _variant(leaf: Mapping[str, Any], version: str) -> str | None:
    """What a ``tag_prefix`` adds to the version besides CUDA and Python (DJL's ``lmi12.0.0``)."""
    prefix = leaf.get("tag_prefix")
    if not isinstance(prefix, str) or not prefix.startswith(f"{version}-"):
        return None
    rest = [p for p in prefix[len(version) + 1 :].split("-") if p and not _NOT_VARIANT.match(p)]
    return "-".join(rest) or None


def _neuron_sdk(leaf: Mapping[str, Any], repo: str) -> str | None:
    sdks = leaf.get("sdk_versions")
    if repo in _NEURON_SDK_REPOS and isinstance(sdks, list) and sdks:
        return str(sorted(sdks, reverse=True)[0])  # the SDK's own rule: the greatest string
    return None


def _tag(
    name: str, lf: _Leaf, spelled: str, base_spelled: str | None, proc: str | None, py: str | None, arch: str
) -> str:
    """The tag the SDK builds for this image when asked for it with these spellings."""
    leaf = lf.leaf
    repo = _repository(leaf, proc) or ""
    fixed = _ARM64_TAGS.get((name, lf.version)) if arch == "arm64" else None
    if fixed:
        return fixed
    container = _container_version(leaf, proc)
    sdk = _neuron_sdk(leaf, repo)
    if sdk and container:
        container = f"{sdk}-{container}"
    tool = None
    if name in ("huggingface-neuron", "huggingface-neuronx", "pytorch-neuron"):
        tool = name.rsplit("-", 1)[1]
    if name in _HF_FRAMEWORKS and base_spelled:
        m = _HF_BASE.match(base_spelled)
        base_v = m["version"] if m else base_spelled
        version_part = spelled
        if name == "huggingface-neuronx" or name == "huggingface-neuron":
            version_part = lf.version  # the SDK resolves the alias for Neuron repositories
            base_full = _HF_BASE.match(lf.base or "")
            base_v = base_full["version"] if base_full else base_v
        prefix = f"{base_v}-transformers{version_part}"
    else:
        prefix = str(leaf.get("tag_prefix") or spelled)
    if repo.endswith("-inference-graviton") and repo == f"{name}-inference-graviton":
        container = f"{container}-sagemaker" if container else "sagemaker"
    parts = (prefix, tool or proc, py, container)
    tag = "-".join(p for p in parts if p)
    if name == "sagemaker-tritonserver" and proc == "gpu":
        tag = tag.rstrip("-gpu")  # the SDK strips these characters, not the suffix
    return tag


#: This source's description, listed in ``smcat.scrapers.registry``.
SCRAPER = Scraper(
    name=SOURCE_V3,
    description="SageMaker Python SDK image configuration, branch master (image_uri_config/*.json)",
    parse=parse,
    url_pattern=URL_PATTERN_V3,
    start_urls=(LIST_URL_V3,),
    roles=frozenset({Role.SDK_IMAGES}),
)
SCRAPER_V2 = Scraper(
    name=SOURCE_V2,
    description="SageMaker Python SDK image configuration, maintained v2 line (branch master-v2)",
    parse=parse,
    url_pattern=URL_PATTERN_V2,
    start_urls=(LIST_URL_V2,),
    roles=frozenset({Role.SDK_IMAGES}),
)
