"""Issue 9, the service (in-process parts): input caps and linear parsing, bounded memory,
the admin-token policy, security headers and path-free health reasons.

The parts that need a real server process (blocking I/O, multi-worker sockets, start-up)
are in ``test_hardening_procs.py``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from smcat.catalog import store as store_mod
from smcat.catalog.errors import InvalidQuery
from smcat.catalog.limits import MAX_QUERY_BYTES, MAX_VALUE_CHARS, MAX_VERSION_CHARS
from smcat.catalog.resolve import resolve
from smcat.catalog.store import LocalLayer, Store, make_snapshot, shipped_dir
from smcat.catalog.versions import version_matcher
from smcat.service.app import create_app
from smcat.service.byte_cache import ByteLRU
from smcat.service.holder import CatalogHolder
from smcat.service.settings import Settings, token_problem

TOKEN = "Zq3v-8XkP2mW9rTb7YnC4hLd"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A writable copy of the shipped catalogue (real facts), shared by the module's read-only tests."""
    root = tmp_path_factory.mktemp("catalog")
    shutil.copytree(shipped_dir() / "snapshots", root / "snapshots")
    shutil.copy(shipped_dir() / "CURRENT", root / "CURRENT")
    return Store(root)


@pytest.fixture(scope="module")
def client(store):
    with TestClient(create_app(Settings(), holder=CatalogHolder(store, reload_seconds=60))) as c:
        yield c


# ------------------------------------------------------------------------------- 1. ReDoS and caps


class TestInputCaps:
    """Every value is capped before parsing; the version grammar fails in linear time."""

    def test_the_worst_case_version_regex_input_is_linear(self):
        # 200 kB of '1.' then '!': the old regex was quadratic here (100 kB took 45 s in the
        # service). Run in a subprocess so a regression fails on the timeout instead of hanging.
        code = (
            "from smcat.catalog.versions import _VERSION_RE, parse_image_version;"
            "s = '1.' * 100000 + '!';"
            "assert _VERSION_RE.match(s) is None;"
            "assert _VERSION_RE.match('v' + '1.' * 100000 + 'x!') is None;"
            "assert _VERSION_RE.match('1' * 200000 + '-' * 5 + '!') is None;"
            "print('ok')"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=20)
        assert out.stdout.strip() == "ok", out.stderr

    @pytest.mark.parametrize(
        "version, field, limit",
        [
            ("1." * 8000 + "!", None, f"at most {MAX_QUERY_BYTES}"),  # the repro: 16 kB
            ("1" * 4301, None, f"at most {MAX_QUERY_BYTES}"),  # past Python's int-string limit: was a 500
            ("1" * 2000, "version", f"at most {MAX_VERSION_CHARS}"),  # fits the query, not the version cap
            ("1" * (MAX_VERSION_CHARS + 1), "version", f"at most {MAX_VERSION_CHARS}"),  # just past the cap
            (">=" + "1." * 100 + "0", "version", f"at most {MAX_VERSION_CHARS}"),  # a specifier
        ],
    )
    def test_long_versions_are_a_422_naming_the_limit(self, client, version, field, limit):
        r = client.get("/image", params={"framework": "pytorch", "version": version})
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["error"] == "invalid_query" and body["field"] == field
        assert limit in body["message"]
        assert len(r.content) < 400  # the value is never echoed

    def test_a_version_at_the_cap_is_still_answered(self, client):
        r = client.get("/image", params={"framework": "pytorch", "version": "1" * MAX_VERSION_CHARS})
        assert r.status_code == 404 and r.json()["error"] == "no_match"

    @pytest.mark.parametrize(
        "field",
        ["framework", "region", "image_scope", "processor", "instance_type", "py_version", "cuda", "os"],
    )
    def test_every_query_value_is_capped(self, client, field):
        params = {"framework": "pytorch", field: "a" * (MAX_VALUE_CHARS + 1)}
        r = client.get("/image", params=params)
        assert r.status_code == 422 and r.json()["field"] == field
        assert f"at most {MAX_VALUE_CHARS}" in r.json()["message"]
        assert len(r.content) < 400

    def test_the_query_string_is_capped(self, client):
        r = client.get("/image?framework=pytorch&" + "&".join(["region=x"] * (MAX_QUERY_BYTES // 8)))
        assert r.status_code == 422 and f"at most {MAX_QUERY_BYTES} are accepted" in r.json()["message"]
        long_name = "z" * 1500
        r = client.get(f"/image?framework=pytorch&{long_name}=1")
        assert r.status_code == 422 and long_name not in r.text and len(r.content) < len(long_name)

    def test_other_routes_cap_their_inputs(self, client):
        for path in ("/frameworks/" + "a" * 200, "/catalog/diff?from=" + "a" * 200):
            r = client.get(path)
            assert r.status_code == 422, (path, r.text)
            assert "at most 128 characters" in r.json()["message"] and "a" * 200 not in r.text

    @pytest.mark.parametrize(
        "kw",
        [
            {"framework": "x" * 200},
            {"region": "us-east-" + "1" * 200},
            {"version": "1" * 4301},
            {"instance_type": "ml." + "p" * 200},
            {"py_version": "3" * 200},
            {"os": "u" * 200},
            {"catalog_version": "2" * 200},
        ],
    )
    def test_resolve_caps_its_inputs_too(self, store, kw):
        args = {"framework": "pytorch", **kw}
        with pytest.raises(InvalidQuery, match="at most") as e:
            resolve(args.pop("framework"), snapshot=store.load(), **args)
        assert len(str(e.value)) < 200

    def test_version_matcher_refuses_before_parsing(self):
        with pytest.raises(InvalidQuery, match=f"at most {MAX_VERSION_CHARS}"):
            version_matcher("1" * 5000)


# ------------------------------------------------------------------------------- 3. bounded memory


class TestBoundedMemory:
    def test_byte_lru_evicts_least_recent_past_its_budget(self):
        cache = ByteLRU(4000)
        for i in range(20):
            cache.put(i, (200, b"x" * 300, "e"), 300)
            cache.get(0)  # keep 0 hot
        assert cache.bytes <= 4000 and 3 < len(cache) < 20
        assert cache.get(0) is not None and cache.get(1) is None  # 0 was used, 1 was evicted
        cache.put("big", (200, b"x" * 2000, "e"), 2000)  # over a quarter of the budget: not kept
        assert cache.get("big") is None

    def test_only_valid_queries_are_cached_and_the_cache_stays_in_budget(self, store):
        app = create_app(Settings(answer_cache_mb=0.05), holder=CatalogHolder(store, reload_seconds=60))
        with TestClient(app) as c:
            cache = app.state.image_cache
            for i in range(50):  # malformed: unknown parameter, bad gpu, over the cap
                assert c.get(f"/image?framework=pytorch&junk{i}=1").status_code == 422
                assert c.get(f"/image?framework=pytorch&gpu=maybe{i}").status_code == 422
            assert len(cache) == 0
            for i in range(400):  # distinct valid queries: kept within the budget
                assert c.get(f"/image?framework=pytorch&version=2.{i}").status_code in (200, 404)
            assert 0 < cache.bytes <= 0.05 * 1024 * 1024
            assert len(cache) < 400

    def test_equivalent_queries_share_one_entry_and_etag(self, client):
        a = client.get("/image?framework=tensorflow&version=2.0&region=us-west-2")
        b = client.get("/image?region=us-west-2&version=2.0&framework=tensorflow")
        assert a.status_code == 200 and a.content == b.content and a.headers["etag"] == b.headers["etag"]

    def test_diffs_are_cached_per_version_pair(self, tmp_path):
        shutil.copytree(shipped_dir() / "snapshots", tmp_path / "snapshots")
        shutil.copy(shipped_dir() / "CURRENT", tmp_path / "CURRENT")
        st = Store(tmp_path)
        old = st.load()
        new = make_snapshot(list(old.images[1:]), sources=old.sources, registries=old.registries)
        st.publish(new)
        app = create_app(Settings(), holder=CatalogHolder(st, reload_seconds=60))
        with TestClient(app) as c:
            first = c.get(f"/catalog/diff?from={old.id}&to={new.id}")
            assert first.status_code == 200 and len(first.json()["removed"]) == 1
            key = ("diff", old.id, new.id, "json")
            cached = app.state.image_cache.get(key)
            assert cached == (first.content, "application/json", first.headers["etag"])
            # the pair is answered from the cache: a marked entry comes back as it is
            app.state.image_cache.put(key, (b'{"cached": true}', "application/json", '"marked"'), 16)
            by_hash = old.id.split("-", 1)[1]  # another spelling of the same version
            assert c.get(f"/catalog/diff?from={by_hash}&to={new.id}").json() == {"cached": True}
            md = c.get(f"/catalog/diff?from={old.id}&to={new.id}&format=markdown")
            assert md.status_code == 200 and app.state.image_cache.get(("diff", old.id, new.id, "markdown"))

    def test_the_store_keeps_an_lru_of_loaded_versions(self, tmp_path):
        st = Store(tmp_path)
        base = Store(shipped_dir()).load()
        t0 = datetime(2030, 1, 1, tzinfo=UTC)
        ids = []
        for i in range(store_mod.LOADED_VERSIONS_MAX + 4):
            # a few images each (distinct contents, distinct ids): the LRU counts versions, not bytes
            snap = make_snapshot(
                list(base.images[i : i + 3]), registries=base.registries, now=t0 + timedelta(hours=i)
            )
            st.publish(snap)
            ids.append(snap.id)
        st._cache.clear()
        for vid in ids:
            assert st.load(vid).id == vid
        assert len(st._cache) == store_mod.LOADED_VERSIONS_MAX
        assert list(st._cache) == ids[-store_mod.LOADED_VERSIONS_MAX :]  # the most recent ones


# ------------------------------------------------------------------------------- 4. TCP_NODELAY


class TestNoDelay:
    """A listening socket inherited by a worker has ``proto=0`` (what ``multiprocessing`` hands
    uvicorn's workers), so asyncio skips ``TCP_NODELAY``; ``NoDelayH11Protocol`` sets it."""

    @staticmethod
    def _nodelay_of_accepted(protocol_cls) -> int:
        import asyncio

        import uvicorn

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)  # proto 0, as in a worker
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        config = uvicorn.Config(
            "tests.resolver.test_hardening:_ping_app", http=protocol_cls, log_level="warning", lifespan="off"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[listener])), daemon=True)
        thread.start()
        try:
            for _ in range(100):
                if server.started:
                    break
                time.sleep(0.05)
            with socket.create_connection(("127.0.0.1", port)) as c:
                c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                assert c.recv(1024).startswith(b"HTTP/1.1 200")
                (conn,) = server.server_state.connections
                return conn.transport.get_extra_info("socket").getsockopt(
                    socket.IPPROTO_TCP, socket.TCP_NODELAY
                )
        finally:
            server.should_exit = True
            thread.join(10)
            listener.close()

    def test_plain_h11_loses_nodelay_on_an_inherited_socket(self):
        from uvicorn.protocols.http.h11_impl import H11Protocol

        assert self._nodelay_of_accepted(H11Protocol) == 0  # the bug this class guards against

    def test_the_service_protocol_sets_nodelay(self):
        from smcat.service.serving import NoDelayH11Protocol

        assert self._nodelay_of_accepted(NoDelayH11Protocol) != 0


async def _ping_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


# ------------------------------------------------------------------------------- 6. token policy


class TestAdminTokenPolicy:
    @pytest.mark.parametrize(
        "token, words",
        [
            ("${SMCAT_ADMIN_TOKEN}", "placeholder"),  # an unexpanded template
            ("$SMCAT_ADMIN_TOKEN", "placeholder"),
            ("{{ smcat_admin_token }}", "placeholder"),
            ("<your-admin-token-here>", "placeholder"),
            ("password12345678", "well-known"),  # an example word, padded
            ("my-changeme-token-2024-xyz", "well-known"),
            ("aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "guessable"),  # repeated
            ("abcdefghijklmnopqrstuvwxyz", "guessable"),  # sequential
            ("1234567890123456789012", "guessable"),
            ("abababababababababababab", "guessable"),  # low entropy
            ("Xy7-short", "at least 20"),
        ],
    )
    def test_weak_tokens_are_refused(self, token, words):
        assert words in (token_problem(token) or "")
        with pytest.raises(ValidationError) as e:
            Settings(refresh_enabled=True, admin_token=token)
        assert token not in str(e.value)

    @pytest.mark.parametrize("token", [TOKEN, "acb28010eda30bd5e2a82d9d59362962", "q7R-xK2p9LmZ4vB8nT6w"])
    def test_random_tokens_are_accepted(self, token):
        assert token_problem(token) is None

    def test_a_token_from_a_file_with_a_trailing_newline_authenticates(self, store, monkeypatch, tmp_path):
        secret = tmp_path / "token"
        secret.write_text(f"  {TOKEN}\n")
        monkeypatch.setenv("SMCAT_REFRESH_ENABLED", "1")
        monkeypatch.setenv("SMCAT_ADMIN_TOKEN", secret.read_text())
        monkeypatch.setenv("SMCAT_LOCK_DIR", str(tmp_path / "locks"))
        with TestClient(create_app(holder=CatalogHolder(store, reload_seconds=60))) as c:
            r = c.get("/catalog/refresh/nope", headers={"Authorization": f"Bearer {TOKEN}"})
            assert r.status_code == 404 and r.json()["error"] == "refresh_job_not_found"  # authenticated
            assert c.get("/catalog/refresh/nope", headers={"Authorization": "Bearer nope"}).status_code == 403


# ------------------------------------------------------------------------------- 7. headers, reasons


class TestHeaders:
    def test_nosniff_on_every_kind_of_response(self, client):
        for path in ("/image?framework=tensorflow", "/image?framework=nope", "/healthz", "/nowhere", "/docs"):
            r = client.get(path)
            assert r.headers["x-content-type-options"] == "nosniff", path
            assert "server" not in r.headers

    @pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
    def test_html_pages_carry_a_csp_that_allows_only_their_own_scripts(self, client, path):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
        scripts = [s for s in re.findall(r"<script>(.*?)</script>", r.text, re.S) if s.strip()]
        assert scripts or path == "/redoc"  # each inline script is allowed by its hash, and only those
        for s in scripts:
            digest = base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp
        assert "script-src 'unsafe-inline'" not in csp

    def test_json_responses_get_no_csp_but_html_always_does(self, client):
        assert "content-security-policy" not in client.get("/healthz").headers

    def test_health_reasons_hide_local_paths(self, tmp_path):
        root = tmp_path / "secret-place" / "catalog"
        shutil.copytree(shipped_dir() / "snapshots", root / "snapshots")
        shutil.copy(shipped_dir() / "CURRENT", root / "CURRENT")
        st = Store(root)
        holder = CatalogHolder(st, reload_seconds=60)
        st.write_status(
            {
                "last_refresh": {
                    "at": "2030-01-01T00:00:00Z",
                    "outcome": "failed",
                    "reason": f"cannot write {root}/x",
                },
                "sources": {
                    "dlc-regions": {"last_status": "failed", "error": f"No such file: '{tmp_path}/m/a.md'"}
                },
            }
        )
        (root / "snapshots" / "20990101T000000Z-deadbeef.json").write_text("{torn")
        (root / "CURRENT").write_text("20990101T000000Z-deadbeef\n")  # names a torn file
        holder.check_now()
        assert holder.last_error and str(root) in holder.last_error  # kept for the operator's logs
        with TestClient(create_app(Settings(), holder=holder)) as c:
            r = c.get("/healthz")
        body = r.json()
        assert r.status_code == 200 and body["status"] == "degraded"
        assert any("catalogue store check failed" in x for x in body["reasons"])
        assert str(tmp_path) not in r.text and "secret-place" not in r.text
        assert "<path>" in r.text


# ------------------------------------------------------------------------------- issue 11: HTTP errors


class TestProblemDetails:
    """Every error is RFC 9457 problem+json; the fields earlier clients read are still there."""

    @pytest.mark.parametrize(
        "method, path, status, error",
        [
            ("GET", "/image?framework=tensorfloww", 422, "invalid_query"),  # from resolve()
            ("GET", "/image?framework=tensorflow&version=9.9", 404, "no_match"),
            ("GET", "/image?framework=tensorflow&junk=1", 422, "invalid_query"),  # from the route's parser
            ("GET", "/frameworks/" + "a" * 200, 422, "invalid_query"),  # FastAPI validation
            ("GET", "/catalog/diff?from=nope", 404, "catalog_version_not_found"),
            ("GET", "/catalog/refresh/x", 404, "not_found"),  # refresh disabled
            ("GET", "/no/such/route", 404, "not_found"),  # no route at all
            ("DELETE", "/image", 405, "method_not_allowed"),
        ],
    )
    def test_errors_are_problem_documents(self, client, method, path, status, error):
        r = client.request(method, path)
        assert r.status_code == status
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["status"] == status and body["type"] == f"urn:smcat:problem:{error}"
        assert body["title"] and body["detail"] == body["message"] and body["error"] == error

    def test_extension_members_are_kept(self, client):
        body = client.get("/image?framework=tensorflow&version=9.9").json()
        assert "2.19.0" in body["suggestions"]["versions"]
        body = client.get("/image?framework=tensorflow&gpu=maybe").json()
        assert body["field"] == "gpu" and body["valid"] == ["true", "false"]

    def test_an_unknown_route_says_what_exists(self, client):
        body = client.get("/imag?framework=tensorflow").json()
        assert "/image" in body["detail"] and "/docs" in body["detail"]

    def test_answers_stay_plain_json(self, client):
        assert client.get("/image?framework=tensorflow").headers["content-type"] == "application/json"


class TestIfNoneMatch:
    """RFC 9110 section 13.1.2: ``*``, lists and weak comparison."""

    @pytest.mark.parametrize(
        "header, expected",
        [
            ("{etag}", 304),  # the tag itself
            ("W/{etag}", 304),  # weak comparison ignores W/
            ('"other", {etag}', 304),  # a list
            ('"other" ,  W/{etag} ,', 304),  # spaces and an empty element
            ("*", 304),  # any current representation
            ('"other"', 200),
            ('W/"other", "third"', 200),
            ("{bare}", 200),  # an unquoted tag is malformed: ignored
            ('{etag} "other"', 200),  # a list without its comma is malformed
        ],
    )
    def test_if_none_match(self, client, header, expected):
        url = "/image?framework=tensorflow&version=2.0"
        etag = client.get(url).headers["etag"]
        r = client.get(url, headers={"If-None-Match": header.format(etag=etag, bare=etag.strip('"'))})
        assert r.status_code == expected
        if expected == 304:
            assert r.content == b"" and r.headers["etag"] == etag

    def test_errors_are_never_304(self, client):
        assert (
            client.get("/image?framework=tensorflow&version=9.9", headers={"If-None-Match": "*"}).status_code
            == 404
        )


class TestNoFullGcPauses:
    """A full cyclic-GC pass over a loaded catalogue took ~50 ms, at a random request: the
    catalogue is frozen out of the collector's reach once loaded (and after each swap)."""

    def test_the_catalogue_is_frozen_at_start_up_and_after_a_swap(self, tmp_path):
        import gc

        shutil.copytree(shipped_dir() / "snapshots", tmp_path / "snapshots")
        shutil.copy(shipped_dir() / "CURRENT", tmp_path / "CURRENT")
        st = Store(tmp_path)
        holder = CatalogHolder(st, reload_seconds=60)
        gc.unfreeze()
        with TestClient(create_app(Settings(), holder=holder)):
            frozen = gc.get_freeze_count()
            assert frozen > len(holder.snapshot.images)  # records, tuples, dicts of the catalogue
            old = holder.snapshot
            st.publish(make_snapshot(list(old.images[1:]), sources=old.sources, registries=old.registries))
            gc.unfreeze()
            holder.check_now()
            assert holder.snapshot.id != old.id and gc.get_freeze_count() > len(holder.snapshot.images)
        gc.unfreeze()


class FlakyLayer(LocalLayer):
    """A local layer whose pointer read fails the way a dropped S3 connection can (not a CatalogError)."""

    broken = False

    def read(self, name: str) -> str | None:
        if self.broken and name == "CURRENT":
            raise ConnectionResetError("connection reset mid-body")
        return super().read(name)


class TestPollNeverDies:
    """An unexpected error in the background poll is reported, and the poll goes on."""

    def test_an_unexpected_error_is_reported_and_polling_continues(self, tmp_path):
        shutil.copytree(shipped_dir() / "snapshots", tmp_path / "snapshots")
        shutil.copy(shipped_dir() / "CURRENT", tmp_path / "CURRENT")
        layer = FlakyLayer(tmp_path)
        st = Store(layer)
        holder = CatalogHolder(st, reload_seconds=0.05)
        with TestClient(create_app(Settings(), holder=holder)) as c:
            layer.broken = True
            deadline = time.monotonic() + 10
            while (h := c.get("/healthz").json())["status"] != "degraded" or not h["poll"]["last_error"]:
                assert time.monotonic() < deadline, h
                time.sleep(0.05)
            assert "ConnectionResetError" in h["poll"]["last_error"] and h["poll"]["running"]
            old = holder.snapshot
            layer.broken = False
            st.publish(make_snapshot(list(old.images[1:]), sources=old.sources, registries=old.registries))
            deadline = time.monotonic() + 10
            while c.get("/healthz").json()["catalog_version"] == old.id:
                assert time.monotonic() < deadline, "the poll stopped after the error"
                time.sleep(0.05)
            assert c.get("/healthz").json()["poll"]["last_error"] is None
