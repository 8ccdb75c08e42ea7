"""The one HTTP layer every scraper fetch goes through.

``make_session()`` builds a ``requests.Session`` with retries (429 and 5xx, ``Retry-After``
respected, exponential backoff, GET/HEAD only) and smcat's User-Agent. ``Fetcher`` turns a URL
into a ``Document`` (decoded text plus provenance) in one of three ways:

* over the network, with an optional conditional-GET cache (``cache_dir``): the body and its
  ``ETag`` / ``Last-Modified`` are kept per URL, the next fetch sends ``If-None-Match`` /
  ``If-Modified-Since``, and a ``304`` reuses the cached body;
* from a mirror directory (``mirror``) laid out as ``<host>/<path>``, with no network at all;
* through a ``rewrite`` of each URL before it is requested, e.g. to replay the mirror end to end
  through a loopback HTTP server (see ``prefix_rewriter``).

Every failure (non-2xx after retries, timeout, connection error, undecodable body, missing
mirror file) is a ``smcat.catalog.errors.SourceError`` that names the URL and says what to do next.
The session is always passed in (or made per ``Fetcher``), never a module global.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import diskcache
import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from smcat.catalog.errors import SourceError
from smcat.catalog.times import now_iso

__all__ = [
    "RETRY_STATUSES",
    "Document",
    "FetchStats",
    "Fetcher",
    "Status",
    "default_user_agent",
    "make_session",
    "mirror_path",
    "prefix_rewriter",
]

#: Statuses worth retrying: rate limiting and transient server-side failures.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: How a document was obtained.
Status = Literal["fetched", "not-modified", "mirror"]

_NEXT_STEP = "retry later or use --mirror DIR to read recorded copies"


def default_user_agent() -> str:
    """smcat's product User-Agent, ``smcat/<version> (+https://github.com/smcat)``."""
    try:
        version = metadata.version("smcat")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        version = "0+unknown"
    return f"smcat/{version} (+https://github.com/smcat)"


def make_session(
    *, retries: int = 3, backoff: float = 0.5, user_agent: str | None = None
) -> requests.Session:
    """A ``requests.Session`` that retries transient failures and identifies itself.

    GET and HEAD are retried up to ``retries`` times on connection errors, read errors and the
    statuses in ``RETRY_STATUSES``, waiting ``backoff * 2**n`` seconds between attempts, or as
    long as a ``Retry-After`` header says. After the last attempt the final response is
    returned as is (``raise_on_status=False``) so the caller can report its status.
    """
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent or default_user_agent()
    return session


def mirror_path(mirror: str | Path, url: str) -> Path:
    """Where a mirror directory keeps the body of ``url``: ``https://HOST/PATH?q`` -> ``MIRROR/HOST/PATH``.

    The query string and fragment are dropped. A path that would escape the mirror (``..``)
    raises ``SourceError``.
    """
    parts = urlsplit(url)
    root = Path(mirror)
    path = root / parts.netloc / unquote(parts.path).lstrip("/")
    if ".." in Path(unquote(parts.path)).parts:
        raise SourceError(f"{url}: refusing a mirror path that leaves {root}", url=url)
    return path


def prefix_rewriter(mapping: Mapping[str, str]) -> Callable[[str], str]:
    """A URL rewrite for ``Fetcher(rewrite=...)`` that swaps the longest matching prefix.

    ``prefix_rewriter({"https://": "http://127.0.0.1:8000/"})`` sends
    ``https://HOST/PATH`` to ``http://127.0.0.1:8000/HOST/PATH`` (a loopback server serving a
    mirror directory); URLs matching no prefix are left alone.
    """
    prefixes = sorted(mapping, key=len, reverse=True)

    def rewrite(url: str) -> str:
        for prefix in prefixes:
            if url.startswith(prefix):
                return mapping[prefix] + url[len(prefix) :]
        return url

    return rewrite


@dataclass(frozen=True, slots=True)
class Document:
    """One fetched source document and where it came from.

    ``url`` is always the URL asked for (before any rewrite); ``fetched_at`` is ISO 8601 UTC
    ending in ``Z``; ``sha256`` is the hex digest of the body bytes.
    """

    url: str
    text: str
    fetched_at: str
    status: Status
    etag: str | None = None
    last_modified: str | None = None
    sha256: str = ""


@dataclass(slots=True)
class FetchStats:
    """Counters over one ``Fetcher``'s life (retries inside the session are not counted)."""

    requests: int = 0
    bytes_downloaded: int = 0
    not_modified: int = 0
    mirror_reads: int = 0


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class Fetcher:
    """Fetch source documents over HTTP (with a conditional-GET cache) or from a mirror.

    ``session``: the ``requests.Session`` to use; ``make_session()`` when omitted.
    ``cache_dir``: a ``diskcache`` directory for bodies and validators; no cache when omitted.
    ``timeout``: seconds for connecting and for each read.
    ``mirror``: read ``MIRROR/HOST/PATH`` files instead of the network (takes precedence over
    ``rewrite`` and the cache).
    ``rewrite``: maps each URL to the one actually requested (see ``prefix_rewriter``); the
    ``Document`` and every error keep the original URL, the cache is keyed by the requested one.
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        cache_dir: str | Path | None = None,
        timeout: float = 20.0,
        mirror: str | Path | None = None,
        rewrite: Callable[[str], str] | None = None,
    ) -> None:
        self.session = session if session is not None else make_session()
        self.timeout = timeout
        self.mirror = Path(mirror) if mirror is not None else None
        self.rewrite = rewrite
        self.cache: diskcache.Cache | None = (
            diskcache.Cache(str(cache_dir)) if cache_dir is not None else None
        )
        self.stats = FetchStats()

    def close(self) -> None:
        """Close the cache (the session belongs to whoever passed it in)."""
        if self.cache is not None:
            self.cache.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def fetch(self, url: str) -> Document:
        """The document at ``url``; raises ``SourceError`` when it cannot be had."""
        if self.mirror is not None:
            return self._read_mirror(url)
        return self._get(url)

    def _read_mirror(self, url: str) -> Document:
        assert self.mirror is not None
        path = mirror_path(self.mirror, url)
        if not path.is_file():
            raise SourceError(
                f"{url}: not in the mirror (looked for {path}); record it there or fetch without --mirror",
                url=url,
            )
        body = path.read_bytes()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(f"{url}: mirror file {path} is not UTF-8 text ({exc.reason})", url=url) from exc
        self.stats.mirror_reads += 1
        return Document(url=url, text=text, fetched_at=now_iso(), status="mirror", sha256=_sha256(body))

    def _get(self, url: str) -> Document:
        target = self.rewrite(url) if self.rewrite is not None else url
        where = url if target == url else f"{url} (via {target})"
        cached: dict[str, Any] | None = self.cache.get(target) if self.cache is not None else None
        headers: dict[str, str] = {}
        if cached:
            if cached.get("etag"):
                headers["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                headers["If-Modified-Since"] = cached["last_modified"]

        self.stats.requests += 1
        try:
            response = self.session.get(target, headers=headers, timeout=self.timeout)
            body = response.content  # read it all here, so a broken transfer fails inside the try
        except requests.Timeout as exc:
            raise SourceError(
                f"GET {where} timed out after {self.timeout:g}s; {_NEXT_STEP}", url=url
            ) from exc
        except requests.RequestException as exc:
            raise SourceError(f"GET {where} failed: {exc}; {_NEXT_STEP}", url=url) from exc

        if response.status_code == 304 and cached:
            self.stats.not_modified += 1
            return Document(
                url=url,
                text=cached["text"],
                fetched_at=now_iso(),
                status="not-modified",
                etag=cached.get("etag"),
                last_modified=cached.get("last_modified"),
                sha256=cached["sha256"],
            )
        if not 200 <= response.status_code < 300:
            reason = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
            raise SourceError(f"GET {where} failed: {reason}; {_NEXT_STEP}", url=url)

        self.stats.bytes_downloaded += len(body)
        text = self._decode(body, response.encoding, where, url)
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        digest = _sha256(body)
        if self.cache is not None and response.status_code == 200 and (etag or last_modified):
            self.cache.set(
                target, {"text": text, "etag": etag, "last_modified": last_modified, "sha256": digest}
            )
        return Document(
            url=url,
            text=text,
            fetched_at=now_iso(),
            status="fetched",
            etag=etag,
            last_modified=last_modified,
            sha256=digest,
        )

    @staticmethod
    def _decode(body: bytes, encoding: str | None, where: str, url: str) -> str:
        """``body`` as UTF-8, else in the response's declared encoding, else a ``SourceError``."""
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as utf8_error:
            if encoding and encoding.lower().replace("_", "-") not in {"utf-8", "utf8"}:
                try:
                    return body.decode(encoding)
                except (UnicodeDecodeError, LookupError):
                    pass
            raise SourceError(
                f"GET {where}: the body is not text (not UTF-8: {utf8_error.reason}, "
                f"declared encoding {encoding or 'none'}); check the URL points at a document",
                url=url,
            ) from utf8_error
