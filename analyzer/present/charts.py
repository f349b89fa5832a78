"""Plotly figures built from an Analysis (used by the app, the HTML export and email reports).

Figures are plain objects, tested as such; nothing here imports streamlit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analyzer.core.engine import Analysis, cost_curves

VERDICT_COLORS = {"outgrown": "#d62728", "watch": "#ff7f0e", "stay": "#2ca02c"}
KIND_NAMES = {"lambda": "Lambda", "ec2": "EC2", "fargate": "Fargate", "lmi": "Lambda Managed Instances"}


def fleet_chart(analysis: Analysis, functions: pd.DataFrame | None = None) -> go.Figure:
    """Every function: traffic (x) vs headroom to its crossover (y), coloured by verdict,
    sized by Lambda spend. Headroom = crossover multiple (below 1: already outgrown)."""
    f = analysis.functions if functions is None else functions
    fig = go.Figure()
    spend = f["lambda_total_usd"].clip(lower=0)
    size = 8 + 40 * np.sqrt(spend / max(float(spend.max()), 1e-9))
    headroom = f["crossover_multiple"].fillna(analysis.assumptions.max_multiple).clip(lower=1e-2)
    for verdict, color in VERDICT_COLORS.items():
        m = f["verdict"] == verdict
        if not m.any():
            continue
        fig.add_trace(
            go.Scatter(
                x=f.loc[m, "monthly_invocations"].clip(lower=1), y=headroom[m], mode="markers",
                name=verdict.capitalize(),
                marker={"color": color, "size": size[m], "opacity": 0.75, "line": {"width": 1, "color": "white"}},
                customdata=np.stack(
                    [f.loc[m, "name"], f.loc[m, "account_name"], f.loc[m, "environment"], f.loc[m, "region"],
                     f.loc[m, "lambda_total_usd"], f.loc[m, "monthly_saving_usd"]], axis=-1),
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>%{customdata[1]} (%{customdata[2]}), %{customdata[3]}"
                    "<br>%{x:,.0f} invocations/month<br>crossover at %{y:.2f}x today's traffic"
                    "<br>Lambda $%{customdata[4]:,.2f}/month<br>saving $%{customdata[5]:,.2f}/month"
                    "<extra></extra>"
                ),
            )
        )
    fig.add_hrect(y0=1e-2, y1=1, fillcolor=VERDICT_COLORS["outgrown"], opacity=0.08, line_width=0,
                  annotation_text="outgrown zone (crossover below today's traffic)",
                  annotation_position="bottom left")
    fig.add_hline(y=1, line_dash="dot", line_color="#888")
    fig.update_xaxes(type="log", title="Invocations per month (log scale)")
    fig.update_yaxes(type="log", title="Crossover multiple of today's traffic (log scale)")
    fig.update_layout(title="Which functions have outgrown Lambda", legend_title="Verdict",
                      margin={"l": 60, "r": 20, "t": 50, "b": 50}, height=480)
    return fig


def cost_curve_chart(analysis: Analysis, function_id: str, points: int = 60) -> go.Figure:
    """Monthly cost of Lambda and each option against monthly invocations, with the crossover
    and a 'you are here' marker."""
    row = analysis.functions.set_index("function_id").loc[function_id]
    k_star = float(row["crossover_multiple"])
    hi = max(10.0, (k_star * 3) if np.isfinite(k_star) else 10.0)
    lo = min(0.1, k_star / 3) if np.isfinite(k_star) and k_star > 0 else 0.1
    ks = np.geomspace(lo, hi, points)
    curves = cost_curves(analysis, function_id, ks)
    fig = go.Figure()
    for kind in [c for c in ("lambda", "ec2", "fargate", "lmi") if c in curves]:
        fig.add_trace(go.Scatter(x=curves["monthly_invocations"], y=curves[kind], name=KIND_NAMES[kind],
                                 mode="lines", line={"width": 3 if kind == "lambda" else 2},
                                 hovertemplate="%{x:,.0f} invocations/month: $%{y:,.2f}/month<extra>"
                                 + KIND_NAMES[kind] + "</extra>"))
    inv = float(row["monthly_invocations"])
    fig.add_trace(go.Scatter(x=[inv], y=[float(row["lambda_total_usd"])], mode="markers+text",
                             name="You are here", text=["you are here"], textposition="top center",
                             marker={"size": 12, "color": "black", "symbol": "diamond"}))
    if np.isfinite(k_star) and k_star > 0:
        fig.add_vline(x=k_star * inv, line_dash="dash", line_color=VERDICT_COLORS["outgrown"],
                      annotation_text=f"crossover {k_star * inv:,.0f}/month", annotation_position="top")
    fig.update_xaxes(type="log", title="Invocations per month (log scale)")
    fig.update_yaxes(type="log", title="Cost, USD per month (log scale)")
    fig.update_layout(title=f"{row['name']}: cost by traffic", height=420,
                      margin={"l": 60, "r": 20, "t": 50, "b": 50})
    return fig
