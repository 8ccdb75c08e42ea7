"""SageMaker ML instance types -> the accelerator (processor) and CPU architecture they need.

The table is data (``catalog/data/instance_families.json``): ``ml.p3.2xlarge`` -> (gpu, x86_64),
``ml.inf2.xlarge`` -> (neuronx, x86_64), ``ml.c7g.large`` -> (cpu, arm64) (Graviton). Local mode
types (``local``, ``local_gpu``) are accepted as the SageMaker SDK accepts them.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources

from smcat.catalog.errors import InvalidQuery

__all__ = ["instance_families", "instance_profile"]

_INSTANCE_RE = re.compile(r"^ml\.(?P<family>[a-z][a-z0-9-]*?)(?:\.(?P<size>[a-z0-9-]+))?$")
_EXAMPLES = ("ml.m5.xlarge", "ml.c7g.large", "ml.g5.2xlarge", "ml.p3.2xlarge", "ml.inf2.xlarge", "local")


@cache
def _table() -> dict[str, dict[str, tuple[str, str]]]:
    """The data file's ``families`` and ``local`` tables: name -> (processor, arch)."""
    data = resources.files("smcat.catalog").joinpath("data/instance_families.json")
    doc = json.loads(data.read_text("utf-8"))
    return {part: {k: (v[0], v[1]) for k, v in doc[part].items()} for part in ("families", "local")}


def instance_families() -> dict[str, tuple[str, str]]:
    """Instance family (``p3``, ``c7g``...) -> (processor, arch)."""
    return dict(_table()["families"])


def instance_profile(instance_type: str) -> tuple[str, str]:
    """(processor, arch) for a SageMaker instance type: ``ml.p3.2xlarge`` -> ``("gpu", "x86_64")``."""
    if not isinstance(instance_type, str):
        raise InvalidQuery(
            f"Invalid instance type: {instance_type!r}. Expected e.g. {', '.join(_EXAMPLES)}.",
            field="instance_type",
            valid=list(_EXAMPLES),
        )
    return _profile(instance_type)


@lru_cache(maxsize=512)
def _profile(instance_type: str) -> tuple[str, str]:
    text = instance_type.strip().lower()
    local = _table()["local"]
    if text in local:
        return local[text]
    m = _INSTANCE_RE.match(text)
    families = _table()["families"]
    if not m:
        raise InvalidQuery(
            f"Invalid instance type: {instance_type!r}. Expected 'ml.<family>.<size>', "
            f"e.g. {', '.join(_EXAMPLES)}.",
            field="instance_type",
            valid=sorted(f"ml.{f}" for f in families) + sorted(local),
        )
    family = m["family"]
    if family not in families:
        raise InvalidQuery(
            f"Unknown instance family {family!r} in {instance_type!r}. Known families: "
            f"{', '.join(sorted(families))} (e.g. {', '.join(_EXAMPLES)}).",
            field="instance_type",
            valid=sorted(f"ml.{f}" for f in families) + sorted(local),
        )
    return families[family]
