"""Fault and realism knobs, request counters and the server clock: everything a test may turn while the server runs.

Every knob is a CLI flag of `serve` (`--name-with-dashes`) and a field of the admin JSON (`name_with_underscores`):
`POST /_simulator/faults` with a JSON object changes the given knobs and leaves the others; `GET /_simulator/faults`
returns the knobs, the counters and the request log; `POST /_simulator/reset` restores the startup knobs, zeroes
the counters and the clock offset; `GET|POST /_simulator/clock` reads or moves the server clock
(`{"advance_minutes": 90}`, `{"advance_ms": …}` or `{"now_ms": …}`).

Knobs (JSON field, then flag; defaults in brackets):
- `error_429_rate` `--error-429-rate` [0]: share of `/api/v1` requests answered `429 Too Many Requests`.
- `retry_after_seconds` `--retry-after-seconds` [none]: `Retry-After` header on 429s; none sends no header (the
  real API documents none).
- `error_429_body` `--error-429-body` [""]: the body of a 429.
- `max_requests_per_second` `--max-requests-per-second` [none]: 429 once more requests than this arrive within one
  second (wall clock, so not seeded).
- `error_5xx_rate` `--error-5xx-rate` [0]: share of requests answered with a 5xx and an HTML gateway page; 1 is a
  persistent outage.
- `error_5xx_statuses` `--error-5xx-statuses 502,503` [500,502,503,504]: the statuses drawn from.
- `latency_ms` `--latency-ms` [0]: added before every `/api/v1` response.
- `hang_rate` `--hang-rate` [0]: share of requests that send nothing for `hang_seconds`, then answer normally.
- `hang_seconds` `--hang-seconds` [30]: how long a hang lasts (make it longer than the client's read timeout).
- `drop_rate` `--drop-rate` [0]: share of 200 responses whose connection is closed mid-body (truncated JSON).
- `drop_after_bytes` `--drop-after-bytes` [1024]: body bytes sent before a drop (always fewer than the body).
- `max_rows` `--max-rows` [none]: the size cap: an aggregation whose source scans more rows than this is refused
  with "Query exceeded memory limit …".
- `size_cap_status` `--size-cap-status` [500]: the status of that refusal. [I] No public source shows Pendo's
  answer to its 4 GB / 5 min caps. 500 is the default because the caps are the server's own limits, not a malformed
  request, and because it is the harder case for a client: retrying a 5xx blindly never succeeds, so an
  extractor must recognise the message and split the window. Set 400 or 408 to test the other readings.
- `revoke_key_after` `--revoke-key-after` [none]: after this many authorised requests every key gets 403 (a key
  revoked while running).
- `key_revoked` `--key-revoked` [false]: every key gets 403 now.
- `ingest_lag_minutes` `--ingest-lag-minutes` [0]: events newer than (server clock - lag) are not processed yet:
  hidden, and the visit that straddles the cutoff is partial (its numbers grow on later calls).
- `late_rows` `--late-rows` [0]: share of records that arrive 1 h to `late_max_days` late; they appear in past
  buckets on a later call, once the server clock passes their arrival.
- `late_max_days` `--late-max-days` [9]: the latest a late record arrives.
- `schema_drift` `--schema-drift` [false]: metadata changed by an admin: identified visitors gain the custom field
  `npssegment` (text) and the account field `custom.seats` turns from integer to string, in the entity rows and
  in `GET /api/v1/metadata/schema/…` (a new column, and a column whose type changes, for the extractor).
- `scripts` `--script TARGET=STEP,STEP` [none]: scripted sequences, below.

Scripts: `{"scripts": [{"target": "events", "steps": [503, 503, "ok"]}]}` (CLI: `--script events=503,503,ok`).
`target` is a row source name (aggregation requests for that source), a path starting with `/` (requests to that
path), or `*` / missing (every `/api/v1` request). Each matching request consumes the next step of the first
script that matches and still has steps; when the steps run out the script stops applying. A step is `ok` (no
fault, not even a random one), `hang`, `drop`, `cap` (the size-cap refusal), or a status: 429, 403 (empty body,
like a revoked key), any other 4xx (short text) or 5xx (HTML page).

Random faults are drawn from a generator seeded by (seed, request number), so the same seed and the same sequence
of requests give the same faults. The order is: scripted step, else rate limit, hang, 429, 5xx; then the key
check; then the request itself (400 for a bad request, the size cap, then a drop while streaming).

Counters (`GET /_simulator/faults` → `counters`): `requests` (every `/api/v1` request, answered or not),
`by_path`, `by_source`, `by_status`, `faults` (`429`, `5xx`, `hang`, `drop`, `cap`, `revoked`, `script`), and
`log`: the last 1000 requests as `{"n", "method", "path", "source", "window": [start, end] | null, "status",
"fault"}`.
"""

from __future__ import annotations

import collections
import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pendo_simulator.clock import DAY_MS, MINUTE_MS
from pendo_simulator.visibility import View
from pendo_simulator.world import rng

LOG_SIZE = 1000
SCRIPT_WORDS = ("ok", "hang", "drop", "cap")


class KnobError(ValueError):
    """A knob value that does not make sense: the admin endpoint answers 400, the CLI exits 2."""


def _rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise KnobError("must be a number from 0 to 1")
    return float(value)


def _non_negative(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise KnobError("must be a number >= 0")
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise KnobError("must be an integer >= 0")
    return value


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else parse(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise KnobError("must be true or false")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise KnobError("must be a string")
    return value


def _error_status(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 599:
        raise KnobError("must be an HTTP error status (400-599)")
    return value


def _statuses_5xx(value: Any) -> list[int]:
    if not isinstance(value, list) or not value:
        raise KnobError("must be a non-empty list of 5xx statuses")
    for status in value:
        if isinstance(status, bool) or not isinstance(status, int) or not 500 <= status <= 599:
            raise KnobError("must be a non-empty list of 5xx statuses")
    return list(value)


def _step(value: Any) -> str | int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, str) and value in SCRIPT_WORDS:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 400 <= value <= 599:
        return value
    raise KnobError(f"script step {value!r} is not ok, hang, drop, cap or an HTTP error status")


def _scripts(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise KnobError('must be a list of {"target": …, "steps": […]}')
    scripts = []
    for script in value:
        if not isinstance(script, dict) or not isinstance(script.get("steps"), list):
            raise KnobError('must be a list of {"target": …, "steps": […]}')
        target = script.get("target", "*")
        if not isinstance(target, str) or not target:
            raise KnobError("a script target must be a source name, a path or *")
        scripts.append({"target": target, "steps": [_step(step) for step in script["steps"]]})
    return scripts


def _int_list(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


@dataclass(frozen=True)
class Knob:
    name: str
    default: Any
    parse: Callable[[Any], Any]  # validates a JSON value
    cli: Callable[[str], Any] | None  # converts a command-line value (None: a boolean switch or --script)
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


KNOBS: tuple[Knob, ...] = (
    Knob("error_429_rate", 0.0, _rate, float, "share of /api/v1 requests answered 429 Too Many Requests"),
    Knob("retry_after_seconds", None, _optional(_count), int, "Retry-After seconds on 429s (default: no header)"),
    Knob("error_429_body", "", _text, str, "body of a 429 (default empty)"),
    Knob("max_requests_per_second", None, _optional(_non_negative), float, "429 above this many requests a second"),
    Knob("error_5xx_rate", 0.0, _rate, float, "share of requests answered 5xx with an HTML page (1: an outage)"),
    Knob("error_5xx_statuses", [500, 502, 503, 504], _statuses_5xx, _int_list, "5xx statuses to draw, e.g. 502,503"),
    Knob("latency_ms", 0.0, _non_negative, float, "milliseconds added before every /api/v1 response"),
    Knob("hang_rate", 0.0, _rate, float, "share of requests that hang for hang_seconds before answering"),
    Knob("hang_seconds", 30.0, _non_negative, float, "length of a hang (longer than the client's read timeout)"),
    Knob("drop_rate", 0.0, _rate, float, "share of 200 responses cut mid-body (truncated JSON)"),
    Knob("drop_after_bytes", 1024, _count, int, "body bytes sent before a drop"),
    Knob("max_rows", None, _optional(_count), int, "size cap: refuse aggregations scanning more source rows"),
    Knob("size_cap_status", 500, _error_status, int, "status of the size-cap refusal"),
    Knob("revoke_key_after", None, _optional(_count), int, "revoke every key after this many authorised requests"),
    Knob("key_revoked", False, _flag, None, "every key is refused with 403"),
    Knob("ingest_lag_minutes", 0.0, _non_negative, float, "hide events newer than server clock minus this lag"),
    Knob("late_rows", 0.0, _rate, float, "share of records that arrive late (1 h to late_max_days)"),
    Knob("late_max_days", 9.0, _non_negative, float, "the latest a late record arrives"),
    Knob("schema_drift", False, _flag, None, "metadata drift: a new visitor custom field, account seats as strings"),
    Knob("scripts", [], _scripts, None, "scripted sequences: --script TARGET=STEP,STEP (e.g. events=503,503,ok)"),
)
KNOBS_BY_NAME = {knob.name: knob for knob in KNOBS}


def parse_knobs(changes: Any) -> dict[str, Any]:
    """Validate a partial knob update (raises KnobError naming the knob)."""
    if not isinstance(changes, dict):
        raise KnobError("the knobs must be a JSON object")
    parsed = {}
    for name, value in changes.items():
        knob = KNOBS_BY_NAME.get(name)
        if knob is None:
            raise KnobError(f"unknown knob: {name}")
        try:
            parsed[name] = knob.parse(value)
        except KnobError as error:
            raise KnobError(f"{name} {error}") from None
    return parsed


def parse_script_flag(text: str) -> dict[str, Any]:
    """`events=503,503,ok`, `/api/v1/page=500` or `503,ok` (every request) from the command line."""
    target, _, steps = text.rpartition("=")
    script = {"target": target or "*", "steps": [s.strip() for s in steps.split(",") if s.strip()]}
    return _scripts([script])[0]


@dataclass(frozen=True)
class Decision:
    """What to do with one /api/v1 request before it is served."""

    fault: str | None  # None, "429", "5xx", "status", "hang", "drop", "cap"
    status: int | None = None
    latency_seconds: float = 0.0
    scripted: bool = False


class Controls:
    """Thread-safe knobs, counters and clock of one running simulator."""

    def __init__(self, seed: int, world_now_ms: int, knobs: dict[str, Any] | None = None) -> None:
        self.seed = seed
        self.world_now_ms = world_now_ms
        self._lock = threading.Lock()
        self._initial = {knob.name: copy.deepcopy(knob.default) for knob in KNOBS}
        self._initial.update(copy.deepcopy(knobs or {}))
        self._reset_state()

    def _reset_state(self) -> None:
        self.knobs = copy.deepcopy(self._initial)
        self.clock_offset_ms = 0
        self._script_positions = [0] * len(self.knobs["scripts"])
        self._authorised = 0
        self._recent: collections.deque[float] = collections.deque()
        self.counters: dict[str, Any] = {
            "requests": 0,
            "by_path": {},
            "by_source": {},
            "by_status": {},
            "faults": {},
        }
        self.log: collections.deque[dict[str, Any]] = collections.deque(maxlen=LOG_SIZE)

    # ------------------------------------------------------------------ admin

    def update(self, changes: Any) -> None:
        parsed = parse_knobs(changes)
        with self._lock:
            self.knobs.update(parsed)
            if "scripts" in parsed:
                self._script_positions = [0] * len(parsed["scripts"])

    def reset(self) -> None:
        with self._lock:
            self._reset_state()

    def move_clock(self, change: Any) -> None:
        if not isinstance(change, dict) or len(change) != 1:
            raise KnobError('send one of {"advance_minutes": n}, {"advance_ms": n} or {"now_ms": n}')
        ((name, value),) = change.items()
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise KnobError(f"{name} must be a number")
        with self._lock:
            if name == "advance_minutes":
                self.clock_offset_ms += int(value * MINUTE_MS)
            elif name == "advance_ms":
                self.clock_offset_ms += int(value)
            elif name == "now_ms":
                self.clock_offset_ms = int(value) - self.world_now_ms
            else:
                raise KnobError(f"unknown clock change: {name}")

    def clock(self) -> dict[str, int]:
        return {
            "now_ms": self.now_ms(),
            "world_now_ms": self.world_now_ms,
            "offset_ms": self.clock_offset_ms,
        }

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "knobs": copy.deepcopy(self.knobs),
                "counters": copy.deepcopy(self.counters),
                "log": [dict(entry) for entry in self.log],
                "clock": self.clock(),
            }

    # ------------------------------------------------------------------ serving

    def now_ms(self) -> int:
        """The server clock: the world's `now` plus any advance."""
        return self.world_now_ms + self.clock_offset_ms

    def view(self) -> View:
        knobs = self.knobs
        return View.at(
            self.seed,
            self.world_now_ms,
            self.now_ms(),
            int(knobs["ingest_lag_minutes"] * MINUTE_MS),
            knobs["late_rows"],
            int(knobs["late_max_days"] * DAY_MS),
            knobs["schema_drift"],
        )

    def decide(self, method: str, path: str, source: str | None) -> tuple[Decision, dict[str, Any]]:
        """Count the request and decide its fault. Returns the decision and the request's log entry."""
        with self._lock:
            self.counters["requests"] += 1
            number = self.counters["requests"]
            _bump(self.counters["by_path"], path)
            if source:
                _bump(self.counters["by_source"], source)
            entry: dict[str, Any] = {
                "n": number,
                "method": method,
                "path": path,
                "source": source,
                "window": None,
                "status": None,
                "fault": None,
            }
            self.log.append(entry)
            knobs = self.knobs
            latency = knobs["latency_ms"] / 1000
            step = self._next_step(path, source)
            over_rate = self._over_rate(knobs["max_requests_per_second"])
        if step is not None:
            decision = _scripted(step, latency)
        elif over_rate:
            decision = Decision("429", 429, latency)
        else:
            draws = rng(self.seed, "faults", number)
            hang, too_many, server_error, drop, which = (draws.random() for _ in range(5))
            statuses = knobs["error_5xx_statuses"]
            if hang < knobs["hang_rate"]:
                decision = Decision("hang", None, latency)
            elif too_many < knobs["error_429_rate"]:
                decision = Decision("429", 429, latency)
            elif server_error < knobs["error_5xx_rate"]:
                decision = Decision("5xx", statuses[int(which * len(statuses))], latency)
            elif drop < knobs["drop_rate"]:
                decision = Decision("drop", None, latency)
            else:
                decision = Decision(None, None, latency)
        if decision.scripted:
            self.count_fault(entry, "script")
        if decision.fault and decision.fault not in ("drop", "cap"):
            self.count_fault(entry, decision.fault)
        return decision, entry

    def _next_step(self, path: str, source: str | None) -> str | int | None:
        for index, script in enumerate(self.knobs["scripts"]):
            target = script["target"]
            matches = target == "*" or target == path or (source is not None and target == source)
            position = self._script_positions[index]
            if matches and position < len(script["steps"]):
                self._script_positions[index] = position + 1
                return script["steps"][position]
        return None

    def _over_rate(self, limit: float | None) -> bool:
        if limit is None:
            return False
        now = time.monotonic()
        while self._recent and self._recent[0] <= now - 1:
            self._recent.popleft()
        self._recent.append(now)
        return len(self._recent) > limit

    def authorise(self, key_is_known: bool) -> bool:
        """Whether a request's key is accepted now (a revoked key is refused like an unknown one)."""
        with self._lock:
            knobs = self.knobs
            revoked = knobs["key_revoked"] or (
                knobs["revoke_key_after"] is not None and self._authorised >= knobs["revoke_key_after"]
            )
            if key_is_known and revoked:
                _bump(self.counters["faults"], "revoked")
                return False
            if key_is_known:
                self._authorised += 1
            return key_is_known

    def count_fault(self, entry: dict[str, Any], fault: str) -> None:
        with self._lock:
            _bump(self.counters["faults"], fault)
            entry["fault"] = fault

    def finish(self, entry: dict[str, Any], status: int | None) -> None:
        with self._lock:
            entry["status"] = status
            _bump(self.counters["by_status"], str(status))


def _bump(table: dict[str, int], key: str) -> None:
    table[key] = table.get(key, 0) + 1


def _scripted(step: str | int, latency: float) -> Decision:
    if step == "ok":
        return Decision(None, None, latency, scripted=True)
    if isinstance(step, int):
        fault = "429" if step == 429 else "5xx" if step >= 500 else "status"
        return Decision(fault, step, latency, scripted=True)
    return Decision(step, None, latency, scripted=True)
