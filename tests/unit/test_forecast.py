"""fit_trend on synthetic daily series with a known growth rate (no noise: exact recovery)."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.core.forecast import DAYS_PER_MONTH, MIN_DAYS, fit_trend


def series(monthly_growth: float, days: int, level: float = 1000.0) -> np.ndarray:
    return level * (1.0 + monthly_growth) ** (np.arange(days) / DAYS_PER_MONTH)


def test_known_growth_rates_are_recovered_row_by_row() -> None:
    daily = np.stack([series(0.10, 60), series(-0.20, 60), series(0.0, 60), series(1.5, 60)])
    trend = fit_trend(daily)
    np.testing.assert_allclose(trend.monthly_growth, [0.10, -0.20, 0.0, 1.5], atol=1e-9)
    np.testing.assert_allclose(trend.level_end, daily[:, -1], rtol=1e-9)
    np.testing.assert_allclose(trend.mean_daily, daily.mean(axis=1), rtol=1e-12)
    assert list(trend.days) == [60, 60, 60, 60]
    assert trend.r2[0] == pytest.approx(1.0)


def test_an_outlier_day_does_not_move_the_fit() -> None:
    daily = series(0.10, 90)
    daily[45] *= 20  # one extreme day (an incident, a batch job)
    trend = fit_trend(daily[None, :])
    assert trend.monthly_growth[0] == pytest.approx(0.10, abs=1e-6)


def test_days_without_traffic_are_not_data() -> None:
    daily = series(0.10, 60)
    daily[::2] = 0.0  # every other day missing
    trend = fit_trend(daily[None, :])
    assert trend.days[0] == 30
    assert trend.monthly_growth[0] == pytest.approx(0.10, abs=1e-9)


def test_too_few_days_gives_no_growth() -> None:
    daily = np.zeros((1, 30))
    daily[0, : MIN_DAYS - 1] = 100.0
    trend = fit_trend(daily)
    assert np.isnan(trend.monthly_growth[0])
    assert np.isnan(trend.level_end[0])
