"""The HTTP face of the simulator: a real local server that answers like Pendo's API host.

Routes (`docs/pendo-api.md#get-endpoints-and-metadata-schemas`); anything else is 404 with an empty body:
- `POST /api/v1/aggregation` — validated (400 + short text), then streamed as `{"startTime", "results"}` with
  chunked transfer encoding, rows generated lazily;
- `GET /api/v1/page|feature|guide` — bare arrays of the default app's objects, every app's with `?expand=*`;
  `?id=a,b` keeps those ids, and `/guide` takes `?state=public`;
- `GET /api/v1/metadata/schema/visitor|account`, `GET /api/v1/token/verify` (`{"valid": true, "writeAccess":
  false}`);
- `/_simulator/…` — the admin endpoints of `faults.py` (knobs, counters, clock), outside `/api/v1` so they never
  collide with a real path, and served to loopback clients only because the server binds to loopback only.

Auth: the `x-pendo-integration-key` header (any case). A missing, unknown or revoked key gets 403 with an empty body
(`Content-Length: 0`). A key may carry a region suffix (`.us`, `.us1`, `.eu`, `.jp`/`.jpn`, `.au`); a key whose
suffix names another region than the server's `--region` gets the same 403. A key without a suffix works anywhere.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pendo_simulator import aggregation, render, rows
from pendo_simulator.expressions import Context
from pendo_simulator.faults import Controls, Decision, KnobError
from pendo_simulator.world import DEFAULT_APP_ID, World

KEY_HEADER = "x-pendo-integration-key"
AGGREGATION_PATH = "/api/v1/aggregation"
LIST_ROUTES = {"/api/v1/page": "pages", "/api/v1/feature": "features", "/api/v1/guide": "guides"}
SCHEMA_ROUTES = {"/api/v1/metadata/schema/visitor": "visitor", "/api/v1/metadata/schema/account": "account"}
VERIFY_PATH = "/api/v1/token/verify"
ADMIN_PREFIX = "/_simulator/"
REGIONS = ("us", "us1", "eu", "jp", "au")
KEY_SUFFIXES = {"us": "us", "us1": "us1", "eu": "eu", "jp": "jp", "jpn": "jp", "au": "au"}
SIZE_CAP_MESSAGE = "Query exceeded memory limit: the request scans more than {rows} rows; use a smaller time range"
MAX_BODY_BYTES = 16 * 1024 * 1024


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def key_region(key: str) -> str | None:
    """The region a key's suffix names (`….eu` → "eu"), or None for a key without a region suffix."""
    _, dot, suffix = key.rpartition(".")
    return KEY_SUFFIXES.get(suffix.lower()) if dot else None


def html_error_page(status: int) -> bytes:
    """A gateway-style HTML error page, as a WAF or load balancer in front of Pendo would send."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return (
        f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


class PendoSimulator(ThreadingHTTPServer):
    """Serves one simulated subscription to clients that present one of `keys`."""

    daemon_threads = True

    def __init__(
        self,
        world: World,
        key: str | Sequence[str],
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us",
        knobs: dict[str, Any] | None = None,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"the simulator only binds to loopback addresses, not {host!r}")
        keys = (key,) if isinstance(key, str) else tuple(key)
        if not keys or not all(keys):
            raise ValueError("the simulator needs an integration key to accept")
        if region not in REGIONS:
            raise ValueError(f"unknown region {region!r}; use one of {', '.join(REGIONS)}")
        self.world = world
        self.keys = frozenset(keys)
        self.key = keys[0]
        self.region = region
        self.controls = Controls(world.seed, world.now_ms, knobs)
        self.stopping = threading.Event()
        if ":" in host:
            self.address_family = socket.AF_INET6
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

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away is normal (timeouts, drops); anything else is reported on stderr, once."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        print(f"pendo_simulator: error while serving a request: {error!r}", file=sys.stderr, flush=True)

    def serve_until_terminated(self) -> None:
        """Serve until SIGTERM or Ctrl-C, then close the socket cleanly (SIGTERM ends serve_forever() like Ctrl-C)."""
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            self.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.stopping.set()
            self.server_close()

    def stop(self) -> None:
        """Stop serving (wakes hanging requests) and close the socket."""
        self.stopping.set()
        self.shutdown()
        self.server_close()

    def accepts(self, presented: str | None) -> bool:
        known = presented is not None and presented in self.keys
        if known and presented is not None:
            region = key_region(presented)
            known = region is None or region == self.region
        return self.controls.authorise(known)

    def context(self) -> Context:
        return Context(self.world.clock, self.controls.now_ms())

    def render_aggregation(self, query: aggregation.Query) -> Iterator[bytes]:
        """The response body of a validated aggregation, as chunks. Override to serve pre-rendered bodies."""
        return render.results_chunks(query.start_time, query.rows())


class _Handler(BaseHTTPRequestHandler):
    server: PendoSimulator
    protocol_version = "HTTP/1.1"
    server_version = "PendoSimulator/0.2"
    disable_nagle_algorithm = True  # headers and body go out in separate writes; don't wait 40 ms between them
    status_sent: int | None = None

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines would be noise, and headers (the key) are never logged."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.status_sent = int(code)
        super().send_response(code, message)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # -------------------------------------------------------------------------------- dispatch

    def _dispatch(self, method: str) -> None:
        try:
            parts = urlsplit(self.path)
            body = self._read_body()
            if body is None:
                return self._text(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large")
            if parts.path.startswith(ADMIN_PREFIX):
                return self._admin(method, parts.path, body)
            if not parts.path.startswith("/api/v1/"):
                return self._empty(HTTPStatus.NOT_FOUND)
            self._api(method, parts.path, parts.query, body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True  # the client went away mid-response; nothing left to tell it
        except Exception as error:  # a simulator bug: say so loudly rather than look like a Pendo fault
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            if self.status_sent is None:
                self._text(HTTPStatus.INTERNAL_SERVER_ERROR, f"pendo_simulator internal error: {error!r}")

    def _api(self, method: str, path: str, query: str, body: bytes) -> None:
        controls = self.server.controls
        request: Any = None
        if method == "POST" and path == AGGREGATION_PATH:
            try:
                request = json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError):
                request = _NOT_JSON
        source = aggregation.source_name(request) if request is not _NOT_JSON else None
        decision, entry = controls.decide(method, path, source)
        try:
            if decision.latency_seconds and self.server.stopping.wait(decision.latency_seconds):
                return self._empty(HTTPStatus.SERVICE_UNAVAILABLE)
            if decision.fault == "hang" and self.server.stopping.wait(controls.knobs["hang_seconds"]):
                return self._empty(HTTPStatus.SERVICE_UNAVAILABLE)
            if decision.fault in ("429", "5xx", "status"):
                return self._fault_status(decision)
            if not self.server.accepts(self.headers.get(KEY_HEADER)):
                return self._empty(HTTPStatus.FORBIDDEN)
            if method == "POST" and path == AGGREGATION_PATH:
                return self._aggregation(request, decision, entry)
            if method == "GET":
                return self._get(path, query, decision, entry)
            return self._empty(HTTPStatus.NOT_FOUND)
        finally:
            controls.finish(entry, self.status_sent)

    # -------------------------------------------------------------------------------- routes

    def _aggregation(self, request: Any, decision: Decision, entry: dict[str, Any]) -> None:
        if request is _NOT_JSON:
            return self._text(HTTPStatus.BAD_REQUEST, "request body is not valid JSON")
        server = self.server
        controls = server.controls
        try:
            query = aggregation.prepare(server.world, request, server.context(), controls.view())
        except aggregation.AggregationError as error:
            return self._text(HTTPStatus.BAD_REQUEST, str(error))
        if query.window is not None:
            entry["window"] = [query.window.start_ms, query.window.end_ms]
        max_rows = controls.knobs["max_rows"]
        over_cap = max_rows is not None and _more_than(query.source_rows(), max_rows)
        if decision.fault == "cap" or over_cap:
            controls.count_fault(entry, "cap")
            status = controls.knobs["size_cap_status"]
            return self._text(status, SIZE_CAP_MESSAGE.format(rows=max_rows if max_rows is not None else 0))
        chunks = server.render_aggregation(query)
        first = next(chunks)  # anything that fails while generating fails before the 200 goes out
        self._stream(first, chunks, decision, entry)

    def _get(self, path: str, query: str, decision: Decision, entry: dict[str, Any]) -> None:
        world = self.server.world
        params = parse_qs(query, keep_blank_values=True)
        if path == VERIFY_PATH:
            return self._json({"valid": True, "writeAccess": False}, decision, entry)
        if path in SCHEMA_ROUTES:
            drift = self.server.controls.knobs["schema_drift"]
            kind = SCHEMA_ROUTES[path]
            schema = world.fixtures.metadata_schema(kind) if world.fixtures else rows.metadata_schema(kind, drift)
            return self._json(schema, decision, entry)
        source = LIST_ROUTES.get(path)
        if source is None:
            return self._empty(HTTPStatus.NOT_FOUND)
        app_ids = None if "*" in params.get("expand", []) else (DEFAULT_APP_ID,)
        wanted = {i for value in params.get("id", []) for i in value.split(",") if i} or None
        states = set(params.get("state", [])) or None
        objects = [
            row
            for row in rows.entity_rows(world, source, app_ids)
            if (wanted is None or row["id"] in wanted) and (states is None or row.get("state") in states)
        ]
        return self._json(objects, decision, entry)

    def _admin(self, method: str, path: str, body: bytes) -> None:
        controls = self.server.controls
        try:
            changes = json.loads(body) if body.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self._text(HTTPStatus.BAD_REQUEST, "admin requests take a JSON object")
        try:
            if path == "/_simulator/faults" and method == "POST":
                controls.update(changes)
            elif path == "/_simulator/reset" and method == "POST":
                controls.reset()
            elif path == "/_simulator/clock":
                if method == "POST":
                    controls.move_clock(changes)
                if method in ("GET", "POST"):
                    return self._plain_json(controls.clock())
                return self._empty(HTTPStatus.NOT_FOUND)
            elif not (path == "/_simulator/faults" and method == "GET"):
                return self._empty(HTTPStatus.NOT_FOUND)
        except KnobError as error:
            return self._text(HTTPStatus.BAD_REQUEST, str(error))
        return self._plain_json(controls.snapshot())

    # -------------------------------------------------------------------------------- writers

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    def _empty(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _text(self, status: int, message: str, content_type: str = "text/plain; charset=utf-8") -> None:
        self._bytes(status, message.encode(), content_type)

    def _bytes(self, status: int, payload: bytes, content_type: str, extra: Iterable[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _plain_json(self, value: Any) -> None:
        self._bytes(HTTPStatus.OK, json.dumps(value, ensure_ascii=False).encode(), "application/json")

    def _fault_status(self, decision: Decision) -> None:
        status = decision.status or HTTPStatus.INTERNAL_SERVER_ERROR
        knobs = self.server.controls.knobs
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            retry_after = knobs["retry_after_seconds"]
            extra = [("Retry-After", str(retry_after))] if retry_after is not None else []
            return self._bytes(status, knobs["error_429_body"].encode(), "text/plain; charset=utf-8", extra)
        if status == HTTPStatus.FORBIDDEN:
            return self._empty(status)
        if status >= 500:
            return self._bytes(status, html_error_page(status), "text/html")
        return self._text(status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error")

    def _json(self, value: Any, decision: Decision, entry: dict[str, Any]) -> None:
        """A whole JSON document with Content-Length (the GET routes); a drop cuts it short."""
        payload = render.encode(value)
        if decision.fault == "drop":
            self.server.controls.count_fault(entry, "drop")
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            keep = max(0, min(len(payload) - 1, self.server.controls.knobs["drop_after_bytes"]))
            self.wfile.write(payload[:keep])
            return self._drop_connection()
        self._bytes(HTTPStatus.OK, payload, "application/json")

    def _stream(self, first: bytes, chunks: Iterator[bytes], decision: Decision, entry: dict[str, Any]) -> None:
        """Send the chunks with chunked transfer encoding; a drop closes the socket mid-chunk before the end."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        budget = self.server.controls.knobs["drop_after_bytes"] if decision.fault == "drop" else None
        sent = 0
        pending = first
        for data in chunks:
            if budget is not None and sent + len(pending) > budget:
                break
            self._chunk(pending)
            sent += len(pending)
            pending = data
        else:
            if budget is None:
                self._chunk(pending)
                self.wfile.write(b"0\r\n\r\n")
                return
        # The drop: announce the whole chunk, send part of it, and close the connection.
        self.server.controls.count_fault(entry, "drop")
        keep = max(0, min(len(pending) - 1, budget - sent)) if budget is not None else 0
        self.wfile.write(f"{len(pending):x}\r\n".encode() + pending[:keep])
        self._drop_connection()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def _drop_connection(self) -> None:
        self.close_connection = True
        self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


_NOT_JSON = object()


def _more_than(items: Iterator[Any], limit: int) -> bool:
    """Whether `items` yields more than `limit` items, consuming at most limit + 1 of them."""
    return any(count > limit for count, _ in enumerate(items, start=1))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
