"""When will it outgrow Lambda: a robust trend of daily invocations, for the whole fleet at once.

The fit: log(daily invocations) = a + b x day + s(day of week), with Huber then Tukey weights
(IRLS), vectorised over functions (F x D arrays; the design matrix is shared by every function,
so each IRLS step is two matrix products and a batched 8 x 8 solve). The day-of-week terms keep
weekends from counting as outliers; they are fitted from 14 days of data. Days with no traffic
are not data; a day only partly inside the window counts at its hourly rate (24 x invocations /
hours covered), and from half a day.

Monthly growth g = exp(DAYS_PER_MONTH b) - 1, with a GROWTH_INTERVAL (90 %) confidence interval
from the slope's standard error (Student-t quantile). The trend's level at the window end is
the arithmetic mean of the fitted week at the last day, scaled so that the fit reproduces the
traffic of the days it weighed.

The run rate (`run_rate`): the traffic the next month runs at. Where the growth interval
excludes zero, the trend's level at the window end; otherwise (flat or too noisy to tell) the
last 7 days' mean. Its ratio to the window's mean daily traffic is the multiple r that turns
window-basis figures into run-rate ones (crossover multiple k*_run-rate = k*_window / r).

The forecast (`forecast`): months from the window end until the run rate grown at g reaches the
crossover, and a range: the earliest from the interval's upper growth, the latest from its
lower growth, pivoting the line at the fit's centre (where level and slope are uncorrelated).
Never before the window end; beyond HORIZON_MONTHS no date is given ("more than 3 years").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.core.fleet import hours_since

DAYS_PER_MONTH = 30.4167
MIN_DAYS = 7
SEASONAL_DAYS = 14  # the day-of-week terms are fitted from two weeks of days in the window
HUBER_C = 1.345
TUKEY_C = 4.685
GROWTH_INTERVAL = 0.90  # two-sided confidence of the monthly-growth interval
Z_90 = 1.6448536269514722  # the standard normal's 95th percentile
HORIZON_MONTHS = 36.0  # dates beyond this are shown as "more than 3 years"
LAST_DAYS = 7  # the run rate where the trend is weak: the last 7 days' mean

BASIS_TREND = "trend"
BASIS_LAST_7_DAYS = "last 7 days"
BASIS_WINDOW = "window"  # fewer than 7 days of data: the window mean is all there is
RUN_RATE_BASES = (BASIS_TREND, BASIS_LAST_7_DAYS, BASIS_WINDOW)


@dataclass(frozen=True)
class Trend:
    monthly_growth: np.ndarray  # F (NaN where not fitted)
    growth_low: np.ndarray  # F, the GROWTH_INTERVAL interval's ends
    growth_high: np.ndarray
    level_end: np.ndarray  # F fitted daily invocations at the last day (mean over the week)
    mean_daily: np.ndarray  # F, the window's mean daily invocations
    last_days_mean: np.ndarray  # F, the last LAST_DAYS days' mean daily invocations
    r2: np.ndarray
    t_stat: np.ndarray
    days: np.ndarray  # days with data
    centre_days: np.ndarray  # F, days from the fit's centre to the last day

    @property
    def significant(self) -> np.ndarray:
        """The growth interval excludes zero (growing or falling, not flat)."""
        return (self.growth_low > 0) | (self.growth_high < 0)


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
    # Integer day numbers from the timestamps' raw integers (pandas' Timedelta floor division
    # on the Series costs several passes over every traffic row; missing ones: -1).
    day = hours_since(traffic["timestamp"], day0) // 24
    f = len(function_ids)
    ok = (codes >= 0) & (day >= 0) & (day < n_days)
    # bincount adds in row order, as np.add.at does, but an order of magnitude faster.
    flat = codes[ok].astype(np.int64) * n_days + day[ok]
    sums = np.bincount(flat, weights=traffic["invocations"].to_numpy()[ok], minlength=f * n_days)
    return sums.reshape(f, n_days)


def day_coverage(start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """The share of each day of `daily_matrix` inside the window [start, end) (D,)."""
    day0 = start.floor("D")
    n_days = max(1, int(np.ceil((end - day0) / pd.Timedelta(days=1))))
    edges = (day0 + pd.to_timedelta(np.arange(n_days + 1), unit="D")).as_unit("ns").asi8
    lo = np.maximum(edges[:-1], start.as_unit("ns").value)
    hi = np.minimum(edges[1:], end.as_unit("ns").value)
    return np.clip((hi - lo) / pd.Timedelta(days=1).as_unit("ns").value, 0.0, 1.0)


def t_quantile(df: np.ndarray) -> np.ndarray:
    """Student t's 95th percentile for `df` degrees of freedom (Cornish-Fisher expansion;
    within 0.3 % from 3 degrees of freedom)."""
    z = Z_90
    v = np.maximum(np.asarray(df, dtype=float), 1.0)
    return z + (z**3 + z) / (4 * v) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)


def _design(d: int) -> np.ndarray:
    """D x p: intercept, day number (from the window's middle day), and (from SEASONAL_DAYS) six day-of-week indicators."""
    x = np.arange(d, dtype=float) - (d - 1) / 2.0  # centred: a well-conditioned system
    cols = [np.ones(d), x]
    if d >= SEASONAL_DAYS:
        dow = np.arange(d) % 7
        cols += [(dow == j).astype(float) for j in range(1, 7)]
    return np.stack(cols, axis=1)


def _normal(w: np.ndarray, design: np.ndarray) -> np.ndarray:
    """The weighted normal matrices X'WX of every row of w (F x D): F x p x p."""
    p = design.shape[1]
    outer = (design[:, :, None] * design[:, None, :]).reshape(len(design), p * p)
    normal = (w @ outer).reshape(-1, p, p)
    # A tiny ridge keeps rows solvable (few days, a weekday never seen); it does not move a fit.
    scale = np.maximum(w.sum(axis=1), 1e-12)[:, None, None]
    return normal + np.eye(p)[None] * 1e-12 * scale


def _solve(w: np.ndarray, y: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Weighted least squares for every row of w (F x D) at once: coefficients F x p."""
    return np.linalg.solve(_normal(w, design), ((w * y) @ design)[:, :, None])[:, :, 0]


def _row_median(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The median of each row's valid entries (0 where a row has none), by one sort."""
    f, d = values.shape
    if d == 0:
        return np.zeros(f)
    ordered = np.sort(np.where(valid, values, np.inf), axis=1)
    n = valid.sum(axis=1)
    lo = np.clip((n - 1) // 2, 0, d - 1)
    hi = np.clip(n // 2, 0, d - 1)
    rows = np.arange(f)
    med = 0.5 * (ordered[rows, lo] + ordered[rows, hi])
    return np.where(n > 0, med, 0.0)


def _irls(
    y: np.ndarray, valid: np.ndarray, design: np.ndarray, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Robust weights (F x D) and residual scales (F,): Huber first, then Tukey's biweight."""
    f = len(y)
    w = valid.astype(float)
    scale = np.ones(f)
    for it in range(iterations):
        coef = _solve(w, y, design)
        absr = np.abs(np.where(valid, y - coef @ design.T, 0.0))
        scale = np.maximum(1.4826 * _row_median(absr, valid), 1e-6)
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
    return w, scale


def _robust_variance(resid: np.ndarray, valid: np.ndarray, scale: np.ndarray, p: int) -> np.ndarray:
    """The residual variance factor of an M-estimator (Huber 1981, 7.6): sum(psi^2) / (n - p)
    / (sum(psi') / n)^2, to multiply (X'X)^-1 by; with Tukey's psi(r) = r w(r). The weighted
    residuals alone understate it (downweighted days look like a better fit than there is)."""
    u = np.where(valid, resid / (TUKEY_C * scale[:, None]), 0.0)
    inside = np.abs(u) < 1.0
    psi = np.where(inside, u * (1.0 - u**2) ** 2, 0.0) * TUKEY_C * scale[:, None]
    dpsi = np.where(inside & valid, (1.0 - u**2) * (1.0 - 5.0 * u**2), 0.0)
    n = np.maximum(valid.sum(axis=1), 1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_dpsi = dpsi.sum(axis=1) / n
        psi_var = (psi**2).sum(axis=1) / np.maximum(n - p, 1.0)
        return np.where(mean_dpsi > 0.05, psi_var / mean_dpsi**2, np.inf)


def fit_trend(daily: np.ndarray, iterations: int = 12, coverage: np.ndarray | None = None) -> Trend:
    """The robust trend of every row of `daily` (F x D invocations per day); `coverage` (D,):
    the share of each day inside the window (`day_coverage`; default whole days)."""
    f, d = daily.shape
    cover = np.ones(d) if coverage is None else np.asarray(coverage, dtype=float)
    whole = cover >= 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(whole[None, :], daily / np.where(cover > 0, cover, 1.0)[None, :], 0.0)
    design = _design(d)
    p = design.shape[1]
    valid = rate > 0
    y = np.log(np.where(valid, rate, 1.0))
    n = valid.sum(axis=1)
    w, scale = _irls(y, valid, design, iterations)
    coef = _solve(w, y, design)
    fitted_log = coef @ design.T
    robust_var = _robust_variance(y - fitted_log, valid, scale, p)
    # (X'X)^-1's slope element: solve X'X v = e_slope.
    e_slope = np.zeros((f, p, 1))
    e_slope[:, 1, 0] = 1.0
    slope_var = np.linalg.solve(_normal(valid.astype(float), design), e_slope)[:, 1, 0]
    resid = np.where(valid, y - fitted_log, 0.0)
    sw = np.maximum(w.sum(axis=1), 1e-12)
    ym = (w * y).sum(axis=1) / sw
    ss_res = (w * resid**2).sum(axis=1)
    ss_tot = (w * (y - ym[:, None]) ** 2 * valid).sum(axis=1)
    b = coef[:, 1]
    df = np.maximum(n - p, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, 0.0)
        se = np.sqrt(np.maximum(robust_var * slope_var, 0.0))
        t = np.where(se > 0, np.abs(b) / se, np.where(b != 0, np.inf, 0.0))
        half = t_quantile(df) * se
        # The arithmetic weekly mean of the fit at the last day, scaled so that the fit
        # reproduces the traffic of the days it weighed (undoing the log scale's bias).
        smear = (w * rate).sum(axis=1) / np.maximum((w * np.exp(fitted_log)).sum(axis=1), 1e-300)
        week = design[-7:] if d >= 7 else design
        week = week.copy()
        week[:, 1] = (d - 1) / 2.0  # the last day
        level = smear * np.exp(coef @ week.T).mean(axis=1)
        centre = (w * np.arange(d)[None, :]).sum(axis=1) / sw
        fitted = n >= MIN_DAYS
        nan = np.full(f, np.nan)
        growth = np.where(fitted, np.expm1(b * DAYS_PER_MONTH), nan)
        low = np.where(fitted, np.expm1((b - half) * DAYS_PER_MONTH), nan)
        high = np.where(fitted, np.expm1((b + half) * DAYS_PER_MONTH), nan)
    whole_days = np.flatnonzero(whole)
    last = whole_days[-LAST_DAYS:] if whole_days.size else np.arange(d)
    mean_daily = daily.sum(axis=1) / max(float(cover.sum()), 1e-12)
    last_mean = rate[:, last].mean(axis=1) if last.size else mean_daily
    return Trend(
        monthly_growth=growth,
        growth_low=low,
        growth_high=high,
        level_end=np.where(fitted, level, nan),
        mean_daily=mean_daily,
        last_days_mean=last_mean,
        r2=np.clip(r2, 0, 1),
        t_stat=t,
        days=n,
        centre_days=np.where(fitted, (d - 1) - centre, nan),
    )


@dataclass(frozen=True)
class RunRate:
    """Each function's run rate as a multiple of its window mean, and what it was taken from."""

    multiple: np.ndarray  # r = run-rate daily invocations / the window's mean daily invocations
    basis: np.ndarray  # object: BASIS_TREND, BASIS_LAST_7_DAYS or BASIS_WINDOW


def run_rate(trend: Trend) -> RunRate:
    """The trend's level at the window end where the growth interval excludes zero, else the
    last 7 days' mean (the window mean with fewer than 7 days of data, or no traffic)."""
    f = len(trend.mean_daily)
    basis = np.full(f, BASIS_LAST_7_DAYS, dtype=object)
    use_trend = trend.significant & np.isfinite(trend.level_end)
    basis[use_trend] = BASIS_TREND
    few = (trend.days < MIN_DAYS) | ~(trend.mean_daily > 0)
    basis[few] = BASIS_WINDOW
    level = np.where(use_trend, trend.level_end, trend.last_days_mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(few, 1.0, level / trend.mean_daily)
    r = np.where(np.isfinite(r) & (r > 0), r, 1.0)
    return RunRate(r, basis)


@dataclass(frozen=True)
class Forecast:
    monthly_growth: np.ndarray
    growth_low: np.ndarray
    growth_high: np.ndarray
    months_to_crossover: np.ndarray  # NaN where no date; 0 when already past
    months_earliest: np.ndarray  # NaN where no range
    months_latest: np.ndarray  # NaN where no range; inf when the lower growth is not > 0
    crossover_date: np.ndarray  # object array of ISO dates or None (none beyond the horizon)
    date_earliest: np.ndarray
    date_latest: np.ndarray
    confidence: np.ndarray  # high / medium / low
    note: np.ndarray  # why there is (no) date


def _dates(months: np.ndarray, last_day: pd.Timestamp) -> np.ndarray:
    out = np.full(len(months), None, dtype=object)
    ok = np.isfinite(months) & (months <= HORIZON_MONTHS)
    if ok.any():
        offs = pd.to_timedelta(months[ok] * DAYS_PER_MONTH, unit="D").round("D")
        out[ok] = (last_day + offs).strftime("%Y-%m-%d").to_numpy()
    return out


def forecast(trend: Trend, multiple: np.ndarray, end: pd.Timestamp) -> Forecast:
    """Months and dates at which the run rate, growing at the trend, reaches `multiple` x the
    run rate (the crossover multiple on the run-rate basis)."""
    g, lo, hi = trend.monthly_growth, trend.growth_low, trend.growth_high
    f = len(g)
    note = np.full(f, "traffic is flat: no crossover date", dtype=object)
    few = trend.days < MIN_DAYS
    has_k = np.isfinite(multiple)
    already = has_k & (multiple < 1.0)
    growing = (lo > 0) & ~few
    falling = (hi < 0) & ~few
    ok = growing & has_k & ~already
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        b = np.log1p(g) / DAYS_PER_MONTH  # per day
        b_lo = np.log1p(lo) / DAYS_PER_MONTH
        b_hi = np.log1p(hi) / DAYS_PER_MONTH
        ln_k = np.log(multiple)
        point = ln_k / np.log1p(g)
        # Pivot at the centre of the fit: ln k + b x centre_days is the rise still needed
        # from the centre; each end of the growth interval covers it at its own pace.
        rise = ln_k + b * trend.centre_days
        earliest = (rise / b_hi - trend.centre_days) / DAYS_PER_MONTH
        latest = np.where(b_lo > 0, (rise / b_lo - trend.centre_days) / DAYS_PER_MONTH, np.inf)
    nan = np.full(f, np.nan)
    months = np.where(ok, np.maximum(point, 0.0), nan)
    months = np.where(already, 0.0, months)
    earliest = np.where(ok, np.clip(earliest, 0.0, months), nan)
    latest = np.where(ok, np.maximum(latest, months), nan)
    note[falling] = "traffic is falling: no crossover date"
    note[growing] = "growing traffic reaches the crossover"
    note[ok & (months > HORIZON_MONTHS)] = "growing, but the crossover is more than 3 years away"
    note[growing & ~has_k] = "growing, but no crossover within the searched range"
    note[already] = "already past the crossover"
    note[few & ~already] = f"fewer than {MIN_DAYS} days of data: no trend"
    last_day = (end - pd.Timedelta(hours=1)).normalize()
    conf = np.where(
        (trend.days >= 60) & (trend.r2 >= 0.6),
        "high",
        np.where((trend.days >= 21) & (trend.r2 >= 0.3), "medium", "low"),
    ).astype(object)
    conf[few] = "low"
    return Forecast(
        monthly_growth=g,
        growth_low=lo,
        growth_high=hi,
        months_to_crossover=months,
        months_earliest=earliest,
        months_latest=latest,
        crossover_date=_dates(np.where(already, np.nan, months), last_day),
        date_earliest=_dates(earliest, last_day),
        date_latest=_dates(latest, last_day),
        confidence=conf,
        note=note,
    )
