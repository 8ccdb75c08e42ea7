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
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

from catalog.errors import SmcatError

__all__ = [
    "EXIT_CANNOT_LISTEN",
    "NoDelayH11Protocol",
    "StartupError",
    "bind",
    "check_startup",
    "describe_settings_error",
    "serve",
    "worker_app",
]

#: ``smcat serve`` cannot listen (address in use, permission denied, unknown host).
EXIT_CANNOT_LISTEN = 7


class StartupError(SmcatError):
    """The service cannot start: invalid settings, a catalogue that does not load, a busy port."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with ``TCP_NODELAY`` set on every accepted connection."""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def describe_settings_error(e) -> str:
    """One line for a pydantic ``ValidationError`` of ``Settings``: each variable and what is wrong."""
    return "; ".join(
        f"SMCAT_{'_'.join(map(str, err['loc'])).upper()}: {err['msg'].removeprefix('Value error, ')}"
        if err["loc"]
        else err["msg"].removeprefix("Value error, ")
        for err in e.errors()
    )


def check_startup():
    """Validate the settings (environment) and load the catalogue; return the settings.

    Raises ``StartupError`` with one line naming the setting or the catalogue and what to do.
    """
    from pydantic import ValidationError

    from resolver.catalog_holder import CatalogHolder
    from resolver.settings import Settings
    from resolver.stores import open_any_store

    try:
        settings = Settings()
    except ValidationError as e:
        raise StartupError(f"invalid settings: {describe_settings_error(e)}") from None
    try:
        CatalogHolder(open_any_store(settings.catalog, lock_dir=settings.lock_dir), reload_seconds=0)
    except SmcatError as e:
        raise StartupError(f"the catalogue cannot be loaded: {e}", exit_code=e.exit_code or 1) from None
    return settings


def worker_app():
    """The app factory each worker runs: a failure is one line and uvicorn's start-up exit code.

    The parent checked the same things a moment before, so this only fires when something
    changed in between (the catalogue was removed); exiting with uvicorn's ``STARTUP_FAILURE``
    makes its supervisor stop instead of respawning the worker forever.
    """
    import sys

    from pydantic import ValidationError
    from uvicorn.config import STARTUP_FAILURE

    from resolver.app import create_app

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


def serve(host: str, port: int, workers: int, *, access_log: bool = False) -> None:
    """Check, bind, then run ``resolver.app:create_app`` in ``workers`` uvicorn processes."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    check_startup()
    sock = bind(host, port)
    config = uvicorn.Config(
        "resolver.serving:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=NoDelayH11Protocol,
        server_header=False,
        log_level="warning",
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
