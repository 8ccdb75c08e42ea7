"""Real service processes for tests: ``smcat serve`` on a free loopback port, a blackhole S3 endpoint."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

SMCAT = str(Path(sys.executable).parent / "smcat")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def moto_server(account: str | None = None) -> Iterator[str]:
    """``python -m moto.server`` on a free loopback port (its AWS account ``account`` when given,
    through ``MOTO_ACCOUNT_ID``); yields its URL once it answers, stops it after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, AWS_EC2_METADATA_DISABLED="true")
    if account:
        env["MOTO_ACCOUNT_ID"] = account
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without AWS_/SMCAT_ variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SMCAT_"))}
    env.update(AWS_EC2_METADATA_DISABLED="true", **extra)
    return env


def get(port: int, path: str, *, timeout: float = 5, headers: dict | None = None):
    """(status, headers, body bytes) of a GET on loopback; HTTP errors are answers too."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get_json(port: int, path: str, **kw) -> tuple[int, dict]:
    status, _, body = get(port, path, **kw)
    return status, json.loads(body)


class Service:
    """``smcat serve`` in a subprocess; ``start()`` waits for /healthz, ``stop()`` ends it."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, port: int | None = None) -> None:
        self.port = port or free_port()
        self.cmd = [SMCAT, "serve", "--port", str(self.port), "--workers", str(workers)]
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Service:
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"smcat serve exited {self.proc.returncode}: {self.proc.stdout.read().decode()}"
                )
            try:
                if get(self.port, "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("smcat serve did not answer /healthz")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *_) -> None:
        self.stop()


class SwitchableProxy:
    """A loopback TCP proxy to ``target`` that can turn into a blackhole.

    While ``blackhole`` is set, new connections are accepted and never answered, and open
    ones stop relaying (what a dead network path or a hung S3 front end looks like).
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.blackhole = threading.Event()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        self._closed = threading.Event()
        self._socks: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self._socks.append(client)
            if self.blackhole.is_set():
                continue  # accepted, never answered
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._socks.append(upstream)
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                if self.blackhole.is_set():
                    continue  # swallow: the peer waits forever
                dst.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self._closed.set()
        for s in [self._server, *self._socks]:
            with contextlib.suppress(OSError):
                s.close()
