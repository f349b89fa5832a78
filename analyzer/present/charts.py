"""Plotly figures built from an Analysis (used by the app, the HTML export and email reports).

Figures are plain objects, tested as such; nothing here imports streamlit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analyzer.core.analyze import Analysis
from analyzer.core.vocabulary import Verdict
from analyzer.present.chart_data import (
    OUTGROWN_FLOOR,
    SERIES_LABELS,
    breakdown_data,
    cost_curve_data,
    fleet_points,
    fleet_ranges,
    traffic_data,
)
from analyzer.present.palette import (
    CHART_TEMPLATE,
    CROSSOVER_COLOR,
    KIND_COLORS,
    KIND_DASHES,
    PART_COLORS,
    TRAFFIC_COLOR,
    TREND_COLOR,
    VERDICT_COLORS,
)
from analyzer.present.sentences import forecast_text

WEBGL_FUNCTIONS = 1000
"""Above this many functions the fleet chart draws its bubbles with WebGL (one canvas) instead
of one SVG element each, which a browser takes seconds to lay out at 10,000."""


def fleet_chart(
    analysis: Analysis,
    functions: pd.DataFrame | None = None,
    *,
    functions_df: pd.DataFrame | None = None,
) -> go.Figure:
    """Every function: traffic (x) vs headroom to its crossover (y), coloured by verdict,
    sized by Lambda spend. Headroom = crossover multiple (below 1: already outgrown).
    `functions` (alias `functions_df`): a filtered subset of `analysis.functions`; more than
    `WEBGL_FUNCTIONS` of them are drawn with WebGL (`Scattergl`), the same bubbles."""
    if functions is None:
        functions = functions_df
    f = analysis.functions if functions is None else functions
    scatter = go.Scattergl if len(f) > WEBGL_FUNCTIONS else go.Scatter
    fig = go.Figure()
    pts = fleet_points(analysis, f)
    size, headroom = pts["diameter"], pts["y"]
    for verdict in Verdict:
        color = VERDICT_COLORS[verdict]
        m = f["verdict"] == verdict
        if not m.any():
            continue
        custom = np.stack(
            [
                f.loc[m, "name"],
                f.loc[m, "account_name"],
                f.loc[m, "environment"],
                f.loc[m, "region"],
                f.loc[m, "lambda_usd_per_month"],
                f.loc[m, "saving_usd_per_month"],
                f.loc[m, "function_id"],
            ],
            axis=-1,
        )
        if scatter is go.Scattergl:  # text, not objects: 10,000 rows serialise 10x faster
            custom = custom.astype(str)  # (the hover's number formats read numbers in text)
        fig.add_trace(
            scatter(
                x=pts.loc[m, "x"],
                y=headroom[m],
                mode="markers",
                name=verdict.label,
                marker={
                    "color": color,
                    "size": size[m],
                    "opacity": 0.75,
                    "line": {"width": 1, "color": "white"},
                },
                customdata=custom,
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>%{customdata[1]} (%{customdata[2]}), "
                    "%{customdata[3]}"
                    "<br>%{x:,.0f} invocations/month<br>crossover at %{y:.2f}x today's traffic"
                    "<br>Lambda $%{customdata[4]:,.2f}/month<br>saving $%{customdata[5]:,.2f}/month"
                    "<extra></extra>"
                ),
            )
        )
    fig.add_hrect(
        y0=OUTGROWN_FLOOR,
        y1=1,
        fillcolor=VERDICT_COLORS[Verdict.OUTGROWN],
        opacity=0.08,
        line_width=0,
        annotation_text="outgrown zone (crossover below today's traffic)",
        annotation_position="bottom left",
    )
    fig.add_hline(y=1, line_dash="dot", line_color="#888")
    xrange, yrange = fleet_ranges(pts)
    fig.update_xaxes(
        type="log",
        title="Invocations per month (log scale)",
        range=xrange,
    )
    fig.update_yaxes(
        type="log",
        title="Crossover multiple of today's traffic (log scale)",
        range=yrange,
    )
    fig.update_layout(
        template=CHART_TEMPLATE,
        title="Which functions have outgrown Lambda",
        legend_title="Verdict",
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        height=480,
    )
    return fig


def cost_curve_chart(analysis: Analysis, function_id: str, points: int = 60) -> go.Figure:
    """Monthly cost of Lambda and each option against monthly invocations, with the crossover
    and a 'you are here' marker."""
    data = cost_curve_data(analysis, function_id, points)
    row, curves = data.row, data.curves
    fig = go.Figure()
    for kind in data.kinds:
        fig.add_trace(
            go.Scatter(
                x=curves["monthly_invocations"],
                y=curves[kind],
                name=SERIES_LABELS[kind],
                mode="lines",
                line={
                    "width": 3 if kind == "lambda" else 2,
                    "color": KIND_COLORS[kind],
                    "dash": KIND_DASHES[kind],
                },
                hovertemplate="$%{y:,.2f}/month",
            )
        )
    inv = float(row["monthly_invocations"])
    fig.add_trace(
        go.Scatter(
            x=[inv],
            y=[float(row["lambda_usd_per_month"])],
            mode="markers+text",
            name="You are here",
            text=["you are here"],
            textposition="top center",
            marker={"size": 12, "color": "black", "symbol": "diamond"},
            hovertemplate="today: $%{y:,.2f}/month",
        )
    )
    if data.crossover_invocations is not None:
        x = data.crossover_invocations
        fig.add_trace(
            go.Scatter(
                x=[x, x],
                y=list(data.cost_range),
                mode="lines",
                name=f"Crossover ({x:,.0f} invocations/month)",
                line={"color": CROSSOVER_COLOR, "dash": "dash", "width": 2},
                hoverinfo="skip",
            )
        )
    fig.update_xaxes(type="log", title="Invocations per month (log scale)")
    fig.update_yaxes(type="log", title="Cost, USD per month (log scale)")
    fig.update_layout(
        template=CHART_TEMPLATE,
        hovermode="x unified",
        title=f"{row['name']}: cost by traffic",
        legend={"orientation": "h", "y": -0.3},
        height=440,
        margin={"l": 60, "r": 20, "t": 50, "b": 90},
    )
    return fig


def traffic_chart(analysis: Analysis, function_id: str, horizon_months: float = 36.0) -> go.Figure:
    """Daily invocations over the window, the fitted trend carried forward, the crossover
    traffic (k* x today's daily mean) and the projected crossover date."""
    data = traffic_data(analysis, function_id, horizon_months)
    row, days = data.row, data.days
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=days,
            y=data.daily,
            mode="lines+markers" if len(days) < 8 else "lines",
            name="Invocations per day",
            line={"color": TRAFFIC_COLOR, "width": 1.5},
            hovertemplate="%{y:,.0f} invocations",
        )
    )
    if data.trend is not None:
        fig.add_trace(
            go.Scatter(
                x=data.trend_days,
                y=data.trend,
                mode="lines",
                name=f"Trend ({data.growth:+.1%} per month)",
                line={"color": TREND_COLOR, "dash": "dash", "width": 2},
                hovertemplate="%{y:,.0f} per day (trend)",
            )
        )
    k_star = float(row["crossover_multiple"])
    level = data.crossover_per_day
    if level is not None:
        fig.add_hline(y=level, line_dash="dot", line_color=CROSSOVER_COLOR)
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                name=f"Crossover: {level:,.0f} invocations/day ({k_star:,.2f}× today)",
                line={"color": CROSSOVER_COLOR, "dash": "dot", "width": 2},
            )
        )
    date = data.date
    if date is not None and level is not None:
        x = pd.Timestamp(date)
        fig.add_vline(
            x=x.timestamp() * 1000,
            line_dash="dash",
            line_color=CROSSOVER_COLOR,
            annotation_text=f"projected crossover {date}",
            annotation_position="bottom right",
        )
        fig.add_trace(
            go.Scatter(
                x=[x],
                y=[level],
                mode="markers",
                name=f"Projected crossover ({date})",
                hovertemplate=f"projected crossover {date}: %{{y:,.0f}} per day<extra></extra>",
                marker={"size": 11, "color": CROSSOVER_COLOR, "symbol": "x"},
            )
        )
    # One wording for the forecast (sentences.forecast_text), as in the table and e-mail.
    title = f"{row['name']}: traffic; forecast: {forecast_text(row, short=True)}"
    log_y = data.log_y
    fig.update_xaxes(title="Date (UTC)", tickformat="%Y-%m-%d", hoverformat="%Y-%m-%d")
    fig.update_yaxes(
        type="log" if log_y else "linear",
        title="Invocations per day" + (" (log scale)" if log_y else ""),
        rangemode="tozero" if not log_y else "normal",
    )
    fig.update_layout(
        template=CHART_TEMPLATE,
        hovermode="x unified",
        title=title,
        height=400,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def breakdown_chart(analysis: Analysis, function_id: str) -> go.Figure:
    """Stacked monthly cost: Lambda's parts next to each priced option's parts."""
    data = breakdown_data(analysis, function_id)
    row = data.row
    bars = ["<br>".join(lines) for lines in data.bars]
    fig = go.Figure()
    for name, values in data.parts.items():
        fig.add_trace(
            go.Bar(
                x=bars,
                y=values,
                name=name,
                marker_color=PART_COLORS.get(name),
                hovertemplate="%{x}: $%{y:,.2f}/month<extra>" + name + "</extra>",
            )
        )
    totals = data.totals
    fig.add_trace(
        go.Scatter(
            x=bars,
            y=totals,
            mode="text",
            text=[f"${t:,.0f}" for t in totals],
            textposition="top center",
            cliponaxis=False,
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.update_layout(
        template=CHART_TEMPLATE,
        barmode="stack",
        title=f"{row['name']}: monthly bill by part",
        height=480,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.22, "yanchor": "top"},
    )
    fig.update_yaxes(title="Cost, USD per month", range=[0, max(totals, default=1.0) * 1.18])
    # no axis title and level labels: on a phone the names stay readable above the legend
    fig.update_xaxes(tickangle=0, automargin=True)
    return fig
