"""The function page's charts as Vega-Lite (Altair) specs: cost curves, traffic and forecast,
bill by part. The same data (`analyzer.present.chart_data`), colours, line styles and names as
the exports' Plotly figures (`analyzer.present.charts`); see `analyzer.present.vega` for why
the app draws with Vega. Nothing here imports streamlit or plotly.
"""

from __future__ import annotations

from typing import Any

import altair as alt
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
from analyzer.present.vega import DASHES, finish, unified_hover

TREND_POINTS = 120
"""About how many points the app draws of a trend line (the exports draw one a day)."""


def cost_curve_chart(analysis: Analysis, function_id: str, points: int = 30) -> alt.LayerChart:
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
    x = alt.X(
        "monthly_invocations:Q",
        title="Invocations per month (log scale)",
        scale=alt.Scale(type="log"),
        axis=alt.Axis(format="~s"),
    )
    y_scale = alt.Scale(type="log")
    lines = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=x,
            y=alt.Y(
                "usd:Q",
                title="Cost, USD per month (log scale)",
                scale=y_scale,
                axis=alt.Axis(format="$~s"),
            ),
            color=alt.Color("series:N", scale=alt.Scale(domain=domain, range=colors), title=None),
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=domain, range=dashes), title=None
            ),
            strokeWidth=alt.condition(alt.datum.series == "Lambda", alt.value(3), alt.value(2)),
            detail="series:N",
        )
    )
    today = pd.DataFrame(
        {
            "monthly_invocations": [float(row["monthly_invocations"])],
            "usd": [float(row["lambda_usd_per_month"])],
        }
    )
    here = (
        alt.Chart(today)
        .mark_point(shape="diamond", size=140, filled=True, color="black")
        .encode(
            x=x,
            y=alt.Y("usd:Q", scale=y_scale),
            tooltip=[alt.Tooltip("usd:Q", title="Today, Lambda $/month", format="$,.2f")],
        )
    )
    here_text = (
        alt.Chart(today)
        .mark_text(dy=-14, fontSize=12)
        .encode(x=x, y=alt.Y("usd:Q", scale=y_scale), text=alt.value("you are here"))
    )
    wide = curves[["monthly_invocations", *data.kinds]].rename(columns=SERIES_LABELS)
    tips = [alt.Tooltip("monthly_invocations:Q", title="Invocations per month", format=",.0f")]
    tips += [alt.Tooltip(f"{n}:Q", title=n, format="$,.2f") for n in names]
    hover = unified_hover(wide, x, tips, "curve_hover")
    return finish(
        [lines, hover, here, here_text],
        f"{row['name']}: cost by traffic",
        440,
    )


def traffic_chart(
    analysis: Analysis, function_id: str, horizon_months: float = 36.0
) -> alt.LayerChart:
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
    y_scale = alt.Scale(type="log") if data.log_y else alt.Scale(zero=True)
    x = alt.X("day:T", title="Date (UTC)", axis=alt.Axis(format="%Y-%m-%d", labelAngle=0))
    y = alt.Y("per_day:Q", title=y_title, scale=y_scale, axis=alt.Axis(format="~s"))
    lines = (
        alt.Chart(long)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=alt.Color("series:N", scale=alt.Scale(domain=domain, range=colors), title=None),
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=domain, range=dashes), title=None
            ),
            detail="series:N",
        )
    )
    layers: list[Any] = [lines]
    if data.date is not None and level is not None:
        when = pd.DataFrame(
            {
                "day": [pd.Timestamp(data.date)],
                "per_day": [level],
                "text": [f"projected crossover {data.date}"],
            }
        )
        layers.append(
            alt.Chart(when).mark_rule(color=CROSSOVER_COLOR, strokeDash=DASHES["dash"]).encode(x=x)
        )
        layers.append(
            alt.Chart(when)
            .mark_point(shape="cross", size=150, filled=True, color=CROSSOVER_COLOR)
            .encode(
                x=x,
                y=y,
                tooltip=[
                    alt.Tooltip("text:N", title="When"),
                    alt.Tooltip("per_day:Q", title="Invocations per day", format=",.0f"),
                ],
            )
        )
        layers.append(
            alt.Chart(when)
            .mark_text(
                align="right", baseline="top", dx=-6, dy=8, color=CROSSOVER_COLOR, fontSize=12
            )
            .encode(x=x, y=y, text="text:N")
        )
    wide = pd.DataFrame({"day": data.days, "Invocations": data.daily})
    tips = [
        alt.Tooltip("day:T", title="Date (UTC)", format="%Y-%m-%d"),
        alt.Tooltip("Invocations:Q", format=",.0f"),
    ]
    if trend is not None:
        wide = wide.merge(trend.rename(columns={"per_day": "Trend"}), on="day", how="outer")
        tips.append(alt.Tooltip("Trend:Q", title="Trend (per day)", format=",.0f"))
    layers.append(unified_hover(wide, x, tips, "traffic_hover"))
    title = f"{row['name']}: traffic; forecast: {forecast_text(row, short=True)}"
    return finish(layers, title, 400)


def breakdown_chart(analysis: Analysis, function_id: str) -> alt.LayerChart:
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
    x = alt.X(
        "bar:N",
        sort=bars,
        title=None,
        axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, '\\n')", labelLimit=200),
    )
    stack = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "sum(usd):Q",
                title="Cost, USD per month",
                scale=alt.Scale(domain=[0, top]),
                axis=alt.Axis(format="$,.0f"),
            ),
            color=alt.Color(
                "part:N",
                scale=alt.Scale(domain=names, range=[PART_COLORS.get(n, "#999") for n in names]),
                sort=names,
                title=None,
            ),
            order=alt.Order("part_order:Q"),
            tooltip=[
                alt.Tooltip("part:N", title="Part"),
                alt.Tooltip("usd:Q", title="$/month", format="$,.2f"),
            ],
        )
        .transform_calculate(part_order=f"indexof({names!r}, datum.part)")
    )
    text = (
        alt.Chart(totals)
        .mark_text(baseline="bottom", dy=-4, fontSize=13, fontWeight="bold")
        .encode(x=x, y=alt.Y("usd:Q", scale=alt.Scale(domain=[0, top])), text="text:N")
    )
    return finish([stack, text], f"{data.row['name']}: monthly bill by part", 480)
