"""k* against brute force: the exact costs (`cost_curves`: every feasible candidate, every hour)
scanned on a fine grid of traffic multiples. Lambda must cost at least the cheapest option at k*
itself (a real crossing), and k* must not lie more than 1% beyond the first crossing the scan
finds. It may lie before it: where the costs run nearly parallel, the solver finds crossings
narrower than the scan's 0.5% grid, which the scan steps over (the first check proves them)."""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from analyzer.core.analyze import Analysis, analyze
from analyzer.core.assumptions import DEFAULTS
from analyzer.core.curves import cost_curves
from analyzer.core.fleet import FleetData
from analyzer.core.pricebook import PriceBook

BOOK = PriceBook.load()
STEP = 1.005  # the scan's grid: 0.5% apart
WITHIN = 1.01 * STEP  # k* within 1% of the scan's first crossing (plus one grid step)
# Derandomized: the same examples on every run, so CI does not pass or fail by chance; set
# CROSSOVER_HYPOTHESIS_EXAMPLES higher to search further (the @example cases were found so).
SETTINGS = settings(
    derandomize=True,
    max_examples=int(os.environ.get("CROSSOVER_HYPOTHESIS_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def cheapest(curves: pd.DataFrame) -> np.ndarray:
    return curves[[c for c in ("ec2", "fargate", "lmi") if c in curves]].min(axis=1).to_numpy()


def scan_grid(k_star: float, fine_from: float) -> np.ndarray:
    """From today's traffic to a little beyond k*: STEP apart from `fine_from` x k* short of
    it (everywhere when fine_from is large), 40 points before that."""
    up = k_star > 1
    end = math.log(k_star * 1.05 if up else k_star / 1.05)
    if math.isinf(fine_from):
        start = 0.0
    elif up:
        start = max(0.0, math.log(k_star / fine_from))
    else:
        start = min(0.0, math.log(k_star * fine_from))
    fine = np.arange(start, end, math.log(STEP) * (1 if up else -1))
    coarse = np.linspace(0.0, start, 40, endpoint=False) if start != 0.0 else np.array([])
    return np.exp(np.concatenate([coarse, fine]))


def brute_force_first_crossing(
    an: Analysis, function_id: str, k_star: float, fine_from: float = math.inf
) -> float:
    """The first grid multiple, from today's traffic towards k* (and a little beyond), where
    Lambda costs at least (going up) or less than (going down) the exact cheapest option."""
    up = k_star > 1
    grid = scan_grid(k_star, fine_from)
    curves = cost_curves(an, function_id, grid)
    lam, opt = curves["lambda"].to_numpy(), cheapest(curves)
    hit = lam >= opt if up else lam < opt
    if not hit.any():  # the grid stepped over k* (a crossing narrower than a step) and beyond
        return math.nan
    first = int(np.argmax(hit))
    return float(grid[first]) if up else float(grid[max(first - 1, 0)])


def check(an: Analysis, function_id: str, fine_from: float = math.inf) -> bool:
    fns = an.functions.set_index("function_id")
    # The solver's k* is a multiple of the window's traffic (the cost curves' k = 1); the
    # column is a multiple of the run rate, run_rate_multiple x the window's.
    k = float(fns["crossover_multiple"].astype(float)[function_id]) * float(
        fns["run_rate_multiple"].astype(float)[function_id]
    )
    if not math.isfinite(k) or k == 0:
        return False
    at = cost_curves(an, function_id, [k])
    assert at["lambda"].iloc[0] >= cheapest(at)[0] * (1 - 1e-9), (k, "not a crossing")
    brute = brute_force_first_crossing(an, function_id, k, fine_from)
    if math.isfinite(brute):  # never more than 1% beyond the first crossing the scan sees
        assert (k <= brute * WITHIN) if k > 1 else (k >= brute / WITHIN), (k, brute)
    return True


def one_function_fleet(
    hourly: np.ndarray, memory_mb: int, duration_ms: float, peak: bool
) -> FleetData:
    hours = pd.date_range("2026-06-01T00:00Z", periods=len(hourly), freq="h")
    traffic = pd.DataFrame(
        {
            "function_id": "1:us-east-1:f",
            "timestamp": hours,
            "invocations": hourly,
            "duration_sum_ms": hourly * duration_ms,
        }
    )
    if peak:  # measured peaks: the mean concurrency plus a burst
        mean = hourly * duration_ms / 1000 / 3600
        traffic["concurrent_executions_max"] = np.ceil(mean * 2.5 + 1)
    functions = pd.DataFrame(
        [{"account_id": "1", "region": "us-east-1", "name": "f", "memory_mb": memory_mb}]
    )
    return FleetData(functions, traffic)


@SETTINGS
@given(
    st.integers(0, 2**31),
    st.integers(128, 4096),
    st.floats(5, 2000),
    st.floats(1e3, 3e6),
    st.booleans(),
    st.integers(1, 3),
    st.sampled_from(["on_demand", "spot", "compute_sp_1y"]),
    st.floats(0, 8),
)
# Found by Hypothesis: Lambda and Fargate within 0.3% of each other from 54x to 63x, crossing and
# uncrossing; the solver answered 62.3x, past the crossings at 54.4x and 57.7x.
@example(0, 128, 386.0, 1000.0, False, 1, "compute_sp_1y", 0.0)
@example(590577511, 128, 392.0, 1000.0, False, 1, "compute_sp_1y", 0.0)
# Going down, Lambda and Fargate within 0.1% of each other from 0.95x to today's traffic: a 4%
# bracket around the estimate held several crossings and bisection answered 0.956x, where the
# first one (from today's side) is at 0.980x.
@example(0, 128, 196.0, 30462.0, False, 1, "compute_sp_1y", 0.0)
def test_k_star_is_the_first_crossing_within_one_percent(
    seed: int,
    memory_mb: int,
    duration_ms: float,
    per_hour: float,
    peak: bool,
    min_instances: int,
    pricing_option: str,
    ops_hours: float,
) -> None:
    rng = np.random.default_rng(seed)
    days = 7
    shape = rng.lognormal(0, rng.uniform(0.1, 1.5), 24)  # a random daily shape
    hourly = per_hour * np.tile(shape / shape.mean(), days) * rng.lognormal(0, 0.3, days * 24)
    hourly[rng.random(days * 24) < 0.05] = 0.0  # idle hours
    a = DEFAULTS.replace(
        min_instances=min_instances, pricing_option=pricing_option, ops_hours_per_month=ops_hours
    )
    an = analyze(one_function_fleet(hourly, memory_mb, duration_ms, peak), BOOK, a)
    assume(check(an, an.functions["function_id"].iloc[0]))


def test_more_min_instances_never_brings_this_crossover_closer() -> None:
    # Found by Hypothesis before the exact solver (954 MB, 2,837 ms, 95.0M invocations/month:
    # the shortlist gave k* = 0.661 with min_instances=1 and 0.165 with 2). Like for like (the
    # tuned arm64 Lambda, vCPU fit) it crosses only when a request keeps a quarter of its vCPU
    # busy; then, by hand: the tuned Lambda costs $3,366.49/month at today's traffic and scales
    # with it; the cheapest option at a trickle is the minimum count of 0.25 vCPU / 1 GB arm64
    # Fargate tasks, 0.25 x $0.03238 + 1 x $0.00356 = $0.011655/h x 730 = $8.508/month each:
    # k* = 8.508 / 3,366.49 = 0.00253 with one task and 0.00505 with two.
    from analyzer.core.scenario import scenario_fleet

    fn = {"name": "f", "memory_mb": 954, "avg_duration_ms": 2837, "monthly_invocations": 94988410}
    ks = []
    for m in (1, 2):
        fleet, a = scenario_fleet(
            {
                "region": "us-east-1",
                "functions": [fn],
                "assumptions": {"min_instances": m, "cpu_busy_fraction": 0.25},
            },
            BOOK,
        )
        ks.append(float(analyze(fleet, BOOK, a).functions["crossover_multiple"].iloc[0]))
    assert ks[1] >= ks[0] * 0.99
    assert ks[0] == pytest.approx(8.508 / 3366.49, rel=0.01)
    assert ks[1] == pytest.approx(2 * 8.508 / 3366.49, rel=0.01)


def test_every_demo_crossover_is_within_one_percent_of_the_exact_curves() -> None:
    from analyzer.core.demo import demo_fleet

    an = analyze(demo_fleet(), BOOK)
    # The scan is STEP-fine over the last 50% before k* (where the curves are close and a
    # shortlist's error moves the crossing) and 40 points before that (90 days of hours each).
    checked = [check(an, fid, fine_from=1.5) for fid in an.functions["function_id"]]
    assert sum(checked) >= 30


def test_a_provisioned_concurrency_function_spills_over_to_on_demand_as_traffic_grows() -> None:
    # PC 8 x 1 GB all month; 1 s requests (billed as measured), 30 days of hours cycling
    # through mean concurrency 4, 8 and 12 (14,400 / 28,800 / 43,200 requests an hour: mean 8,
    # 21,024,000 a 730-hour month). x86 only (java8), no front door. At multiple k, per cycle
    # of three hours G(k) = min(4k, 8) + min(8k, 8) + min(12k, 8) concurrency-hours run on PC
    # and the rest on demand; 730 / 3 cycles a month, 3,600 GB-s per concurrency-hour:
    #   L(k) = allocation + requests + PC GB-s x $0.0000097222 + the rest x $0.0000166667
    hourly = np.tile([14_400.0, 28_800.0, 43_200.0], 240)
    fleet = one_function_fleet(hourly, 1024, 1000.0, peak=False)
    fleet.functions["pc_allocated"] = 8
    fleet.functions["pc_hours_per_month"] = 730.0
    fleet.functions["runtime"] = "java8"
    fleet.functions["duration_is_billed"] = True
    an = analyze(fleet, BOOK)
    fid = an.functions["function_id"].iloc[0]
    allocation = 8 * 1 * 730 * 3600 * 0.0000041667  # $87.60

    def hand(k: float) -> float:
        on_pc = min(4 * k, 8) + min(8 * k, 8) + min(12 * k, 8)
        pc_gb_s = 730 / 3 * on_pc * 3600
        all_gb_s = 8 * k * 730 * 3600
        return (
            allocation
            + 21.024 * k * 0.20
            + pc_gb_s * 0.0000097222
            + (all_gb_s - pc_gb_s) * 0.0000166667
        )

    # k = 0.5: all of it on PC, $191.90; k = 1: 5/6 on PC, $320.54 (today's bill);
    # k = 2 and 3: PC full every hour, the rest on demand: $650.81 and $1,005.42 (a PC
    # share frozen at 5/6 would say $553.48 and $786.41).
    expected = [191.90, 320.54, 650.81, 1005.42]
    assert [round(hand(k), 2) for k in (0.5, 1, 2, 3)] == expected
    curves = cost_curves(an, fid, [0.5, 1, 2, 3])
    assert [round(x + 1e-9, 2) for x in curves["lambda"]] == expected
    assert round(float(an.functions["tuned_lambda_usd_per_month"].iloc[0]), 2) == 320.54
    # k* is the first crossing of these exact curves (brute force, within 1%).
    assert check(an, fid)
