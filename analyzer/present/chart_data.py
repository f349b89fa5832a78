"""What each chart draws, whatever draws it (Plotly in the exports and the e-mail, Vega-Lite in
the app): the fleet chart's bubbles and ranges, a function's cost curves, its traffic and trend,
its bill by part. No plotly or altair import here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.core.analyze import Analysis
from analyzer.core.curves import cost_curves
from analyzer.core.forecast import DAYS_PER_MONTH, daily_matrix, fit_trend
from analyzer.core.vocabulary import KIND_LABELS
from analyzer.present.palette import KIND_COLORS


def log_range(values: pd.Series | np.ndarray, min_decades: float = 2.0) -> list[float]:
    """A log axis range (log10 units) padded to whole decades and at least `min_decades`
    wide, so a filtered chart keeps labelled ticks."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return [0.0, min_decades]
    lo, hi = float(np.floor(np.log10(v.min()))), float(np.ceil(np.log10(v.max())))
    if hi - lo < min_decades:
        pad = (min_decades - (hi - lo)) / 2
        lo, hi = np.floor(lo - pad), np.ceil(hi + pad)
    return [float(lo), float(hi)]


FLEET_SELECTION = "bubble"
"""The name of the app's fleet-chart click selection (the app reads the clicked function from
it)."""

OUTGROWN_FLOOR = 1e-2
"""The bottom of the fleet chart's y axis: crossover multiples below it are drawn on it."""


def fleet_points(analysis: Analysis, functions: pd.DataFrame) -> pd.DataFrame:
    """One row per function (in `functions`' order): `x` traffic (invocations per month, at
    least 1), `y` headroom to its crossover (the crossover multiple; below 1: already outgrown;
    no crossover: the search limit), `diameter` in pixels (8 to 48, by Lambda spend)."""
    f = functions
    spend = f["lambda_usd_per_month"].clip(lower=0)
    return pd.DataFrame(
        {
            "x": f["monthly_invocations"].clip(lower=1),
            "y": f["crossover_multiple"]
            .fillna(analysis.assumptions.max_multiple)
            .clip(lower=OUTGROWN_FLOOR),
            "diameter": 8 + 40 * np.sqrt(spend / max(float(spend.max()), 1e-9)),
        },
        index=f.index,
    )


def fleet_ranges(points: pd.DataFrame) -> tuple[list[float], list[float]]:
    """The fleet chart's x and y ranges (log10 units, whole decades; y always shows the
    outgrown zone, from `OUTGROWN_FLOOR` to 1)."""
    y = np.append(points["y"].to_numpy(float), [OUTGROWN_FLOOR, 1.0])
    return log_range(points["x"]), log_range(y)


SERIES_LABELS: dict[str, str] = {"lambda": "Lambda", **KIND_LABELS}
"""Curve and bar names: Lambda, then every option kind."""

CURVE_KINDS = ("lambda", "ec2", "fargate", "lmi")


def function_row(analysis: Analysis, function_id: str) -> pd.Series:
    rows = analysis.functions[analysis.functions["function_id"] == function_id]
    if rows.empty:
        raise KeyError(function_id)
    return rows.iloc[0]


@dataclass(frozen=True)
class CostCurves:
    """One function's cost curves: `curves` (monthly_invocations and one column per priced kind
    of `CURVE_KINDS`, USD per month), today's point, and the crossover's traffic (None: no
    crossover in the range) with the curves' cost range for drawing it."""

    row: pd.Series
    curves: pd.DataFrame
    kinds: tuple[str, ...]
    crossover_invocations: float | None
    cost_range: tuple[float, float]


def cost_curve_data(analysis: Analysis, function_id: str, points: int = 60) -> CostCurves:
    row = function_row(analysis, function_id)
    k_star = float(row["crossover_multiple"])
    hi = max(10.0, (k_star * 3) if np.isfinite(k_star) else 10.0)
    lo = min(0.1, k_star / 3) if np.isfinite(k_star) and k_star > 0 else 0.1
    curves = cost_curves(analysis, function_id, np.geomspace(lo, hi, points))
    kinds = tuple(c for c in CURVE_KINDS if c in curves)
    ys = np.concatenate([np.asarray(curves[c], float) for c in curves if c in KIND_COLORS])
    ys = ys[np.isfinite(ys) & (ys > 0)]
    span = (float(ys.min()), float(ys.max())) if ys.size else (0.01, 1.0)
    inv = float(row["monthly_invocations"])
    crossing = k_star * inv if np.isfinite(k_star) and k_star > 0 else None
    return CostCurves(row, curves, kinds, crossing, span)


@dataclass(frozen=True)
class Traffic:
    """One function's daily invocations, its trend carried forward (None: no trend), the
    crossover traffic per day (None: no crossover) and the projected crossover date (None:
    none ahead), and whether the y axis is logarithmic."""

    row: pd.Series
    days: pd.DatetimeIndex
    daily: np.ndarray
    trend_days: pd.DatetimeIndex | None
    trend: np.ndarray | None
    growth: float
    crossover_per_day: float | None
    date: str | None
    log_y: bool


def traffic_data(analysis: Analysis, function_id: str, horizon_months: float = 36.0) -> Traffic:
    row = function_row(analysis, function_id)
    fleet = analysis.fleet
    tr = fleet.subset([function_id]).traffic  # one function's rows (the fleet may be stored)
    daily = daily_matrix(tr, pd.Series([function_id]), fleet.start, fleet.end)
    day0 = fleet.start.floor("D")
    days = pd.date_range(day0, periods=daily.shape[1], freq="D")
    trend = fit_trend(daily)
    growth = float(row["monthly_growth"])
    level_end = float(trend.level_end[0])
    mean_daily = float(trend.mean_daily[0])
    k_star = float(row["crossover_multiple"])
    months = float(row["months_to_crossover"])
    date = row["crossover_date"] if isinstance(row["crossover_date"], str) else None
    last_day = days[-1] if len(days) else fleet.end.floor("D")
    ymax = float(daily.max()) if daily.size else 1.0
    t: pd.DatetimeIndex | None = None
    y: np.ndarray | None = None
    if np.isfinite(growth) and np.isfinite(level_end) and level_end > 0:
        ahead = min(horizon_months, months + 2) if np.isfinite(months) and months > 0 else 6.0
        ahead = max(ahead, 3.0)
        t = pd.date_range(days[0], last_day + pd.Timedelta(days=ahead * DAYS_PER_MONTH), freq="D")
        offset_months = ((t - last_day) / pd.Timedelta(days=1)).to_numpy(float) / DAYS_PER_MONTH
        y = level_end * np.power(1.0 + growth, offset_months)
        ymax = max(ymax, float(y.max()))
    # k* is a multiple of the run rate (run_rate_multiple x the window's mean).
    run_rate_daily = float(row["run_rate_multiple"]) * mean_daily
    level = None
    if np.isfinite(k_star) and mean_daily > 0:
        level = k_star * run_rate_daily
        ymax = max(ymax, level)
    positive = daily[0][daily[0] > 0]
    log_y = bool(len(positive)) and ymax > 20 * float(np.median(positive))
    shown_date = date if date is not None and k_star >= 1 else None
    return Traffic(row, days, daily[0], t, y, growth, level, shown_date, log_y)


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


@dataclass(frozen=True)
class Breakdown:
    """One function's monthly bill by part: `bars` (Lambda today, then each priced option,
    cheapest first; each name a list of lines, short enough for a phone), `parts` (part name ->
    USD per month per bar; only parts with money) and each bar's total."""

    row: pd.Series
    bars: list[list[str]]
    parts: dict[str, list[float]]
    totals: list[float]


def breakdown_data(analysis: Analysis, function_id: str) -> Breakdown:
    row = function_row(analysis, function_id)
    opts = analysis.options[analysis.options["function_id"] == function_id].sort_values(
        "monthly_usd"
    )
    short = {"lmi": ["Managed", "Instances"]}  # narrow names: four bars fit a phone
    bars = [["Lambda", "today"]] + [
        [*short.get(k, [SERIES_LABELS.get(k, k)]), *str(label).split(" / ")]
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
    kept = {name: values for name, values in parts.items() if any(v > 0 for v in values)}
    totals = [float(row["lambda_usd_per_month"]), *opts["monthly_usd"].astype(float)]
    return Breakdown(row, bars, kept, totals)
