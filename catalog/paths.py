"""Where smcat keeps its files on this machine (the XDG base directories), computed once here."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_home", "http_cache_dir"]


def cache_home() -> Path:
    """``$XDG_CACHE_HOME/smcat``, else ``~/.cache/smcat``: smcat's caches and host-local locks."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smcat"


def http_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/smcat/http`` (``~/.cache/smcat/http``): the conditional-GET cache of refreshes,
    the same for ``smcat refresh`` and the service."""
    return cache_home() / "http"
