"""A small reverse proxy for the tests, as Caddy's ``handle_path`` or nginx's ``location
/qualcode/ { proxy_pass http://127.0.0.1:PORT/; }`` does it: requests under a path
prefix go to the app with the prefix taken off and the ``X-Forwarded-*`` headers added;
anything else is answered 404 and remembered in ``outside``. Answers are streamed
through as they come (the live page's server-sent events need that)."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"}


class Proxy:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.upstream: tuple[str, int] | None = None  # set once the app's port is known
        self.open: dict[socket.socket, str] = {}  # connections to the app still answering
        self.passed: list[str] = []
        self.outside: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # quiet
                pass

            def _forward(self) -> None:
                path = self.path
                if not (path == proxy.prefix or path.startswith(proxy.prefix + "/")):
                    proxy.outside.append(f"{self.command} {path}")
                    self.send_error(404, "outside the proxied prefix")
                    return
                proxy.passed.append(f"{self.command} {path}")
                inner = path[len(proxy.prefix):] or "/"
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                headers["X-Forwarded-For"] = self.client_address[0]
                headers["X-Forwarded-Proto"] = "http"
                headers["X-Forwarded-Host"] = self.headers.get("Host", "")
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                wire = None
                try:
                    upstream.request(self.command, inner, body=body, headers=headers)
                    wire = upstream.sock  # http.client lets go of it once a reply streams
                    proxy.open[wire] = inner
                    answer = upstream.getresponse()
                    self.send_response(answer.status, answer.reason)
                    for key, value in answer.getheaders():
                        if key.lower() not in HOP_BY_HOP:
                            self.send_header(key, value)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    while chunk := answer.read1(65536):
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except ConnectionRefusedError:
                    self.send_error(502, "the app does not answer")
                except (OSError, ValueError, http.client.HTTPException):
                    pass  # the browser went away, or the proxy closed a live stream
                finally:
                    proxy.open.pop(wire, None)
                    if wire is not None:  # the reply's file holds it open otherwise
                        with contextlib.suppress(OSError):
                            wire.shutdown(socket.SHUT_RDWR)
                    upstream.close()
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _forward

        return Handler

    def close_streams(self, settle: float = 120) -> None:
        """Let the answers under way finish (for ``settle`` seconds at most), then end
        those still streaming (live streams), as a proxy that stops does."""
        deadline = time.monotonic() + settle
        while any(not path.startswith("/api/events") for path in list(self.open.values())):
            assert time.monotonic() < deadline, f"still answering: {list(self.open.values())}"
            time.sleep(0.1)
        for wire in list(self.open):
            with contextlib.suppress(OSError):
                wire.shutdown(socket.SHUT_RDWR)


@contextmanager
def proxy_under(prefix: str) -> Iterator[Proxy]:
    """A running proxy; point it at the app with ``proxy.upstream = (host, port)``."""
    proxy = Proxy(prefix)
    thread = threading.Thread(target=proxy.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()
