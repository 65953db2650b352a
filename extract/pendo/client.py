"""HTTP access to one Pendo host: auth, dlt's retries, error classification, and streamed aggregation rows.

Retries come from dlt's `Client` and the `[runtime]` settings (request_max_attempts, request_backoff_factor,
request_max_retry_delay, request_timeout): 429 (honouring Retry-After), 5xx and failed connections are retried;
401/403 never are. Two answers are not retried but reported to the caller, which splits the window instead:
a server error that says the query was too large or too slow, and a read timeout.

A hostile or broken host gets nothing it should not and gives nothing unchecked:
- No redirect is ever followed (requests would send the integration key header along to any host a 3xx names);
  a 3xx ends the request with one line naming the host it pointed to.
- An answer is read within a deadline for the whole body (`answer_deadline`), not only per read, and within a size
  cap (`max_answer_bytes`); overruns count as "too large" and split the window, like Pendo's own size errors.
- Every answer is checked before any of it is used (rows.py): an object whose `results` is a list of objects.
  A malformed answer raises `InvalidAnswer`, which the readers retry like a 5xx and then report in one line.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from itertools import chain
from typing import Any
from urllib.parse import urljoin, urlsplit

import ijson
import orjson
from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from requests import ConnectionError as RequestsConnectionError
from requests import ReadTimeout, Response
from requests.adapters import HTTPAdapter
from requests.exceptions import ChunkedEncodingError
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

from extract.pendo.queries import Stage, request_body
from extract.pendo.rows import BLOCK_BYTES, AnswerLimits, MalformedAnswer, RowTooLarge, result_pieces
from extract.pendo.urls import redact_url

KEY_HEADER = "x-pendo-integration-key"
AGGREGATION_PATH = "api/v1/aggregation"
# Bodies of answers that mean "this query is too big or too slow for Pendo": split the window, don't retry.
_TOO_LARGE = re.compile(r"exceed|memory|too (large|big|many)|time[ -]?out|timed out|size limit", re.IGNORECASE)
_SPLIT_STATUSES = (HTTPStatus.REQUEST_TIMEOUT, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.GATEWAY_TIMEOUT)
_MESSAGE_CHARS = 160


class PendoError(Exception):
    """A foreseeable failure talking to Pendo; the message is one line and never contains the key."""


class PendoAuthError(PendoError):
    """The key was refused (401/403): it is wrong, revoked, or belongs to another region's host."""


class PendoUnreachable(PendoError):
    """No connection to the host, even after dlt's retries."""


class PendoRequestError(PendoError):
    """Pendo rejected a request, or kept failing after every retry."""


class WindowTooLarge(PendoError):
    """Pendo said the query was too large or too slow, or it did not answer in time: ask for less."""


class ResponseInterrupted(PendoError):
    """The connection dropped in the middle of a response body."""


class AnswerTooLarge(WindowTooLarge):
    """The answer outgrew `max_answer_bytes` or `max_row_bytes`, or took longer than `answer_deadline`."""


class RedirectRefused(PendoRequestError):
    """The host answered with a redirect; the extractor follows none (the key would travel with it)."""


class InvalidAnswer(PendoError):
    """A 200 answer that is not what Pendo sends (no `results` list, a row that is not an object, a value of the
    wrong type): retried like a 5xx, and never taken for "no rows"."""


@dataclass
class RequestCounts:
    """Requests asked for and HTTP attempts made (dlt's retries are the difference)."""

    requests: int = 0
    attempts: int = 0
    resent: int = 0  # requests sent again because a response was cut off mid-body

    @property
    def retries(self) -> int:
        return max(0, self.attempts - self.requests) + self.resent


class _CountingAdapter(HTTPAdapter):
    """Counts every attempt, including the ones dlt's retry wrapper repeats."""

    def __init__(self, counts: RequestCounts) -> None:
        super().__init__()
        self.counts = counts

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        self.counts.attempts += 1
        return super().send(request, *args, **kwargs)


def is_too_large(status: int, text: str) -> bool:
    """An answer that asks for a smaller window: a timeout status, or an error body about size or time."""
    if status in _SPLIT_STATUSES:
        return True
    return status >= 400 and status not in (401, 403, 429) and bool(_TOO_LARGE.search(text))


def _retry_server_error(response: Response | None, exception: BaseException | None) -> bool:
    """dlt retries 429 by status; 5xx are retried here unless they say the query was too large or too slow."""
    if response is None or not 500 <= response.status_code < 600:
        return False
    return not is_too_large(response.status_code, response.text)


def one_line(text: str) -> str:
    """A short single line from an error body (HTML gateway pages included)."""
    plain = re.sub(r"<[^>]+>", " ", text)
    plain = " ".join(plain.split())
    return plain[:_MESSAGE_CHARS] + ("…" if len(plain) > _MESSAGE_CHARS else "")


def _detail(status: int, text: str) -> str:
    if text.strip():
        return one_line(text)
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "no message"


class PendoClient:
    """Posts aggregation requests and yields their result rows as they stream in."""

    def __init__(
        self,
        base_url: str,
        integration_key: str,
        counts: RequestCounts | None = None,
        limits: AnswerLimits | None = None,
        resend_attempts: int = 5,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(redact_url(self.base_url)).netloc
        self.counts = counts or RequestCounts()
        self.limits = limits or AnswerLimits()
        self.resend_attempts = max(1, resend_attempts)
        http = Client(
            raise_for_status=False,
            status_codes=(HTTPStatus.TOO_MANY_REQUESTS,),
            exceptions=(RequestsConnectionError, ChunkedEncodingError),  # a ReadTimeout splits the window instead
            retry_condition=_retry_server_error,
        )
        session = http.session
        adapter = _CountingAdapter(self.counts)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        # The key travels in an auth hook, not in the client's default headers, so that dlt's request logging
        # (which prints headers at DEBUG level) can never show it.
        self._rest = RESTClient(
            base_url=self.base_url,
            headers={"content-type": "application/json"},
            auth=APIKeyAuth(name=KEY_HEADER, api_key=integration_key, location="header"),
            session=session,
        )

    def aggregate(self, pipeline: list[Stage], integer_fields: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
        """POST one aggregation and yield its result rows, parsed piece by piece as they arrive (rows.py),
        each checked: an object, and no fraction in `integer_fields`."""
        return chain.from_iterable(self.aggregate_pieces(pipeline, integer_fields))

    def aggregate_pieces(
        self, pipeline: list[Stage], integer_fields: tuple[str, ...] = (), block_bytes: int = BLOCK_BYTES
    ) -> Iterator[list[dict[str, Any]]]:
        """POST one aggregation and yield its result rows in row-aligned pieces of about `block_bytes` of the
        answer, as they arrive (rows.py), each row checked as `aggregate` does."""
        deadline = time.monotonic() + self.limits.deadline_s
        response = self._send("POST", AGGREGATION_PATH, json=request_body(pipeline), stream=True)
        response.raw.decode_content = True
        return self._pieces(response, deadline, integer_fields, block_bytes)

    def get_json(self, path: str) -> Any:
        """GET a small JSON document (the metadata schemas), within the answer limits; a body cut off mid-way is
        asked for again (`resend_attempts` in all), as dlt's retries would for a body read inside them."""
        for attempt in range(1, self.resend_attempts + 1):
            try:
                return self._get_json_once(path)
            except ResponseInterrupted:
                if attempt >= self.resend_attempts:
                    raise
                self.counts.resent += 1
        raise AssertionError("not reached")

    def _get_json_once(self, path: str) -> Any:
        deadline = time.monotonic() + self.limits.deadline_s
        response = self._send("GET", path, stream=True)
        response.raw.decode_content = True
        with response:
            try:
                body = _GuardedStream(response.raw, deadline, self.limits).read(-1)
            except (ReadTimeoutError, TimeoutError):
                raise WindowTooLarge("the response stalled for longer than the request timeout") from None
            except (Urllib3Error, ChunkedEncodingError, OSError) as error:
                raise ResponseInterrupted(f"the response was cut off ({type(error).__name__})") from None
        try:
            return orjson.loads(body)
        except ValueError:
            raise PendoRequestError(f"{self.host} answered GET /{path} with a body that is not JSON") from None

    def _send(self, method: str, path: str, **kwargs: Any) -> Response:
        self.counts.requests += 1
        attempts_before = self.counts.attempts
        try:
            response = self._rest.request(path, method=method, allow_redirects=False, **kwargs)  # type: ignore[arg-type]
        except ReadTimeout:
            raise WindowTooLarge("no answer within the request timeout") from None
        except (RequestsConnectionError, ChunkedEncodingError) as error:
            attempts = self.counts.attempts - attempts_before
            reason = type(error).__name__
            raise PendoUnreachable(f"cannot reach {self.host} ({reason}) after {attempts} attempts") from None
        if response.is_redirect or 300 <= response.status_code < 400:
            with response:
                status, location = response.status_code, response.headers.get("location", "")
            target = urlsplit(redact_url(urljoin(self.base_url + "/", location))).netloc if location else ""
            where = f"to {target}" if target else "without a Location"
            raise RedirectRefused(
                f"{self.host} answered {method} /{path} with a {status} redirect {where}; redirects are never "
                "followed (the integration key would go along): set sources.pendo.base_url to the API host itself"
            )
        if response.ok:
            return response
        with response:
            status, text = response.status_code, response.text
        if status in (401, 403):
            raise PendoAuthError(
                f"Pendo refused the integration key ({status}) at {self.host}: the key is invalid or revoked, "
                "or it belongs to another region's host (set sources.pendo.region or base_url)"
            )
        if is_too_large(status, text):
            raise WindowTooLarge(f"{status} {one_line(text)}".strip())
        attempts = " after every retry" if status == 429 or status >= 500 else ""
        raise PendoRequestError(
            f"{self.host} answered {method} /{path} with {status}{attempts}: {_detail(status, text)}"
        )

    def _pieces(
        self, response: Response, deadline: float, integer_fields: tuple[str, ...], block_bytes: int
    ) -> Iterator[list[dict[str, Any]]]:
        with response:
            try:
                stream = _GuardedStream(response.raw, deadline, self.limits)
                yield from result_pieces(stream, integer_fields, self.limits.max_row_bytes, block_bytes)
            except RowTooLarge as error:
                raise AnswerTooLarge(str(error)) from None
            except MalformedAnswer as error:
                raise InvalidAnswer(f"{self.host} sent a malformed answer: {error}") from None
            except (ReadTimeoutError, TimeoutError):
                raise WindowTooLarge("the response stalled for longer than the request timeout") from None
            except (Urllib3Error, ChunkedEncodingError, ijson.IncompleteJSONError, OSError) as error:
                raise ResponseInterrupted(f"the response was cut off ({type(error).__name__})") from None
            except ijson.JSONError as error:  # a 200 whose body is not JSON (a gateway's HTML page, say)
                reason = one_line(str(error))
                raise InvalidAnswer(f"{self.host} sent a malformed answer: the body is not JSON ({reason})") from None


class _GuardedStream:
    """The response body, read within the whole answer's deadline and size cap.

    urllib3's `read(n)` keeps reading until it has n bytes, so a server sending a byte a second never trips the
    per-read timeout. `read1` returns after one read from the socket, so the deadline is checked at least once per
    `request_timeout`. The size counts decompressed bytes: a small gzip body that inflates enormously is caught too.
    """

    def __init__(self, raw: Any, deadline: float, limits: AnswerLimits) -> None:
        self._raw = raw
        self._deadline = deadline
        self._limits = limits
        self._total = 0

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        got = 0
        while size < 0 or got < size:
            self._check()
            data = self._raw.read1(size - got if size >= 0 else 1 << 20)
            if not data:
                break
            parts.append(data)
            got += len(data)
            self._total += len(data)
            if self._total > self._limits.max_answer_bytes:
                raise AnswerTooLarge(
                    f"the answer is larger than sources.pendo.max_answer_bytes ({self._limits.max_answer_bytes:,})"
                )
        return b"".join(parts)

    def _check(self) -> None:
        if time.monotonic() > self._deadline:
            raise AnswerTooLarge(
                f"the answer took longer than sources.pendo.answer_deadline ({self._limits.deadline_s:g} s)"
            )
