"""Open a catalogue store at any location smcat supports: a directory or ``s3://bucket/prefix``.

``catalog`` never imports boto3, so the S3 layer is chosen here, in the layer above it, by
explicit dispatch: ``open_any_store`` is ``smcat.catalog.store.open_store`` given the S3 layer
factory for ``s3://`` locations (boto3 itself is imported only when an S3 store is opened),
with ``s3://`` locations mangled by ``pathlib`` repaired. Importing this module changes no
global state. ``register()`` remains for callers that want ``smcat.catalog.store.open_store`` itself
to accept ``s3://``.
"""

from __future__ import annotations

import os
import re

from smcat.catalog import store as _store
from smcat.catalog.store import Layer

__all__ = ["normalize_location", "open_any_store", "register"]


def _s3_factory(location: str) -> Layer:
    """``s3://bucket/prefix`` -> an ``S3Layer`` using boto3's standard configuration."""
    from smcat.s3_layer import S3Layer

    return S3Layer.from_url(location)


def register() -> None:
    """Add the ``s3`` scheme to ``smcat.catalog.store.LAYER_FACTORIES`` (idempotent, no boto3 import)."""
    _store.LAYER_FACTORIES.setdefault("s3", _s3_factory)


def normalize_location(location: str | os.PathLike[str] | None) -> str | None:
    """Undo ``Path("s3://b/p")`` -> ``"s3:/b/p"`` (a CLI option typed as a path does that)."""
    if location is None or location == "":
        return None
    loc = str(location)
    return re.sub(r"^s3:/+", "s3://", loc) if re.match(r"^s3:/", loc) else loc


def open_any_store(
    location: str | os.PathLike[str] | None = None, *, with_shipped: bool = True, lock_dir: str | None = None
) -> _store.Store:
    """``smcat.catalog.store.open_store`` for a directory or ``s3://bucket/prefix`` (``$SMCAT_CATALOG``)."""
    loc = normalize_location(location) or normalize_location(os.environ.get("SMCAT_CATALOG"))
    factory = _s3_factory if loc and loc.startswith("s3://") else None
    return _store.open_store(loc, with_shipped=with_shipped, lock_dir=lock_dir, layer_factory=factory)
