"""A misbehaving HTTP host for the fault suite: a real proxy on a loopback address in front of the simulator.

Each request is forwarded to the simulator unless the test's `hook` answers it instead. A hook sees the request (the
aggregation source it asks for, its window, its number among the requests for that source) and returns what to do:
a redirect, another body, a body sent a byte at a time, or a change to the simulator's own answer. Every request is
recorded with its headers, so a test can check which host saw the integration key.

Two proxies on 127.0.0.1 and 127.0.0.2 are two distinct hosts for the client (another host name, another address),
and both stay on loopback. Every loop here is bounded: a trickle stops after `max_seconds` or when the client goes.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding", "content-encoding"}


@dataclass
class Seen:
    """One request as the proxy received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    source: str | None  # the aggregation's row source (events, visitors, …), None for a GET
    number: int  # 1 for the first request for this source (or path), 2 for the next, …

    @property
    def window(self) -> tuple[int, int] | None:
        stage = (self.body or {}).get("request", {}).get("pipeline", [{}])[0]
        series = stage.get("source", {}).get("timeSeries") if isinstance(stage, dict) else None
        if not series:
            return None
        return int(series["first"]), int(series.get("last", 0))


@dataclass
class Redirect:
    status: int
    location: str


@dataclass
class Body:
    """Answer 200 with this body (gzip-encoded when `gzip` is set)."""

    data: bytes
    gzip: bool = False


@dataclass
class Trickle:
    """Answer 200 with this body, one byte every `every_s` seconds, for at most `max_seconds`."""

    data: bytes
    every_s: float = 0.2
    max_seconds: float = 60.0


@dataclass
class Transform:
    """Forward, then answer with `change(answer)` as JSON (the simulator's answer, parsed)."""

    change: Callable[[Any], Any]


Action = Redirect | Body | Trickle | Transform | None
Hook = Callable[[Seen], Action]


@dataclass
class Proxy:
    """A real HTTP server on `host` forwarding to `upstream`; `hook` decides what to do with each request."""

    upstream: str
    host: str = "127.0.0.1"
    hook: Hook = field(default=lambda seen: None)
    seen: list[Seen] = field(default_factory=list)
    _counts: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                proxy._handle(self, "GET")

            def do_POST(self) -> None:
                proxy._handle(self, "POST")

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"proxy-{self.host}", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def netloc(self) -> str:
        return self.url.removeprefix("http://")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def requests_for(self, source: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.source == source]

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        source = _source(body)
        with self._lock:
            self._counts[source or handler.path] += 1
            seen = Seen(
                method,
                handler.path,
                {name.lower(): value for name, value in handler.headers.items()},
                body,
                source,
                self._counts[source or handler.path],
            )
            self.seen.append(seen)
        action = self.hook(seen)
        try:
            if isinstance(action, Redirect):
                handler.send_response(action.status)
                handler.send_header("Location", action.location)
                handler.send_header("Content-Length", "0")
                handler.end_headers()
            elif isinstance(action, Body):
                data = gzip.compress(action.data, compresslevel=1) if action.gzip else action.data
                self._send(handler, 200, data, "gzip" if action.gzip else None)
            elif isinstance(action, Trickle):
                self._trickle(handler, action)
            else:
                status, data = self._forward(handler, method, raw)
                if isinstance(action, Transform) and status == 200:
                    data = json.dumps(action.change(json.loads(data))).encode()
                self._send(handler, status, data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away: nothing more to send

    def _forward(self, handler: BaseHTTPRequestHandler, method: str, raw: bytes) -> tuple[int, bytes]:
        headers = {name: value for name, value in handler.headers.items() if name.lower() not in _HOP_HEADERS}
        response = requests.request(method, self.upstream + handler.path, headers=headers, data=raw, timeout=60)
        return response.status_code, response.content

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, data: bytes, encoding: str | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        if encoding:
            handler.send_header("Content-Encoding", encoding)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()

    @staticmethod
    def _trickle(handler: BaseHTTPRequestHandler, action: Trickle) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(action.data)))
        handler.end_headers()
        handler.wfile.flush()
        stop = time.monotonic() + action.max_seconds
        for index in range(len(action.data)):
            if time.monotonic() > stop:
                break
            handler.wfile.write(action.data[index : index + 1])
            handler.wfile.flush()
            time.sleep(action.every_s)
        handler.close_connection = True


def _source(body: Any) -> str | None:
    try:
        stage = body["request"]["pipeline"][0]
        return next(name for name in stage["source"] if name != "timeSeries")
    except (TypeError, KeyError, IndexError, StopIteration):
        return None


def first_of(source: str, action: Callable[[Seen], Action], times: int = 1) -> Hook:
    """A hook that applies `action` to the first `times` requests for `source`, and forwards everything else."""

    def hook(seen: Seen) -> Action:
        if seen.source == source and seen.number <= times:
            return action(seen)
        return None

    return hook


def every(source: str, action: Callable[[Seen], Action]) -> Hook:
    """A hook that applies `action` to every request for `source`."""
    return first_of(source, action, times=10**9)
