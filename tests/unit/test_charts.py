"""Plotly figures as objects: traces, axes (types, titles with units), markers, sums."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd
import pytest

from analyzer.core.analyze import Analysis, analyze
from analyzer.core.demo import demo_fleet
from analyzer.present.charts import (
    breakdown_chart,
    cost_curve_chart,
    fleet_chart,
    traffic_chart,
)
from analyzer.present.palette import CHART_TEMPLATE, CROSSOVER_COLOR, KIND_COLORS
from analyzer.present.sentences import forecast_text


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return analyze(demo_fleet())


def _fid(a: Analysis, verdict: str, dated: bool = False) -> str:
    f = a.functions[a.functions["verdict"] == verdict]
    if dated:
        f = f[f["crossover_date"].notna() & (f["crossover_multiple"] > 1)]
    return str(f.sort_values("lambda_usd_per_month").iloc[-1]["function_id"])


def test_fleet_chart_one_trace_per_verdict_log_axes_and_outgrown_zone(analysis: Analysis) -> None:
    fig = fleet_chart(analysis)
    names = {t.name for t in fig.data}
    assert names == {"Outgrown", "Watch", "Stay"}
    assert sum(len(t.x) for t in fig.data) == len(analysis.functions)
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.yaxis.type == "log"
    assert "per month" in fig.layout.xaxis.title.text
    assert "multiple" in fig.layout.yaxis.title.text
    zone = [s for s in fig.layout.shapes if s.type == "rect"]
    assert zone
    assert zone[0].y1 == 1
    outgrown = next(t for t in fig.data if t.name == "Outgrown")
    assert (np.asarray(outgrown.y) < 1).all()
    hover = outgrown.hovertemplate
    assert "customdata[1]" in hover
    assert "customdata[3]" in hover
    assert "$" in hover


def test_fleet_chart_draws_only_the_filtered_functions(analysis: Analysis) -> None:
    prod = analysis.functions[analysis.functions["environment"] == "prod"]
    fig = fleet_chart(analysis, functions_df=prod)
    assert sum(len(t.x) for t in fig.data) == len(prod) < len(analysis.functions)
    names = {str(n) for t in fig.data for n in np.asarray(t.customdata)[:, 0]}
    assert names == set(prod["name"])


def test_fleet_chart_bubbles_grow_with_spend(analysis: Analysis) -> None:
    fig = fleet_chart(analysis)
    sizes = np.concatenate([np.asarray(t.marker.size) for t in fig.data])
    spend = np.concatenate([np.asarray(t.customdata)[:, 4].astype(float) for t in fig.data])
    assert sizes[np.argmax(spend)] == sizes.max()


def test_a_fleet_of_10000_functions_is_drawn_with_webgl_the_same_bubbles(
    analysis: Analysis,
) -> None:
    small = fleet_chart(analysis)
    big_fleet = pd.concat([analysis.functions] * 150, ignore_index=True)  # 10,050 functions
    big_fleet["function_id"] = [f"f-{i}" for i in range(len(big_fleet))]
    big = fleet_chart(analysis, big_fleet)
    assert {t.type for t in small.data} == {"scatter"}  # the demo: one SVG bubble each
    assert {t.type for t in big.data} == {"scattergl"}  # one canvas, not 10,050 elements
    assert sum(len(t.x) for t in big.data) == 10_050
    for s, b in zip(small.data, big.data, strict=True):  # same verdicts, colours, sizes
        assert (s.name, s.marker.color, s.hovertemplate) == (
            b.name,
            b.marker.color,
            b.hovertemplate,
        )
        n = len(s.x)
        assert np.allclose(np.asarray(s.marker.size), np.asarray(b.marker.size)[:n])
        sc, bc = np.asarray(s.customdata), np.asarray(b.customdata)
        assert list(sc[:, 0]) == list(bc[:n, 0])  # names
        assert np.allclose(sc[:, 4].astype(float), bc[:n, 4].astype(float))  # spend, to the cent
    assert str(np.asarray(big.data[0].customdata)[0, -1]).startswith("f-")  # a click opens it


def test_cost_curve_chart_has_every_option_you_are_here_and_crossover(analysis: Analysis) -> None:
    fid = _fid(analysis, "watch", dated=True)
    row = analysis.functions.set_index("function_id").loc[fid]
    fig = cost_curve_chart(analysis, fid)
    names = [t.name for t in fig.data]
    for n in ("Lambda", "EC2", "Fargate", "Lambda Managed Instances", "You are here"):
        assert n in names
    here = fig.data[names.index("You are here")]
    assert here.x[0] == pytest.approx(row["monthly_invocations"])
    assert here.y[0] == pytest.approx(row["lambda_usd_per_month"])
    crossover = next(t for t in fig.data if str(t.name).startswith("Crossover"))  # in the legend
    assert crossover.x[0] == pytest.approx(row["crossover_multiple"] * row["monthly_invocations"])
    assert crossover.line.color == CROSSOVER_COLOR
    assert fig.layout.hovermode == "x unified"
    assert "USD per month" in fig.layout.yaxis.title.text
    assert "Invocations per month" in fig.layout.xaxis.title.text


def test_traffic_chart_shows_daily_history_trend_and_projected_crossover(
    analysis: Analysis,
) -> None:
    fid = _fid(analysis, "watch", dated=True)
    row = analysis.functions.set_index("function_id").loc[fid]
    fig = traffic_chart(analysis, fid)
    history = fig.data[0]
    assert len(history.x) == 90  # the demo's 90 days, one point per day
    tr = analysis.fleet.subset([fid]).traffic
    assert float(np.sum(history.y)) == pytest.approx(
        float(tr.loc[tr["function_id"] == fid, "invocations"].sum())
    )
    trend = next(t for t in fig.data if str(t.name).startswith("Trend"))
    assert f"{row['monthly_growth']:+.1%}" in trend.name
    assert pd.Timestamp(trend.x[-1]) > pd.Timestamp(history.x[-1])  # carried forward
    marker = next(t for t in fig.data if str(t.name).startswith("Projected crossover"))
    assert pd.Timestamp(marker.x[0]) == pd.Timestamp(cast(str, row["crossover_date"]))
    mean_daily = float(np.mean(history.y))
    # k* is a multiple of the run rate, run_rate_multiple x the window's mean daily traffic.
    run_rate_daily = row["run_rate_multiple"] * mean_daily
    assert marker.y[0] == pytest.approx(row["crossover_multiple"] * run_rate_daily, rel=1e-6)
    # The title words the forecast as the table and e-mail do (one wording); the marker has the day.
    assert fig.layout.title.text.endswith(
        f"forecast: {forecast_text(cast(pd.Series, row), short=True)}"
    )
    assert "per day" in fig.layout.yaxis.title.text
    assert "Date" in fig.layout.xaxis.title.text


def test_traffic_chart_of_an_outgrown_function_says_it_is_past_the_crossover(
    analysis: Analysis,
) -> None:
    fig = traffic_chart(analysis, _fid(analysis, "outgrown"))
    assert "already past the crossover" in fig.layout.title.text
    assert not any(str(t.name).startswith("Projected crossover") for t in fig.data)


def test_breakdown_chart_stacks_add_up_to_each_bill(analysis: Analysis) -> None:
    fid = _fid(analysis, "outgrown")
    row = analysis.functions.set_index("function_id").loc[fid]
    opts = analysis.options[analysis.options["function_id"] == fid].sort_values("monthly_usd")
    fig = breakdown_chart(analysis, fid)
    assert fig.layout.barmode == "stack"
    bars = [t for t in fig.data if t.type == "bar"]
    stacked = np.sum([np.asarray(t.y, dtype=float) for t in bars], axis=0)
    assert stacked[0] == pytest.approx(row["lambda_usd_per_month"], rel=1e-6)
    assert stacked[1:] == pytest.approx(opts["monthly_usd"].to_numpy(float), rel=1e-6)
    assert len(bars[0].x) == 1 + len(opts)
    assert "USD per month" in fig.layout.yaxis.title.text
    assert {t.name for t in bars} >= {"Requests", "Duration", "Compute"}


def test_unknown_function_is_a_key_error(analysis: Analysis) -> None:
    with pytest.raises(KeyError):
        traffic_chart(analysis, "nope")


def test_each_option_kind_has_one_colour_in_every_function_and_no_theme_leaks(
    analysis: Analysis,
) -> None:
    import plotly.io as pio
    import streamlit  # noqa: F401 - importing it makes "streamlit" plotly's default template

    assert pio.templates.default == "streamlit"
    names = {"Lambda": "lambda", "EC2": "ec2", "Fargate": "fargate"}
    names["Lambda Managed Instances"] = "lmi"
    seen: dict[str, set[str]] = {}
    for verdict in ("outgrown", "watch", "stay"):
        fig = cost_curve_chart(analysis, _fid(analysis, verdict))
        for t in fig.data:
            if t.name in names:
                seen.setdefault(t.name, set()).add(t.line.color)
        assert fig.layout.template == pio.templates[CHART_TEMPLATE]
    assert seen == {name: {KIND_COLORS[kind]} for name, kind in names.items()}
    assert len(set(KIND_COLORS.values())) == len(KIND_COLORS)  # Fargate is not LMI's colour
    for fig in (fleet_chart(analysis), breakdown_chart(analysis, _fid(analysis, "outgrown"))):
        assert fig.layout.template == pio.templates[CHART_TEMPLATE]


def test_a_filtered_fleet_chart_keeps_two_labelled_decades_on_each_log_axis(
    analysis: Analysis,
) -> None:
    one = analysis.functions.iloc[[0]]
    fig = fleet_chart(analysis, one)
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        lo, hi = axis.range
        assert hi - lo >= 2
        assert lo == int(lo) and hi == int(hi)  # whole decades: 10^n ticks are labelled
