"""Small marts files with known rows, shaped like the dbt project's, for testing the dashboard's reads without a load.

The browser test uses the real demo data; these cover what the demo cannot stage on demand: a partial dbt project,
an empty one, two files to choose between, and exact values to compare against.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

ACTIVITY = """
create table marts.fct_active_visitors_daily as select * from (values
    (date '2026-03-02', 5, 2, 5, 0, 5, 5, 1.0::double, false, false),
    (date '2026-03-03', 3, 1, 1, 2, 6, 6, 0.5::double, false, false),
    (date '2026-03-04', 4, 2, 0, 4, 6, 6, 0.6666666666666666::double, false, false)
) as rows (activity_date, active_visitors, active_accounts, new_visitors, returning_visitors,
           weekly_active_visitors, monthly_active_visitors, stickiness, is_wau_complete, is_mau_complete)
"""

GUIDES = """
create table marts.dim_guides as select * from (values
    ('guide-a', 'Welcome tour', 3, 10, 4, 0.4::double),
    ('guide-"b"', 'Say "hi"', 1, 6, 6, 1.0::double),
    ('guide-c', '', 2, 0, 0, null)
) as rows (guide_id, guide_name, step_count, visitors_entered, visitors_completed, completion_rate)
"""

FUNNEL = """
create table marts.fct_guide_step_funnel as select * from (values
    ('guide-a', 'a-3', 3, 5, 5, 4, 1, 1, 0.8::double, 0.5::double),
    ('guide-a', 'a-1', 1, 12, 10, 8, 2, 3, 0.7::double, 1.0::double),
    ('guide-a', 'a-2', 2, 8, 7, 5, 1, 2, 0.7142857142857143::double, 0.7::double),
    ('guide-"b"', 'b-1', 1, 6, 6, 6, 0, 0, 1.0::double, 1.0::double)
) as rows (guide_id, guide_step_id, step_number, visitors_seen, visitors_reached, visitors_advanced,
           visitors_dismissed, visitors_dropped_off, step_conversion_rate, cumulative_conversion_rate)
"""

PROGRESS = """
create table marts.fct_guide_visitor_progress as select * from (values
    ('guide-a', 'v1', 'completed'), ('guide-a', 'v2', 'completed'), ('guide-a', 'v3', 'completed'),
    ('guide-a', 'v4', 'completed'), ('guide-a', 'v5', 'dismissed'), ('guide-a', 'v6', 'dismissed'),
    ('guide-a', 'v7', 'snoozed'), ('guide-a', 'v8', 'in_progress'), ('guide-"b"', 'v1', 'completed')
) as rows (guide_id, visitor_id, outcome)
"""

PAGES = """
create table marts.dim_pages as select * from (values
    ('page-1', 'Dashboard', 4), ('page-2', 'Reports', 2), ('page-3', '', 1)
) as rows (page_id, page_name, visitors);
create table marts.fct_page_daily as select * from (values
    ('page-1', date '2026-03-02', 10, 3), ('page-1', date '2026-03-03', 5, 2),
    ('page-2', date '2026-03-02', 30, 2),
    ('page-3', date '2026-03-04', 1, 1)
) as rows (page_id, activity_date, page_views, visitors)
"""

FEATURES = """
create table marts.dim_features as select * from (values
    ('feature-1', 'Export CSV', 2)
) as rows (feature_id, feature_name, visitors);
create table marts.fct_feature_daily as select * from (values
    ('feature-1', date '2026-03-02', 7, 2), ('feature-1', date '2026-03-03', 2, 1)
) as rows (feature_id, activity_date, clicks, visitors)
"""

NPS = """
create table marts.dim_polls as select * from (values
    ('poll-1', 'How likely are you to recommend us?')
) as rows (poll_id, poll_question);
create table marts.fct_poll_nps_periods as select * from (values
    ('poll-1', 'guide-"b"', 'week', date '2026-03-02', 4, 2, 1, 1, 25.0::double),
    ('poll-1', 'guide-"b"', 'week', date '2026-02-23', 2, 0, 0, 2, -100.0::double),
    ('poll-1', 'guide-"b"', 'month', date '2026-03-01', 4, 2, 1, 1, 25.0::double)
) as rows (poll_id, guide_id, period_type, period_start_date, scored_visitors, promoters, passives, detractors, nps)
"""

ALL_MARTS = (ACTIVITY, GUIDES, FUNNEL, PROGRESS, PAGES, FEATURES, NPS)

# What the walking skeleton built: two marts with their first columns only.
SKELETON_MARTS = (
    "create table marts.fct_active_visitors_daily as select * from (values (date '2026-03-02', 5), "
    "(date '2026-03-03', 3)) as rows (activity_date, active_visitors)",
    "create table marts.fct_guide_step_funnel as select * from (values ('guide-a', 'a-1', 1, 12), "
    "('guide-a', 'a-2', 2, 8)) as rows (guide_id, guide_step_id, step_number, visitors_seen)",
)


def write_marts(path: Path, statements: tuple[str, ...] = ALL_MARTS) -> Path:
    """A DuckDB file with schema `marts` holding the given tables; the connection is closed on return."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        for statement in statements:
            connection.execute(statement)
    return path
