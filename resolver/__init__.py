"""smcat's user-facing layer: ``resolve()`` over the default store (``smcat.current``; stores in
a directory or S3 are opened by ``smcat.storage``), the HTTP service (``smcat.service``), the
importer (``smcat.importer``), image verification (``smcat.verify``) and the CLI (``smcat.cli``).

Importing this package is cheap: FastAPI loads only with the service, boto3 only with the importer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["import_model", "reload", "resolve"]

if TYPE_CHECKING:  # pragma: no cover
    from smcat.current import reload, resolve
    from smcat.importer import import_model


def __getattr__(name: str) -> Any:
    if name in ("resolve", "reload"):  # over the default store, s3:// included (smcat.current)
        from smcat import current

        return getattr(current, name)
    if name == "import_model":
        from smcat.importer import import_model

        return import_model
    raise AttributeError(f"module 'smcat' has no attribute {name!r}")
