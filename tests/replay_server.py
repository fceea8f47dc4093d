"""Serve an offline site replica (a folder with routes.json) on 127.0.0.1, for tests and `make demo`.

    python tests/replay_server.py tests/fixtures/sites/phnompenhpost --port 8000

routes.json is a list of {path, file, status, headers, redirect, status_sequence}; see
tests/fixtures/sites/README.md. Matching is on `path?query` first, then on the path alone.
Unknown paths get a plain 404; a hit whose status comes from `status_sequence` and differs from
`status` gets a short error page. Bodies are gzipped for clients that accept it.

A replica may hold `mirrors.json`: the other hosts its pages use (an image CDN) mapped to path prefixes
of this server; `ReplayServer.mirrors` is then the crawler's MIRRORS setting for it.

In tests, `ReplayServer(site_dir)` is a context manager that serves from a thread on a free port;
each server counts its own hits (`hits`, `requests`), so tests can assert on what was fetched.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import threading
from collections import Counter
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

LOOPBACK = "127.0.0.1"

#: A custom handler gets the request handler and returns True when it answered the request.
CustomRoute = Callable[[BaseHTTPRequestHandler], bool]


def route_key(target: str) -> str:
    """Normalise 'path?query' so percent-encoded and literal paths compare equal."""
    parts = urlsplit(target)
    return unquote(parts.path) + ("?" + parts.query if parts.query else "")


def load_routes(site_dir: Path) -> dict[str, dict[str, Any]]:
    routes = json.loads((site_dir / "routes.json").read_text(encoding="utf-8"))
    return {route_key(r["path"]): r for r in routes}


def error_page(status: int) -> bytes:
    try:
        label = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        label = str(status)
    return f"<!DOCTYPE html><html><head><title>{label}</title></head><body><h1>{label}</h1></body></html>".encode()


class _QuietServer(ThreadingHTTPServer):
    """A server that does not print a traceback when a client (a killed crawler) drops the connection."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class ReplayServer:
    """A loopback HTTP server for one replica folder, with per-server hit counters."""

    def __init__(
        self,
        site_dir: Path,
        port: int = 0,
        custom: dict[str, CustomRoute] | None = None,
        quiet: bool = True,
    ) -> None:
        self.site_dir = Path(site_dir)
        self.routes = load_routes(self.site_dir)
        self.custom = dict(custom or {})
        self.hits: Counter[str] = Counter()
        self.requests: list[str] = []
        self.quiet = quiet
        self._lock = threading.Lock()
        self.httpd = _QuietServer((LOOPBACK, port), self._handler_class())
        self.httpd.daemon_threads = True
        self.base_url = f"http://{LOOPBACK}:{self.httpd.server_address[1]}"
        self._thread: threading.Thread | None = None

    @property
    def mirrors(self) -> str:
        """The MIRRORS setting (JSON) serving the replica's other hosts from this server ("{}" when none)."""
        path = self.site_dir / "mirrors.json"
        prefixes = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        return json.dumps({origin: self.base_url + prefix for origin, prefix in prefixes.items()})

    def reset(self) -> None:
        """Forget hits (status sequences start again) and the request log."""
        with self._lock:
            self.hits.clear()
            self.requests.clear()

    def replace_file(self, path: str, new_file: str) -> None:
        """Serve another body file for a route (relative to the site folder)."""
        self.routes[route_key(path)] = {**self.routes[route_key(path)], "file": new_file}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_HEAD(self) -> None:
                self.respond(send_body=False)

            def do_GET(self) -> None:
                self.respond(send_body=True)

            def respond(self, send_body: bool) -> None:
                key = route_key(self.path)
                with server._lock:
                    server.requests.append(key)
                    n = server.hits[key]
                    server.hits[key] += 1
                handler = server.custom.get(key) or server.custom.get(key.split("?", 1)[0])
                if handler is not None and handler(self):
                    return
                route = server.routes.get(key) or server.routes.get(key.split("?", 1)[0])
                headers: dict[str, str] = {"Content-Type": "text/html; charset=utf-8"}
                if route is None:
                    status, body = 404, error_page(404)
                else:
                    status = route["status"]
                    sequence = route.get("status_sequence") or []
                    if sequence:
                        status = sequence[min(n, len(sequence) - 1)]
                    if status != route["status"]:
                        body = error_page(status)
                    else:
                        headers = dict(route.get("headers") or {})
                        if route.get("redirect"):
                            headers["Location"] = route["redirect"]
                        file = route.get("file")
                        body = (server.site_dir / file).read_bytes() if file else error_page(status)
                if "gzip" in self.headers.get("Accept-Encoding", "").lower():
                    body = gzip.compress(body, mtime=0)
                    headers["Content-Encoding"] = "gzip"
                    headers["Vary"] = "Accept-Encoding"
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(body)

            def version_string(self) -> str:
                return "nginx"

            def log_message(self, format: str, *args: object) -> None:
                if not server.quiet:
                    sys.stderr.write(f"{self.address_string()} {format % args}\n")

        return Handler

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="replay-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("site_dir", type=Path, help="folder holding routes.json")
    parser.add_argument("--port", type=int, default=8000, help="port (0 picks a free one; default 8000)")
    args = parser.parse_args(argv)
    if not (args.site_dir / "routes.json").is_file():
        parser.error(f"{args.site_dir} has no routes.json")
    server = ReplayServer(args.site_dir, args.port, quiet=False)
    print(server.base_url, flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
