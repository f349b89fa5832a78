"""The forecast on traffic with a weekly cycle (weekdays 1.4x weekends) and steady growth: the
growth interval and the crossover date range hold the truth as often as they say they do, and
a function just above its run rate crosses in months, not "now"."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analyzer.core.forecast import (
    DAYS_PER_MONTH,
    GROWTH_INTERVAL,
    fit_trend,
    forecast,
    run_rate,
)

WEEKDAY_OVER_WEEKEND = 1.4
NOISE = 0.03  # log-scale day-to-day noise (3%)
REPLICATES = 300
END = pd.Timestamp("2027-01-01T00:00Z")


def week_shape(days: int) -> np.ndarray:
    """Day-of-week factors with a weekly mean of 1: weekdays 1.4x the weekend days."""
    weekend = 7 / (5 * WEEKDAY_OVER_WEEKEND + 2)
    dow = (np.arange(days) + 3) % 7  # the window starts on a Thursday
    return np.where(dow < 5, WEEKDAY_OVER_WEEKEND * weekend, weekend)


def weekly_traffic(growth: float, days: int, seed: int, n: int = REPLICATES) -> np.ndarray:
    """n replicates (rows) of `days` daily invocations: 10,000 a day at the window's start
    (weekly mean), growing `growth` a month, with the weekly cycle and mean-one noise."""
    rng = np.random.default_rng(seed)
    level = 10_000.0 * (1 + growth) ** (np.arange(days) / DAYS_PER_MONTH)
    noise = rng.lognormal(-(NOISE**2) / 2, NOISE, (n, days))
    return level * week_shape(days) * noise


def true_months(growth: float, days: int, target_daily: np.ndarray) -> np.ndarray:
    """Months after the window's last day at which the true weekly level reaches `target_daily`."""
    level_last = 10_000.0 * (1 + growth) ** ((days - 1) / DAYS_PER_MONTH)
    return np.log(target_daily / level_last) / np.log1p(growth)


@pytest.mark.parametrize("days", [60, 180, 455])
@pytest.mark.parametrize("growth", [0.01, 0.02, 0.05])
def test_growth_interval_and_date_range_hold_the_truth(growth: float, days: int) -> None:
    daily = weekly_traffic(growth, days, seed=days * 100 + round(growth * 100))
    trend = fit_trend(daily)
    inside = (trend.growth_low <= growth) & (growth <= trend.growth_high)
    # A 90% interval holds the truth about 90% of the time (300 replicates: +-5 points).
    assert GROWTH_INTERVAL == 0.90
    assert 0.84 <= inside.mean() <= 0.97, inside.mean()
    # The point estimate is unbiased: weekends are not outliers dragging it to the weekdays.
    assert np.median(trend.monthly_growth) == pytest.approx(growth, abs=0.002)
    # A crossover 5 months of growth above the window's last true level.
    rate = run_rate(trend)
    target = 10_000.0 * (1 + growth) ** ((days - 1) / DAYS_PER_MONTH + 5)
    k_window = target / trend.mean_daily
    out = forecast(trend, k_window / rate.multiple, END)
    truth = true_months(growth, days, target)
    dated = np.isfinite(out.months_earliest)  # the growth interval excludes zero
    # 1%/month over 60 days is often indistinguishable from flat (no date then, no false one).
    assert dated.mean() >= (0.3 if growth * days < 1.0 else 0.85), dated.mean()
    held = (out.months_earliest <= truth) & (truth <= out.months_latest)
    assert held[dated].mean() >= 0.80, held[dated].mean()
    if dated.mean() > 0.95:
        assert np.median(out.months_to_crossover[dated]) == pytest.approx(5.0, abs=0.15)


def test_two_percent_a_month_at_1_1x_crosses_in_months_not_now() -> None:
    # The case: 2%/month, weekdays 1.4x weekends, crossover at 1.1x the window's mean
    # (a 60-day window: the truth is about 3.8 months after it).
    days = 60
    daily = weekly_traffic(0.02, days, seed=7)
    trend = fit_trend(daily)
    rate = run_rate(trend)
    out = forecast(trend, 1.1 / rate.multiple, END)
    truth = true_months(0.02, days, 1.1 * trend.mean_daily)
    assert 3.4 < np.median(truth) < 4.2
    dated = np.isfinite(out.months_earliest)
    assert dated.mean() >= 0.8  # 2%/month in 60 days: measurable in most replicates
    held = (out.months_earliest <= truth) & (truth <= out.months_latest)
    assert held[dated].mean() >= 0.84
    assert np.median(out.months_to_crossover[dated]) == pytest.approx(np.median(truth), abs=0.5)
    # Never "now" for a function below its crossover: at most a few replicates whose run rate
    # came out above 1.1x the mean.
    assert (out.note == "already past the crossover").mean() < 0.05


def test_flat_only_when_the_interval_holds_zero_and_far_dates_are_not_dates() -> None:
    days = 90
    flat = weekly_traffic(0.0, days, seed=3, n=1)
    slow = weekly_traffic(0.03, days, seed=4, n=1)
    trend = fit_trend(np.vstack([flat, slow]))
    assert trend.growth_low[0] < 0 < trend.growth_high[0]
    assert trend.growth_low[1] > 0  # 3%/month over 90 days is measurable: not "flat"
    out = forecast(trend, np.array([1.5, 3.0]), END)
    assert out.note[0] == "traffic is flat: no crossover date"
    assert out.crossover_date[0] is None
    # ln 3 / ln 1.03 = 37 months: a months figure, but no date.
    assert out.months_to_crossover[1] == pytest.approx(math.log(3) / math.log1p(0.03), rel=0.3)
    assert out.crossover_date[1] is None
    assert "more than 3 years" in out.note[1]


def test_already_past_has_no_date_and_no_date_precedes_the_window_end() -> None:
    daily = weekly_traffic(0.05, 60, seed=5, n=2)
    trend = fit_trend(daily)
    out = forecast(trend, np.array([0.8, 1.0001]), END)
    assert out.note[0] == "already past the crossover"
    assert out.crossover_date[0] is None and out.months_to_crossover[0] == 0.0
    assert out.months_earliest[1] >= 0.0
    assert out.date_earliest[1] >= "2026-12-31"


def test_a_part_day_at_either_end_counts_at_its_hourly_rate() -> None:
    # Steady 24,000 a day; the window starts at 18:00 and ends at 06:00: first and last days
    # hold 6 h of traffic each, 6,000 invocations.
    start = pd.Timestamp("2026-11-01T18:00Z")
    end = pd.Timestamp("2026-12-01T06:00Z")
    from analyzer.core.forecast import day_coverage

    cover = day_coverage(start, end)
    assert cover[0] == pytest.approx(0.25) and cover[-1] == pytest.approx(0.25)
    daily = np.full((1, len(cover)), 24_000.0) * cover
    trend = fit_trend(daily, coverage=cover)
    assert trend.monthly_growth[0] == pytest.approx(0.0, abs=1e-9)
    assert trend.mean_daily[0] == pytest.approx(24_000.0)
    assert run_rate(trend).multiple[0] == pytest.approx(1.0)
