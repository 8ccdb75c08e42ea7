"""smcat's user-facing layer: ``resolve()`` over the default store (``resolver.current``), the
HTTP service, the importer and the CLI.

Importing this package is cheap: FastAPI loads only with the service, boto3 only with the importer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["import_model", "reload", "resolve"]

if TYPE_CHECKING:  # pragma: no cover
    from resolver.current import reload, resolve
    from resolver.importer import import_model


def __getattr__(name: str) -> Any:
    if name in ("resolve", "reload"):  # over the default store, s3:// included (resolver.current)
        from resolver import current

        return getattr(current, name)
    if name == "import_model":
        from resolver.importer import import_model

        return import_model
    raise AttributeError(f"module 'resolver' has no attribute {name!r}")
