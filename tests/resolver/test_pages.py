"""The catalogue pages, feeds and offline docs through the app (the browser tests drive a real server)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import icalendar
import pytest
from fastapi.testclient import TestClient

from smcat.catalog.release_notes import summarize
from smcat.pages.views import lifecycle_status
from smcat.service.app import create_app
from smcat.service.holder import CatalogHolder
from smcat.service.settings import Settings
from tests.resolver.pages_catalog import V1, V2, make_store

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("pages") / "catalog")


@pytest.fixture(scope="module")
def client(store):
    holder = CatalogHolder(store, reload_seconds=5, clock=lambda: 0.0)
    with TestClient(create_app(Settings(reload_seconds=5), holder=holder)) as c:
        yield c


class _Page(HTMLParser):
    """Collects what the tests read from a page: text, links, ids, labels, asset URLs, element ids."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.assets: list[str] = []
        self.ids: dict[str, dict] = {}
        self.labels: set[str] = set()
        self.controls: list[dict] = []
        self.text: list[str] = []
        self._in: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids[a["id"]] = {"tag": tag, **a}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if (tag == "link" and a.get("rel") == "stylesheet") or tag == "script":
            self.assets.append(a.get("href") or a.get("src") or "")
        if tag == "label":
            self.labels.add(a.get("for", ""))
        if tag in ("input", "select") and a.get("type") != "hidden":
            self.controls.append(a)
        self._in = a.get("id")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:
            self.ids[self._in]["text"] = self.ids[self._in].get("text", "") + data
        self.text.append(data)


def test_home_lists_frameworks_with_aliases_and_image_counts(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = _Page(r.text)
    assert {"/framework/pytorch", "/framework/tensorflow", "/framework/xgboost"} <= set(page.links)
    body = " ".join(" ".join(page.text).split())
    assert "pt, torch" in body  # pytorch's aliases
    # pytorch: 2 images in V1 + 4 added; 6 images in total
    assert re.search(r"pytorch pt, torch 2\.10\.0 4 6", body)


def test_every_form_control_has_a_label_and_every_asset_is_local(client):
    page = _Page(client.get("/?framework=pytorch").text)
    assert page.controls and all(c["id"] in page.labels for c in page.controls)
    assert page.assets and all(a.startswith("/static/") for a in page.assets)
    assert "http://" not in client.get("/static/smcat.css").text
    assert "default-src 'self'" in client.get("/").headers["content-security-policy"]


@pytest.mark.parametrize(
    "query",
    [
        "framework=pytorch&version=2.1&region=ap-southeast-1",  # a family; past end of patch
        "framework=torch&instance_type=ml.g5.xlarge",  # alias and an instance type
        "framework=pytorch&version=2.10&processor=gpu&image_scope=inference&py_version=py312",
        "framework=pytorch&version=9.9",  # no such version: the same 404 and message
        "framework=pytorch&region=mars-1",  # invalid: the same 422
    ],
)
def test_the_form_answer_is_what_get_image_returns(client, query):
    page_r, image_r = client.get(f"/?{query}"), client.get(f"/image?{query}")
    assert page_r.status_code == image_r.status_code
    page = _Page(page_r.text)
    body = image_r.json()
    assert f"/image?{query}".replace("&", "&amp;") in page_r.text  # the JSON link is the same query
    if image_r.status_code == 200:
        assert page.ids["uri"]["text"] == body["uri"]
        assert page.ids["uri-copy"]["data-copy"] == "uri"
        for p in body["provenance"]:
            assert p["url"] in page.links
        for alt in body["alternatives"]:
            assert alt["uri"] in page_r.text
        for t in body["moving_tags"]:
            assert t in page_r.text
        if body["lifecycle"]["warning"]:
            assert body["lifecycle"]["warning"] in " ".join(page.text)
    else:
        assert body["message"] in " ".join(page.text).replace("&#39;", "'")


def test_the_form_state_is_in_the_url(client):
    page = _Page(client.get("/?framework=pytorch&version=2.9&region=ap-southeast-1&processor=cpu").text)
    assert page.ids["version"]["value"] == "2.9"
    html = client.get("/?framework=pytorch&version=2.9&region=ap-southeast-1&processor=cpu").text
    assert '<option value="ap-southeast-1" selected>' in html
    assert '<option value="pytorch" selected>' in html
    assert '<option value="cpu" selected>' in html


def test_framework_page_newest_first_with_status_badges(client):
    r = client.get("/framework/torch")  # an alias names the framework
    assert r.status_code == 200
    rows = re.findall(r'class="version" href="([^"]+)">([^<]+)</a>', r.text)
    assert [v for _, v in rows] == ["2.10.0", "2.9.0", "2.2.0", "2.1.0"]  # version order, not string order
    assert rows[0][0] == "/?framework=pytorch&amp;version=2.10.0#answer"
    badges = re.findall(r'class="badge badge-(\w+)">([^<]+)<', r.text)
    assert badges == [
        ("soon", "ends within 90 days"),
        ("supported", "supported"),
        ("unknown", "unknown"),
        ("past", "past end of patch"),
    ]


@pytest.mark.parametrize(
    "eop, status",
    [
        (None, "unknown"),
        ("not a date", "unknown"),
        ("2020-01-01", "past"),  # before today
        ("2030-04-01", "soon"),  # 90 days after 2030-01-01: still "within 90 days"
        ("2030-04-02", "supported"),
        ("2030-01-01", "soon"),  # the last day of patches
    ],
)
def test_lifecycle_status(eop, status):
    from datetime import date

    assert lifecycle_status(eop, date(2030, 1, 1)) == status


def test_unknown_framework_page_says_what_exists(client):
    r = client.get("/framework/caffe")
    assert r.status_code == 422 and "etag" not in r.headers
    text = " ".join(_Page(r.text).text)
    assert "caffe" in text and "pytorch" in text


def test_region_pages(client):
    page = _Page(client.get("/region").text)
    assert {"/region/us-east-1", "/region/eu-west-3", "/region/ap-southeast-1"} <= set(page.links)
    r = client.get("/region/eu-west-3")
    assert r.status_code == 200
    assert "/framework/xgboost?region=eu-west-3" in r.text and "pytorch" not in r.text
    r = client.get("/region/us-east-1")
    assert '<th scope="row">dlc</th><td><code>763104351884</code>' in r.text
    assert "/?framework=pytorch&amp;version=2.10.0&amp;region=us-east-1#answer" in r.text
    missing = client.get("/region/eu-south-2")
    assert (
        missing.status_code == 404
        and "Regions with images: ap-southeast-1, eu-west-3, us-east-1" in missing.text
    )


def test_changes_page_diff_notes_and_conflicts(client):
    r = client.get("/changes")
    assert r.status_code == 200
    assert f"/changes?from={V1.id}&amp;to={V2.id}#diff" in r.text
    assert "dlc registry in us-east-1" in r.text
    assert '<td class="nowrap"><code>763104351884</code></td>' in r.text
    r = client.get(f"/changes?from={V1.id}&to={V2.id}")
    note = summarize(V1, V2)
    assert note.headline in r.text
    assert str(note.new_versions[0]) in r.text and "New frameworks" in r.text
    assert "Added images (5)" in r.text and "xgboost-inference:1.7-1 inference cpu x86_64" in r.text
    assert client.get("/changes?from=20290101").status_code == 404


def test_pages_carry_etags_and_answer_304(client):
    for url in ("/", "/framework/pytorch", "/region/us-east-1", "/changes", "/?framework=pytorch"):
        r = client.get(url)
        assert r.headers["cache-control"].startswith("public, max-age=")
        again = client.get(url, headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
    assert client.get("/").headers["etag"] != client.get("/?framework=pytorch").headers["etag"]
    css = client.get("/static/smcat.css")
    assert css.headers["content-type"].startswith("text/css")
    assert client.get("/static/smcat.css", headers={"If-None-Match": css.headers["etag"]}).status_code == 304
    assert client.get("/static/nope.js").status_code == 404


def test_footer_shows_version_and_last_refresh(tmp_path):
    st = make_store(tmp_path)
    st.write_status(
        {"last_refresh": {"at": "2030-01-03T00:00:00Z", "outcome": "refused", "reason": "lost 40% of images"}}
    )
    with TestClient(create_app(Settings(), holder=CatalogHolder(st))) as c:
        text = " ".join(" ".join(_Page(c.get("/").text).text).split())
    assert f"Catalogue {V2.id} · built {V2.created_at}" in text
    assert "Last refresh: 2030-01-03T00:00:00Z — refused (lost 40% of images)" in text


# ---- feeds ------------------------------------------------------------------------------------


def _atom_structure(xml: bytes) -> ET.Element:
    """RFC 4287 essentials: feed id/title/updated/author/self link; each entry id/title/updated/link."""
    root = ET.fromstring(xml)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{tag}")) == 1
    assert root.find(f"{ATOM}author/{ATOM}name").text
    assert any(link.get("rel") == "self" for link in root.findall(f"{ATOM}link"))
    rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
    for e in root.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated"):
            assert len(e.findall(f"{ATOM}{tag}")) == 1, tag
        assert rfc3339.match(e.find(f"{ATOM}updated").text)
        assert e.find(f"{ATOM}link").get("href").startswith("http")
    return root


def test_atom_feed_one_entry_per_version_with_the_release_note(client):
    r = client.get("/catalog/feed.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    _atom_structure(r.content)
    f = feedparser.parse(r.content)
    assert not f.bozo, f.get("bozo_exception")
    assert f.version == "atom10"
    assert [e.id for e in f.entries] == [f"urn:smcat:catalog:{V2.id}", f"urn:smcat:catalog:{V1.id}"]
    assert f.entries[0].title == summarize(V1, V2).headline
    assert f.entries[0].content[0].value == summarize(V1, V2).to_markdown().strip()
    assert f.entries[0].link == f"http://testserver/changes?from={V1.id}&to={V2.id}#diff"
    assert client.get("/catalog/feed.atom", headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_atom_feed_framework_filter(client):
    f = feedparser.parse(client.get("/catalog/feed.atom?framework=xgb").content)
    assert not f.bozo and f.feed.title == "smcat catalogue changes (xgboost)"
    assert [e.id for e in f.entries] == [f"urn:smcat:catalog:{V2.id}:xgboost"]  # V1 had no XGBoost
    f = feedparser.parse(client.get("/catalog/feed.atom?framework=tensorflow").content)
    assert [e.id for e in f.entries] == [f"urn:smcat:catalog:{V1.id}:tensorflow"]  # unchanged in V2
    bad = client.get("/catalog/feed.atom?framework=caffe")
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_query"


def test_eol_calendar(client):
    r = client.get("/catalog/eol.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert all(len(line.encode()) <= 75 for line in r.text.split("\r\n"))
    cal = icalendar.Calendar.from_ical(r.content)
    events = cal.walk("VEVENT")
    got = sorted((str(e["SUMMARY"]), e.decoded("DTSTART").isoformat()) for e in events)
    expected = sorted({(f"{i.framework} {i.version}: end of patch", i.eop) for i in V2.images if i.eop})
    assert got == expected
    assert len({str(e["UID"]) for e in events}) == len(events)
    for e in events:
        assert (e.decoded("DTEND") - e.decoded("DTSTART")).days == 1
        assert "Processors:" in str(e["DESCRIPTION"])
    only = icalendar.Calendar.from_ical(client.get("/catalog/eol.ics?framework=tf").content)
    assert only.walk("VEVENT") == []  # TensorFlow images carry no end-of-patch date here
    assert client.get("/catalog/eol.ics?framework=nope").status_code == 422


# ---- offline API docs -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/docs", "/redoc"])
def test_api_docs_load_every_asset_from_the_service(client, url):
    r = client.get(url)
    assert r.status_code == 200
    srcs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert srcs and all(s.startswith("/") for s in srcs), srcs  # nothing from a CDN or Google Fonts
    for s in srcs:
        if s != "/openapi.json":
            got = client.get(s)
            assert got.status_code == 200 and len(got.content) > 1000, s


def test_the_json_api_is_unchanged_and_pages_stay_out_of_the_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/image", "/catalog/feed.atom", "/catalog/eol.ics"} <= set(paths)
    assert "/" not in paths and "/framework/{name}" not in paths
    assert client.get("/frameworks/pytorch").json()["framework"] == "pytorch"
