"""Run an ASGI app (the feed server, the studio) on uvicorn: bound early, idle requests timed out, one-line logs.

uvicorn's HTTP/1.1 protocol only times out a keep-alive connection *after* a response; a
client that sends half a request (or nothing) would hold its connection forever. The
protocol here gives every request ``request_timeout_s`` to arrive in full, then closes
the connection with one log line. The web stack is the ``[server]`` extra: uvicorn and
Starlette are imported only when a server starts (``require_server_extra`` says what to
install when they are missing).
"""

from __future__ import annotations

import importlib.util
import logging
import socket
import threading

from bulletin.errors import BulletinError

REQUEST_TIMEOUT_S = 15.0
"""Longest a client may take to send one whole request (headers and body)."""
KEEP_ALIVE_S = 5
"""How long an idle keep-alive connection stays open between requests."""
SHUTDOWN_S = 5
"""On Ctrl-C, how long open responses (a player's download, an event stream) may take to finish."""
MAX_CONNECTIONS = 1000
"""Open connections (and requests in flight) beyond this are answered 503."""
LOG = logging.getLogger("bulletin.http")


def require_server_extra(command: str) -> None:
    """Raise BulletinError naming the extra to install when the web stack (uvicorn, Starlette) is missing."""
    missing = [name for name in ("uvicorn", "starlette", "fastapi") if importlib.util.find_spec(name) is None]
    if missing:
        raise BulletinError(
            f"{command} needs the web server packages ({', '.join(missing)} missing): "
            "pip install 'bulletin[server]' (or pip install -e '.[server]' in a checkout)"
        )


def _timed_protocol(timeout_s: float):
    """Return uvicorn's h11 protocol class with a deadline on each request's arrival."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TimedH11Protocol(H11Protocol):
        deadline = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            if self.deadline is None:
                self.deadline = self.loop.call_later(timeout_s, self._too_slow)

        def _disarm(self) -> None:
            if self.deadline is not None:
                self.deadline.cancel()
                self.deadline = None

        def data_received(self, data: bytes) -> None:
            if self.conn.their_state is h11.IDLE:
                self._arm()  # a new request starts: it has timeout_s to arrive in full
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE and self.conn.their_state is not h11.SEND_BODY:
                self._disarm()  # the whole request is in (or the connection is done)

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _too_slow(self) -> None:
            self.deadline = None
            if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
                client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
                if self.cycle is not None and not self.cycle.response_complete:
                    self.cycle.disconnected = True
                    self.cycle.message_event.set()
                LOG.info("closed the connection from %s: no complete request within %g s", client, timeout_s)
                self.transport.close()

    return TimedH11Protocol


def _bind(host: str, port: int) -> socket.socket:
    """Return a listening socket on ``host``:``port`` (0 picks a free port); BulletinError if it cannot listen."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as error:
        raise BulletinError(f"cannot listen on {host}:{port}: {getattr(error, 'strerror', None) or error}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise BulletinError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    return sock


class AppServer:
    """An ASGI app on a bound socket, served by uvicorn: ``serve_forever``, ``shutdown``, ``server_close``."""

    def __init__(
        self,
        app,
        host: str = "127.0.0.1",
        port: int = 8000,
        verbose: bool = False,
        request_timeout_s: float = REQUEST_TIMEOUT_S,
        on_exit=None,
    ) -> None:
        """``on_exit()`` runs as soon as the server is asked to stop, before it waits for open responses
        (the studio ends its event streams there, so a stop is never held by a listener)."""
        import uvicorn

        class Server(uvicorn.Server):
            def handle_exit(server, sig, frame) -> None:
                if on_exit is not None and not server.should_exit:
                    on_exit()
                super().handle_exit(sig, frame)

        self.socket = _bind(host, port)
        self.server_address = self.socket.getsockname()[:2]
        config = uvicorn.Config(
            app,
            http=_timed_protocol(request_timeout_s),
            ws="none",
            lifespan="on",
            log_config=None,
            access_log=verbose,
            timeout_keep_alive=KEEP_ALIVE_S,
            timeout_graceful_shutdown=SHUTDOWN_S,
            limit_concurrency=MAX_CONNECTIONS,
            server_header=False,
        )
        self.server = Server(config)
        self._on_exit = on_exit
        self._done = threading.Event()

    @property
    def url(self) -> str:
        """Return the base URL the server listens on, e.g. http://127.0.0.1:8765/."""
        host, port = self.server_address
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"

    def serve_forever(self) -> None:
        """Serve until ``shutdown`` (or Ctrl-C when run in the main thread)."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self._done.set()

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop serving and wait (at most ``timeout_s``) for ``serve_forever`` to return."""
        if self._on_exit is not None and not self.server.should_exit:
            self._on_exit()
        self.server.should_exit = True
        self._done.wait(timeout_s)

    def server_close(self) -> None:
        """Close the listening socket."""
        self.socket.close()


def log_to_stderr(verbose: bool) -> None:
    """Send the server's one-line logs (and uvicorn's access lines when ``verbose``) to stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    levels = {"bulletin": logging.INFO, "uvicorn.access": logging.INFO if verbose else logging.WARNING}
    levels["uvicorn.error"] = logging.WARNING
    for name, level in levels.items():
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
