"""`dbt.<macro>()` stand-ins: the DuckDB SQL of dbt's cross-database macros (dbt-duckdb's implementations)."""

from __future__ import annotations


def dateadd(datepart: str, interval: object, from_date_or_timestamp: str) -> str:
    return f"({from_date_or_timestamp} + cast({interval} as bigint) * interval 1 {datepart})"


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"(date_diff('{datepart}', {first_date}::timestamp, {second_date}::timestamp))"


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def listagg(measure: str, delimiter_text: str = "','", order_by_clause: str | None = None, limit_num=None) -> str:
    return f"string_agg({measure}, {delimiter_text} {order_by_clause or ''})"


def type_string() -> str:
    return "varchar"
