"""The pages in a real browser: headless Chromium (Debian's ``chromium`` + ``chromium-driver``)
driven by Selenium against ``smcat serve`` (a real uvicorn process on loopback).

These tests do not skip when the browser is missing (CI installs it, see ``.ci/run``); set
``SMCAT_SKIP_BROWSER_TESTS=1`` to leave them out on a machine without Chromium.
"""

from __future__ import annotations

import json
import os
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from smcat.catalog.release_notes import summarize
from tests.browser import chromium_driver, missing_browser, start_server
from tests.resolver.pages_catalog import V1, V2, make_store

if os.environ.get("SMCAT_SKIP_BROWSER_TESTS") == "1":  # pragma: no cover - an explicit choice
    pytest.skip("SMCAT_SKIP_BROWSER_TESTS=1", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser") / "catalog"
    make_store(root)
    proc, url = start_server(root)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    problem = missing_browser()
    if problem:
        pytest.fail(f"{problem} (or set SMCAT_SKIP_BROWSER_TESTS=1 to leave the browser tests out)")
    driver = chromium_driver(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver) -> list[str]:
    """Browser console messages at level SEVERE since the last call (failed loads included)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def wait_for(driver, css: str):
    return WebDriverWait(driver, 10).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def test_console_errors_are_seen(browser, server):
    """The check below can fail: a script error in the page reaches the log we read."""
    browser.get(server + "/")
    console_errors(browser)
    browser.execute_script("console.error('probe from the test')")
    assert any("probe from the test" in m for m in console_errors(browser))


def test_pick_a_framework_submit_and_compare_with_get_image(browser, server):
    browser.get(server + "/")
    Select(browser.find_element(By.ID, "framework")).select_by_value("pytorch")
    browser.find_element(By.ID, "version").send_keys("2.10")
    Select(browser.find_element(By.ID, "region")).select_by_value("ap-southeast-1")
    browser.find_element(By.ID, "find").click()
    shown = wait_for(browser, "#uri").text
    query = "framework=pytorch&version=2.10&region=ap-southeast-1"
    assert browser.current_url == f"{server}/?{query}"  # empty fields stay out of the URL
    assert shown == get_json(f"{server}/image?{query}")["uri"]
    assert shown == "763104351884.dkr.ecr.ap-southeast-1.amazonaws.com/pytorch-inference:2.10.0-cpu"
    json_link = browser.find_element(By.PARTIAL_LINK_TEXT, "/image?").get_attribute("href")
    assert get_json(json_link)["uri"] == shown
    browser.find_element(By.ID, "uri-copy").click()
    WebDriverWait(browser, 5).until(lambda d: d.find_element(By.CSS_SELECTOR, ".copied").text)
    assert console_errors(browser) == []


def test_follow_a_version_link(browser, server):
    browser.get(server + "/")
    browser.find_element(By.LINK_TEXT, "pytorch").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "pytorch"
    versions = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "a.version")]
    assert versions == ["2.10.0", "2.9.0", "2.2.0", "2.1.0"]
    browser.find_element(By.LINK_TEXT, "2.1.0").click()
    uri = wait_for(browser, "#uri").text
    assert uri == get_json(f"{server}/image?framework=pytorch&version=2.1.0")["uri"]
    assert "past end of patch" in browser.find_element(By.ID, "answer").text
    assert console_errors(browser) == []


def test_keyboard_only(browser, server):
    browser.get(server + "/?framework=pytorch")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to content"
    version = browser.find_element(By.ID, "version")
    version.send_keys("2.9", Keys.ENTER)
    assert wait_for(browser, "#uri").text.endswith("/pytorch-inference:2.9.0-cpu")
    assert "version=2.9" in browser.current_url


def test_diff_between_two_versions(browser, server):
    browser.get(server + "/changes")
    Select(browser.find_element(By.ID, "from")).select_by_value(V1.id)
    Select(browser.find_element(By.ID, "to")).select_by_value(V2.id)
    browser.find_element(By.ID, "compare").click()
    diff = wait_for(browser, "#diff").text
    note = summarize(V1, V2)
    assert note.headline in diff
    assert "Added images (5)" in diff and "New frameworks" in diff
    assert "dlc registry in us-east-1" in browser.find_element(By.TAG_NAME, "main").text
    assert console_errors(browser) == []


@pytest.mark.parametrize("path", ["/", "/?framework=pytorch&version=2.10", "/framework/pytorch", "/changes"])
def test_phone_width(browser, server, path):
    """At 390 CSS px nothing makes the page scroll sideways, and the form and answer are usable."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        browser.get(server + path)
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert browser.execute_script("return window.innerWidth") == 390
        assert width <= 390, f"{path} is {width}px wide"
        if path.startswith("/?"):
            uri = browser.find_element(By.ID, "uri")
            assert uri.rect["x"] >= 0 and uri.rect["x"] + uri.rect["width"] <= 390
            assert browser.find_element(By.ID, "find").is_displayed()
        assert console_errors(browser) == []
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize("path, ready", [("/docs", ".opblock"), ("/redoc", "[role=search], .api-content")])
def test_api_docs_render_from_local_assets(browser, server, path, ready):
    """Swagger UI and ReDoc run from the service's own assets (every request goes to the server)."""
    browser.get(server + path)
    WebDriverWait(browser, 15).until(ec.presence_of_element_located((By.CSS_SELECTOR, ready)))
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    errors = console_errors(browser)
    # ReDoc's bundle asks for a Redocly logo on cdn.redoc.ly: the page's CSP refuses it
    # (and ReDoc hides the image); nothing else may come from anywhere but the service.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    refused = [m for m in errors if logo in m and "Content Security Policy" in m]
    assert all(u.startswith(server) or (u == logo and refused) for u in urls), (urls, errors)
    assert [m for m in errors if m not in refused] == []
