# mypy: allow-untyped-defs, allow-incomplete-defs
"""Recommendations on crafted fleets: verdicts, targets, tune, confidence, caveats, filters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from export_helpers import scenario

from analyzer.core.analyze import analyze
from analyzer.core.assumptions import DEFAULTS, optimistic, pessimistic
from analyzer.core.fleet import FleetData
from analyzer.core.pricebook import PriceBook
from analyzer.exceptions import InputError
from analyzer.present.recommendations import (
    filter_recommendations,
    recommend,
    recommend_fleet,
)
from analyzer.present.sentences import DATA_TRANSFER_CAVEAT

BOOK = PriceBook.bundled()
STEADY_API = {
    "name": "orders-api",
    "memory_mb": 2048,
    "monthly_invocations": 400_000_000,
    "avg_duration_ms": 200,
    "front_door": "apigw_rest",
    "runtime": "python3.12",
    # Light on CPU: without it the function is not Outgrown on compute (the REST front door
    # it pays today is a Tune, kept on both sides of a Move).
    "assumptions": {"cpu_busy_fraction": 0.1},
}
SPIKY = {
    "name": "month-end-batch",
    "memory_mb": 2048,
    "monthly_invocations": 300_000,
    "avg_duration_ms": 4000,
    "timeout_s": 900,
    "hourly_profile": [0.0] * 23 + [1.0],
}


def _row(recs, name):
    f = recs.functions
    return f[f["name"] == name].iloc[0]


@pytest.fixture(scope="module")
def crafted():
    fleet, a = scenario([STEADY_API, SPIKY])
    return recommend_fleet(fleet, BOOK, a)


def test_steady_api_is_outgrown_with_sizing_saving_and_payback(crafted):
    r = _row(crafted, "orders-api")
    assert r["verdict"] == "outgrown"
    assert r["crossover_multiple"] < 1
    assert r["best_option_kind"] in ("ec2", "fargate", "lmi")
    assert r["best_option_units_min"] >= DEFAULTS.min_instances
    assert r["best_option_units_max"] >= r["best_option_units_min"]
    assert str(r["best_option_label"]) in r["best_option_sizing"]
    # Move is measured against the tuned Lambda; Tune + Move = today's Lambda - the option.
    assert r["saving_usd_per_month"] == pytest.approx(
        r["tuned_lambda_usd_per_month"] - r["best_option_usd_per_month"]
    )
    assert r["move_saving_usd_per_month"] == r["saving_usd_per_month"]
    assert r["tune_usd_per_month"] + r["saving_usd_per_month"] == pytest.approx(
        r["lambda_usd_per_month"] - r["best_option_usd_per_month"]
    )
    assert r["saving_usd_per_year"] == pytest.approx(12 * r["saving_usd_per_month"])
    hours = (
        DEFAULTS.lmi_migration_hours if r["best_option_kind"] == "lmi" else DEFAULTS.migration_hours
    )
    assert r["migration_cost_usd"] == pytest.approx(hours * DEFAULTS.engineer_hourly_usd)
    assert r["payback_months"] == pytest.approx(r["migration_cost_usd"] / r["saving_usd_per_month"])
    assert r["recommendation"].startswith("Move to ")
    assert DATA_TRANSFER_CAVEAT in r["caveats"]
    # A steady, clearly outgrown API keeps its verdict under both sensitivity sets.
    assert r["verdict_optimistic"] == r["verdict_pessimistic"] == "outgrown"
    assert r["verdict_survives"] == "yes"
    assert r["confidence"] == "high"


def test_spiky_low_volume_function_stays_with_caveats(crafted):
    r = _row(crafted, "month-end-batch")
    assert r["verdict"] == "stay"
    assert r["saving_usd_per_month"] == 0
    assert np.isnan(r["payback_months"])
    assert "bursty traffic" in r["caveats"]
    assert "long timeout (900 s)" in r["caveats"]
    assert r["recommendation"].startswith("Stay on Lambda")


def test_growing_function_is_watched_with_a_date():
    flat, a = scenario([{**STEADY_API, "name": "growing", "monthly_invocations": 10_000_000}])
    k = analyze(flat, BOOK, a).functions["crossover_multiple"].iloc[0]
    volume = 10_000_000 * k / 3.0  # crossover at 3x today's traffic: not Watch by multiple
    flat, a = scenario([{**STEADY_API, "name": "growing", "monthly_invocations": volume}])
    assert recommend_fleet(flat, BOOK, a).functions["verdict"].iloc[0] == "stay"
    # The same volume at the end of the window, grown 15 %/month, gets watched.
    t = flat.traffic.copy()
    months = ((t["timestamp"] - t["timestamp"].max()) / pd.Timedelta(hours=730)).to_numpy()
    t["invocations"] *= 1.15**months
    t["duration_sum_ms"] *= 1.15**months
    grown = FleetData(flat.functions, t, flat.meta, flat.overrides)
    r = recommend_fleet(grown, BOOK, a).functions.iloc[0]
    assert r["monthly_growth"] == pytest.approx(0.15, abs=0.02)
    assert r["verdict"] == "watch"
    assert r["crossover_date"] is not None
    # The sentence words the date range (months), which holds the point date.
    assert r["crossover_date_earliest"] <= r["crossover_date"] <= r["crossover_date_latest"]
    assert "forecast: " + r["forecast"] in r["recommendation"]
    assert pd.Timestamp(r["crossover_date_earliest"]).strftime("%B") in r["forecast"]


def test_arm64_tune_prices_duration_at_the_arm_rate():
    fleet, a = scenario(
        [
            {
                "name": "x86",
                "memory_mb": 1024,
                "monthly_invocations": 5_000_000,
                "avg_duration_ms": 200,
            },
            {
                "name": "arm",
                "arch": "arm64",
                "memory_mb": 1024,
                "monthly_invocations": 5_000_000,
                "avg_duration_ms": 200,
            },
        ]
    )
    recs = recommend(analyze(fleet, BOOK, a))
    x86, arm = _row(recs, "x86"), _row(recs, "arm")
    rate_arm = BOOK.lambda_rates("us-east-1", "arm64").duration.first_rate
    rate_x86 = BOOK.lambda_rates("us-east-1", "x86_64").duration.first_rate
    expected = x86["lambda_duration_usd_per_month"] * (1 - rate_arm / rate_x86)
    assert expected > 0
    assert x86["tune_arm64_usd_per_month"] == pytest.approx(expected)
    assert x86["tune"]
    assert "switch to arm64" in x86["tune_advice"]
    assert arm["tune_arm64_usd_per_month"] == 0
    assert "memory not assessed: no memory-usage data" in arm["tune_advice"]


def test_idle_provisioned_concurrency_is_costed():
    warm = {
        "name": "warm",
        "memory_mb": 2048,
        "monthly_invocations": 1_000_000,
        "avg_duration_ms": 100,
        "arch": "arm64",
        "provisioned_concurrency": {"allocated": 50},
    }
    # "kept" does not let the tuned Lambda right-size PC: its idle units are the advice.
    kept = {**warm, "name": "kept", "assumptions": {"tune_pc": False}}
    fleet, a = scenario([warm, kept])
    recs = recommend(analyze(fleet, BOOK, a)).functions.set_index("name")
    r, k = recs.loc["warm"], recs.loc["kept"]
    idle = 50 - np.ceil(r["peak_concurrency"])
    pc_rate = BOOK.lambda_rates("us-east-1", "arm64").pc_gb_s
    assert idle > 40
    assert r["tune_idle_pc_usd_per_month"] == pytest.approx(idle * 2.0 * 730 * 3600 * pc_rate)
    # Mean concurrency 0.04: no unit of PC pays for itself; the tuned Lambda drops all 50,
    # which saves the allocation (50 x 2 GB x 730 h x $0.0000033334 = $876.01) less the PC
    # duration rate's discount on the 200,000 GB-s run today (x ($0.0000133334 -
    # $0.0000077778) = $1.11): $874.91.
    assert r["tuned_pc_allocated"] == 0
    saving = 50 * 2 * 730 * 3600 * 0.0000033334 - 200_000 * (0.0000133334 - 0.0000077778)
    assert round(r["tune_pc_usd_per_month"], 2) == round(saving, 2) == 874.91
    assert "drop provisioned concurrency (50 units)" in r["tune_advice"]
    assert r["tune_usd_per_month"] == pytest.approx(r["tune_pc_usd_per_month"])  # idle not twice
    assert k["tuned_pc_allocated"] == 50
    assert f"drop {idle:.0f} of 50 provisioned-concurrency units" in k["tune_advice"]
    assert "provisioned concurrency in use (50)" in r["caveats"]


def test_memory_right_sizing_only_with_memory_data():
    fleet, a = scenario(
        [
            {
                "name": "fat",
                "arch": "arm64",
                "memory_mb": 2048,
                "monthly_invocations": 5_000_000,
                "avg_duration_ms": 100,
            }
        ]
    )
    fns = fleet.functions.assign(max_memory_used_mb=200.0)
    r = recommend(analyze(FleetData(fns, fleet.traffic, fleet.meta), BOOK, a)).functions.iloc[0]
    # 200 MB x 1.25 headroom -> 256 MB: the duration bill shrinks by 1 - 256/2048.
    assert r["tune_memory_usd_per_month"] == pytest.approx(
        r["lambda_duration_usd_per_month"] * (1 - 256 / 2048)
    )
    assert "right-size memory 2048 MB -> 256 MB" in r["tune_advice"]


def test_few_days_and_cold_start_runtime_lower_confidence_and_add_caveats():
    fleet, a = scenario([{**STEADY_API, "runtime": "java21"}])
    t = fleet.traffic[fleet.traffic["timestamp"] < fleet.start + pd.Timedelta(days=10)]
    short = FleetData(fleet.functions, t, {"source": "test"})
    r = recommend_fleet(short, BOOK, a).functions.iloc[0]
    assert r["days_of_data"] < 14
    assert r["confidence"] == "low"
    assert "only 10 days of data" in r["caveats"]
    assert "cold-start-sensitive runtime (java21)" in r["caveats"]


def test_without_sensitivity_runs_confidence_is_capped_and_said():
    fleet, a = scenario([STEADY_API])
    recs = recommend(analyze(fleet, BOOK, a))
    r = recs.functions.iloc[0]
    assert r["verdict_survives"] == "not checked"
    assert r["confidence"] == "medium"
    assert not recs.sensitivity["checked"]
    assert set(recs.sensitivity["sets"]) == {"optimistic", "pessimistic"}


def test_sensitivity_sets_are_the_ones_in_the_code(crafted):
    sets = crafted.sensitivity["sets"]
    opt, pes = optimistic(DEFAULTS), pessimistic(DEFAULTS)
    for key, v in sets["optimistic"].items():
        assert v["value"] == getattr(opt, key)
        assert v["base"] == getattr(DEFAULTS, key)
    for key, v in sets["pessimistic"].items():
        assert v["value"] == getattr(pes, key)


def test_demo_fleet_summary_groups_and_verdict_flip_caveats(demo_recs):
    f = demo_recs.functions
    s = demo_recs.summary
    out = f[f["verdict"] == "outgrown"]
    assert s["outgrown"] == len(out) > 0
    assert s["saving_usd_per_month"] == pytest.approx(out["saving_usd_per_month"].sum())
    assert demo_recs.by_target["saving_usd_per_month"].sum() == pytest.approx(
        s["saving_usd_per_month"]
    )
    assert demo_recs.by_account["functions"].sum() == len(f)
    assert set(demo_recs.by_environment["environment"]) == {"dev", "test", "prod"}
    # Only prod has outgrown functions in the demo.
    env = demo_recs.by_environment.set_index("environment")
    assert env.loc["prod", "saving_usd_per_month"] == pytest.approx(s["saving_usd_per_month"])
    flipped = f[f["verdict_pessimistic"] != f["verdict"]]
    assert len(flipped) > 0
    assert flipped["caveats"].str.contains("under the pessimistic assumptions").all()
    assert (flipped["confidence"] != "high").all()
    # EC2 prices of the recommended instance types are among the prices printed.
    for label in out.loc[out["best_option_kind"] == "ec2", "best_option_label"]:
        assert (demo_recs.prices["item"] == f"{label} on-demand").any()


def test_filter_and_sort(demo_recs):
    prod = filter_recommendations(demo_recs, environments=["PROD"], verdicts=["outgrown", "watch"])
    assert set(prod.functions["environment"]) == {"prod"}
    assert set(prod.functions["verdict"]) <= {"outgrown", "watch"}
    assert prod.summary["functions"] == len(prod.functions)
    assert prod.filters["environments"] == ["PROD"]
    by_acct = filter_recommendations(demo_recs, accounts=["acme-test"])
    assert set(by_acct.functions["account_id"]) == {"222222222222"}
    assert len(filter_recommendations(demo_recs, accounts=["222222222222"])) == len(by_acct)
    eu = filter_recommendations(demo_recs, regions=["eu-west-1"], sort="spend")
    spend = eu.functions["lambda_usd_per_month"].to_numpy()
    assert (np.diff(spend) <= 0).all()
    k = filter_recommendations(demo_recs, sort="crossover").functions["crossover_multiple"]
    assert k.iloc[: k.notna().sum()].notna().all()  # no crossover: last
    assert (np.diff(k.dropna().to_numpy()) >= 0).all()
    names = filter_recommendations(demo_recs, sort="name").functions["name"].str.lower()
    assert names.is_monotonic_increasing
    saving = demo_recs.functions
    assert (
        list(saving["verdict"].iloc[: demo_recs.summary["outgrown"]])
        == ["outgrown"] * demo_recs.summary["outgrown"]
    )
    with pytest.raises(InputError, match="verdict"):
        filter_recommendations(demo_recs, verdicts=["gone"])
    with pytest.raises(InputError, match="sort"):
        filter_recommendations(demo_recs, sort="random")


def test_an_lmi_recommendation_shows_its_sizing_and_aws_caveats(
    lmi_python_fn: dict[str, object],
) -> None:
    # As in test_options: 150 concurrent Python requests, 3 environments x 16 requests on each
    # of 5 c7g.xlarge instances.
    fn = lmi_python_fn
    fleet, a = scenario(
        [fn],
        assumptions={
            "targets": ["lmi"],
            "instance_types": ["c7g.xlarge"],
            "burst_factor": 1.0,
            "cpu_busy_fraction": 0.1,
        },
    )
    r = recommend(analyze(fleet, BOOK, a)).functions.iloc[0]
    assert r["best_option_sizing"] == (
        "5 x c7g.xlarge (arm64) instances, each 3 execution environments x 16 concurrent requests"
    )
    assert "not pay off for low volume, calls under 100 ms or bursty traffic" in r["caveats"]
    assert "doubles within 5 minutes may be throttled" in r["caveats"]


def test_a_change_of_verdict_thresholds_or_migration_hours_alone_is_revised_not_priced_again() -> (
    None
):
    """`revised`: a What-if change of the verdicts' thresholds or the migration hours needs no
    new pricing. The analysis revised from the defaults' equals a new analysis under the new
    assumptions, figure for figure, and so do the recommendations made of the three sets
    (migration cost and payback follow the hours); a change of anything priced is refused."""
    import dataclasses
    from typing import Any

    from analyzer.core.analyze import Analysis
    from analyzer.core.demo import demo_fleet
    from analyzer.core.revise import revised

    demo = demo_fleet()
    base = [analyze(demo, BOOK, t) for t in (DEFAULTS, optimistic(DEFAULTS), pessimistic(DEFAULTS))]
    changes: list[dict[str, Any]] = [
        {"watch_months": 1.0},
        {"watch_multiple": 20.0},
        {"outgrown_min_saving_usd": 200.0},
        {"migration_hours": 120.0, "lmi_migration_hours": 2.0, "watch_months": 36.0},
    ]
    verdicts = {tuple(base[0].functions["verdict"])}
    hours_before = recommend(base[0], base[1], base[2]).functions["migration_hours"]
    for change in changes:
        b = dataclasses.replace(DEFAULTS, **change)
        three = (b, optimistic(b), pessimistic(b))
        fresh = [analyze(demo, BOOK, t) for t in three]
        quick: list[Analysis] = []
        for old, t, want in zip(base, three, fresh, strict=True):
            got = revised(old, t)
            assert got is not None, change
            pd.testing.assert_frame_equal(got.functions, want.functions, check_exact=True)
            pd.testing.assert_frame_equal(got.options, want.options, check_exact=True)
            assert got.assumptions == want.assumptions
            quick.append(got)
        verdicts.add(tuple(quick[0].functions["verdict"]))
        recs = recommend(quick[0], quick[1], quick[2]).functions
        pd.testing.assert_frame_equal(
            recs, recommend(fresh[0], fresh[1], fresh[2]).functions, check_exact=True
        )
    assert len(verdicts) >= 4  # each threshold moved verdicts: the test compares something
    assert (recs["migration_hours"] != hours_before).any()  # and the hours the migration cost
    priced: dict[str, Any]
    for priced in ({"pricing_option": "compute_sp_1y"}, {"target_utilization": 0.6}):
        assert revised(base[0], dataclasses.replace(DEFAULTS, **priced)) is None
