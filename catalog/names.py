"""Canonical names: frameworks (with the aliases people type), regions and partitions.

Regions and partitions are data (``catalog/data/regions.json``); a region code no table
knows yet is still placed in its partition by the partition's region pattern, so a new
region named by an upstream source resolves to the right DNS suffix on the day it appears.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import NewType

from catalog.errors import InvalidQuery

__all__ = [
    "FRAMEWORK_ALIASES",
    "Region",
    "canonical_framework",
    "dns_suffix",
    "is_region_code",
    "known_regions",
    "partition_of",
    "region_name",
]

Region = NewType("Region", str)

# possessive (``++``): each ``-word`` can match one way only, so a mismatch fails in linear time
_REGION_RE = re.compile(r"^[a-z]{2,4}(?:-[a-z]++)++-\d{1,2}$")

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
    "djl-lmi": "djl-inference",
    "triton": "sagemaker-tritonserver",
    "tei": "huggingface-tei",
}


def canonical_framework(name: str) -> str:
    """Normalise a framework name: case, separators, and aliases (``Keras`` -> ``tensorflow``)."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidQuery(
            "framework is required, e.g. 'tensorflow', 'pytorch', 'sklearn'", field="framework"
        )
    n = re.sub(r"[\s_]+", "-", name.strip().lower())
    return FRAMEWORK_ALIASES.get(n, n)


@cache
def _data() -> dict:
    return json.loads(resources.files("catalog").joinpath("data/regions.json").read_text("utf-8"))


@cache
def _partition_patterns() -> tuple[tuple[str, re.Pattern, str], ...]:
    parts = _data()["partitions"]
    # Most specific patterns first: "us-gov-" and "us-iso*" before the commercial "us-".
    ordered = sorted(parts.items(), key=lambda kv: kv[0] == "aws")
    return tuple((name, re.compile(p["region_regex"]), p["dns_suffix"]) for name, p in ordered)


def is_region_code(code: str) -> bool:
    """True when ``code`` has the shape of an AWS region code (``ap-southeast-1``)."""
    return bool(_REGION_RE.match(code or ""))


def partition_of(region: str) -> str:
    """The partition of a region code (``cn-north-1`` -> ``aws-cn``)."""
    for name, pattern, _ in _partition_patterns():
        if pattern.match(region):
            return name
    if is_region_code(region):
        return "aws"
    raise InvalidQuery(
        f"Invalid region: {region!r}. Expected an AWS region code such as 'us-east-1'.",
        field="region",
        valid=sorted(_data()["regions"]),
    )


def dns_suffix(region: str) -> str:
    """The ECR DNS suffix for a region (``amazonaws.com``, ``amazonaws.com.cn``, ``c2s.ic.gov``...)."""
    return _data()["partitions"][partition_of(region)]["dns_suffix"]


def known_regions() -> dict[str, str]:
    """Region code -> display name for every region smcat knows by name."""
    return dict(_data()["regions"])


def region_name(region: str) -> str | None:
    """Display name of a region, or None when no table names it."""
    return _data()["regions"].get(region)
