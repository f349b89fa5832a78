"""The app's charts as Vega-Lite specs (plain dicts, for `st.vega_lite_chart`): the browser draws
them with Vega, which Streamlit serves from its own files (0.8 MB), not with Plotly (a 4.7 MB
script the browser takes 1.5 to 2.5 s to load and evaluate). The exports and the e-mail keep the
Plotly figures of `analyzer.present.charts`: the same data (`analyzer.present.chart_data`),
colours (`analyzer.present.palette`) and names. Nothing here imports streamlit, plotly or
altair: the specs are written as dicts, made once per chart and kept (the app had converted and
schema-checked its Altair fleet chart again on every run; the schema check is now the tests').

Every spec keeps its data in `spec["datasets"]`, one DataFrame per name, each layer naming its
own (`{"data": {"name": ...}}`); the app sends them as Arrow tables. The names are stable, so a
chart whose data changes but whose spec does not (a filter) is updated, not drawn anew.
"""

from __future__ import annotations

from typing import Any

import numpy as np
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

Spec = dict[str, Any]

FLEET_TITLE = "Which functions have outgrown Lambda"
X_TITLE = "Invocations per month (log scale)"
Y_TITLE = "Crossover multiple of today's traffic (log scale)"
CANVAS_FUNCTIONS = 1000
"""Above this many functions the bubbles are drawn on one canvas, not one SVG element each
(which a browser takes seconds to lay out at 10,000)."""
FLEET_VIEW = "bubbles"
"""The name of the fleet chart's bubble layer (the click selection's view)."""
AXIS_CONFIG: Spec = {"labelFontSize": 11, "titleFontSize": 12}


def _decades(lo: float, hi: float) -> list[float]:
    return [10.0**e for e in range(int(lo), int(hi) + 1)]


def frame(df: pd.DataFrame) -> pd.DataFrame:
    """`df` as Vega reads it: dates as ISO 8601 text (as Altair writes them: UTC dates keep
    their offset), no index."""
    out = df.reset_index(drop=True)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = [None if pd.isna(v) else v.isoformat() for v in out[col]]
    return out


def field(name: str, kind: str = "quantitative", **more: Any) -> Spec:
    """An encoding channel on a data field."""
    return {"field": name, "type": kind, **more}


def tip(name: str, kind: str = "quantitative", title: str | None = None, fmt: str = "") -> Spec:
    """A tooltip entry."""
    out = field(name, kind)
    if fmt:
        out["format"] = fmt
    if title is not None:
        out["title"] = title
    return out


def log_scale(domain: list[float] | None = None) -> Spec:
    return {"type": "log"} if domain is None else {"type": "log", "domain": domain, "nice": False}


def fleet_chart(analysis: Analysis, functions: pd.DataFrame | None = None) -> Spec:
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
            "function_id": f["function_id"].astype(str).to_numpy(),
            "Function": f["name"].astype(str).to_numpy(),
            "Runs in": (
                f["account_name"].astype(str)
                + " ("
                + f["environment"].astype(str)
                + "), "
                + f["region"].astype(str)
            ).to_numpy(),
            "Verdict": f["verdict"].astype(str).map(VERDICT_LABELS).to_numpy(),
            "invocations": pts["x"].to_numpy(float),
            "headroom": pts["y"].to_numpy(float),
            "area": (pts["diameter"] ** 2).to_numpy(float),  # Vega sizes by area (px²)
            "lambda": f["lambda_usd_per_month"].to_numpy(float),
            "saving": f["saving_usd_per_month"].to_numpy(float),
        }
    ).sort_values("area", ascending=False, kind="stable")  # small bubbles on top: clickable
    x = field(
        "invocations",
        title=X_TITLE,
        scale=log_scale([10 ** xr[0], 10 ** xr[1]]),
        axis={"values": _decades(*xr), "format": "~s", "grid": True},
    )
    y_scale = log_scale([10 ** yr[0], 10 ** yr[1]])
    y_axis = {"values": _decades(*yr), "format": "~g", "grid": True}
    bubbles = {
        "name": FLEET_VIEW,
        "data": {"name": "functions"},
        "mark": {"type": "circle", "opacity": 0.75, "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "x": x,
            "y": field("headroom", title=Y_TITLE, scale=y_scale, axis=y_axis),
            "color": field(
                "Verdict",
                "nominal",
                scale={
                    "domain": [v.label for v in verdicts],
                    "range": [VERDICT_COLORS[v] for v in verdicts],
                },
                legend={"title": "Verdict", "orient": "top", "direction": "horizontal"},
            ),
            "size": field("area", scale=None, legend=None),
            "tooltip": [
                tip("Function", "nominal"),
                tip("Runs in", "nominal"),
                tip("Verdict", "nominal"),
                tip("invocations", title="Invocations per month", fmt=",.0f"),
                tip("headroom", title="Crossover at (× today's traffic)", fmt=".2f"),
                tip("lambda", title="Lambda $/month", fmt="$,.2f"),
                tip("saving", title="Saving $/month", fmt="$,.2f"),
            ],
        },
    }
    band = {
        "data": {"name": "zone"},
        "mark": {"type": "rect", "color": VERDICT_COLORS[Verdict.OUTGROWN], "opacity": 0.08},
        "encoding": {
            "y": field("y", title=Y_TITLE, scale=y_scale, axis=y_axis),
            "y2": {"field": "y2"},
        },
    }
    note = {
        "data": {"name": "zone"},
        "mark": {
            "type": "text",
            "align": "left",
            "baseline": "bottom",
            "dx": 6,
            "dy": -4,
            "color": "#555",
            "fontSize": 11,
        },
        "encoding": {
            "x": {"value": 0},
            "y": field("y", scale=y_scale),
            "text": {"value": "outgrown zone (crossover below today's traffic)"},
        },
    }
    line = {
        "data": {"name": "one"},
        "mark": {"type": "rule", "color": "#888", "strokeDash": [2, 3]},
        "encoding": {"y": field("y", scale=y_scale)},
    }
    spec: Spec = {
        "title": FLEET_TITLE,
        "height": 480,
        "width": "container",
        # Room at the sides: without it the container-wide chart cuts the left of the y axis's
        # title and the right of the last x label ("10G").
        "padding": {"left": 12, "top": 5, "right": 14, "bottom": 5},
        "layer": [band, line, note, bubbles],
        "params": [
            {
                "name": FLEET_SELECTION,
                "select": {"type": "point", "fields": ["function_id"], "on": "click"},
                "views": [FLEET_VIEW],
            }
        ],
        "config": {"axis": AXIS_CONFIG, "legend": {"labelFontSize": 12}},
        "datasets": {
            "zone": pd.DataFrame({"y": [OUTGROWN_FLOOR], "y2": [1.0]}),
            "one": pd.DataFrame({"y": [1.0]}),
            "functions": data.reset_index(drop=True),
        },
    }
    if len(f) > CANVAS_FUNCTIONS:
        spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    return spec


DASHES: dict[str, list[float]] = {"solid": [1, 0], "dash": [7, 4], "dot": [2, 3]}
"""Plotly's line styles (`KIND_DASHES`) as Vega stroke dashes."""


def unified_hover(x: Spec, tooltip: list[Spec], name: str, data: str) -> tuple[Spec, Spec]:
    """One tooltip for every series at the traffic (or day) nearest the pointer, and a rule
    there: Plotly's unified hover. `data`: the dataset with one row per x, a column per series.
    Returns the layer and its selection parameter (for the chart's `params`)."""
    view = f"{name}_points"
    param = {
        "name": name,
        "select": {
            "type": "point",
            "clear": "pointerout",
            "fields": [x["field"]],
            "nearest": True,
            "on": "pointerover",
        },
        "views": [view],
    }
    rule = {
        "mark": {"type": "rule", "color": "#999", "strokeWidth": 1},
        "encoding": {
            "x": x,
            "opacity": {"condition": {"param": name, "value": 0.8, "empty": False}, "value": 0},
        },
    }
    points = {
        "name": view,
        "mark": {"type": "point", "opacity": 0, "size": 1},
        "encoding": {"x": x, "tooltip": tooltip},
    }
    return {"data": {"name": data}, "layer": [rule, points]}, param


def finish(
    layers: list[Spec],
    title: str,
    height: int,
    datasets: dict[str, pd.DataFrame],
    params: list[Spec] | None = None,
) -> Spec:
    """The function page's layered chart: its title, size, axis and legend styles and data."""
    spec: Spec = {
        "title": {"text": title, "anchor": "start", "fontSize": 14},
        "height": height,
        "width": "container",
        "layer": layers,
        "config": {
            "axis": AXIS_CONFIG,
            "legend": {
                "labelFontSize": 12,
                "orient": "bottom",
                "direction": "horizontal",
                "columns": 2,
                "labelLimit": 320,
                "title": None,
            },
        },
        "datasets": {name: frame(df) for name, df in datasets.items()},
    }
    if params:
        spec["params"] = params
    return spec


def dataset_rows(spec: Spec, name: str) -> list[dict[str, Any]]:
    """The rows of one of `spec`'s datasets, as Vega reads them (missing values as None)."""
    df = spec["datasets"][name]
    return [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
        for r in df.to_dict(orient="records")
    ]
