"""Plotly figures built from an Analysis (used by the app, the HTML export and email reports).

Figures are plain objects, tested as such; nothing here imports streamlit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analyzer.core.analyze import Analysis
from analyzer.core.curves import cost_curves
from analyzer.core.forecast import DAYS_PER_MONTH, daily_matrix, fit_trend
from analyzer.core.vocabulary import KIND_LABELS, Verdict
from analyzer.present.chart_data import OUTGROWN_FLOOR, fleet_points, fleet_ranges
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

SERIES_LABELS: dict[str, str] = {"lambda": "Lambda", **KIND_LABELS}
"""Curve and bar names: Lambda, then every option kind."""


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
    row = _row(analysis, function_id)
    k_star = float(row["crossover_multiple"])
    hi = max(10.0, (k_star * 3) if np.isfinite(k_star) else 10.0)
    lo = min(0.1, k_star / 3) if np.isfinite(k_star) and k_star > 0 else 0.1
    ks = np.geomspace(lo, hi, points)
    curves = cost_curves(analysis, function_id, ks)
    fig = go.Figure()
    for kind in [c for c in ("lambda", "ec2", "fargate", "lmi") if c in curves]:
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
    if np.isfinite(k_star) and k_star > 0:
        ys = np.concatenate([np.asarray(curves[c], float) for c in curves if c in KIND_COLORS])
        ys = ys[np.isfinite(ys) & (ys > 0)]
        fig.add_trace(
            go.Scatter(
                x=[k_star * inv, k_star * inv],
                y=[float(ys.min()), float(ys.max())] if ys.size else [0.01, 1.0],
                mode="lines",
                name=f"Crossover ({k_star * inv:,.0f} invocations/month)",
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


def _row(analysis: Analysis, function_id: str) -> pd.Series:
    rows = analysis.functions[analysis.functions["function_id"] == function_id]
    if rows.empty:
        raise KeyError(function_id)
    return rows.iloc[0]


def traffic_chart(analysis: Analysis, function_id: str, horizon_months: float = 36.0) -> go.Figure:
    """Daily invocations over the window, the fitted trend carried forward, the crossover
    traffic (k* x today's daily mean) and the projected crossover date."""
    row = _row(analysis, function_id)
    fleet = analysis.fleet
    tr = fleet.subset([function_id]).traffic  # one function's rows (the fleet may be stored)
    daily = daily_matrix(tr, pd.Series([function_id]), fleet.start, fleet.end)
    day0 = fleet.start.floor("D")
    days = pd.date_range(day0, periods=daily.shape[1], freq="D")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=days,
            y=daily[0],
            mode="lines+markers" if daily.shape[1] < 8 else "lines",
            name="Invocations per day",
            line={"color": TRAFFIC_COLOR, "width": 1.5},
            hovertemplate="%{y:,.0f} invocations",
        )
    )
    trend = fit_trend(daily)
    growth = float(row["monthly_growth"])
    level_end = float(trend.level_end[0])
    mean_daily = float(trend.mean_daily[0])
    k_star = float(row["crossover_multiple"])
    months = float(row["months_to_crossover"])
    date = row["crossover_date"] if isinstance(row["crossover_date"], str) else None
    last_day = days[-1] if len(days) else fleet.end.floor("D")
    ymax = float(daily.max()) if daily.size else 1.0
    if np.isfinite(growth) and np.isfinite(level_end) and level_end > 0:
        ahead = min(horizon_months, months + 2) if np.isfinite(months) and months > 0 else 6.0
        ahead = max(ahead, 3.0)
        t = pd.date_range(days[0], last_day + pd.Timedelta(days=ahead * DAYS_PER_MONTH), freq="D")
        offset_months = ((t - last_day) / pd.Timedelta(days=1)).to_numpy(float) / DAYS_PER_MONTH
        y = level_end * np.power(1.0 + growth, offset_months)
        fig.add_trace(
            go.Scatter(
                x=t,
                y=y,
                mode="lines",
                name=f"Trend ({growth:+.1%} per month)",
                line={"color": TREND_COLOR, "dash": "dash", "width": 2},
                hovertemplate="%{y:,.0f} per day (trend)",
            )
        )
        ymax = max(ymax, float(y.max()))
    # k* is a multiple of the run rate (run_rate_multiple x the window's mean).
    run_rate_daily = float(row["run_rate_multiple"]) * mean_daily
    if np.isfinite(k_star) and mean_daily > 0:
        level = k_star * run_rate_daily
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
        ymax = max(ymax, level)
    if date is not None and k_star >= 1:
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
                y=[k_star * run_rate_daily],
                mode="markers",
                name=f"Projected crossover ({date})",
                hovertemplate=f"projected crossover {date}: %{{y:,.0f}} per day<extra></extra>",
                marker={"size": 11, "color": CROSSOVER_COLOR, "symbol": "x"},
            )
        )
    # One wording for the forecast (sentences.forecast_text), as in the table and e-mail.
    title = f"{row['name']}: traffic; forecast: {forecast_text(row, short=True)}"
    positive = daily[0][daily[0] > 0]
    log_y = bool(len(positive)) and ymax > 20 * float(np.median(positive))
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


LAMBDA_PARTS = {
    "lambda_requests_usd": "Requests",
    "lambda_duration_usd": "Duration",
    "lambda_provisioned_usd": "Provisioned concurrency",
    "lambda_storage_usd": "Ephemeral storage",
    "lambda_front_door_usd": "Front door (API Gateway / ALB)",
}
OPTION_PARTS = {
    "compute_usd": "Compute",
    "requests_usd": "Requests",
    "front_door_usd": "Front door (API Gateway / ALB)",
    "load_balancer_usd": "Load balancer",
    "management_fee_usd": "Management fee",
    "ops_usd": "Operations (people)",
}


def breakdown_chart(analysis: Analysis, function_id: str) -> go.Figure:
    """Stacked monthly cost: Lambda's parts next to each priced option's parts."""
    row = _row(analysis, function_id)
    opts = analysis.options[analysis.options["function_id"] == function_id].sort_values(
        "monthly_usd"
    )
    short = {"lmi": "Managed<br>Instances"}  # narrow names: four bars fit a phone
    bars = ["Lambda<br>today"] + [
        f"{short.get(k, SERIES_LABELS.get(k, k))}<br>{str(label).replace(' / ', '<br>')}"
        for k, label in zip(opts["kind"], opts["label"], strict=True)
    ]
    parts: dict[str, list[float]] = {}
    for col, name in LAMBDA_PARTS.items():
        parts.setdefault(name, [0.0] * len(bars))[0] = float(row[col])
    for col, name in OPTION_PARTS.items():
        col_values = opts[col].fillna(0.0).to_numpy(float) if col in opts else np.zeros(len(opts))
        series = parts.setdefault(name, [0.0] * len(bars))
        for i, v in enumerate(col_values, start=1):
            series[i] += float(v)
    fig = go.Figure()
    for name, values in parts.items():
        if not any(v > 0 for v in values):
            continue
        fig.add_trace(
            go.Bar(
                x=bars,
                y=values,
                name=name,
                marker_color=PART_COLORS.get(name),
                hovertemplate="%{x}: $%{y:,.2f}/month<extra>" + name + "</extra>",
            )
        )
    totals = [float(row["lambda_usd_per_month"]), *opts["monthly_usd"].astype(float)]
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
