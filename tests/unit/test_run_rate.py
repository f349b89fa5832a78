"""Spend vs run rate on a function that started halfway through the window: the run rate is
the last 7 days, twice the window's mean, and the run-rate bill is the bill at twice the
traffic (hand-computed below)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.core.analyze import analyze
from analyzer.core.assumptions import DEFAULTS
from analyzer.core.fleet import FleetData
from analyzer.core.pricebook import PriceBook


def test_a_function_that_started_halfway_runs_at_twice_its_window_mean() -> None:
    start = pd.Timestamp("2026-11-02T00:00Z")
    hours = pd.date_range(start, periods=28 * 24, freq="h")
    on = np.arange(len(hours)) >= 14 * 24  # traffic from day 14: 200,000 requests an hour
    fleet = FleetData(
        pd.DataFrame(
            [{"account_id": "1", "region": "us-east-1", "name": "late", "memory_mb": 1024}]
        ),
        pd.DataFrame(
            {
                "function_id": "1:us-east-1:late",
                "timestamp": hours,
                "invocations": np.where(on, 200_000.0, 0.0),
                "duration_sum_ms": np.where(on, 200_000.0 * 100.0, 0.0),
            }
        ),
    )
    a = analyze(fleet, PriceBook.load(), DEFAULTS)
    f = a.functions.iloc[0]
    # Spend: 67.2M invocations in 672 hours -> 73M a month (730 h).
    assert f["monthly_invocations"] == pytest.approx(73_000_000.0)
    # Flat since it started: no trend, so the run rate is the last 7 days, 4.8M a day,
    # against a window mean of 2.4M a day.
    assert f["run_rate_basis"] == "last 7 days"
    assert f["run_rate_multiple"] == pytest.approx(2.0)
    assert f["run_rate_invocations_per_month"] == pytest.approx(146_000_000.0)
    # Lambda's bill is linear in traffic here (no fixed part, no free tier): twice the spend.
    assert round(f["run_rate_lambda_usd_per_month"], 2) == round(2 * f["lambda_usd_per_month"], 2)
    # Hand check: requests 73M x $0.20 per million = $14.60 on spend, $29.20 at the run rate;
    # the whole bill $136.88 on spend, $273.75 at the run rate.
    assert round(f["lambda_requests_usd"], 2) == 14.60
    assert round(f["run_rate_lambda_usd_per_month"], 2) == 273.75
    # The best option at the run rate is priced at twice the traffic, not scaled: whole units.
    assert f["run_rate_best_option_usd_per_month"] > f["best_option_usd_per_month"]
