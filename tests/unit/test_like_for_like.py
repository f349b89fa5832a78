"""Honest verdicts: Tune and Move kept apart, the front door the same on both sides, PC billed
from the hourly profile, per-function assumptions on both sides, INIT billed. Every figure is
a hand computation written here, to the cent (us-east-1 prices of the bundled price book)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.core.analyze import Analysis, analyze
from analyzer.core.assumptions import DEFAULTS
from analyzer.core.fleet import FleetData
from analyzer.core.options.candidates import fargate_candidates
from analyzer.core.pricebook import PriceBook
from analyzer.core.scenario import scenario_fleet
from analyzer.present.recommendations import recommend

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HOURS = 730
SECONDS = 730 * 3600
X86_GB_S, ARM_GB_S = 0.0000166667, 0.0000133334
ALB_HOUR, ALB_LCU_HOUR = 0.0225, 0.008


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook.bundled()


def cents(x: float) -> float:
    return round(float(x) + 1e-9, 2)


def run(book: PriceBook, functions: list[dict], **top: object) -> Analysis:
    fleet, a = scenario_fleet({"region": "us-east-1", "functions": functions, **top}, book)
    return analyze(fleet, book, a)


def row(analysis: Analysis, name: str) -> pd.Series:
    f = analysis.functions
    return f[f["name"] == name].iloc[0]


def option(analysis: Analysis, name: str, kind: str) -> pd.Series:
    fid = row(analysis, name)["function_id"]
    o = analysis.options
    return o[(o["function_id"] == fid) & (o["kind"] == kind)].iloc[0]


def alb_usd(requests_per_month: float, sharing: int) -> float:
    """An ALB's hours split across `sharing` HTTP functions, plus this function's LCUs."""
    return ALB_HOUR * HOURS / sharing + requests_per_month / SECONDS / 25 * ALB_LCU_HOUR * HOURS


def test_checkout_api_is_not_outgrown_on_compute_the_front_door_is_a_tune(book: PriceBook) -> None:
    scenario = json.loads((EXAMPLES / "orders-api.json").read_text())
    fleet, a = scenario_fleet(scenario, book)
    analysis = analyze(fleet, book, a)
    f = row(analysis, "checkout-api")
    # Today: 400M x $0.20/M = $80.00; 400M x 0.08 s x 1 GB = 32M GB-s x $0.0000133334 =
    # $426.67; REST 333M x $3.50/M + 67M x $2.80/M = $1,353.10. Total $1,859.77.
    assert cents(f["lambda_usd_per_month"]) == 1859.77
    # Tuned: the cheapest adequate front door is the account's ALB (shared by its 2 HTTP
    # functions): $8.2125 of hours + 152.2 req/s / 25 x $0.008 x 730 h = $43.77.
    door = alb_usd(400e6, 2)
    assert cents(door) == 43.77
    assert f["tuned_front_door"] == "alb"
    assert cents(f["tuned_lambda_usd_per_month"]) == cents(80 + 32e6 * ARM_GB_S + door) == 550.44
    assert cents(f["tune_front_door_usd_per_month"]) == cents(1353.10 - door) == 1309.33
    assert cents(f["tune_arm64_usd_per_month"]) == 0.0  # already arm64
    # Move: EC2 keeps the same ALB (no second load balancer); 11 x c6g.large at $0.068/h =
    # $546.04 of compute + $43.77 = $589.81 > $550.44: not Outgrown, no Move saving.
    ec2 = option(analysis, "checkout-api", "ec2")
    assert cents(ec2["compute_usd"]) == cents(11 * 0.068 * HOURS) == 546.04
    assert cents(ec2["load_balancer_usd"]) == 0.0
    assert cents(ec2["front_door_usd"]) == 43.77
    assert cents(ec2["monthly_usd"]) == 589.81
    assert f["verdict"] != "outgrown"
    assert f["saving_usd_per_month"] == f["move_saving_usd_per_month"] == 0.0
    # orders-api keeps its HTTP API ($3.00 for 3M) on both sides; EC2 adds the load balancer
    # the API reaches it through: half the ALB's hours + its LCUs = $8.48.
    orders = option(analysis, "orders-api", "ec2")
    assert row(analysis, "orders-api")["tuned_front_door"] == "apigw_http"
    assert cents(orders["front_door_usd"]) == 3.00
    assert cents(orders["load_balancer_usd"]) == cents(alb_usd(3e6, 2)) == 8.48


def test_front_door_after_move_alb_swaps_both_sides(book: PriceBook) -> None:
    fn = {
        "name": "api",
        "memory_mb": 1024,
        "monthly_invocations": 10_000_000,
        "avg_duration_ms": 100,
        "front_door": "apigw_rest",
        "runtime": "java8",
    }
    a = run(book, [fn], assumptions={"front_door_after_move": "alb"})
    f = row(a, "api")
    door = alb_usd(10e6, 1)  # $16.425 + $0.89 = $17.31, a whole ALB: the only HTTP function
    assert f["tuned_front_door"] == "alb"
    # REST 10M x $3.50/M = $35.00 -> ALB $17.31
    assert cents(f["tune_front_door_usd_per_month"]) == cents(35.0 - door) == 17.69
    for kind in ("ec2", "fargate", "lmi"):
        assert cents(option(a, "api", kind)["front_door_usd"]) == cents(door)
    assert cents(option(a, "api", "ec2")["load_balancer_usd"]) == 0.0


def test_move_saving_excludes_the_arm64_tune(book: PriceBook) -> None:
    fn = {
        "name": "enrich",
        "memory_mb": 2048,
        "monthly_invocations": 100_000_000,
        "avg_duration_ms": 200,
        "runtime": "python3.12",
        "assumptions": {"cpu_busy_fraction": 0.1},
    }
    old = {**fn, "name": "legacy", "runtime": "python3.7"}  # x86_64 only
    a = run(book, [fn, old])
    f = row(a, "enrich")
    # 100M x 0.2 s x 2 GB = 40M GB-s: x86 $666.67, arm64 $533.34; requests $20.00.
    assert cents(f["lambda_usd_per_month"]) == cents(20 + 40e6 * X86_GB_S) == 686.67
    assert cents(f["tuned_lambda_usd_per_month"]) == cents(20 + 40e6 * ARM_GB_S) == 553.34
    assert cents(f["tune_arm64_usd_per_month"]) == 133.33
    assert f["verdict"] == "outgrown"
    best = f["best_option_usd_per_month"]
    assert cents(f["saving_usd_per_month"]) == cents(20 + 40e6 * ARM_GB_S - best)
    legacy = row(a, "legacy")
    assert legacy["tuned_arch"] == "x86_64"
    assert cents(legacy["tune_arm64_usd_per_month"]) == 0.0
    assert cents(legacy["saving_usd_per_month"]) == cents(686.67 - best)


def test_provisioned_concurrency_spills_over_to_on_demand_hour_by_hour(book: PriceBook) -> None:
    # PC 8 x 1 GB all month; hours alternate between mean concurrency 4 and 12 (mean 8):
    # 21,024,000 invocations of 1 s; weights 1, 3 -> 14,400 and 43,200 invocations an hour.
    fn = {
        "name": "pricing-engine",
        "memory_mb": 1024,
        "monthly_invocations": 21_024_000,
        "avg_duration_ms": 1000,
        "runtime": "java8",
        "hourly_profile": [1, 3] * 12,
        "provisioned_concurrency": {"allocated": 8, "hours_per_month": 730},
    }
    f = row(run(book, [fn]), "pricing-engine")
    # On PC: min(4, 8) + min(12, 8) = 12 of every 16 concurrency-hours = 75%.
    gb_s = 21_024_000.0
    allocation = 8 * 1 * 730 * 3600 * 0.0000041667  # $87.60
    on_pc = 0.75 * gb_s * 0.0000097222  # $153.30
    spill = 0.25 * gb_s * X86_GB_S  # $87.60 on demand
    assert cents(f["lambda_provisioned_usd"]) == cents(allocation + on_pc) == 240.90
    assert cents(f["lambda_duration_usd"]) == cents(spill) == 87.60
    assert cents(f["lambda_usd_per_month"]) == cents(allocation + on_pc + spill + 4.2048)
    # The window mean (8.0 = the allocation) would have put everything on PC: $296.21.
    mean_estimate = allocation + gb_s * 0.0000097222 + 4.2048
    assert cents(f["lambda_usd_per_month"] - mean_estimate) == 36.50


def test_per_function_pricing_option_discounts_lambda_and_the_options(book: PriceBook) -> None:
    base = {
        "name": "plain",
        "memory_mb": 1024,
        "monthly_invocations": 10_000_000,
        "avg_duration_ms": 100,
        "runtime": "java8",
    }
    sp = {**base, "name": "committed", "assumptions": {"pricing_option": "compute_sp_3y"}}
    a = run(book, [base, sp])
    plain, committed = row(a, "plain"), row(a, "committed")
    # 1M GB-s x $0.0000166667 = $16.67; with the 3-year plan (17% off) $13.83. Requests
    # ($2.00) are not discounted.
    assert cents(plain["lambda_duration_usd"]) == 16.67
    assert cents(committed["lambda_duration_usd"]) == cents(1e6 * X86_GB_S * 0.83) == 13.83
    assert cents(committed["lambda_requests_usd"]) == 2.00
    ec2_plain = option(a, "plain", "ec2")
    ec2_sp = option(a, "committed", "ec2")
    assert ec2_sp["usd_per_unit_hour"] < ec2_plain["usd_per_unit_hour"]


def test_per_function_free_tier_applies_to_lambda(book: PriceBook) -> None:
    # AWS's mobile backend example, free tier asked for by the function alone: $2.73.
    fn = {
        "name": "mobile",
        "memory_mb": 1536,
        "monthly_invocations": 3_000_000,
        "avg_duration_ms": 120,
        "account_id": "111111111111",
        "assumptions": {"free_tier": True},
    }
    other = {**fn, "name": "other", "account_id": "222222222222"}
    other.pop("assumptions")
    a = run(book, [fn, other])
    assert cents(row(a, "mobile")["lambda_usd_per_month"]) == 2.73
    # 540,000 GB-s x $0.0000166667 + 3M x $0.20/M without it
    assert cents(row(a, "other")["lambda_usd_per_month"]) == cents(540_000 * X86_GB_S + 0.6)


def test_cost_bills_init(book: PriceBook) -> None:
    fn = {
        "name": "cold",
        "memory_mb": 1024,
        "monthly_invocations": 10_000_000,
        "avg_duration_ms": 100,
        "runtime": "java8",
    }
    plain = row(run(book, [fn]), "cold")
    init = row(
        run(book, [fn], assumptions={"init_ms_per_cold_start": 1000, "cold_start_rate": 0.05}),
        "cold",
    )
    # 10M x 0.1 s x 1 GB = 1M GB-s -> $16.67 + $2.00 requests = $18.67; with 5% cold starts
    # of 1 s INIT: 10M x (0.1 + 0.05) s = 1.5M GB-s -> $25.00 + $2.00 = $27.00.
    assert cents(plain["lambda_usd_per_month"]) == 18.67
    assert cents(init["lambda_usd_per_month"]) == 27.00


def test_a_request_fits_a_unit_by_vcpu_too(book: PriceBook) -> None:
    # 3,008 MB at cpu_busy_fraction 1: 3008 / 1769 = 1.70 vCPU per request.
    fn = {
        "name": "big",
        "memory_mb": 3008,
        "monthly_invocations": 1_000_000,
        "avg_duration_ms": 500,
    }
    a = run(book, [fn])
    for kind in ("ec2", "fargate", "lmi"):
        assert option(a, "big", kind)["vcpu"] >= 2


def test_no_fargate_spot_for_arm64(book: PriceBook) -> None:
    # AWS sells Fargate Spot for x86_64 tasks only: under `spot` an arm64 task keeps its
    # on-demand price, an x86_64 task gets the Spot discount (70% by default).
    a = DEFAULTS.replace(pricing_option="spot")
    c = fargate_candidates(book, "us-east-1", a, ["x86_64", "arm64"])
    arm = c.arch == "arm64"
    assert arm.any() and (~arm).any()
    assert c.usd_per_hour[arm] == pytest.approx(c.ondemand_usd_per_hour[arm])
    assert c.usd_per_hour[~arm] == pytest.approx(c.ondemand_usd_per_hour[~arm] * 0.3)
    # 0.25 vCPU / 0.5 GB x86_64: 0.25 x $0.04048 + 0.5 x $0.004445 = $0.0123425 -> $0.00370275
    small = (c.vcpu == 0.25) & (c.memory_mb == 512) & ~arm
    assert c.usd_per_hour[small][0] == pytest.approx(0.0123425 * 0.3)


def test_lmi_types_from_the_book_or_derived_from_ec2(book: PriceBook) -> None:
    derived = book.lmi_types("us-east-1")
    types = set(derived["instance_type"])
    # C/M/R, .large and larger, current generations, no burstable: c6g.large yes; c6g.medium,
    # t3.large, c6g.metal no. The fee is 15% of the on-demand price: c6g.large $0.068 -> $0.0102.
    assert {"c6g.large", "m7i.xlarge", "r8g.2xlarge"} <= types
    assert not types & {"c6g.medium", "t3.large", "t4g.xlarge", "c6g.metal"}
    fee = derived.set_index("instance_type")["management_usd_per_hour"]
    assert fee["c6g.large"] == pytest.approx(0.068 * 0.15)
    assert derived["source"].str.startswith("derived").all()
    # With `lmi` rows for a region, exactly those types and fees (and their source).
    doc = json.loads(json.dumps(book.doc))
    doc["lmi"] = [
        {
            "region": "us-east-1",
            "instance_type": "m7g.large",
            "management_usd_per_hour": 0.01224,
            "source": "pricing-api",
        }
    ]
    listed = PriceBook(doc).lmi_types("us-east-1")
    assert listed.to_dict("records") == [
        {"instance_type": "m7g.large", "management_usd_per_hour": 0.01224, "source": "pricing-api"}
    ]


def pc_fleet(concurrency: dict[str, list[float]], allocated: dict[str, int]) -> FleetData:
    """30 days of 1 s requests (1 GB, java8: x86 only, no front door), each function's hours
    cycling through the mean concurrencies given, with the PC allocation given."""
    frames = []
    for name, cycle in concurrency.items():
        per_hour = np.tile(np.array(cycle) * 3600.0, 720 // len(cycle))  # 1 s each
        frames.append(
            pd.DataFrame(
                {
                    "function_id": f"1:us-east-1:{name}",
                    "timestamp": pd.date_range("2026-06-01T00:00Z", periods=720, freq="h"),
                    "invocations": per_hour,
                    "duration_sum_ms": per_hour * 1000.0,
                }
            )
        )
    functions = pd.DataFrame(
        [
            {
                "account_id": "1",
                "region": "us-east-1",
                "name": name,
                "memory_mb": 1024,
                "runtime": "java8",
                "pc_allocated": allocated[name],
                "pc_hours_per_month": 730.0,
                "duration_is_billed": True,
            }
            for name in concurrency
        ]
    )
    return FleetData(functions, pd.concat(frames, ignore_index=True))


def test_the_tuned_lambda_right_sizes_provisioned_concurrency_to_the_hourly_profile(
    book: PriceBook,
) -> None:
    # x86 rates: PC allocation $0.0000041667, PC duration $0.0000097222, on demand
    # $0.0000166667 per GB-s. One unit of allocation (1 GB, 730 h) costs $10.95 a month; each
    # concurrency-hour it carries saves 3,600 x ($0.0000166667 - $0.0000097222) = $0.025.
    # "steady": hours cycle through concurrency 2, 4, 6, 12 (182.5 hours each a month), PC 10.
    # A unit above 6 is busy 25% of the hours (saves $4.56 < $10.95), above 4 50% ($9.13 <
    # $10.95), above 2 75% ($13.69 > $10.95): the right size is 4.
    # "sparse": concurrency 1 every other hour, none in between, PC 2: any unit is busy 50% of
    # the hours ($9.13 < $10.95): drop PC.
    unit = 730 * 3600 * 0.0000041667
    per_ch_pc, per_ch_od = 3600 * 0.0000097222, 3600 * 0.0000166667

    def bill(allocation: int, cycle: list[float]) -> float:
        on_pc = sum(min(c, allocation) for c in cycle) * 730 / len(cycle)
        total = sum(cycle) * 730 / len(cycle)  # concurrency-hours a month
        requests = total * 3600 / 1e6 * 0.20
        return allocation * unit + on_pc * per_ch_pc + (total - on_pc) * per_ch_od + requests

    steady, sparse = [2.0, 4.0, 6.0, 12.0], [1.0, 0.0]
    # steady: today $109.50 + 4,015 conc-h on PC $140.52 + 365 spilled $21.90 + requests
    # $3.15 = $275.08; at 4: $43.80 + 2,555 on PC $89.42 + 1,825 spilled $109.50 + $3.15 =
    # $245.88; at 3 and 5 it would be $248.62 and $247.70.
    assert [round(bill(a, steady), 2) for a in (10, 4, 3, 5)] == [275.08, 245.88, 248.62, 247.70]
    # sparse: today $21.90 + 365 conc-h on PC $12.77 + $0.26 = $34.94; without PC $22.16.
    assert [round(bill(a, sparse), 2) for a in (2, 0)] == [34.94, 22.16]
    fleet = pc_fleet({"steady": steady, "sparse": sparse}, {"steady": 10, "sparse": 2})
    a = analyze(fleet, book)
    s, p = row(a, "steady"), row(a, "sparse")
    assert cents(s["lambda_usd_per_month"]) == 275.08
    assert s["tuned_pc_allocated"] == 4
    assert cents(s["tuned_lambda_usd_per_month"]) == 245.88
    assert cents(s["tune_pc_usd_per_month"]) == cents(275.08 - 245.88) == 29.20
    assert p["tuned_pc_allocated"] == 0
    assert cents(p["tune_pc_usd_per_month"]) == cents(34.94 - 22.16) == 12.78
    # The Move is compared with the right-sized Lambda.
    best = s["best_option_usd_per_month"]
    assert cents(s["saving_usd_per_month"]) == cents(max(245.88 - best, 0.0))
    advice = recommend(a).functions.set_index("name")["tune_advice"]
    assert "right-size provisioned concurrency from 10 to 4 units" in advice["steady"]
    assert "drop provisioned concurrency (2 units)" in advice["sparse"]
    # tune_pc=false keeps today's allocation.
    kept = row(analyze(fleet, book, DEFAULTS.replace(tune_pc=False)), "steady")
    assert kept["tuned_pc_allocated"] == 10
    assert cents(kept["tuned_lambda_usd_per_month"]) == 275.08


def test_no_arm64_tune_where_the_book_lacks_arm64_provisioned_concurrency(book: PriceBook) -> None:
    """The bundled book has eu-west-1's x86 provisioned-concurrency rates but not arm64's: a
    PC function there keeps x86 (the tune cannot be priced) instead of failing the analysis;
    one without PC in the same region still gets the arm64 tune."""
    arm = book.lambda_rates("eu-west-1", "arm64")
    assert arm.pc_gb_s is None  # the premise: no arm64 PC price in eu-west-1
    fn = {
        "name": "warm",
        "memory_mb": 1024,
        "monthly_invocations": 10_000_000,
        "avg_duration_ms": 100,
        "runtime": "python3.12",
        "provisioned_concurrency": {"allocated": 2},
    }
    cold = {**fn, "name": "cold", "provisioned_concurrency": {"allocated": 0}}
    a = run(
        book,
        [fn, cold],
        region="eu-west-1",
        assumptions={"price_region_proxy": {"eu-west-1": "us-east-1"}},
    )
    assert row(a, "warm")["tuned_arch"] == "x86_64"
    assert cents(row(a, "warm")["tune_arm64_usd_per_month"]) == 0.0
    assert row(a, "cold")["tuned_arch"] == "arm64"
    # 10M x 0.1 s x 1 GB = 1M GB-s; the arm64 tune is the duration-price difference.
    x86 = book.lambda_rates("eu-west-1", "x86_64").duration.rates[0]
    assert cents(row(a, "cold")["tune_arm64_usd_per_month"]) == cents(
        1e6 * (x86 - arm.duration.rates[0])
    )
