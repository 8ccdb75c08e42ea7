"""Answers of the read-only GET routes with ``ETag``, ``Cache-Control`` and ``304 Not Modified``.

An answer's tag is a hash of what determines it (the route, its parameters and the catalogue
version, or the body itself); a revalidation (``If-None-Match``, parsed per RFC 9110 by
``smcat.service.conditional``) that names it gets ``304``. Bodies are kept in the app's byte-bounded
answer cache, keyed by the catalogue version, so a revalidation costs a lookup.

Not here, on purpose: ``/healthz`` (ages change every second and a probe must see the live
state: ``Cache-Control: no-store``) and the admin refresh routes (private, per job).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from smcat.service.byte_cache import ByteLRU
from smcat.service.conditional import if_none_match

__all__ = ["NOT_MODIFIED", "cached_json", "etag_of", "send"]

#: The documented answer of a revalidation, for the routes' OpenAPI ``responses``.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (If-None-Match names the current ETag)"}
}


def _release() -> str:
    try:
        return version("smcat")
    except PackageNotFoundError:  # running from a source tree
        return "source"


#: A new smcat release may shape answers differently: it is part of every tag.
_RELEASE = _release()


def etag_of(*parts: object) -> str:
    """A strong entity tag (quoted) for an answer determined by ``parts`` (and the smcat release)."""
    return '"' + hashlib.sha256(repr((_RELEASE, *parts)).encode()).hexdigest()[:32] + '"'


def send(request: Request, body: bytes, etag: str, media_type: str = "application/json") -> Response:
    """200 with ``body``, or 304 when ``If-None-Match`` names ``etag``; both carry the validators."""
    headers = {"ETag": etag, "Cache-Control": request.app.state.cache_control}
    if if_none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def cached_json(request: Request, key: tuple[Hashable, ...], make: Callable[[], object]) -> Response:
    """The JSON answer identified by ``key`` (it must include the catalogue version), built by
    ``make`` once per key (an error it raises is answered as usual, never cached) and kept in the
    answer cache; its tag is a hash of ``key``."""
    cache: ByteLRU[tuple[bytes, str]] = request.app.state.image_cache  # (body, ETag) under these keys
    hit = cache.get(key)
    if hit is None:
        raw = json.dumps(make(), separators=(",", ":")).encode()
        hit = (raw, etag_of("json", *key))
        cache.put(key, hit, len(raw) + 64 + sum(len(str(k)) for k in key))
    return send(request, hit[0], hit[1])
