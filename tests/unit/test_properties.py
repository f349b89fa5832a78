# mypy: allow-untyped-defs, allow-incomplete-defs
"""Property tests (Hypothesis): the model moves the way the economics say it must."""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analyzer.core.analyze import analyze
from analyzer.core.curves import cost_curves
from analyzer.core.fleet import FleetData
from analyzer.core.forecast import fit_trend
from analyzer.core.pricebook import PriceBook
from analyzer.core.scenario import scenario_fleet

BOOK = PriceBook.load()
TOL = 0.03  # k* moves the right way, up to this much (shortlists and grid steps)
COST_TOL = 0.15  # at and before k*, Lambda vs the exact cheapest option (README states it)
SETTINGS = settings(
    max_examples=int(os.environ.get("CROSSOVER_HYPOTHESIS_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

memory = st.integers(128, 10240)
duration = st.floats(1, 5000)
invocations = st.floats(1e3, 2e9)
front_door = st.sampled_from(["none", "function_url", "apigw_rest", "apigw_http", "alb"])


def one(fn: dict, **assumptions: object):
    fleet, a = scenario_fleet(
        {"region": "us-east-1", "functions": [fn], "assumptions": assumptions}, BOOK
    )
    return analyze(fleet, BOOK, a).functions.iloc[0]


def k_or_inf(x: float) -> float:
    return math.inf if not math.isfinite(x) else x


@SETTINGS
@given(memory, duration, invocations, st.floats(1.01, 10), front_door, st.booleans())
def test_lambda_cost_grows_with_invocations(mem, dur, inv, factor, fd, free) -> None:
    base = {"name": "f", "memory_mb": mem, "avg_duration_ms": dur, "front_door": fd}
    fleet, a = scenario_fleet(
        {
            "region": "us-east-1",
            "free_tier": free,
            "functions": [
                {**base, "name": "low", "monthly_invocations": inv, "account_id": "1"},
                {**base, "name": "high", "monthly_invocations": inv * factor, "account_id": "2"},
            ],
        },
        BOOK,
    )
    f = analyze(fleet, BOOK, a).functions.set_index("name")
    monthly = f["lambda_usd_per_month"].astype(float)
    high, low = float(monthly["high"]), float(monthly["low"])
    assert high >= low - 1e-9


@SETTINGS
@given(memory, duration, st.floats(1e5, 5e8), st.integers(1, 4))
def test_more_min_instances_never_brings_the_crossover_closer(mem, dur, inv, extra) -> None:
    fn = {"name": "f", "memory_mb": mem, "avg_duration_ms": dur, "monthly_invocations": inv}
    lo = one(fn, min_instances=1)
    hi = one(fn, min_instances=1 + extra)
    # The solver prices a shortlist of candidates (see test_crossover_is_a_true_crossing...):
    # monotone up to its stated 3% precision.
    assert k_or_inf(hi["crossover_multiple"]) >= k_or_inf(lo["crossover_multiple"]) * (1 - TOL)
    assert hi["best_option_usd_per_month"] >= lo["best_option_usd_per_month"] - 1e-9


@SETTINGS
@given(memory, duration, st.floats(1e5, 5e8), st.floats(1, 40))
def test_ops_hours_push_the_crossover_out(mem, dur, inv, hours) -> None:
    fn = {"name": "f", "memory_mb": mem, "avg_duration_ms": dur, "monthly_invocations": inv}
    base = one(fn)
    ops = one(fn, ops_hours_per_month=hours)
    assert k_or_inf(ops["crossover_multiple"]) >= k_or_inf(base["crossover_multiple"]) * (1 - TOL)


@SETTINGS
@given(memory, duration, st.floats(1e5, 5e8))
def test_cheaper_instances_bring_the_crossover_closer(mem, dur, inv) -> None:
    fn = {"name": "f", "memory_mb": mem, "avg_duration_ms": dur, "monthly_invocations": inv}
    od = one(fn, targets=["ec2"])
    spot = one(fn, targets=["ec2"], pricing_option="spot")
    assert k_or_inf(spot["crossover_multiple"]) <= k_or_inf(od["crossover_multiple"]) * (1 + TOL)


@SETTINGS
@given(st.lists(st.tuples(memory, duration, invocations, front_door), min_size=2, max_size=6))
def test_fleet_results_equal_per_function_results(specs) -> None:
    # Functions in separate accounts share no tiers: the fleet answer must be each one's own.
    fns = [
        {
            "name": f"f{i}",
            "account_id": str(100 + i),
            "memory_mb": m,
            "avg_duration_ms": d,
            "monthly_invocations": n,
            "front_door": fd,
        }
        for i, (m, d, n, fd) in enumerate(specs)
    ]
    fleet, a = scenario_fleet({"region": "us-east-1", "functions": fns}, BOOK)
    together = analyze(fleet, BOOK, a).functions.set_index("name")
    for fn in fns:
        alone = one(fn)
        row = together.loc[fn["name"]]
        for col in ("lambda_usd_per_month", "best_option_usd_per_month", "saving_usd_per_month"):
            assert row[col] == pytest.approx(alone[col], rel=1e-9, abs=1e-9), col
        assert row["verdict"] == alone["verdict"]
        assert k_or_inf(row["crossover_multiple"]) == pytest.approx(
            k_or_inf(alone["crossover_multiple"]), rel=1e-9
        )


@SETTINGS
@given(st.floats(-0.3, 0.5), st.integers(30, 180), st.floats(200, 1e6), st.integers(0, 2**31))
def test_forecast_recovers_a_known_growth_rate(growth, days, level, seed) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    daily = level * (1 + growth) ** (t / 30.4167) * rng.lognormal(0, 0.05, days)
    daily[rng.random(days) < 0.05] *= 5  # a few outlier days must not drag the robust fit
    trend = fit_trend(daily[None, :])
    # Within the fit's statistical precision: the slope's standard error for log-noise 0.05
    # over `days` evenly spaced days, in months, four times over.
    se_month = 0.05 / math.sqrt(days * (days**2 - 1) / 12) * 30.4167
    assert trend.monthly_growth[0] == pytest.approx(growth, abs=4 * se_month * (1 + growth) + 0.005)


def test_forecast_months_to_crossover_on_growing_fleet() -> None:
    # 10% a month from the run rate (the trend's level at the window end) to the crossover.
    days = 90
    start = pd.Timestamp("2026-01-01T00:00Z")
    hours = pd.date_range(start, periods=days * 24, freq="h")
    rate = 2 * 1.1 ** (np.arange(days * 24) / (24 * 30.4167))
    fleet = FleetData(
        pd.DataFrame([{"account_id": "1", "region": "us-east-1", "name": "g", "memory_mb": 512}]),
        pd.DataFrame(
            {
                "function_id": "1:us-east-1:g",
                "timestamp": hours,
                "invocations": rate * 3600,
                "duration_sum_ms": rate * 3600 * 100.0,
            }
        ),
    )
    an = analyze(fleet, BOOK)
    f = an.functions.iloc[0]
    assert f["monthly_growth"] == pytest.approx(0.10, abs=0.005)
    k = f["crossover_multiple"]
    assert math.isfinite(k)
    assert k > 1
    # The run rate: the last day's traffic (its middle, day 89.5) over the window's mean
    # (the integral of 1.1^(t/30.4167) over 90 days, divided by 90).
    span = days / 30.4167
    end_over_mean = 1.1 ** (89.5 / 30.4167) * span * math.log(1.1) / (1.1**span - 1)
    assert f["run_rate_multiple"] == pytest.approx(end_over_mean, rel=1e-3)
    assert f["run_rate_basis"] == "trend"
    # k* is a multiple of the run rate: the same crossover traffic as on the window's basis.
    assert f["crossover_invocations"] == pytest.approx(
        k * f["run_rate_invocations_per_month"], rel=1e-9
    )
    assert f["months_to_crossover"] == pytest.approx(math.log(k) / math.log(1.1), rel=1e-3)
    if f["months_to_crossover"] > 36:
        assert f["crossover_date"] is None
        assert "more than 3 years" in f["forecast_note"]
    else:
        assert f["crossover_date"] > "2026-04-01"


def test_flat_traffic_gets_no_date_and_says_why() -> None:
    f = one({"name": "flat", "memory_mb": 512, "avg_duration_ms": 50, "monthly_invocations": 1e6})
    assert f["crossover_date"] is None
    assert "flat" in f["forecast_note"]


def assert_true_crossing(an, function_id: str) -> bool:
    """Against the exact curves (every candidate, every hour): between today's traffic and k*
    Lambda is never dearer than the cheapest option by more than COST_TOL (no crossing that
    matters was missed), and near k* the two meet within COST_TOL. False (nothing checked)
    when there is no crossing to check (k* NaN or 0)."""
    k = float(an.functions.set_index("function_id").loc[function_id, "crossover_multiple"])
    if not math.isfinite(k) or k == 0:
        return False
    if k > 1:
        path = np.geomspace(1.0, k / (1 + TOL), 24) if k / (1 + TOL) > 1 else np.array([])
        near = np.geomspace(k / (1 + TOL), k * (1 + TOL), 9)
    else:
        path = np.geomspace(1.0, k * (1 + TOL), 24) if k * (1 + TOL) < 1 else np.array([])
        near = np.geomspace(k * (1 + TOL), k / (1 + TOL), 9)
    curves = cost_curves(an, function_id, np.concatenate([path, near]))
    options = curves[[c for c in ("ec2", "fargate", "lmi") if c in curves]].min(axis=1)
    rel = ((curves["lambda"] - options) / options).to_numpy()
    on_path, at = rel[: len(path)], rel[len(path) :]
    if k > 1:  # Lambda stays (about) cheaper all the way up to k*, and crosses near it
        assert (on_path <= COST_TOL).all(), (k, on_path)
        assert (at >= -COST_TOL).any(), (k, at)
    else:  # Lambda stays (about) dearer all the way down to k*, and is cheaper near it
        assert (on_path >= -COST_TOL).all(), (k, on_path)
        assert (at <= COST_TOL).any(), (k, at)
    return True


# Against a tuned Lambda with the same front door on both sides, many random functions never
# cross (nothing to check): filtering them out is expected.
@settings(SETTINGS, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(memory, duration, st.floats(1e5, 5e8), st.integers(1, 3), front_door)
def test_crossover_is_a_true_crossing_of_the_exact_costs(mem, dur, inv, m, fd) -> None:
    fn = {
        "name": "f",
        "memory_mb": mem,
        "avg_duration_ms": dur,
        "monthly_invocations": inv,
        "front_door": fd,
    }
    fleet, a = scenario_fleet(
        {"region": "us-east-1", "functions": [fn], "assumptions": {"min_instances": m}}, BOOK
    )
    an = analyze(fleet, BOOK, a)
    # An example without a crossing (k* NaN or 0) checks nothing: it must not count as a pass.
    assume(assert_true_crossing(an, an.functions["function_id"].iloc[0]))


def test_demo_crossovers_are_true_crossings_of_the_exact_costs() -> None:
    from analyzer.core.demo import demo_fleet

    an = analyze(demo_fleet(), BOOK)
    f = an.functions
    # the ones whose verdict hangs on it: every outgrown and watch function, and a few stays
    pick = pd.concat([f[f["verdict"] != "stay"], f[f["verdict"] == "stay"].head(4)])
    checked = [assert_true_crossing(an, fid) for fid in pick["function_id"]]
    assert sum(checked) >= 5  # most of them have a crossing to check
