"""Settings: each value resolved by dlt as in a run (from environment variables), parsed, and each invalid one
refused with one line that names its key."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest

from extract import settings as defaults
from extract.config import (
    SETTING_NAMES,
    ConfigError,
    PendoSourceConfiguration,
    WindowSize,
    load_settings,
    parse_duration,
    resolve_base_url,
)
from extract.settings import REGION_HOSTS
from tests.helpers import REPO_ROOT

VALID: dict[str, Any] = {
    "region": "us",
    "base_url": None,
    "start_date": "2026-01-01",
    "period": "day",
    "window": "1d",
    "lookback": "10d",
    "horizon": "8h",
    "page_size": "50000",
    "app_ids": "*",
    "include_anonymous": "true",
    "timezone": "America/New_York",
    "rows_per_load": "2000000",
    "answer_deadline": "900",
    "max_answer_bytes": "1073741824",
    "max_row_bytes": "16777216",
}


@contextmanager
def _environment(values: dict[str, Any]) -> Iterator[None]:
    """Only these `SOURCES__PENDO__*` variables (and a key), as a user would export them, for the block."""
    saved = dict(os.environ)
    for name in [name for name in os.environ if name.startswith("SOURCES__")]:
        del os.environ[name]
    os.environ["SOURCES__PENDO__INTEGRATION_KEY"] = "test-key"
    for key, value in values.items():
        if value is not None:
            os.environ[f"SOURCES__PENDO__{key.upper()}"] = str(value)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def settings(**changes: Any):
    """The settings dlt resolves from `VALID` with `changes`, as text in environment variables (as in a run)."""
    with _environment(VALID | changes):
        return load_settings()


def test_the_configuration_names_every_setting_with_its_type():
    assert ("integration_key", *VALID) == SETTING_NAMES
    fields = PendoSourceConfiguration.get_resolvable_fields()
    assert (fields["page_size"], fields["include_anonymous"], fields["start_date"]) == (int, bool, date)


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("us", "https://app.pendo.io"),
        ("us1", "https://us1.app.pendo.io"),
        ("eu", "https://app.eu.pendo.io"),
        ("jp", "https://app.jpn.pendo.io"),
        ("au", "https://app.au.pendo.io"),
        ("EU", "https://app.eu.pendo.io"),
    ],
)
def test_each_region_maps_to_its_pendo_host(region, host):
    assert resolve_base_url(region, None) == host
    assert settings(region=region).host == host.removeprefix("https://")


def test_every_region_of_the_notes_is_mapped():
    assert set(REGION_HOSTS) == {"us", "us1", "eu", "jp", "au"}


def test_base_url_wins_over_region_and_loses_its_trailing_slash():
    assert resolve_base_url("eu", "http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert resolve_base_url(None, "") == "https://app.pendo.io"


def test_defaults_are_typed():
    parsed = settings()
    assert parsed.start_date == date(2026, 1, 1)
    assert parsed.window == WindowSize(1, "day")
    assert parsed.lookback == timedelta(days=10)
    assert parsed.horizon == timedelta(hours=8)
    assert parsed.page_size == 50_000
    assert parsed.app_ids is None
    assert parsed.include_anonymous is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("8h", timedelta(hours=8)),
        ("10d", timedelta(days=10)),
        ("2w", timedelta(14)),
        ("0", timedelta(0)),
        (0, timedelta(0)),
        (" 3 days ", timedelta(days=3)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


def test_hour_windows_need_the_hour_period():
    assert settings(period="hour", window="6h").window == WindowSize(6, "hour")
    assert settings(period="hour", window="2d").window == WindowSize(2, "day")
    with pytest.raises(ConfigError, match="window"):
        settings(period="day", window="6h")


@pytest.mark.parametrize(
    ("key", "value", "expected_in_message"),
    [
        ("region", "mars", "sources.pendo.region"),
        ("base_url", "ftp://example.com", "sources.pendo.base_url"),
        ("base_url", "app.pendo.io", "sources.pendo.base_url"),
        ("start_date", "01/02/2026", "sources.pendo.start_date"),
        ("period", "week", "sources.pendo.period"),
        ("window", "0d", "sources.pendo.window"),
        ("window", "90m", "sources.pendo.window"),
        ("lookback", "ten days", "sources.pendo.lookback"),
        ("lookback", "-1d", "sources.pendo.lookback"),
        ("horizon", "8", "sources.pendo.horizon"),
        ("page_size", "0", "sources.pendo.page_size"),
        ("page_size", "lots", "sources.pendo.page_size"),
        ("page_size", "2000000", "sources.pendo.page_size"),
        ("app_ids", "web,mobile", "sources.pendo.app_ids"),
        ("include_anonymous", "maybe", "sources.pendo.include_anonymous"),
        ("timezone", "Mars/Olympus", "sources.pendo.timezone"),
        ("rows_per_load", "-5", "sources.pendo.rows_per_load"),
    ],
)
def test_invalid_values_are_refused_in_one_line_naming_the_key(key, value, expected_in_message):
    with pytest.raises(ConfigError) as raised:
        settings(**{key: value})
    message = str(raised.value)
    assert expected_in_message in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("*", None),
        (["*"], None),
        ("[-323232, 5668600916475904]", (-323232, 5668600916475904)),
        ("-323232,5668600916475904", (-323232, 5668600916475904)),
        ([-323232, "5668600916475904"], (-323232, 5668600916475904)),
        (-323232, (-323232,)),
    ],
)
def test_app_ids(value, expected):
    assert settings(app_ids=value).app_ids == expected


def test_timezone_defaults_to_the_variable_dbt_reads(monkeypatch):
    monkeypatch.setenv("PENDO_TIMEZONE", "Europe/Berlin")
    assert settings(timezone=None).timezone == "Europe/Berlin"
    monkeypatch.delenv("PENDO_TIMEZONE")
    assert settings(timezone=None).timezone == "America/New_York"


def _commented_defaults() -> dict[str, Any]:
    """The `# key = value` lines of [sources.pendo] in the committed .dlt/config.toml, read as TOML."""
    text = (REPO_ROOT / ".dlt" / "config.toml").read_text()
    section = text.split("[sources.pendo]\n", 1)[1].split("\n[", 1)[0]
    lines = [line[2:] for line in section.splitlines() if re.match(r"^# [a-z_]+ = ", line)]
    return tomllib.loads("\n".join(lines))


def test_config_toml_shows_the_defaults_of_settings_py_and_sets_none():
    shown = _commented_defaults()
    text = (REPO_ROOT / ".dlt" / "config.toml").read_text()
    section = text.split("[sources.pendo]\n", 1)[1].split("\n[", 1)[0]
    assert not [line for line in section.splitlines() if re.match(r"^[a-z_]+ *=", line)]  # nothing set here
    expected = {
        "region": defaults.DEFAULT_REGION,
        "base_url": defaults.REGION_HOSTS[defaults.DEFAULT_REGION],
        "start_date": defaults.DEFAULT_START_DATE,
        "period": defaults.DEFAULT_PERIOD,
        "window": defaults.DEFAULT_WINDOW,
        "lookback": defaults.DEFAULT_LOOKBACK,
        "horizon": defaults.DEFAULT_HORIZON,
        "page_size": defaults.DEFAULT_PAGE_SIZE,
        "app_ids": defaults.DEFAULT_APP_IDS,
        "include_anonymous": defaults.DEFAULT_INCLUDE_ANONYMOUS,
        "timezone": defaults.DEFAULT_TIMEZONE,
        "rows_per_load": defaults.DEFAULT_ROWS_PER_LOAD,
        "answer_deadline": defaults.DEFAULT_ANSWER_DEADLINE,
        "max_answer_bytes": defaults.DEFAULT_MAX_ANSWER_BYTES,
        "max_row_bytes": defaults.DEFAULT_MAX_ROW_BYTES,
    }
    assert shown == expected


def test_dbt_falls_back_to_the_same_time_zone():
    project = (REPO_ROOT / "transform" / "dbt_project.yml").read_text()
    fallback = re.search(r"env_var\('PENDO_TIMEZONE', '([^']+)'\)", project)
    assert fallback is not None
    assert fallback.group(1) == defaults.DEFAULT_TIMEZONE
