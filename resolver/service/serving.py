"""Run the service under uvicorn: check everything in the parent first, then serve.

``serve()`` validates the settings and loads the catalogue *before* binding or forking, so a
bad configuration ends the command at once with one line (``StartupError``) instead of
workers that die and respawn. It binds the listening socket itself (a port in use is a
``StartupError`` with its own exit code, not uvicorn's 3, which smcat uses for "no match"),
and runs uvicorn with ``NoDelayH11Protocol``: with ``--workers 2`` the socket reaches the
workers through ``multiprocessing`` with ``proto=0``, so asyncio's automatic ``TCP_NODELAY``
(only for ``proto == IPPROTO_TCP``) is skipped and every keep-alive response waits ~40 ms on
a delayed ACK. The protocol sets the option on each accepted connection itself.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict

from uvicorn.protocols.http.h11_impl import H11Protocol

from smcat.catalog.errors import SmcatError

if TYPE_CHECKING:  # imported where used at run time: ``smcat --help`` need not load pydantic or the app
    import asyncio

    from fastapi import FastAPI
    from pydantic import ValidationError

    from smcat.service.holder import CatalogHolder
    from smcat.service.settings import Settings

__all__ = [
    "EXIT_CANNOT_LISTEN",
    "NoDelayH11Protocol",
    "StartInfo",
    "StartupError",
    "bind",
    "check_startup",
    "describe_settings_error",
    "log_config",
    "serve",
    "start_info",
    "start_line",
    "worker_app",
]

#: ``smcat serve`` cannot listen (address in use, permission denied, unknown host).
EXIT_CANNOT_LISTEN = 7


class StartupError(SmcatError):
    """The service cannot start: invalid settings, a catalogue that does not load, a busy port."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class StartInfo(TypedDict):
    """``start_info``: what ``smcat serve`` says on start (``--json`` prints it as is)."""

    event: str  # "listening"
    url: str
    host: str
    port: int
    workers: int
    catalog: str  # the store's location
    catalog_version: str
    catalog_created_at: str
    catalog_age_hours: float | None
    catalog_origin: str | None  # "shipped", "store" or None (unlisted)
    access_log: bool
    log_format: str
    docs: str
    health: str


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with ``TCP_NODELAY`` set on every accepted connection."""

    # H11Protocol already narrows asyncio's BaseTransport to Transport (ignoring [override] itself).
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def describe_settings_error(e: ValidationError) -> str:
    """One line for a pydantic ``ValidationError`` of ``Settings``: each variable and what is wrong."""
    return "; ".join(
        f"SMCAT_{'_'.join(map(str, err['loc'])).upper()}: {err['msg'].removeprefix('Value error, ')}"
        if err["loc"]
        else err["msg"].removeprefix("Value error, ")
        for err in e.errors()
    )


def check_startup() -> tuple[Settings, CatalogHolder]:
    """Validate the settings (environment) and load the catalogue; return (settings, holder).

    Raises ``StartupError`` with one line naming the setting or the catalogue and what to do.
    """
    from pydantic import ValidationError

    from smcat.service.holder import CatalogHolder
    from smcat.service.settings import Settings
    from smcat.storage import open_any_store

    try:
        settings = Settings()
    except ValidationError as e:
        raise StartupError(f"invalid settings: {describe_settings_error(e)}") from None
    try:
        holder = CatalogHolder(open_any_store(settings.catalog, lock_dir=settings.lock_dir), reload_seconds=0)
    except SmcatError as e:
        raise StartupError(f"the catalogue cannot be loaded: {e}", exit_code=e.exit_code or 1) from None
    return settings, holder


def start_info(
    host: str, port: int, workers: int, holder: CatalogHolder, *, access_log: bool, log_format: str
) -> StartInfo:
    """What ``smcat serve`` says on start: where it listens and which catalogue it serves, how old."""
    from smcat.catalog.times import age_seconds
    from smcat.service.routes.health import origin_of

    snap = holder.snapshot
    age = age_seconds(snap.created_at, datetime.now(UTC))
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    return {
        "event": "listening",
        "url": url,
        "host": host,
        "port": port,
        "workers": workers,
        "catalog": holder.store.location,
        "catalog_version": snap.id,
        "catalog_created_at": snap.created_at,
        "catalog_age_hours": None if age is None else round(age / 3600, 2),
        "catalog_origin": origin_of(holder),
        "access_log": access_log,
        "log_format": log_format,
        "docs": f"{url}/docs",
        "health": f"{url}/healthz",
    }


def describe_age(hours: float | None) -> str:
    """``45 min``, ``5 h``, ``3 days``: an age as people say it."""
    from smcat.catalog.plural import plural

    if hours is None:
        return "of unknown age"
    if hours < 1:
        return f"{round(hours * 60)} min old"
    if hours < 48:
        return f"{round(hours)} h old"
    return f"{plural(round(hours / 24), 'day')} old"


def start_line(info: StartInfo) -> str:
    """The one line ``smcat serve`` prints on start (``--json``: ``info`` itself)."""
    from smcat.catalog.plural import plural

    what = "shipped snapshot" if info["catalog_origin"] == "shipped" else "catalogue"
    built = (info["catalog_created_at"] or "?")[:10]
    return (
        f"smcat: serving {info['url']} ({plural(info['workers'], 'worker')}), {what} "
        f"{info['catalog_version']} built {built}, {describe_age(info['catalog_age_hours'])}; "
        f"health {info['health']}, docs {info['docs']}" + ("; access log on" if info["access_log"] else "")
    )


def worker_app() -> FastAPI:
    """The app factory each worker runs: a failure is one line and uvicorn's start-up exit code.

    The parent checked the same things a moment before, so this only fires when something
    changed in between (the catalogue was removed); exiting with uvicorn's ``STARTUP_FAILURE``
    makes its supervisor stop instead of respawning the worker forever.
    """
    import sys

    from pydantic import ValidationError
    from uvicorn.config import STARTUP_FAILURE

    from smcat.service.app import create_app

    try:
        return create_app()
    except (ValidationError, SmcatError) as e:
        why = describe_settings_error(e) if isinstance(e, ValidationError) else str(e)
        print(f"smcat: error: a worker could not start: {why}", file=sys.stderr, flush=True)
        sys.exit(STARTUP_FAILURE)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``StartupError`` with ``EXIT_CANNOT_LISTEN`` otherwise)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        family, kind, proto, _, addr = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as e:
        raise StartupError(f"cannot listen on {host}:{port}: {e}", exit_code=EXIT_CANNOT_LISTEN) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(2048)
        sock.set_inheritable(True)
    except OSError as e:
        sock.close()
        what = "the address is already in use" if e.errno == errno.EADDRINUSE else e.strerror or str(e)
        raise StartupError(
            f"cannot listen on {host}:{port}: {what}. Stop what is using it or pick another --port.",
            exit_code=EXIT_CANNOT_LISTEN,
        ) from None
    return sock


class JsonLogFormatter(logging.Formatter):
    """One JSON object per log line; access records get ``client``, ``method``, ``path``, ``status``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, http_version, status = record.args
            out |= {
                "event": "request",
                "client": client,
                "method": method,
                "path": path,
                "http_version": http_version,
                "status": status,
            }
        else:
            out["message"] = record.getMessage()
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, separators=(",", ":"), default=str)


def log_config(log_format: str) -> dict[str, Any]:
    """uvicorn's logging configuration: warnings and errors (and access lines when on), in
    uvicorn's text format or as one JSON object per line."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {
        **LOGGING_CONFIG,
        "loggers": {
            **LOGGING_CONFIG["loggers"],
            "uvicorn.error": {"level": "WARNING"},  # no "Started server process" chatter
            "uvicorn.access": {**LOGGING_CONFIG["loggers"]["uvicorn.access"], "level": "INFO"},
        },
    }
    if log_format == "json":
        fmt = {"()": "smcat.service.serving.JsonLogFormatter"}
        config["formatters"] = {"default": fmt, "access": fmt}
    return config


def serve(
    host: str,
    port: int,
    workers: int,
    *,
    access_log: bool = False,
    log_format: str = "text",
    on_start: Callable[[StartInfo], None] | None = None,
) -> None:
    """Check, bind, then run ``smcat.service.app:create_app`` in ``workers`` uvicorn processes.

    ``on_start`` gets ``start_info()`` once the socket is bound, before the workers start.
    """
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    _, holder = check_startup()
    sock = bind(host, port)
    if on_start is not None:
        on_start(start_info(host, port, workers, holder, access_log=access_log, log_format=log_format))
    del holder  # the workers load their own catalogue
    config = uvicorn.Config(
        "smcat.service.serving:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=NoDelayH11Protocol,
        server_header=False,
        log_level=None,  # the levels are in log_config
        log_config=log_config(log_format),
        access_log=access_log,
    )
    try:
        if workers > 1:
            supervisor = Multiprocess(config, sockets=[sock])
            supervisor.run()
            if any(p.process.exitcode == STARTUP_FAILURE for p in supervisor.processes):
                raise StartupError(
                    "a worker could not start (see the line above); the service stopped.", exit_code=1
                )
        else:
            server = uvicorn.Server(config)
            try:
                server.run(sockets=[sock])
            except SystemExit:  # uvicorn's start-up failure code (3) means "no match" to smcat
                server.started = False
            if not server.started:
                raise StartupError("the service did not start (see the line above).", exit_code=1)
    finally:
        sock.close()
