"""The function page's charts as Vega-Lite specs (plain dicts): cost curves, traffic and
forecast, bill by part. The same data (`analyzer.present.chart_data`), colours, line styles and
names as the exports' Plotly figures (`analyzer.present.charts`); see `analyzer.present.vega`
for why the app draws with Vega and writes its specs as dicts. Nothing here imports streamlit,
plotly or altair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.core.analyze import Analysis
from analyzer.present.chart_data import (
    SERIES_LABELS,
    breakdown_data,
    cost_curve_data,
    traffic_data,
)
from analyzer.present.palette import (
    CROSSOVER_COLOR,
    KIND_COLORS,
    KIND_DASHES,
    PART_COLORS,
    TRAFFIC_COLOR,
    TREND_COLOR,
)
from analyzer.present.sentences import forecast_text
from analyzer.present.vega import DASHES, Spec, field, finish, log_scale, tip, unified_hover

TREND_POINTS = 120
"""About how many points the app draws of a trend line (the exports draw one a day)."""


def _series(domain: list[str], colors: list[str], dashes: list[list[float]]) -> Spec:
    """The colour and stroke dash of each named line, one legend entry each."""
    return {
        "color": field("series", "nominal", scale={"domain": domain, "range": colors}, title=None),
        "strokeDash": field(
            "series", "nominal", scale={"domain": domain, "range": dashes}, title=None
        ),
        "detail": field("series", "nominal"),
    }


def cost_curve_chart(analysis: Analysis, function_id: str, points: int = 30) -> Spec:
    """Monthly cost of Lambda and each option (one colour and line style per kind, from the
    palette) against monthly invocations, the crossover (in the legend) and where the function
    is today; hovering shows every option's cost at that traffic."""
    data = cost_curve_data(analysis, function_id, points)
    row, curves = data.row, data.curves
    names = [SERIES_LABELS[k] for k in data.kinds]
    long = curves.melt(
        id_vars="monthly_invocations",
        value_vars=list(data.kinds),
        var_name="kind",
        value_name="usd",
    )
    long["series"] = long["kind"].map(SERIES_LABELS)
    domain, colors, dashes = (
        list(names),
        [KIND_COLORS[k] for k in data.kinds],
        [DASHES[KIND_DASHES[k]] for k in data.kinds],
    )
    if data.crossover_invocations is not None:
        label = f"Crossover ({data.crossover_invocations:,.0f} invocations/month)"
        cross = pd.DataFrame(
            {
                "monthly_invocations": [data.crossover_invocations] * 2,
                "usd": list(data.cost_range),
                "series": label,
            }
        )
        long = pd.concat([long, cross], ignore_index=True)
        domain.append(label)
        colors.append(CROSSOVER_COLOR)
        dashes.append(DASHES["dash"])
    long = long[long["usd"] > 0]
    x = field(
        "monthly_invocations",
        title="Invocations per month (log scale)",
        scale=log_scale(),
        axis={"format": "~s"},
    )
    y = field("usd", scale=log_scale())
    lines = {
        "data": {"name": "curves"},
        "mark": {"type": "line"},
        "encoding": {
            "x": x,
            "y": {**y, "title": "Cost, USD per month (log scale)", "axis": {"format": "$~s"}},
            **_series(domain, colors, dashes),
            "strokeWidth": {
                "condition": {"test": "(datum.series === 'Lambda')", "value": 3},
                "value": 2,
            },
        },
    }
    today = pd.DataFrame(
        {
            "monthly_invocations": [float(row["monthly_invocations"])],
            "usd": [float(row["lambda_usd_per_month"])],
        }
    )
    here = {
        "data": {"name": "today"},
        "mark": {
            "type": "point",
            "shape": "diamond",
            "size": 140,
            "filled": True,
            "color": "black",
        },
        "encoding": {
            "x": x,
            "y": y,
            "tooltip": [tip("usd", title="Today, Lambda $/month", fmt="$,.2f")],
        },
    }
    here_text = {
        "data": {"name": "today"},
        "mark": {"type": "text", "dy": -14, "fontSize": 12},
        "encoding": {"x": x, "y": y, "text": {"value": "you are here"}},
    }
    wide = curves[["monthly_invocations", *data.kinds]].rename(columns=SERIES_LABELS)
    tips = [tip("monthly_invocations", title="Invocations per month", fmt=",.0f")]
    tips += [tip(n, title=n, fmt="$,.2f") for n in names]
    hover, near = unified_hover(x, tips, "curve_hover", "hover")
    return finish(
        [lines, hover, here, here_text],
        f"{row['name']}: cost by traffic",
        440,
        {"curves": long, "hover": wide, "today": today},
        [near],
    )


def traffic_chart(analysis: Analysis, function_id: str, horizon_months: float = 36.0) -> Spec:
    """Daily invocations over the window, the fitted trend carried forward, the crossover
    traffic per day (in the legend) and the projected crossover date."""
    data = traffic_data(analysis, function_id, horizon_months)
    row = data.row
    k_star = float(row["crossover_multiple"])
    frames = [
        pd.DataFrame({"day": data.days, "per_day": data.daily, "series": "Invocations per day"})
    ]
    domain, colors, dashes = ["Invocations per day"], [TRAFFIC_COLOR], [DASHES["solid"]]
    trend: pd.DataFrame | None = None
    if data.trend is not None and data.trend_days is not None:
        # the trend is smooth: at most about TREND_POINTS points, its last day included (the
        # browser then draws and hovers a few hundred points, not a daily line over 3 years)
        n = len(data.trend_days)
        keep = np.unique(np.r_[np.arange(0, n, max(1, n // TREND_POINTS)), n - 1])
        trend = pd.DataFrame({"day": data.trend_days[keep], "per_day": data.trend[keep]})
    if trend is not None:
        label = f"Trend ({data.growth:+.1%} per month)"
        frames.append(trend.assign(series=label))
        domain.append(label)
        colors.append(TREND_COLOR)
        dashes.append(DASHES["dash"])
    last = max(f["day"].max() for f in frames)
    level = data.crossover_per_day
    if level is not None:
        label = f"Crossover: {level:,.0f} invocations/day ({k_star:,.2f}× today)"
        frames.append(
            pd.DataFrame({"day": [data.days[0], last], "per_day": [level, level], "series": label})
        )
        domain.append(label)
        colors.append(CROSSOVER_COLOR)
        dashes.append(DASHES["dot"])
    long = pd.concat(frames, ignore_index=True)
    if data.log_y:
        long = long[long["per_day"] > 0]
    y_title = "Invocations per day" + (" (log scale)" if data.log_y else "")
    y_scale = log_scale() if data.log_y else {"zero": True}
    x = field("day", "temporal", title="Date (UTC)", axis={"format": "%Y-%m-%d", "labelAngle": 0})
    y = field("per_day", title=y_title, scale=y_scale, axis={"format": "~s"})
    layers: list[Spec] = [
        {
            "data": {"name": "lines"},
            "mark": {"type": "line", "strokeWidth": 2},
            "encoding": {"x": x, "y": y, **_series(domain, colors, dashes)},
        }
    ]
    datasets = {"lines": long}
    if data.date is not None and level is not None:
        datasets["when"] = pd.DataFrame(
            {
                "day": [pd.Timestamp(data.date)],
                "per_day": [level],
                "text": [f"projected crossover {data.date}"],
            }
        )
        when = {"name": "when"}
        layers.append(
            {
                "data": when,
                "mark": {"type": "rule", "color": CROSSOVER_COLOR, "strokeDash": DASHES["dash"]},
                "encoding": {"x": x},
            }
        )
        layers.append(
            {
                "data": when,
                "mark": {
                    "type": "point",
                    "shape": "cross",
                    "size": 150,
                    "filled": True,
                    "color": CROSSOVER_COLOR,
                },
                "encoding": {
                    "x": x,
                    "y": y,
                    "tooltip": [
                        tip("text", "nominal", title="When"),
                        tip("per_day", title="Invocations per day", fmt=",.0f"),
                    ],
                },
            }
        )
        layers.append(
            {
                "data": when,
                "mark": {
                    "type": "text",
                    "align": "right",
                    "baseline": "top",
                    "dx": -6,
                    "dy": 8,
                    "color": CROSSOVER_COLOR,
                    "fontSize": 12,
                },
                "encoding": {"x": x, "y": y, "text": field("text", "nominal")},
            }
        )
    wide = pd.DataFrame({"day": data.days, "Invocations": data.daily})
    tips = [
        tip("day", "temporal", title="Date (UTC)", fmt="%Y-%m-%d"),
        tip("Invocations", fmt=",.0f"),
    ]
    if trend is not None:
        wide = wide.merge(trend.rename(columns={"per_day": "Trend"}), on="day", how="outer")
        tips.append(tip("Trend", title="Trend (per day)", fmt=",.0f"))
    hover, near = unified_hover(x, tips, "traffic_hover", "hover")
    layers.append(hover)
    datasets["hover"] = wide
    title = f"{row['name']}: traffic; forecast: {forecast_text(row, short=True)}"
    return finish(layers, title, 400, datasets, [near])


def breakdown_chart(analysis: Analysis, function_id: str) -> Spec:
    """Stacked monthly cost: Lambda's parts next to each priced option's parts (one colour per
    part, from the palette), each bar's total above it."""
    data = breakdown_data(analysis, function_id)
    bars = ["\n".join(lines) for lines in data.bars]
    long = pd.DataFrame(
        [
            (bar, name, v, i)
            for name, values in data.parts.items()
            for bar, v, i in zip(bars, values, range(len(bars)), strict=True)
        ],
        columns=["bar", "part", "usd", "order"],
    )
    names = list(data.parts)
    totals = pd.DataFrame(
        {"bar": bars, "usd": data.totals, "text": [f"${t:,.0f}" for t in data.totals]}
    )
    top = max(data.totals, default=1.0) * 1.18
    x = field(
        "bar",
        "nominal",
        sort=bars,
        title=None,
        axis={"labelAngle": 0, "labelExpr": "split(datum.label, '\\n')", "labelLimit": 200},
    )
    stack = {
        "data": {"name": "parts"},
        "mark": {"type": "bar"},
        "encoding": {
            "x": x,
            "y": field(
                "usd",
                aggregate="sum",
                title="Cost, USD per month",
                scale={"domain": [0, top]},
                axis={"format": "$,.0f"},
            ),
            "color": field(
                "part",
                "nominal",
                scale={"domain": names, "range": [PART_COLORS.get(n, "#999") for n in names]},
                sort=names,
                title=None,
            ),
            "order": field("part_order"),
            "tooltip": [
                tip("part", "nominal", title="Part"),
                tip("usd", title="$/month", fmt="$,.2f"),
            ],
        },
        "transform": [{"calculate": f"indexof({names!r}, datum.part)", "as": "part_order"}],
    }
    text = {
        "data": {"name": "totals"},
        "mark": {
            "type": "text",
            "baseline": "bottom",
            "dy": -4,
            "fontSize": 13,
            "fontWeight": "bold",
        },
        "encoding": {
            "x": x,
            "y": field("usd", scale={"domain": [0, top]}),
            "text": field("text", "nominal"),
        },
    }
    title = f"{data.row['name']}: monthly bill by part"
    return finish([stack, text], title, 480, {"parts": long, "totals": totals})
