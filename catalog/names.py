"""Canonical names: frameworks (with the aliases people type), regions and partitions.

Regions, partitions and DNS suffixes are botocore's data (``botocore/data/partitions.json``,
installed with boto3); a region code botocore does not list yet is still placed in its partition
by the partition's region pattern, so a new region named by an upstream source resolves to the
right DNS suffix on the day it appears.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import NewType

from smcat.catalog.errors import InvalidQuery

__all__ = [
    "FRAMEWORK_ALIASES",
    "NEURON_FRAMEWORKS",
    "REPOSITORY_FRAMEWORKS",
    "Partition",
    "Region",
    "canonical_framework",
    "dns_suffix",
    "is_known_region",
    "is_region_code",
    "known_regions",
    "partition_of",
    "partitions",
    "region_name",
    "unknown_region",
]

Region = NewType("Region", str)

# each ``-word`` can match one way only (a word never holds a ``-``) and there are at most four:
# a mismatch fails in linear time
_REGION_RE = re.compile(r"^[a-z]{2,4}(?:-[a-z]+){1,4}-\d{1,2}$")

#: What people type -> the SageMaker SDK's framework name.
FRAMEWORK_ALIASES: dict[str, str] = {
    "tf": "tensorflow",
    "keras": "tensorflow",
    "tensorflow-serving": "tensorflow",
    "tfs": "tensorflow",
    "torch": "pytorch",
    "pt": "pytorch",
    "scikit-learn": "sklearn",
    "scikitlearn": "sklearn",
    "sk-learn": "sklearn",
    "xgb": "xgboost",
    "hf": "huggingface",
    "hugging-face": "huggingface",
    "transformers": "huggingface",
    "mx": "mxnet",
    "linearlearner": "linear-learner",
    "linear_learner": "linear-learner",
    "k-means": "kmeans",
    "deepar": "forecasting-deepar",
    "random-cut-forest": "randomcutforest",
    "rcf": "randomcutforest",
    "ip-insights": "ipinsights",
    "djl": "djl-inference",
    "lmi": "djl-lmi",
    "triton": "sagemaker-tritonserver",
    "tritonserver": "sagemaker-tritonserver",
    "tei": "huggingface-tei",
    "tei-cpu": "huggingface-tei-cpu",
    "tgi": "huggingface-llm",
    "hf-llm": "huggingface-llm",
    "tgi-neuronx": "huggingface-llm-neuronx",
    "llamacpp": "huggingface-llamacpp",
    "llama.cpp": "huggingface-llamacpp",
    "llama-cpp": "huggingface-llamacpp",
    "hf-vllm": "huggingface-vllm",
    "hf-sglang": "huggingface-sglang",
    "sagemaker-distribution-image": "sagemaker-distribution",
    "smd": "sagemaker-distribution",
}

#: Frameworks whose Neuron builds the SDK files under another name, chosen by the inference tool
#: (``inference_tool="neuronx"``) or an Inferentia / Trainium instance: ``huggingface`` on
#: ``ml.inf2`` is ``huggingface-neuronx``.
NEURON_FRAMEWORKS: dict[str, tuple[str, ...]] = {
    "huggingface": ("huggingface-neuronx", "huggingface-neuron"),
    "pytorch": ("pytorch-neuron", "hyperpod-recipes-neuron", "inferentia-pytorch"),
    "tensorflow": ("inferentia-tensorflow",),
    "mxnet": ("inferentia-mxnet",),
    "huggingface-llm": ("huggingface-llm-neuronx",),
    "huggingface-vllm": ("huggingface-vllm-neuronx",),
}


#: DLC repositories (and upstream data keys) whose name is not ``<framework>-<scope>``: the
#: framework each one holds. ``pytorch-inference`` needs no entry; ``djl-inference`` does, because
#: its ``-inference`` is part of the SDK's name.
REPOSITORY_FRAMEWORKS: dict[str, str] = {
    "sagemaker-scikit-learn": "sklearn",
    "sagemaker-xgboost": "xgboost",
    "djl-inference": "djl-inference",
    "huggingface-tei": "huggingface-tei",
}


def canonical_framework(name: str) -> str:
    """Normalise a framework name: case, separators, and aliases (``Keras`` -> ``tensorflow``)."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidQuery(
            "framework is required, e.g. 'tensorflow', 'pytorch', 'sklearn'", field="framework"
        )
    n = re.sub(r"[\s_]+", "-", name.strip().lower())
    return FRAMEWORK_ALIASES.get(n, n)


@dataclass(frozen=True, slots=True)
class Partition:
    """One AWS partition as botocore describes it: its id, DNS suffix, region pattern and regions."""

    id: str
    dns_suffix: str
    region_regex: re.Pattern[str]
    regions: Mapping[str, str]  # region code -> display name


def _botocore_partitions_json() -> str:
    """botocore's ``data/partitions.json``, found without importing botocore (which costs ~20 ms
    and nothing here needs it): the package's directory from its import spec."""
    spec = importlib.util.find_spec("botocore")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "data" / "partitions.json"
        if path.is_file():
            return path.read_text("utf-8")
    return resources.files("botocore").joinpath("data/partitions.json").read_text("utf-8")  # zipped installs


@cache
def partitions() -> tuple[Partition, ...]:
    """Every partition botocore knows (``aws``, ``aws-cn``, ``aws-us-gov``, the ISO partitions,
    the European Sovereign Cloud...), read from the ``partitions.json`` botocore installs.

    Regions and DNS suffixes are botocore's facts, not a table kept here: upgrading botocore is
    how smcat learns a new region or partition.
    """
    doc = json.loads(_botocore_partitions_json())
    out = []
    for p in doc["partitions"]:
        rx = re.compile(p["regionRegex"])
        regions = {
            code: r.get("description", code) for code, r in p.get("regions", {}).items() if rx.match(code)
        }
        out.append(Partition(p["id"], p["outputs"]["dnsSuffix"], rx, regions))
    # the most specific patterns first: "us-gov-" and "us-iso*" before the commercial "us-"
    return tuple(sorted(out, key=lambda p: p.id == "aws"))


@cache
def _region_index() -> dict[str, Partition]:
    return {code: p for p in partitions() for code in p.regions}


def is_region_code(code: str) -> bool:
    """True when ``code`` has the shape of an AWS region code (``ap-southeast-1``)."""
    return bool(_REGION_RE.match(code or ""))


def is_known_region(code: str) -> bool:
    """True when botocore names ``code`` as a region of one of its partitions."""
    return code in _region_index()


def partition_of(region: str) -> str:
    """The partition of a region code (``cn-north-1`` -> ``aws-cn``), by botocore's region lists,
    then by its partitions' region patterns (a region botocore does not list yet)."""
    known = _region_index().get(region)
    if known is not None:
        return known.id
    for p in partitions():
        if p.region_regex.match(region):
            return p.id
    raise InvalidQuery(
        f"Unknown region: {region!r}. Expected an AWS region code such as 'us-east-1'"
        + _near(region)
        + ". Regions are botocore's; upgrade botocore if the region is new.",
        field="region",
        valid=sorted(_region_index()),
    )


def _near(region: str) -> str:
    close = difflib.get_close_matches(region, sorted(_region_index()), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def unknown_region(region: str, also_known: frozenset[str] | set[str] = frozenset()) -> InvalidQuery:
    """The error for a region neither botocore nor any source names, with the near matches."""
    valid = sorted(set(_region_index()) | set(also_known))
    close = difflib.get_close_matches(region, valid, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return InvalidQuery(
        f"Unknown region: {region!r}: no AWS partition and no catalogue source names it.{hint}"
        " Pass a region code such as 'us-east-1' (or upgrade botocore if the region is new).",
        field="region",
        valid=valid,
    )


def dns_suffix(region: str) -> str:
    """The DNS suffix of a region's partition (``amazonaws.com``, ``amazonaws.com.cn``, ``c2s.ic.gov``...)."""
    pid = partition_of(region)
    return next(p.dns_suffix for p in partitions() if p.id == pid)


def known_regions() -> dict[str, str]:
    """Region code -> display name for every region botocore knows, in every partition."""
    return {code: p.regions[code] for code, p in sorted(_region_index().items())}


def region_name(region: str) -> str | None:
    """Display name of a region, or None when botocore does not name it."""
    p = _region_index().get(region)
    return p.regions[region] if p else None
