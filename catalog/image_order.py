"""Which image of one framework version comes first: the resolver's answer, and a successor's tag.

Several images share a framework version (cpu and gpu, Python 3.10 and 3.11, CUDA 12.1 and
12.4, Neuron SDK builds). :func:`within_version_key` orders them; the resolver sorts each
version's images with it, and :mod:`smcat.catalog.lifecycle` uses it to say which image of the
successor version to name, so both name the same one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from smcat.catalog.models import ImageRecord
from smcat.catalog.versions import parse_image_version

__all__ = ["PY_RE", "norm_cuda", "py_rank", "within_version_key"]

#: A Python version as people write it: ``py310``, ``3.10``, ``py3.10``, ``py3``.
PY_RE = re.compile(r"^(?:py)?(?P<major>\d)(?:\.?(?P<minor>\d{1,2}))?$")


@lru_cache(maxsize=1024)
def norm_cuda(value: str) -> str:
    """A CUDA version without its spelling: ``cu121`` and ``12.1`` both give ``121``."""
    return value.strip().lower().removeprefix("cu").replace(".", "")


def py_rank(py: str | None) -> tuple[int, int]:
    """(major, minor) of a Python version, ``(0, 0)`` when there is none; ``py3`` has minor -1."""
    m = PY_RE.match(py or "")
    if not m:
        return (0, 0)
    return (int(m["major"]), int(m["minor"]) if m["minor"] else -1)


def within_version_key(record: ImageRecord) -> tuple[Any, ...]:
    """Within one version: cpu first, x86_64 first, newest python, newest CUDA, verbatim tags,
    then the newest build variant (DJL ``lmi20.0.0`` before ``lmi18.0.0``, newer Neuron SDKs)."""
    py = py_rank(record.py_version)
    cuda = parse_image_version(norm_cuda(record.cuda)) if record.cuda else None
    arch = record.arch or "x86_64"
    return (
        record.processor != "cpu",
        arch != "x86_64",
        (-py[0], -py[1]),
        cuda is None,
        tuple(-x for x in cuda.release) if cuda else (),
        record.derived_tags,
        tuple(-int(n) for n in re.findall(r"\d+", record.variant or "")),
        record.repository,
        record.tags[0] if record.tags else "",
    )
