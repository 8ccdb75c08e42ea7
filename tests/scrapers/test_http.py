"""The HTTP layer: retries, conditional GET, mirror mode, errors (``responses`` mocks, plus loopback runs)."""

from __future__ import annotations

import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import responses
import urllib3
from responses import matchers

from smcat.catalog.errors import SourceError
from smcat.scrapers.http import (
    Document,
    Fetcher,
    default_user_agent,
    make_session,
    mirror_path,
    prefix_rewriter,
)
from tests.conftest import MIRROR, mirror_file, requires_shared
from tests.httpserver import serve_directory

URL = "https://docs.example.com/sagemaker/ecr-paths.html"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def fetcher(tmp_path: Path):
    """A fetcher with a cache and a session that retries fast (no real sleeping under ``responses``)."""
    with Fetcher(make_session(retries=2, backoff=0.001), cache_dir=tmp_path / "cache", timeout=1) as f:
        yield f


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- make_session ---------------------------------------------------------------------------


def test_user_agent_is_sent(rsps, fetcher):
    rsps.get(URL, body="ok", match=[matchers.header_matcher({"User-Agent": default_user_agent()})])
    fetcher.fetch(URL)
    assert re.fullmatch(r"smcat/\S+ \(\+https://github\.com/smcat\)", default_user_agent())


def test_custom_user_agent(rsps):
    rsps.get(URL, body="ok", match=[matchers.header_matcher({"User-Agent": "probe/1"})])
    Fetcher(make_session(user_agent="probe/1")).fetch(URL)


def test_retry_policy_is_mounted_for_both_schemes():
    session = make_session(retries=4, backoff=0.25)
    for url in ("https://x.test/", "http://x.test/"):
        retry = session.get_adapter(url).max_retries
        assert retry.total == 4
        assert retry.backoff_factor == 0.25
        assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
        assert set(retry.allowed_methods) == {"GET", "HEAD"}
        assert retry.respect_retry_after_header
        assert not retry.raise_on_status


def test_retry_after_is_respected(monkeypatch):
    """urllib3 sleeps as long as ``Retry-After`` says (checked without waiting)."""
    slept: list[float] = []
    monkeypatch.setattr("urllib3.util.retry.time.sleep", slept.append)
    retry = make_session(backoff=0.001).get_adapter(URL).max_retries
    response = urllib3.HTTPResponse(status=429, headers={"Retry-After": "7"})
    retry.sleep(response)
    assert slept == [7]


# --- retries and errors ---------------------------------------------------------------------


def test_retries_on_503_then_succeeds(rsps, fetcher):
    rsps.get(URL, status=503)
    rsps.get(URL, status=503)
    rsps.get(URL, body="<html>ok</html>")
    doc = fetcher.fetch(URL)
    assert doc.text == "<html>ok</html>"
    assert len(rsps.calls) == 3


def test_retries_on_429_with_retry_after(rsps, fetcher):
    rsps.get(URL, status=429, headers={"Retry-After": "0"})
    rsps.get(URL, body="ok")
    assert fetcher.fetch(URL).text == "ok"
    assert len(rsps.calls) == 2


def test_final_500_is_a_source_error_naming_the_url(rsps, fetcher):
    for _ in range(3):  # the first try and two retries
        rsps.get(URL, status=500)
    with pytest.raises(SourceError) as info:
        fetcher.fetch(URL)
    message = str(info.value)
    assert URL in message
    assert "500" in message
    assert "--mirror" in message
    assert info.value.url == URL
    assert len(rsps.calls) == 3


def test_404_is_not_retried(rsps, fetcher):
    rsps.get(URL, status=404)
    with pytest.raises(SourceError, match="HTTP 404"):
        fetcher.fetch(URL)
    assert len(rsps.calls) == 1


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (requests.exceptions.ConnectTimeout("connect timed out"), "timed out after 1s"),
        (requests.exceptions.ReadTimeout("read timed out"), "timed out after 1s"),
        (requests.exceptions.ConnectionError("name or service not known"), "name or service not known"),
    ],
)
def test_network_failures_are_source_errors(rsps, fetcher, error, expected):
    rsps.get(URL, body=error)
    with pytest.raises(SourceError) as info:
        fetcher.fetch(URL)
    assert URL in str(info.value)
    assert expected in str(info.value)
    assert "retry later" in str(info.value)


def test_binary_body_is_a_source_error(rsps, fetcher):
    rsps.get(URL, body=b"\x89PNG\r\n\x1a\n\xff\xfe\x00", content_type="application/octet-stream")
    with pytest.raises(SourceError, match="not text"):
        fetcher.fetch(URL)


def test_declared_encoding_is_the_fallback(rsps, fetcher):
    rsps.get(URL, body="café".encode("latin-1"), content_type="text/html; charset=iso-8859-1")
    assert fetcher.fetch(URL).text == "café"


# --- conditional GET cache ------------------------------------------------------------------


def test_etag_200_then_304_reuses_the_body(rsps, fetcher):
    rsps.get(URL, body="v1 body", headers={"ETag": '"abc"'})
    rsps.get(URL, status=304, match=[matchers.header_matcher({"If-None-Match": '"abc"'})])

    first = fetcher.fetch(URL)
    second = fetcher.fetch(URL)

    assert first.status == "fetched"
    assert first.etag == '"abc"'
    assert second == Document(
        url=URL,
        text="v1 body",
        fetched_at=second.fetched_at,
        status="not-modified",
        etag='"abc"',
        last_modified=None,
        sha256=_sha("v1 body"),
    )
    assert ISO_UTC.match(second.fetched_at)
    assert "If-None-Match" not in rsps.calls[0].request.headers
    assert fetcher.stats.requests == 2
    assert fetcher.stats.not_modified == 1
    assert fetcher.stats.bytes_downloaded == len("v1 body")


def test_last_modified_200_then_304(rsps, fetcher):
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"
    rsps.get(URL, body="v1", headers={"Last-Modified": stamp})
    rsps.get(URL, status=304, match=[matchers.header_matcher({"If-Modified-Since": stamp})])
    assert fetcher.fetch(URL).last_modified == stamp
    doc = fetcher.fetch(URL)
    assert (doc.status, doc.text, doc.last_modified) == ("not-modified", "v1", stamp)


def test_changed_document_replaces_the_cache_entry(rsps, fetcher):
    rsps.get(URL, body="v1", headers={"ETag": '"1"'})
    rsps.get(
        URL, body="v2", headers={"ETag": '"2"'}, match=[matchers.header_matcher({"If-None-Match": '"1"'})]
    )
    rsps.get(URL, status=304, match=[matchers.header_matcher({"If-None-Match": '"2"'})])
    assert [fetcher.fetch(URL).text for _ in range(3)] == ["v1", "v2", "v2"]


def test_failed_fetch_keeps_the_cached_copy(rsps, tmp_path):
    fetcher = Fetcher(make_session(retries=0), cache_dir=tmp_path / "cache")
    rsps.get(URL, body="good", headers={"ETag": '"g"'})
    rsps.get(URL, status=500)
    rsps.get(URL, status=304)
    fetcher.fetch(URL)
    with pytest.raises(SourceError):
        fetcher.fetch(URL)
    assert fetcher.fetch(URL).text == "good"


def test_cache_persists_across_fetchers(rsps, tmp_path):
    rsps.get(URL, body="v1", headers={"ETag": '"e"'})
    rsps.get(URL, status=304, match=[matchers.header_matcher({"If-None-Match": '"e"'})])
    with Fetcher(make_session(), cache_dir=tmp_path / "c") as f:
        f.fetch(URL)
    with Fetcher(make_session(), cache_dir=tmp_path / "c") as f:
        assert f.fetch(URL).status == "not-modified"


def test_no_cache_sends_no_validators(rsps):
    rsps.get(URL, body="v1", headers={"ETag": '"e"'})
    rsps.get(URL, body="v1", headers={"ETag": '"e"'})
    fetcher = Fetcher(make_session())
    assert [fetcher.fetch(URL).status for _ in range(2)] == ["fetched", "fetched"]
    assert all("If-None-Match" not in call.request.headers for call in rsps.calls)


def test_304_without_a_cached_copy_is_an_error(rsps, fetcher):
    rsps.get(URL, status=304)
    with pytest.raises(SourceError, match="304"):
        fetcher.fetch(URL)


# --- mirror mode ----------------------------------------------------------------------------


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    page = root / "docs.example.com" / "sagemaker" / "ecr-paths.html"
    page.parent.mkdir(parents=True)
    page.write_text("<h1>registry paths</h1>", encoding="utf-8")
    return root


def test_mirror_path_drops_the_query():
    assert mirror_path("/m", "https://api.github.com/repos/a/b/git/trees/main?recursive=1") == Path(
        "/m/api.github.com/repos/a/b/git/trees/main"
    )


def test_mirror_reads_the_file_without_network(rsps, mirror):
    doc = Fetcher(make_session(), mirror=mirror).fetch(URL + "?lang=en")
    assert doc.status == "mirror"
    assert doc.text == "<h1>registry paths</h1>"
    assert doc.url == URL + "?lang=en"
    assert doc.sha256 == _sha("<h1>registry paths</h1>")
    assert len(rsps.calls) == 0


def test_missing_mirror_file_names_url_and_path(mirror):
    missing = "https://docs.example.com/sagemaker/nope.html"
    with pytest.raises(SourceError) as info:
        Fetcher(make_session(), mirror=mirror).fetch(missing)
    assert missing in str(info.value)
    assert str(mirror / "docs.example.com" / "sagemaker" / "nope.html") in str(info.value)
    assert info.value.url == missing


def test_mirror_refuses_paths_leaving_the_mirror(mirror):
    with pytest.raises(SourceError, match="leaves"):
        Fetcher(make_session(), mirror=mirror).fetch("https://docs.example.com/../../etc/passwd")


def test_mirror_file_that_is_not_utf8(mirror):
    (mirror / "docs.example.com" / "blob.bin").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SourceError, match="not UTF-8"):
        Fetcher(make_session(), mirror=mirror).fetch("https://docs.example.com/blob.bin")


# --- rewrite --------------------------------------------------------------------------------


def test_prefix_rewriter_uses_the_longest_prefix():
    rewrite = prefix_rewriter({"https://": "http://lo/", "https://api.github.com/": "http://gh/"})
    assert rewrite("https://api.github.com/repos/x") == "http://gh/repos/x"
    assert rewrite("https://docs.example.com/a?b=1") == "http://lo/docs.example.com/a?b=1"
    assert rewrite("ftp://elsewhere/") == "ftp://elsewhere/"


def test_rewrite_keeps_the_original_url_in_document_and_errors(rsps):
    fetcher = Fetcher(make_session(retries=0), rewrite=prefix_rewriter({"https://": "http://127.0.0.1:9/"}))
    rsps.get("http://127.0.0.1:9/docs.example.com/sagemaker/ecr-paths.html", body="ok")
    assert fetcher.fetch(URL).url == URL
    with pytest.raises(SourceError) as info:
        fetcher.fetch("https://docs.example.com/missing")
    assert info.value.url == "https://docs.example.com/missing"
    assert "via http://127.0.0.1:9/docs.example.com/missing" in str(info.value)


# --- end to end over a loopback server ------------------------------------------------------


def test_loopback_server_200_then_304(mirror, tmp_path):
    with serve_directory(mirror) as base:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
        fetcher = Fetcher(
            make_session(retries=0),
            cache_dir=tmp_path / "cache",
            timeout=5,
            rewrite=prefix_rewriter({"https://": base + "/"}),
        )
        first = fetcher.fetch(URL + "?query=dropped")
        second = fetcher.fetch(URL + "?query=dropped")
        with pytest.raises(SourceError, match="HTTP 404"):
            fetcher.fetch("https://docs.example.com/absent.html")
    assert first.status == "fetched"
    assert first.etag == f'"{_sha("<h1>registry paths</h1>")}"'
    assert first.last_modified
    assert second.status == "not-modified"
    assert second.text == first.text == "<h1>registry paths</h1>"
    assert second.sha256 == first.sha256
    assert fetcher.stats.not_modified == 1
    assert fetcher.stats.bytes_downloaded == len(first.text)


def test_loopback_retries_429_then_serves(monkeypatch):
    """Real urllib3 retries (not the ``responses`` emulation): 429 + Retry-After, then 200."""
    slept: list[float] = []
    monkeypatch.setattr("urllib3.util.retry.time.sleep", slept.append)
    hits: list[str] = []

    class Flaky(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            hits.append(self.headers["User-Agent"])
            first = len(hits) == 1
            body = b"" if first else b"finally"
            self.send_response(429 if first else 200)
            if first:
                self.send_header("Retry-After", "3")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/page"
        doc = Fetcher(make_session(retries=2, backoff=0.001), timeout=5).fetch(url)
    finally:
        server.shutdown()
        server.server_close()
    assert doc.text == "finally"
    assert hits == [default_user_agent()] * 2
    assert slept == [3]


@pytest.mark.integration
@requires_shared
def test_recorded_mirror_replays_over_loopback(tmp_path):
    """The lead's end-to-end path: the recorded mirror, served on loopback, equals mirror mode."""
    url = "https://api.github.com/repos/aws/deep-learning-containers/git/trees/main?recursive=1"
    assert mirror_file(url).is_file()
    from_mirror = Fetcher(make_session(), mirror=MIRROR).fetch(url)
    with serve_directory(MIRROR) as base:
        fetcher = Fetcher(
            make_session(retries=0),
            cache_dir=tmp_path / "cache",
            timeout=5,
            rewrite=prefix_rewriter({"https://": base + "/"}),
        )
        over_http = [fetcher.fetch(url) for _ in range(2)]
    assert [doc.status for doc in over_http] == ["fetched", "not-modified"]
    assert {doc.sha256 for doc in over_http} == {from_mirror.sha256}
    assert over_http[1].text == from_mirror.text
