"""Lambda's bill against AWS's published examples and hand computations, to the cent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.core.analyze import analyze
from analyzer.core.assumptions import DEFAULTS
from analyzer.core.pricebook import PriceBook
from analyzer.core.scenario import scenario_fleet
from analyzer.exceptions import PriceBookError


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook.load()


def run(book: PriceBook, functions: list[dict], **top: object) -> pd.DataFrame:
    fleet, a = scenario_fleet({"region": "us-east-1", "functions": functions, **top}, book)
    return analyze(fleet, book, a).functions


def cents(x: float) -> float:
    return round(float(x) + 1e-12, 2)


def test_aws_example_mobile_backend_with_free_tier(book: PriceBook) -> None:
    # AWS: 3M requests, 120 ms, 1536 MB, x86, free tier -> compute $2.33 + requests $0.40 = $2.73
    f = run(
        book,
        [
            {
                "name": "mobile",
                "memory_mb": 1536,
                "monthly_invocations": 3_000_000,
                "avg_duration_ms": 120,
            }
        ],
        free_tier=True,
    ).iloc[0]
    assert f["gb_s_per_month"] == pytest.approx(540_000)
    assert cents(f["lambda_duration_usd"]) == 2.33
    assert cents(f["lambda_requests_usd"]) == 0.40
    assert cents(f["lambda_usd_per_month"]) == 2.73


def test_aws_example_nlp_with_ephemeral_storage(book: PriceBook) -> None:
    # AWS: 6M requests, 280 ms, 4096 MB, 2048 MB storage, free tier -> $105.33 + $1.00 + $0.08
    f = run(
        book,
        [
            {
                "name": "nlp",
                "memory_mb": 4096,
                "ephemeral_storage_mb": 2048,
                "monthly_invocations": 6_000_000,
                "avg_duration_ms": 280,
            }
        ],
        free_tier=True,
    ).iloc[0]
    assert cents(f["lambda_duration_usd"]) == 105.33
    assert cents(f["lambda_requests_usd"]) == 1.00
    assert cents(f["lambda_storage_usd"]) == 0.08
    assert cents(f["lambda_usd_per_month"]) == 106.41


def test_free_tier_off_by_default(book: PriceBook) -> None:
    f = run(
        book,
        [
            {
                "name": "mobile",
                "memory_mb": 1536,
                "monthly_invocations": 3_000_000,
                "avg_duration_ms": 120,
            }
        ],
    ).iloc[0]
    # 540,000 GB-s x $0.0000166667 = $9.00; 3M x $0.20/M = $0.60
    assert cents(f["lambda_duration_usd"]) == 9.00
    assert cents(f["lambda_requests_usd"]) == 0.60
    assert cents(f["lambda_usd_per_month"]) == 9.60


def test_free_tier_is_per_account_and_shared_pro_rata(book: PriceBook) -> None:
    fns = [
        {"name": "a", "memory_mb": 1024, "monthly_invocations": 1_000_000, "avg_duration_ms": 300},
        {"name": "b", "memory_mb": 1024, "monthly_invocations": 1_000_000, "avg_duration_ms": 100},
    ]
    f = run(book, fns, free_tier=True)
    # 300,000 + 100,000 GB-s = exactly the 400,000 free GB-s; 2M requests, 1M free.
    assert cents(f["lambda_duration_usd"].sum()) == 0.00
    assert cents(f["lambda_requests_usd"].sum()) == 0.20
    assert f["lambda_requests_usd"].iloc[0] == pytest.approx(f["lambda_requests_usd"].iloc[1])


def test_tiers_apply_to_the_aggregate_and_are_allocated_pro_rata(book: PriceBook) -> None:
    # Two x86 functions in one account: 4B + 4B GB-s. Tier 1 covers 6B at $0.0000166667,
    # the next 2B are at $0.000015: bill = 100,000.20 + 30,000.00 = $130,000.20, half each.
    fns = [
        {
            "name": n,
            "memory_mb": 1024,
            "monthly_invocations": 4_000_000_000,
            "avg_duration_ms": 1000,
        }
        for n in ("a", "b")
    ]
    f = run(book, fns)
    assert cents(f["lambda_duration_usd"].sum()) == 130_000.20
    assert cents(f["lambda_duration_usd"].iloc[0]) == 65_000.10


def test_tiers_are_per_account_unless_consolidated(book: PriceBook) -> None:
    fns = [
        {
            "name": "a",
            "memory_mb": 1024,
            "monthly_invocations": 4_000_000_000,
            "avg_duration_ms": 1000,
            "account_id": acct,
        }
        for acct in ("111111111111", "222222222222")
    ]
    separate = run(book, fns)
    assert cents(separate["lambda_duration_usd"].sum()) == 133_333.60  # 8B all in tier 1
    merged = run(book, fns, assumptions={"consolidated_billing": True})
    assert cents(merged["lambda_duration_usd"].sum()) == 130_000.20


def test_arm64_uses_arm_prices(book: PriceBook) -> None:
    f = run(
        book,
        [
            {
                "name": "g",
                "memory_mb": 1024,
                "arch": "arm64",
                "monthly_invocations": 1_000_000,
                "avg_duration_ms": 1000,
            }
        ],
    ).iloc[0]
    assert cents(f["lambda_duration_usd"]) == cents(1_000_000 * 0.0000133334)


def test_provisioned_concurrency_by_hand(book: PriceBook) -> None:
    # 10 x 2 GB allocated all month: 52,560,000 GB-s x $0.0000041667 = $219.00;
    # 60% of 1,000,000 x 0.5 s x 2 GB = 600,000 GB-s at $0.0000097222 = $5.83;
    # the other 400,000 GB-s on demand at $0.0000166667 = $6.67.
    f = run(
        book,
        [
            {
                "name": "pc",
                "memory_mb": 2048,
                "monthly_invocations": 1_000_000,
                "avg_duration_ms": 500,
                "provisioned_concurrency": {
                    "allocated": 10,
                    "hours_per_month": 730,
                    "share_of_invocations": 0.6,
                },
                "assumptions": {"tune_pc": False},  # keep the (mostly idle) allocation
            }
        ],
    ).iloc[0]
    assert cents(f["lambda_provisioned_usd"]) == cents(
        52_560_000 * 0.0000041667 + 600_000 * 0.0000097222
    )
    assert cents(f["lambda_provisioned_usd"]) == 224.84
    assert cents(f["lambda_duration_usd"]) == 6.67
    # PC is a fixed cost: it does not scale with traffic. The crossover scales the tuned
    # Lambda (arm64: PC at $0.0000033334 per GB-s).
    assert f["tuned_arch"] == "arm64"
    assert f["lambda_fixed_usd"] == pytest.approx(10 * 2 * 730 * 3600 * 0.0000033334)


def test_no_free_tier_for_provisioned_concurrency(book: PriceBook) -> None:
    pc = {"allocated": 1, "hours_per_month": 730, "share_of_invocations": 1.0}
    base = {
        "name": "pc",
        "memory_mb": 1024,
        "monthly_invocations": 100_000,
        "avg_duration_ms": 100,
        "provisioned_concurrency": pc,
    }
    on = run(book, [base], free_tier=True).iloc[0]
    off = run(book, [base]).iloc[0]
    assert on["lambda_provisioned_usd"] == pytest.approx(off["lambda_provisioned_usd"])


def test_ephemeral_storage_by_hand(book: PriceBook) -> None:
    # (10240 - 512)/1024 = 9.5 GB x 1M x 1 s = 9.5M GB-s x $0.0000000309 = $0.29
    f = run(
        book,
        [
            {
                "name": "s",
                "memory_mb": 1024,
                "ephemeral_storage_mb": 10240,
                "monthly_invocations": 1_000_000,
                "avg_duration_ms": 1000,
            }
        ],
    ).iloc[0]
    assert cents(f["lambda_storage_usd"]) == 0.29


def test_front_doors(book: PriceBook) -> None:
    fns = [
        {
            "name": fd,
            "memory_mb": 128,
            "monthly_invocations": 10_000_000,
            "avg_duration_ms": 10,
            "front_door": fd,
        }
        for fd in ("none", "function_url", "apigw_rest", "apigw_http", "alb")
    ]
    f = run(book, fns).set_index("name")["lambda_front_door_usd"]
    assert cents(f["none"]) == 0.0
    assert cents(f["function_url"]) == 0.0
    assert cents(f["apigw_rest"]) == 35.00  # 10M x $3.50/M
    assert cents(f["apigw_http"]) == 10.00  # 10M x $1.00/M
    # ALB: one per account and region, its 730 h x $0.0225 shared by the 4 HTTP-fronted
    # functions, + (10M / 2,628,000 s / 25 req/s per LCU) x $0.008 x 730 h of LCUs
    lcus = 10e6 / 2_628_000 / 25 * 0.008 * 730
    assert cents(f["alb"]) == cents(730 * 0.0225 / 4 + lcus) == 5.00
    whole = run(book, fns, assumptions={"alb_shared": False}).set_index("name")
    assert (
        cents(float(whole["lambda_front_door_usd"].astype(float)["alb"]))
        == cents(730 * 0.0225 + lcus)
        == 17.31
    )


def test_api_gateway_tiers_on_the_account_aggregate(book: PriceBook) -> None:
    fns = [
        {
            "name": n,
            "memory_mb": 128,
            "monthly_invocations": 200_000_000,
            "avg_duration_ms": 10,
            "front_door": "apigw_rest",
        }
        for n in ("a", "b")
    ]
    f = run(book, fns)
    # 400M requests: 333M x $3.50/M + 67M x $2.80/M = $1,165.50 + $187.60
    assert cents(f["lambda_front_door_usd"].sum()) == 1353.10


def test_compute_savings_plan_discounts_lambda_duration_not_requests(book: PriceBook) -> None:
    fn = [
        {"name": "x", "memory_mb": 1024, "monthly_invocations": 1_000_000, "avg_duration_ms": 1000}
    ]
    od = run(book, fn).iloc[0]
    sp = run(book, fn, assumptions={"pricing_option": "compute_sp_1y"}).iloc[0]
    assert sp["lambda_requests_usd"] == pytest.approx(od["lambda_requests_usd"])
    assert sp["lambda_duration_usd"] == pytest.approx(
        od["lambda_duration_usd"] * (1 - DEFAULTS.lambda_sp_1y_discount)
    )


def test_measured_durations_get_the_round_up_allowance(book: PriceBook) -> None:
    from analyzer.core.demo import demo_fleet

    fleet = demo_fleet(days=7)
    f = analyze(fleet, book).functions.iloc[0]
    inv, ms, mem = f["monthly_invocations"], f["avg_duration_ms"], f["memory_mb"]
    expected_gbs = inv * (ms / 1000 + 0.0005) * mem / 1024
    assert f["gb_s_per_month"] == pytest.approx(expected_gbs, rel=1e-9)


def test_region_missing_from_the_price_book_is_a_clear_error(book: PriceBook) -> None:
    with pytest.raises(
        PriceBookError, match=r"no EC2 on-demand prices for region eu-west-1.*prices refresh"
    ):
        run(
            book,
            [
                {
                    "name": "x",
                    "memory_mb": 128,
                    "monthly_invocations": 1,
                    "avg_duration_ms": 1,
                    "region": "eu-west-1",
                }
            ],
        )
    # ... and a visible proxy makes it work, saying so.
    fleet, a = scenario_fleet(
        {
            "region": "eu-west-1",
            "functions": [
                {"name": "x", "memory_mb": 128, "monthly_invocations": 1000, "avg_duration_ms": 1}
            ],
            "assumptions": {"price_region_proxy": {"eu-west-1": "us-east-1"}},
        },
        book,
    )
    an = analyze(fleet, book, a)
    assert any("eu-west-1 are us-east-1's" in n for n in an.meta["notes"])
    assert np.isfinite(an.functions["best_option_usd_per_month"].iloc[0])
