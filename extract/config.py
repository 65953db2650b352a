"""The `[sources.pendo]` settings: a typed dlt configuration, checked before the first request.

dlt resolves the values (config.toml, secrets.toml, env vars such as `SOURCES__PENDO__LOOKBACK`) and coerces them to
the types of `PendoSourceConfiguration`, whose defaults are settings.py's. `parse_settings` then checks what a type
cannot say (ranges, choices, the region, the time zone, app ids) and parses the two formats of our own: durations
(`10d`) and window sizes (`6h`, `1d`). Anything invalid is refused with a one-line `ConfigError` that names the key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.exceptions import ConfigValueCannotBeCoercedException
from dlt.common.configuration.specs import BaseConfiguration
from dlt.common.typing import TSecretStrValue

from extract.pendo.urls import has_credentials, is_loopback, redact_url
from extract.settings import (
    DEFAULT_ANSWER_DEADLINE,
    DEFAULT_APP_IDS,
    DEFAULT_HORIZON,
    DEFAULT_INCLUDE_ANONYMOUS,
    DEFAULT_LOOKBACK,
    DEFAULT_MAX_ANSWER_BYTES,
    DEFAULT_MAX_ROW_BYTES,
    DEFAULT_PAGE_SIZE,
    DEFAULT_PERIOD,
    DEFAULT_REGION,
    DEFAULT_ROWS_PER_LOAD,
    DEFAULT_START_DATE,
    DEFAULT_TIMEZONE,
    DEFAULT_WINDOW,
    MAX_ANSWER_DEADLINE,
    MAX_BYTES,
    MAX_PAGE_SIZE,
    MAX_ROWS_PER_LOAD,
    NOW_ENV,
    PERIODS,
    REGION_HOSTS,
    SOURCE_NAME,
    TIMEZONE_ENV,
)

_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# What a value that dlt could not coerce to its field's type should have been.
_EXPECTED = {
    "start_date": "a date as YYYY-MM-DD",
    "page_size": f"a whole number from 1 to {MAX_PAGE_SIZE:,}",
    "rows_per_load": f"a whole number from 1 to {MAX_ROWS_PER_LOAD:,}",
    "include_anonymous": "true or false",
    "answer_deadline": f"a whole number of seconds from 1 to {MAX_ANSWER_DEADLINE:,}",
    "max_answer_bytes": f"a whole number of bytes from 1 to {MAX_BYTES:,}",
    "max_row_bytes": f"a whole number of bytes from 1 to {MAX_BYTES:,}",
}


class ConfigError(ValueError):
    """An invalid setting. The message is one line that names the key and says what is expected."""


@configspec
class PendoSourceConfiguration(BaseConfiguration):
    """The settings of the `pendo` source, as dlt resolves them under `[sources.pendo]`."""

    integration_key: TSecretStrValue = None
    region: str = DEFAULT_REGION
    base_url: str | None = None  # wins over region when set (Pendo Adopt, a proxy, the simulator)
    start_date: date = date.fromisoformat(DEFAULT_START_DATE)
    period: str = DEFAULT_PERIOD
    window: str = DEFAULT_WINDOW  # parsed by `_window`
    lookback: str = DEFAULT_LOOKBACK  # parsed by `parse_duration`
    horizon: str = DEFAULT_HORIZON  # parsed by `parse_duration`
    page_size: int = DEFAULT_PAGE_SIZE
    app_ids: Any = DEFAULT_APP_IDS  # "*", a TOML list of ids, or a comma-separated string of them (`_app_ids`)
    include_anonymous: bool = DEFAULT_INCLUDE_ANONYMOUS
    timezone: str | None = None  # None: $PENDO_TIMEZONE, else settings.DEFAULT_TIMEZONE
    rows_per_load: int = DEFAULT_ROWS_PER_LOAD
    answer_deadline: int = DEFAULT_ANSWER_DEADLINE  # seconds for a whole answer (request_timeout bounds each read)
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES  # one answer, decompressed
    max_row_bytes: int = DEFAULT_MAX_ROW_BYTES  # one row, so any one value in it


def coercion_message(field: str, value: Any) -> str:
    """One line for a value dlt could not coerce to the type of its `[sources.pendo]` field."""
    expected = _EXPECTED.get(field, "a value of another type")
    return f"invalid sources.pendo.{field} {value!r}: expected {expected}"


def is_source_field(field: str) -> bool:
    return field in SETTING_NAMES


# The settings, in the order of the configuration (dlt's own bookkeeping fields left out).
SETTING_NAMES = tuple(name for name, _ in PendoSourceConfiguration.get_resolvable_fields().items())


@dataclass(frozen=True)
class WindowSize:
    """The length of one extraction window: whole local days (DST-aware) or whole hours."""

    count: int
    unit: str  # "day" or "hour"

    def __str__(self) -> str:
        return f"{self.count}{self.unit[0]}"


@dataclass(frozen=True)
class Settings:
    base_url: str
    start_date: date
    period: str
    window: WindowSize
    lookback: timedelta
    horizon: timedelta
    page_size: int
    app_ids: tuple[int, ...] | None  # None: every app of the subscription (expandAppIds("*"))
    include_anonymous: bool
    timezone: str
    rows_per_load: int
    answer_deadline: float = DEFAULT_ANSWER_DEADLINE
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES
    max_row_bytes: int = DEFAULT_MAX_ROW_BYTES

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc


def load_settings() -> Settings:
    """The settings as dlt resolves them from its providers (env, .dlt/*.toml), checked; the integration key must be
    set too, as for a run."""
    try:
        config = resolve_configuration(PendoSourceConfiguration(), sections=("sources", SOURCE_NAME))
    except ConfigValueCannotBeCoercedException as error:
        raise ConfigError(coercion_message(error.field_name, error.field_value)) from None
    return parse_settings(**{name: getattr(config, name) for name in SETTING_NAMES if name != "integration_key"})


def subscription_timezone() -> str:
    """The subscription time zone as the extractor resolves it (`[sources.pendo] timezone`, its environment variable,
    then `PENDO_TIMEZONE`), checked; no other setting, not even the key, is needed. dbt gets it from here."""
    try:
        config = resolve_configuration(
            PendoSourceConfiguration(), sections=("sources", SOURCE_NAME), accept_partial=True
        )
    except ConfigValueCannotBeCoercedException as error:
        raise ConfigError(coercion_message(error.field_name, error.field_value)) from None
    return _timezone(config.timezone)


def parse_settings(
    *,
    region: str,
    base_url: str | None,
    start_date: date,
    period: str,
    window: str,
    lookback: str,
    horizon: str,
    page_size: int,
    app_ids: Any,
    include_anonymous: bool,
    timezone: str | None,
    rows_per_load: int,
    answer_deadline: int,
    max_answer_bytes: int,
    max_row_bytes: int,
) -> Settings:
    """Check every value (typed by dlt); the first invalid one raises `ConfigError`."""
    period_value = _choice("period", period, PERIODS)
    return Settings(
        base_url=resolve_base_url(region, base_url),
        start_date=_date("start_date", start_date),
        period=period_value,
        window=_window(window, period_value),
        lookback=_duration("lookback", lookback),
        horizon=_duration("horizon", horizon),
        page_size=_in_range("page_size", page_size, MAX_PAGE_SIZE),
        app_ids=_app_ids(app_ids),
        include_anonymous=_bool("include_anonymous", include_anonymous),
        timezone=_timezone(timezone),
        rows_per_load=_in_range("rows_per_load", rows_per_load, MAX_ROWS_PER_LOAD),
        answer_deadline=_in_range("answer_deadline", answer_deadline, MAX_ANSWER_DEADLINE),
        max_answer_bytes=_in_range("max_answer_bytes", max_answer_bytes, MAX_BYTES),
        max_row_bytes=_in_range("max_row_bytes", max_row_bytes, MAX_BYTES),
    )


def resolve_base_url(region: Any, base_url: Any) -> str:
    """`base_url` wins when set (Pendo Adopt, a proxy, the simulator); otherwise the region's host."""
    if base_url not in (None, ""):
        text = str(base_url).strip().rstrip("/")
        shown = redact_url(text)
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            example = REGION_HOSTS[DEFAULT_REGION]
            raise ConfigError(f"invalid sources.pendo.base_url {shown!r}: expected an http(s) URL such as {example}")
        if has_credentials(text):
            raise ConfigError(
                f"invalid sources.pendo.base_url {shown!r}: a user name or password in the URL is not supported "
                "(Pendo authenticates with the integration key alone); remove it"
            )
        if parts.scheme == "http" and not is_loopback(text):
            raise ConfigError(
                f"invalid sources.pendo.base_url {shown!r}: plain http would send the integration key unencrypted; "
                "use https (http is accepted only for 127.0.0.1, localhost and [::1])"
            )
        return text
    name = str(region if region is not None else DEFAULT_REGION).strip().lower()
    if name not in REGION_HOSTS:
        raise ConfigError(f"invalid sources.pendo.region {region!r}: expected one of {', '.join(REGION_HOSTS)}")
    return REGION_HOSTS[name]


def parse_duration(text: Any) -> timedelta:
    """'90m', '8h', '10d', '2w' (or 0) as a timedelta; raises ValueError otherwise."""
    if isinstance(text, bool):
        raise ValueError(text)
    if isinstance(text, int) and text == 0:
        return timedelta(0)
    match = _DURATION.match(str(text))
    if not match:
        if str(text).strip() == "0":
            return timedelta(0)
        raise ValueError(text)
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)[0].lower()])


def _duration(key: str, value: Any) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError:
        raise ConfigError(f"invalid sources.pendo.{key} {value!r}: expected a duration such as 8h, 10d or 0") from None


def _window(value: Any, period: str) -> WindowSize:
    try:
        length = parse_duration(value)
    except ValueError:
        length = None
    seconds = int(length.total_seconds()) if length is not None else 0
    if seconds <= 0 or seconds % 3600:
        raise ConfigError(f"invalid sources.pendo.window {value!r}: expected whole hours or days, such as 6h or 1d")
    if seconds % 86400 == 0:
        return WindowSize(seconds // 86400, "day")
    if period == "day":
        raise ConfigError(
            f"invalid sources.pendo.window {value!r}: with period = day a window is whole days (1d, 7d, …)"
        )
    return WindowSize(seconds // 3600, "hour")


def _choice(key: str, value: Any, choices: tuple[str, ...]) -> str:
    text = str(value).strip().lower() if value is not None else ""
    if text not in choices:
        raise ConfigError(f"invalid sources.pendo.{key} {value!r}: expected one of {', '.join(choices)}")
    return text


def _date(key: str, value: Any) -> date:
    """dlt turns the text into a date; a value passed to the source directly must be one already."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    raise ConfigError(coercion_message(key, value))


def _in_range(key: str, value: Any, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ConfigError(f"invalid sources.pendo.{key} {value!r}: expected a whole number from 1 to {maximum:,}")
    return value


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(coercion_message(key, value))
    return value


def _app_ids(value: Any) -> tuple[int, ...] | None:
    """'*' (every app), a list of app ids, or a comma-separated string of them."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().strip("[]")
        items: list[Any] = [part.strip().strip("'\"") for part in text.split(",") if part.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = [value]
    if items in ([], ["*"]):
        return None
    ids = []
    for item in items:
        try:
            if isinstance(item, bool):
                raise ValueError
            ids.append(int(str(item).strip()))
        except ValueError:
            raise ConfigError(
                f'invalid sources.pendo.app_ids {value!r}: expected "*" or a list of numeric app ids'
            ) from None
    return tuple(dict.fromkeys(ids))


def _timezone(value: Any) -> str:
    name = str(value).strip() if value not in (None, "") else os.environ.get(TIMEZONE_ENV) or DEFAULT_TIMEZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"invalid sources.pendo.timezone {name!r}: expected an IANA time zone such as America/New_York"
        ) from None
    return name


def extraction_now() -> datetime:
    """The instant the extractor treats as now: the real clock, or `EXTRACT_NOW` when a test pins it."""
    pinned = os.environ.get(NOW_ENV)
    if not pinned:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"invalid {NOW_ENV} {pinned!r}: expected an ISO 8601 instant") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
