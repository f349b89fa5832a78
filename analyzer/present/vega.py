"""The app's charts as Vega-Lite (Altair) specs: the browser draws them with Vega, which
Streamlit serves from its own files (0.8 MB), not with Plotly (a 4.7 MB script the browser
takes 1.5 to 2.5 s to load and evaluate). The exports and the e-mail keep the Plotly figures of
`analyzer.present.charts`: the same data (`analyzer.present.chart_data`), colours
(`analyzer.present.palette`) and names. Nothing here imports streamlit or plotly.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from analyzer.core.analyze import Analysis
from analyzer.core.vocabulary import VERDICT_LABELS, Verdict
from analyzer.present.chart_data import (
    FLEET_SELECTION,
    OUTGROWN_FLOOR,
    fleet_points,
    fleet_ranges,
)
from analyzer.present.palette import (
    VERDICT_COLORS,
)

FLEET_TITLE = "Which functions have outgrown Lambda"
X_TITLE = "Invocations per month (log scale)"
Y_TITLE = "Crossover multiple of today's traffic (log scale)"
CANVAS_FUNCTIONS = 1000
"""Above this many functions the bubbles are drawn on one canvas, not one SVG element each
(which a browser takes seconds to lay out at 10,000)."""


def _decades(lo: float, hi: float) -> list[float]:
    return [10.0**e for e in range(int(lo), int(hi) + 1)]


def fleet_chart(analysis: Analysis, functions: pd.DataFrame | None = None) -> alt.LayerChart:
    """Every function: traffic (x) vs headroom to its crossover (y), coloured by verdict (one
    legend entry each), sized by Lambda spend, with the outgrown zone below 1. Hovering a bubble
    names the function, where it runs and its money; clicking it selects its `function_id`
    (selection `FLEET_SELECTION`). `functions`: a filtered subset of `analysis.functions`."""
    f = analysis.functions if functions is None else functions
    pts = fleet_points(analysis, f)
    xr, yr = fleet_ranges(pts)
    verdicts = [v for v in Verdict if (f["verdict"] == v).any()]
    data = pd.DataFrame(
        {
            "function_id": f["function_id"].astype(str),
            "Function": f["name"].astype(str),
            "Runs in": f["account_name"].astype(str)
            + " ("
            + f["environment"].astype(str)
            + "), "
            + f["region"].astype(str),
            "Verdict": f["verdict"].astype(str).map(VERDICT_LABELS).to_numpy(),
            "invocations": pts["x"].to_numpy(float),
            "headroom": pts["y"].to_numpy(float),
            "area": (pts["diameter"] ** 2).to_numpy(float),  # Vega sizes by area (px²)
            "lambda": f["lambda_usd_per_month"].to_numpy(float),
            "saving": f["saving_usd_per_month"].to_numpy(float),
        }
    ).sort_values("area", ascending=False, kind="stable")  # small bubbles on top: clickable
    x = alt.X(
        "invocations:Q",
        title=X_TITLE,
        scale=alt.Scale(type="log", domain=[10 ** xr[0], 10 ** xr[1]], nice=False),
        axis=alt.Axis(values=_decades(*xr), format="~s", grid=True),
    )
    y_scale = alt.Scale(type="log", domain=[10 ** yr[0], 10 ** yr[1]], nice=False)
    y_axis = alt.Axis(values=_decades(*yr), format="~g", grid=True)
    pick = alt.selection_point(name=FLEET_SELECTION, fields=["function_id"], on="click")
    bubbles = (
        alt.Chart(data)
        .mark_circle(opacity=0.75, stroke="white", strokeWidth=1)
        .encode(
            x=x,
            y=alt.Y("headroom:Q", title=Y_TITLE, scale=y_scale, axis=y_axis),
            color=alt.Color(
                "Verdict:N",
                scale=alt.Scale(
                    domain=[v.label for v in verdicts],
                    range=[VERDICT_COLORS[v] for v in verdicts],
                ),
                legend=alt.Legend(title="Verdict", orient="top", direction="horizontal"),
            ),
            size=alt.Size("area:Q", scale=None, legend=None),
            tooltip=[
                alt.Tooltip("Function:N"),
                alt.Tooltip("Runs in:N"),
                alt.Tooltip("Verdict:N"),
                alt.Tooltip("invocations:Q", title="Invocations per month", format=",.0f"),
                alt.Tooltip("headroom:Q", title="Crossover at (× today's traffic)", format=".2f"),
                alt.Tooltip("lambda:Q", title="Lambda $/month", format="$,.2f"),
                alt.Tooltip("saving:Q", title="Saving $/month", format="$,.2f"),
            ],
        )
        .add_params(pick)
    )
    zone = pd.DataFrame({"y": [OUTGROWN_FLOOR], "y2": [1.0]})
    band = (
        alt.Chart(zone)
        .mark_rect(color=VERDICT_COLORS[Verdict.OUTGROWN], opacity=0.08)
        .encode(y=alt.Y("y:Q", scale=y_scale, axis=y_axis, title=Y_TITLE), y2="y2:Q")
    )
    note = (
        alt.Chart(zone)
        .mark_text(align="left", baseline="bottom", dx=6, dy=-4, color="#555", fontSize=11)
        .encode(
            x=alt.value(0),
            y=alt.Y("y:Q", scale=y_scale),
            text=alt.value("outgrown zone (crossover below today's traffic)"),
        )
    )
    line = (
        alt.Chart(pd.DataFrame({"y": [1.0]}))
        .mark_rule(color="#888", strokeDash=[2, 3])
        .encode(y=alt.Y("y:Q", scale=y_scale))
    )
    chart = alt.LayerChart(layer=[band, line, note, bubbles]).properties(
        title=FLEET_TITLE, height=480, width="container"
    )
    if len(f) > CANVAS_FUNCTIONS:
        chart = chart.properties(usermeta={"embedOptions": {"renderer": "canvas"}})
    return chart.configure_axis(labelFontSize=11, titleFontSize=12).configure_legend(
        labelFontSize=12
    )


DASHES: dict[str, list[float]] = {"solid": [1, 0], "dash": [7, 4], "dot": [2, 3]}
"""Plotly's line styles (`KIND_DASHES`) as Vega stroke dashes."""


def unified_hover(
    wide: pd.DataFrame, x: alt.X, tooltip: list[alt.Tooltip], name: str
) -> alt.LayerChart:
    """One tooltip for every series at the traffic (or day) nearest the pointer, and a rule
    there: Plotly's unified hover. `wide`: one row per x, a column per series."""
    near = alt.selection_point(
        name=name,
        nearest=True,
        on="pointerover",
        clear="pointerout",
        fields=[x.shorthand.split(":")[0]],
        empty=False,
    )
    points = (
        alt.Chart(wide).mark_point(opacity=0, size=1).encode(x=x, tooltip=tooltip).add_params(near)
    )
    rule = (
        alt.Chart(wide)
        .mark_rule(color="#999", strokeWidth=1)
        .encode(x=x, opacity=alt.condition(near, alt.value(0.8), alt.value(0)))
    )
    return alt.LayerChart(layer=[rule, points])


def finish(layers: list[Any], title: str, height: int) -> alt.LayerChart:
    """The function page's layered chart, its title, size and axis and legend styles set at
    once (each `.properties()` or `.configure_*()` would copy the whole chart again)."""
    return alt.LayerChart(
        layer=layers,
        title=alt.Title(title, anchor="start", fontSize=14),
        height=height,
        width="container",
        config=alt.Config(
            axis=alt.AxisConfig(labelFontSize=11, titleFontSize=12),
            legend=alt.LegendConfig(
                labelFontSize=12,
                orient="bottom",
                direction="horizontal",
                columns=2,
                labelLimit=320,
                title=None,
            ),
        ),
    )
