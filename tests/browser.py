"""Headless Chromium (Debian's ``chromium`` + ``chromium-driver``) and ``smcat serve`` on loopback,
for the browser tests and ``bench/screenshots.py``.

Nothing here downloads a browser: Selenium is pointed at the Debian binaries.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.resolver.servers import free_port as _free_port

__all__ = ["CHROMEDRIVER", "CHROMIUM", "chromium_driver", "missing_browser", "start_server"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

#: Without the background-networking flags Chromium tries to reach Google services; on a
#: closed machine those connections are refused (noise in the logs, or hangs).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


def missing_browser() -> str | None:
    """What to install when Chromium or its driver is missing, else None."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return None
    return f"{', '.join(missing)} not found: apt-get install -y chromium chromium-driver"


def chromium_driver(user_data_dir: Path, *, width: int = 1280, height: int = 900) -> webdriver.Chrome:
    """A headless Chromium with a fresh profile in ``user_data_dir`` and browser-console logging on."""
    problem = missing_browser()
    if problem:
        raise RuntimeError(problem)
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--window-size={width},{height}")
    opts.add_argument(f"--user-data-dir={user_data_dir}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(30)
    return driver


def start_server(catalog: Path) -> tuple[subprocess.Popen, str]:
    """``smcat serve --catalog DIR`` (uvicorn) on a free loopback port; returns (process, base URL).

    The caller stops it (``proc.terminate()``).
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-c", "from smcat.cli import main; main()", "serve"]
    proc = subprocess.Popen(
        [*cmd, "--catalog", str(catalog), "--host", "127.0.0.1", "--port", str(port)],
        # a deployed service has a region (AWS_DEFAULT_REGION on AWS): queries without one use it
        env={**os.environ, "AWS_EC2_METADATA_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1).close()
            return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
                raise RuntimeError(f"smcat serve did not start: {err}") from None
            time.sleep(0.1)
