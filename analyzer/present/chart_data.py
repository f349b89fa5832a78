"""What the fleet chart draws, whatever draws it (Plotly in the exports and the e-mail,
Vega-Lite in the app): axis ranges and each bubble's place and size. No plotly import here."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.core.analyze import Analysis


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
