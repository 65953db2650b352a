"""The HTTP face of the simulator: a real local server that answers like Pendo's API host."""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pendo_simulator import aggregation
from pendo_simulator.rows import Row
from pendo_simulator.world import World

KEY_HEADER = "x-pendo-integration-key"
CHUNK_BYTES = 64 * 1024
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PendoSimulator(ThreadingHTTPServer):
    """Serves one simulated subscription to clients that present `key`."""

    daemon_threads = True

    def __init__(self, world: World, key: str, host: str = "127.0.0.1", port: int = 0) -> None:
        if not is_loopback(host):
            raise ValueError(f"the simulator only binds to loopback addresses, not {host!r}")
        if not key:
            raise ValueError("the simulator needs an integration key to accept")
        self.world = world
        self.key = key
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="pendo-simulator", daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: PendoSimulator
    protocol_version = "HTTP/1.1"
    server_version = "PendoSimulator/0.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes; don't wait 40 ms between them

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines would be noise, and headers are never logged."""

    # -------------------------------------------------------------- routing

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if not path.startswith("/api/v1/"):
            return self._empty(HTTPStatus.NOT_FOUND)
        if not self._authorised():
            return None
        if path == "/api/v1/token/verify":
            return self._json(HTTPStatus.OK, {"valid": True, "writeAccess": False})
        return self._empty(HTTPStatus.NOT_FOUND)

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        body = self._read_body()
        if path != "/api/v1/aggregation":
            return self._empty(HTTPStatus.NOT_FOUND)
        if not self._authorised():
            return None
        try:
            request = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self._text(HTTPStatus.BAD_REQUEST, "request body is not valid JSON")
        try:
            start_time, rows = aggregation.run(self.server.world, request)
            first = next(rows, None)  # surface errors raised lazily before the 200 goes out
        except aggregation.AggregationError as error:
            return self._text(HTTPStatus.BAD_REQUEST, str(error))
        return self._stream_results(start_time, first, rows)

    # -------------------------------------------------------------- helpers

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _authorised(self) -> bool:
        """Pendo answers a missing or unknown key with 403 and an empty body."""
        if self.headers.get(KEY_HEADER) == self.server.key:
            return True
        self._empty(HTTPStatus.FORBIDDEN)
        return False

    def _empty(self, status: HTTPStatus) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _text(self, status: HTTPStatus, message: str) -> None:
        payload = message.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, status: HTTPStatus, value: Any) -> None:
        payload = _encode(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stream_results(self, start_time: int, first: Row | None, rows: Iterator[Row]) -> None:
        """Write `{"startTime": …, "results": […]}` chunk by chunk, never holding the whole body."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        buffer: list[str] = [f'{{"startTime":{start_time},"results":[']
        size = 0
        if first is not None:
            buffer.append(_encode(first))
            for row in rows:
                text = "," + _encode(row)
                buffer.append(text)
                size += len(text)
                if size >= CHUNK_BYTES:
                    self._chunk("".join(buffer).encode())
                    buffer, size = [], 0
        buffer.append("]}")
        self._chunk("".join(buffer).encode())
        self.wfile.write(b"0\r\n\r\n")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
