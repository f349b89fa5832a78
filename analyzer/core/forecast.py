"""When will it outgrow Lambda: a robust trend of daily invocations, for the whole fleet at once.

Fit log(daily invocations) = a + b x day with Huber-weighted least squares (IRLS), vectorised
over functions (F x D arrays). Monthly growth g = exp(30.4167 b) - 1. Months to crossover from
the trend's level at the end of the window to k* x the window's mean: ln(target/level)/ln(1+g).
Confidence from days of data and fit quality (R^2 on the log scale, slope t-statistic).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 30.4167
MIN_DAYS = 7
FLAT_GROWTH = 0.005  # |monthly growth| below 0.5 % counts as flat
HUBER_C = 1.345
TUKEY_C = 4.685


@dataclass(frozen=True)
class Trend:
    monthly_growth: np.ndarray  # F (NaN where not fitted)
    level_end: np.ndarray  # F fitted daily invocations at the last day
    mean_daily: np.ndarray  # F
    r2: np.ndarray
    t_stat: np.ndarray
    days: np.ndarray  # days with data


def daily_matrix(
    traffic: pd.DataFrame,
    function_ids: pd.Series,
    start: pd.Timestamp,
    end: pd.Timestamp,
    codes: np.ndarray | None = None,
) -> np.ndarray:
    """F x D daily invocations (days from start's midnight to end).

    `codes` (optional): each traffic row's position in `function_ids`, when already known
    (`FleetData.traffic_codes()`), to skip matching the strings again."""
    day0 = start.floor("D")
    n_days = max(1, int(np.ceil((end - day0) / pd.Timedelta(days=1))))
    if codes is None:
        codes = pd.Index(function_ids).get_indexer(traffic["function_id"])
    # Integer day numbers straight from numpy's UTC datetimes (pandas' Timedelta floor division
    # on the Series costs several passes over every traffic row).
    t = traffic["timestamp"].to_numpy(dtype="datetime64[ns]")
    day0_ns = np.datetime64(day0.tz_convert("UTC").tz_localize(None), "ns")
    with np.errstate(invalid="ignore"):  # NaT rows: excluded below
        day = ((t - day0_ns) // np.timedelta64(1, "D")).astype(np.int64)
    f = len(function_ids)
    ok = (codes >= 0) & (day >= 0) & (day < n_days) & ~np.isnat(t)
    # bincount adds in row order, as np.add.at does, but an order of magnitude faster.
    flat = codes[ok].astype(np.int64) * n_days + day[ok]
    sums = np.bincount(flat, weights=traffic["invocations"].to_numpy()[ok], minlength=f * n_days)
    return sums.reshape(f, n_days)


def fit_trend(daily: np.ndarray, iterations: int = 12) -> Trend:
    f, d = daily.shape
    x = np.arange(d, dtype=float)[None, :].repeat(f, axis=0)
    valid = daily > 0
    y = np.log(np.where(valid, daily, 1.0))
    n = valid.sum(axis=1)
    w = valid.astype(float)
    a = np.zeros(f)
    b = np.zeros(f)
    for it in range(iterations):
        sw = w.sum(axis=1)
        sw_safe = np.where(sw > 0, sw, 1.0)
        xm = (w * x).sum(axis=1) / sw_safe
        ym = (w * y).sum(axis=1) / sw_safe
        sxx = (w * (x - xm[:, None]) ** 2).sum(axis=1)
        sxy = (w * (x - xm[:, None]) * (y - ym[:, None])).sum(axis=1)
        b = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
        a = ym - b * xm
        resid = np.where(valid, y - (a[:, None] + b[:, None] * x), np.nan)
        with np.errstate(all="ignore"):
            mad = np.nanmedian(np.abs(resid), axis=1) if d else np.zeros(f)
        scale = np.maximum(1.4826 * np.nan_to_num(mad), 1e-6)
        absr = np.abs(np.nan_to_num(resid))
        if it < iterations // 2:  # Huber first (convex: a safe start) ...
            rw = np.where(
                absr <= HUBER_C * scale[:, None],
                1.0,
                HUBER_C * scale[:, None] / np.maximum(absr, 1e-12),
            )
        else:  # ... then Tukey's biweight, which gives outlier days no weight at all
            u = absr / (TUKEY_C * scale[:, None])
            rw = np.where(u < 1.0, (1.0 - u**2) ** 2, 0.0)
        w = valid * rw
    resid = np.where(valid, y - (a[:, None] + b[:, None] * x), 0.0)
    sw = np.maximum(w.sum(axis=1), 1e-12)
    ym = (w * y).sum(axis=1) / sw
    ss_res = (w * resid**2).sum(axis=1)
    ss_tot = (w * (y - ym[:, None]) ** 2 * valid).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, 0.0)
        xm = (w * x).sum(axis=1) / sw
        sxx = (w * (x - xm[:, None]) ** 2).sum(axis=1)
        se = np.sqrt(ss_res / np.maximum(n - 2, 1) / np.where(sxx > 0, sxx, np.inf))
        t = np.where(se > 0, np.abs(b) / se, np.where(b != 0, np.inf, 0.0))
    fitted = n >= MIN_DAYS
    growth = np.where(fitted, np.exp(b * DAYS_PER_MONTH) - 1.0, np.nan)
    level_end = np.where(fitted, np.exp(a + b * (d - 1)), np.nan)
    mean_daily = daily.sum(axis=1) / max(d, 1)
    return Trend(growth, level_end, mean_daily, np.clip(r2, 0, 1), t, n)


@dataclass(frozen=True)
class Forecast:
    monthly_growth: np.ndarray
    months_to_crossover: np.ndarray  # NaN where no date
    crossover_date: np.ndarray  # object array of ISO dates or None
    confidence: np.ndarray  # high / medium / low
    note: np.ndarray  # why there is (no) date


def forecast(trend: Trend, multiple: np.ndarray, end: pd.Timestamp) -> Forecast:
    """Months and date at which the trend reaches `multiple` x today's mean traffic."""
    g = trend.monthly_growth
    f = len(g)
    months = np.full(f, np.nan)
    note = np.full(f, "", dtype=object)
    significant = trend.t_stat >= 2.0
    growing = (g > FLAT_GROWTH) & significant
    has_k = np.isfinite(multiple)
    already = has_k & (multiple < 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        target = multiple * trend.mean_daily
        m = np.log(target / trend.level_end) / np.log1p(g)
    ok = growing & has_k & ~already
    months = np.where(ok, np.maximum(m, 0.0), months)
    months = np.where(already, 0.0, months)
    note[:] = "traffic is flat: no crossover date"
    note[(g < -FLAT_GROWTH) & significant] = "traffic is falling: no crossover date"
    note[growing] = "growing traffic reaches the crossover"
    note[growing & ~has_k] = "growing, but no crossover within the searched range"
    note[already] = "already past the crossover"
    note[trend.days < MIN_DAYS] = f"fewer than {MIN_DAYS} days of data: no trend"
    months = np.where(trend.days < MIN_DAYS, np.where(already, 0.0, np.nan), months)
    day = pd.Timedelta(days=1)
    dates = np.full(f, None, dtype=object)
    last_day = (end - pd.Timedelta(hours=1)).normalize()
    fin = np.isfinite(months) & (months < 1200)
    if fin.any():
        offs = pd.to_timedelta(months[fin] * DAYS_PER_MONTH, unit="D").round("D")
        dates[fin] = (last_day + offs).strftime("%Y-%m-%d").to_numpy()
    _ = day
    conf = np.where(
        (trend.days >= 60) & (trend.r2 >= 0.6),
        "high",
        np.where((trend.days >= 21) & (trend.r2 >= 0.3), "medium", "low"),
    ).astype(object)
    conf[trend.days < MIN_DAYS] = "low"
    return Forecast(np.where(np.isnan(g), np.nan, g), months, dates, conf, note)
