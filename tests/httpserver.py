"""A loopback HTTP server over a directory, with ETag / Last-Modified validators, for end-to-end tests.

``serve_directory(root)`` serves ``root`` on ``127.0.0.1`` (a free port) in a background thread
and yields the base URL. With ``mirror_layout`` (the default) ``root`` is a mirror directory
laid out as ``<host>/<path>``: a request for ``/HOST/PATH`` serves ``root/HOST/PATH``, so a
fetcher built with ``prefix_rewriter({"https://": base_url + "/"})`` replays recorded sources
over real HTTP. Without it ``/PATH`` serves ``root/PATH`` and a directory serves its
``index.html``.

Each response carries ``ETag`` (the body's sha256, quoted) and ``Last-Modified`` (the file's
mtime); ``If-None-Match`` (or, without it, ``If-Modified-Since``) that still matches gets a 304.
The query string is ignored, as in mirror mode.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["serve_directory"]


def _etag_matches(header: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, as RFC 9110 asks)."""
    if header.strip() == "*":
        return True
    wanted = etag.strip().removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def _handler(root: Path, mirror_layout: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # keep-alive: a refresh's hundreds of requests reuse one connection (and one thread)
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

        def _file(self) -> Path | None:
            rel = unquote(urlsplit(self.path).path).lstrip("/")
            if ".." in Path(rel).parts:
                return None
            path = root / rel
            if not mirror_layout and path.is_dir():
                path = path / "index.html"
            return path if path.is_file() else None

        def _respond(self, with_body: bool) -> None:
            path = self._file()
            if path is None:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            body = path.read_bytes()
            mtime = int(path.stat().st_mtime)
            etag = f'"{hashlib.sha256(body).hexdigest()}"'
            last_modified = formatdate(mtime, usegmt=True)

            if_none_match = self.headers.get("If-None-Match")
            if_modified_since = self.headers.get("If-Modified-Since")
            if if_none_match is not None:
                not_modified = _etag_matches(if_none_match, etag)
            elif if_modified_since is not None:
                try:
                    not_modified = parsedate_to_datetime(if_modified_since).timestamp() >= mtime
                except (TypeError, ValueError):
                    not_modified = False
            else:
                not_modified = False

            self.send_response(HTTPStatus.NOT_MODIFIED if not_modified else HTTPStatus.OK)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            if not_modified:
                self.end_headers()
                return
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if content_type.startswith("text/"):
                content_type += "; charset=utf-8"
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def do_GET(self) -> None:
            self._respond(with_body=True)

        def do_HEAD(self) -> None:
            self._respond(with_body=False)

    return Handler


@contextmanager
def serve_directory(root: Path, *, mirror_layout: bool = True) -> Iterator[str]:
    """Serve ``root`` on loopback for the duration of the block; yields ``http://127.0.0.1:PORT``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Path(root), mirror_layout))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="serve_directory", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
