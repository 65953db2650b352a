"""The marts dashboard: `make dashboard` serves it with `marimo run` on 127.0.0.1 (frontend served locally, no CDN).

It reads the published copy of the marts when one exists (`MARTS_DUCKDB_PATH`, default `<db>_marts.duckdb`), else
`DUCKDB_PATH` read-only, one connection per query (see dashboard/marts.py), so it never blocks a load. The panels
themselves live in dashboard/views.py; this file only wires them to the reload button and the pickers.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Pendo dashboard")

with app.setup:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import marimo as mo

    from dashboard import queries, views
    from dashboard.marts import MartsUnavailable, open_marts


@app.cell(hide_code=True)
def _():
    reload = mo.ui.button(label="Reload data", value=0, on_click=lambda clicks: clicks + 1)
    return (reload,)


@app.cell(hide_code=True)
def _(reload):
    _ = reload.value  # a click re-reads the marts (the published copy may have been replaced since)
    marts = open_marts()
    views.header(marts, reload)
    return (marts,)


@app.cell(hide_code=True)
def _(marts):
    mo.stop(not marts.ready, views.nothing_to_show(marts))
    return


@app.cell(hide_code=True)
def _(marts):
    mo.stop(not marts.ready)
    activity = views.activity(marts)
    activity.output  # noqa: B018 (marimo shows a cell's last expression)
    return (activity,)


@app.cell(hide_code=True)
def _(marts):
    mo.stop(not marts.ready)
    try:
        guide_list = queries.guides(marts)
    except MartsUnavailable as _error:
        guide_list = queries.Panel(note=str(_error))
    _options = views.guide_options(guide_list)
    guide_picker = mo.ui.dropdown(
        options=_options,
        value=views.default_guide(guide_list, _options),
        label="Guide",
        searchable=True,
        full_width=True,
    )
    return guide_list, guide_picker


@app.cell(hide_code=True)
def _(guide_list, guide_picker, marts):
    guide_view = views.guides(marts, guide_list, guide_picker)
    guide_view.output  # noqa: B018
    return (guide_view,)


@app.cell(hide_code=True)
def _(marts):
    mo.stop(not marts.ready)
    pages = views.product(marts, queries.PAGES)
    features = views.product(marts, queries.FEATURES)
    mo.vstack([pages.output, features.output], gap=2)
    return features, pages


@app.cell(hide_code=True)
def _():
    nps_period = mo.ui.radio(options=list(queries.NPS_PERIODS), value="week", inline=True, label="Period")
    return (nps_period,)


@app.cell(hide_code=True)
def _(marts, nps_period):
    mo.stop(not marts.ready)
    nps = views.nps(marts, nps_period)
    nps.output  # noqa: B018
    return (nps,)


@app.cell(hide_code=True)
def _(activity, features, guide_view, nps, pages):
    views.charts_ready(sum(view.charts for view in (activity, guide_view, pages, features, nps)))
    return


if __name__ == "__main__":
    app.run()
