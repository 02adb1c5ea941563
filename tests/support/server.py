"""A real HTTP server on 127.0.0.1 whose routes tests script.

Each route is a ``Route``: status, headers, body, optional delay, trickle
(bytes per second) or redirect.  The server counts requests per path and the
peak number of requests served at once (per-host limits are checked with it).
"""

from __future__ import annotations

import gzip
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    trickle: float | None = None  # seconds between single bytes of the body
    etag: str | None = None  # answer 304 to a matching If-None-Match
    last_modified: str | None = None
    gzip: bool = False
    # The status line's reason phrase (else the standard one); it and header
    # values go on the wire as Latin-1: "é" is the byte 0xE9, as an old server sends.
    reason: str | None = None
    raw: bytes | None = None  # the whole response as written, status line and all
    handler: Callable[[BaseHTTPRequestHandler], Route | None] | None = None


class FeedServer:
    """``tls``: serve https with this server-side context (see ``tls_server``)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.active = 0
        self.peak = 0
        self.spans: list[tuple[float, float]] = []  # (start, end) of each request, monotonic
        self.timed: list[tuple[str, float, float]] = []  # (path, start, end) of each request
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                started = time.monotonic()
                with server._lock:
                    server.active += 1
                    server.peak = max(server.peak, server.active)
                    server.hits[self.path] += 1
                    server.requests.append((self.path, dict(self.headers.items())))
                try:
                    server._answer(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server._lock:
                        server.active -= 1
                        ended = time.monotonic()
                        server.spans.append((started, ended))
                        server.timed.append((self.path, started, ended))

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # clients that hang up early (timeouts under test) are expected

        self.httpd = Server(("127.0.0.1", 0), Handler)
        if tls is not None:
            # The handshake in the request's thread, not in accept(): one that
            # fails (an untrusted certificate) must not stall the server.
            self.httpd.socket = tls.wrap_socket(
                self.httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.scheme = "https" if tls is not None else "http"
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def add(self, path: str, route: Route | None = None, **kwargs: object) -> str:
        self.routes[path] = route or Route(**kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def start(self) -> FeedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        route = self.routes.get(request.path)
        if route is None:
            self._send(
                request,
                404,
                {"Content-Type": "text/html"},
                b"<html><head><title>404 Not Found</title></head></html>",
            )
            return
        if route.handler is not None:
            route = route.handler(request) or route
        if route.delay:
            time.sleep(route.delay)
        if route.raw is not None:  # what no well-behaved server sends
            request.wfile.write(route.raw)
            request.close_connection = True
            return
        if route.etag and request.headers.get("If-None-Match") == route.etag:
            self._send(request, 304, {"ETag": route.etag}, b"")
            return
        if route.last_modified and request.headers.get("If-Modified-Since") == route.last_modified:
            self._send(request, 304, {"Last-Modified": route.last_modified}, b"")
            return
        headers = dict(route.headers)
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        body = route.body
        if route.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        if route.trickle is not None:
            request.send_response(route.status, route.reason)
            for name, value in headers.items():
                request.send_header(name, value)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            for i in range(len(body)):
                request.wfile.write(body[i : i + 1])
                request.wfile.flush()
                time.sleep(route.trickle)
            return
        self._send(request, route.status, headers, body, route.reason)

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        headers: dict[str, str],
        body: bytes,
        reason: str | None = None,
    ) -> None:
        request.send_response(status, reason)
        for name, value in headers.items():
            request.send_header(name, value)
        if "Content-Length" not in headers:
            request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if body:
            request.wfile.write(body)


def peak_overlap(spans: list[tuple[float, float]], slack: float = 0.05) -> int:
    """The most requests that were being served at one moment.

    The server notes a request's end after its last write, by when the client
    may have sent the next one: ends count ``slack`` seconds early.
    """
    ends = [(end - slack, -1) for _, end in spans]
    events = sorted([(start, 1) for start, _ in spans] + ends)
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


@contextmanager
def resetting_server() -> Iterator[str]:
    """The base URL of a server on 127.0.0.1 that reads each request and
    resets the connection (a TCP RST: a proxy or firewall cutting it)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.05)  # (a close does not wake an accept() under way)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:  # a timeout: the test over yet?
                continue
            with conn:
                conn.settimeout(5)
                conn.recv(65536)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        done.set()
        thread.join(5)
        listener.close()
