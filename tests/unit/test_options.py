"""EC2 / Fargate / Managed Instances sizing and prices, by hand and against AWS's examples."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from analyzer.core.analyze import analyze
from analyzer.core.assumptions import DEFAULTS
from analyzer.core.options.candidates import Candidates, fargate_task_usd
from analyzer.core.options.demand import undominated, unit_counts
from analyzer.core.pricebook import PriceBook
from analyzer.core.scenario import scenario_fleet


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook.load()


def cents(x: float | np.ndarray) -> float:
    return round(float(x) + 1e-12, 2)


def options(book: PriceBook, fn: dict[str, object], **assumptions: object) -> tuple[Any, Any]:
    fleet, a = scenario_fleet(
        {"region": "us-east-1", "functions": [fn], "assumptions": assumptions}, book
    )
    an = analyze(fleet, book, a)
    return an.options.set_index("kind"), an.functions.iloc[0]


ORDERS = {
    "name": "orders-api",
    "memory_mb": 1536,
    "arch": "x86_64",
    "monthly_invocations": 3_000_000,
    "avg_duration_ms": 120,
}


@pytest.mark.parametrize(
    ("arch", "expected"),
    [("x86_64", (1.01, 0.22, 0.03, 1.26)), ("arm64", (0.81, 0.18, 0.03, 1.02))],
)
def test_aws_fargate_example(book: PriceBook, arch: str, expected: tuple[float, ...]) -> None:
    # AWS: 5 tasks x 10 min/day x 30 days, 1 vCPU, 2 GB, 30 GB storage.
    runs = 5 * 30
    bill = fargate_task_usd(book.fargate_rates("us-east-1", arch), 1.0, 2.0, 600.0, storage_gb=30)
    got = tuple(
        cents(bill[k] * runs) for k in ("vcpu_usd", "memory_usd", "storage_usd", "total_usd")
    )
    assert got == expected


def test_fargate_one_minute_minimum(book: PriceBook) -> None:
    r = book.fargate_rates("us-east-1", "x86_64")
    assert fargate_task_usd(r, 1, 2, 5.0)["total_usd"] == pytest.approx(
        fargate_task_usd(r, 1, 2, 60.0)["total_usd"]
    )


def test_ec2_sizing_by_hand(book: PriceBook) -> None:
    # mean concurrency 3M/730 h x 0.12 s / 3600 = 0.137; peak x2 = 0.274; a c7g.medium holds
    # (2048 - 512) MB x 0.7 = 1075 MB -> 1536 MB per request needs 0.39 instances: min 2 rule.
    # 2 x $0.0363 x 730 h = $53.00 (the figure docs/interfaces.md shows).
    opts, _ = options(book, ORDERS, instance_types=["c7g.medium"], targets=["ec2"])
    ec2 = opts.loc["ec2"]
    assert ec2["label"] == "c7g.medium"
    assert (ec2["units_min"], ec2["units_max"]) == (2, 2)
    assert cents(ec2["monthly_usd"]) == 53.00


def test_ec2_peak_grows_instance_count(book: PriceBook) -> None:
    # burst 20: peak 2.74 concurrent x 1536 MB / 1075 MB = 3.9 -> 4 instances = $106.00
    opts, _ = options(
        book, ORDERS, instance_types=["c7g.medium"], targets=["ec2"], burst_factor=20.0
    )
    assert opts.loc["ec2", "units_max"] == 4
    assert cents(opts.loc["ec2", "monthly_usd"]) == 106.00


def test_worker_memory_must_fit_one_instance(book: PriceBook) -> None:
    # A 4096 MB worker does not fit a c7g.medium (2 GiB) or c7g.large (4 GiB - 512 MB for the OS).
    big = {**ORDERS, "memory_mb": 4096}
    opts, f = options(book, big, instance_types=["c7g.medium", "c7g.large"], targets=["ec2"])
    assert "ec2" not in opts.index
    assert f["best_option_kind"] is None
    opts, _ = options(
        book, big, instance_types=["c7g.medium", "c7g.large", "c7g.xlarge"], targets=["ec2"]
    )
    assert opts.loc["ec2", "label"] == "c7g.xlarge"


def test_static_sizing_pays_for_the_peak_all_month(book: PriceBook) -> None:
    profile = [1.0] * 23 + [200.0]
    fn = {**ORDERS, "monthly_invocations": 300_000_000, "hourly_profile": profile}
    auto, _ = options(book, fn, instance_types=["c7g.large"], targets=["ec2"])
    static, _ = options(book, fn, instance_types=["c7g.large"], targets=["ec2"], autoscaling=False)
    assert auto.loc["ec2", "units_max"] == static.loc["ec2", "units_max"]
    assert auto.loc["ec2", "units_min"] < auto.loc["ec2", "units_max"]
    price = book.ec2_price("us-east-1", "c7g.large")
    assert static.loc["ec2", "compute_usd"] == pytest.approx(
        static.loc["ec2", "units_max"] * price * 730
    )
    assert auto.loc["ec2", "compute_usd"] < static.loc["ec2", "compute_usd"]


def test_lmi_is_requests_plus_instances_plus_fee_on_on_demand(book: PriceBook) -> None:
    # LMI runs on .large and larger: a .medium is not offered.
    none, _f = options(book, ORDERS, instance_types=["c7g.medium"], targets=["ec2", "lmi"])
    assert "lmi" not in none.index
    opts, _f = options(
        book, ORDERS, instance_types=["c7g.large"], targets=["lmi"], pricing_option="compute_sp_1y"
    )
    lmi = opts.loc["lmi"]
    # 1 vCPU and 1 GB of the c7g.large (2 vCPU, 4 GB) are the OS's
    assert lmi["vcpu"] == 1.0
    price = book.ec2_price("us-east-1", "c7g.large")
    hours = 3 * 730  # three instances by default (lmi_min_instances), for AZ resiliency
    assert lmi["units_min"] == lmi["units_max"] == 3
    assert lmi["requests_usd"] == pytest.approx(3_000_000 * 0.20 / 1e6)
    assert lmi["management_fee_usd"] == pytest.approx(
        hours * price * 0.15
    )  # on the on-demand price
    assert lmi["compute_usd"] == pytest.approx(hours * price * (1 - 0.28))  # Savings Plan applies
    assert lmi["monthly_usd"] == pytest.approx(
        lmi["requests_usd"] + lmi["management_fee_usd"] + lmi["compute_usd"]
    )


def test_lmi_serves_many_requests_per_environment_as_aws_prices_it(
    book: PriceBook, lmi_python_fn: dict[str, object]
) -> None:
    # Python (16 concurrent requests per vCPU), 1,024 MB, 100 ms, 1,500 requests/s flat: 150
    # concurrent requests (burst factor 1). On a c7g.xlarge (4 vCPU, 8 GiB: 2 GiB per vCPU),
    # 1 vCPU and 1 GB are the OS's: 3 vCPU and 7,168 MB left. An environment has at least 2 GB
    # (2,048 MB, 1 vCPU at 2 GiB per vCPU): 3 environments x 16 requests = 48 slots. CPU: a
    # request keeps 10% of 1,024 / 1,769 = 0.0579 vCPU busy, 3 / 0.0579 = 51.8 requests: the
    # slots bind. At 70% utilisation: 48 x 0.7 = 33.6 requests per instance, 150 / 33.6 = 4.46
    # -> 5 instances (one request per 1 GB worker would need 31).
    fn = lmi_python_fn
    opts, _f = options(
        book,
        fn,
        instance_types=["c7g.xlarge"],
        targets=["lmi"],
        burst_factor=1.0,
        cpu_busy_fraction=0.1,
    )
    lmi = opts.loc["lmi"]
    assert lmi["units_min"] == lmi["units_max"] == 5
    # AWS's formula: $0.20 per million requests + instances + 15% of the on-demand price.
    price = book.ec2_price("us-east-1", "c7g.xlarge")
    assert price == 0.145
    assert cents(lmi["requests_usd"]) == cents(1500 * 730 * 3600 * 0.20 / 1e6) == 788.40
    assert cents(lmi["compute_usd"]) == cents(5 * 730 * 0.145) == 529.25
    assert cents(lmi["management_fee_usd"]) == cents(5 * 730 * 0.145 * 0.15) == 79.39
    assert cents(lmi["monthly_usd"]) == cents(788.40 + 529.25 + 79.3875) == 1397.04
    assert (lmi["environments_per_unit"], lmi["concurrency_per_environment"]) == (3, 16)
    # A trickle still pays for the three-instance floor.
    low, _ = options(
        book,
        {**fn, "monthly_invocations": 1_000_000},
        instance_types=["c7g.xlarge"],
        targets=["lmi"],
    )
    assert low.loc["lmi", "units_max"] == 3
    assert cents(low.loc["lmi", "compute_usd"]) == cents(3 * 730 * 0.145) == 317.55


def test_alb_added_when_http_fronted_and_ops_hours_cost_money(book: PriceBook) -> None:
    fn = {**ORDERS, "front_door": "apigw_http"}
    opts, _ = options(
        book, fn, targets=["ec2", "fargate"], ops_hours_per_month=2, engineer_hourly_usd=120
    )
    for kind in ("ec2", "fargate"):
        assert opts.loc[kind, "load_balancer_usd"] >= 730 * 0.0225
        assert opts.loc[kind, "ops_usd"] == pytest.approx(240.0)
    none, _ = options(book, fn, targets=["ec2"], load_balancer=False)
    assert none.loc["ec2", "load_balancer_usd"] == 0.0


def test_spot_and_savings_plans_discount_the_provisioned_side(book: PriceBook) -> None:
    od, _ = options(book, ORDERS, instance_types=["c7g.medium"], targets=["ec2"])
    spot, _ = options(
        book, ORDERS, instance_types=["c7g.medium"], targets=["ec2"], pricing_option="spot"
    )
    assert spot.loc["ec2", "compute_usd"] == pytest.approx(od.loc["ec2", "compute_usd"] * 0.4)


def test_arch_change_can_be_forbidden(book: PriceBook) -> None:
    opts, _ = options(book, ORDERS, allow_arch_change=False)
    assert set(opts["arch"]) == {"x86_64"}
    opts, _ = options(book, ORDERS)
    assert "arm64" in set(opts["arch"])


def test_burstable_only_when_allowed(book: PriceBook) -> None:
    opts, _ = options(book, {**ORDERS, "memory_mb": 256}, targets=["ec2"])
    assert not opts.loc["ec2", "label"].startswith("t")
    opts, _ = options(book, {**ORDERS, "memory_mb": 256}, targets=["ec2"], allow_burstable=True)
    assert opts.loc["ec2", "label"].startswith("t")


def test_every_option_bill_adds_up_from_its_parts(book: PriceBook) -> None:
    # One option's bill: compute + management fee (LMI) + load balancer + ops (EC2, Fargate)
    # + requests + front door (LMI) = monthly_usd, with the fee only on LMI rows.
    from analyzer.core.demo import demo_fleet

    options = analyze(demo_fleet(), book).options
    parts = [
        "compute_usd",
        "management_fee_usd",
        "load_balancer_usd",
        "ops_usd",
        "requests_usd",
        "front_door_usd",
    ]
    total = options[parts].fillna(0.0).sum(axis=1)
    assert total.to_numpy() == pytest.approx(options["monthly_usd"].to_numpy(), rel=1e-12)
    lmi = options["kind"] == "lmi"
    assert options.loc[lmi, "management_fee_usd"].gt(0).all()
    assert options.loc[~lmi, "management_fee_usd"].isna().all()
    assert options.loc[lmi, ["load_balancer_usd", "ops_usd"]].isna().all().all()


def candidates_priced(prices: list[float]) -> Candidates:
    n = len(prices)
    return Candidates(
        "ec2",
        np.array([f"t{i}" for i in range(n)], dtype=object),
        np.full(n, "x86_64", dtype=object),
        np.ones(n),
        np.full(n, 1024.0),
        np.full(n, 1024.0),
        np.array(prices),
        np.array(prices),
    )


def test_a_dearer_candidate_needing_as_many_units_is_ruled_out_per_function() -> None:
    # t1 costs more per hour than t0 and needs as many units per request: never the cheapest.
    # t2 is dearer but needs fewer units, t3 needs more but is cheaper: both can win, and stay.
    c = candidates_priced([0.10, 0.20, 0.20, 0.05])
    r = np.array([[0.5, 0.5, 0.25, 1.0], [0.5, 0.4, 0.25, 1.0]])
    out = undominated(r, c, DEFAULTS)
    assert out[0].tolist() == [0.5, np.inf, 0.25, 1.0]
    assert out[1].tolist() == [0.5, 0.4, 0.25, 1.0]  # a row of its own: t1 fits better here


def test_ruling_out_dominated_candidates_changes_no_cheapest_cost_or_choice() -> None:
    # Random fleets of candidates and hourly demand: the cheapest compute (and which candidate
    # it is) over every candidate equals the cheapest over the undominated ones, at every k.
    rng = np.random.default_rng(7)
    for _ in range(20):
        f, t, h = 30, 25, 48
        prices = rng.choice([0.05, 0.1, 0.17, 0.2, 0.34, 0.4], t)  # ties included
        r = rng.choice([0.125, 0.25, 0.5, 1.0, np.inf], (f, t))
        base, excess = rng.gamma(1.0, 3.0, (f, h)), rng.gamma(1.0, 1.0, (f, h))
        kept = undominated(r, candidates_priced(list(prices)), DEFAULTS)
        for k in (0.3, 1.0, 4.0):
            units = unit_counts(
                base[:, None], excess[:, None], np.where(np.isfinite(r), r, 0), k, 2
            )
            cost = np.where(np.isfinite(r), units.sum(axis=2) * prices, np.inf)
            cost_kept = np.where(np.isfinite(kept), cost, np.inf)
            assert np.array_equal(cost.min(axis=1), cost_kept.min(axis=1))
            assert np.array_equal(np.argmin(cost, axis=1), np.argmin(cost_kept, axis=1))
        assert np.isinf(kept).sum() > np.isinf(r).sum()  # and some were ruled out


def test_static_sizing_prices_the_peak_hour_exactly_as_every_hour() -> None:
    """A static fleet is sized for its busiest hour: pricing n(r x peak) once equals the most
    units of any hour, to the last bit, also where r x demand lands on a whole unit (the
    rounding that could turn a unit). Checked against pricing every hour of every candidate."""
    from analyzer.core.options.demand import units_of
    from analyzer.core.options.shortlist import Shortlist, cheapest_compute

    rng = np.random.default_rng(11)
    f, q, s = 300, 24, 7
    base = rng.uniform(0.0, 6.0, (f, q))
    base[:, 3] = rng.integers(1, 6, f) / 4.0  # hours whose demand x r is a whole number
    excess = rng.uniform(0.0, 1.0, (f, q)) * (rng.uniform(size=(f, 1)) < 0.5)
    per_candidate = rng.choice([0.25, 0.5, 1.0, 2.0, 0.1, 1 / 3], (f, 5))
    per_candidate[rng.uniform(size=(f, 5)) < 0.2] = np.inf  # not allowed
    idx = np.sort(rng.integers(0, 5, (f, s)), axis=1)  # some candidates named twice
    r = np.take_along_axis(per_candidate, idx, axis=1)
    price = np.take_along_axis(rng.uniform(0.01, 0.5, (f, 5)), idx, axis=1)
    k = rng.choice([0.5, 1.0, 2.0, 4.0], f)
    usd, col = cheapest_compute(base, excess, Shortlist(idx, r, price), k, 2, False)
    demand = k[:, None] * base + np.sqrt(k)[:, None] * excess
    per_hour = units_of(demand[:, None, :] * np.where(np.isfinite(r), r, 0.0)[..., None], 2)
    every = np.where(np.isfinite(r), per_hour.max(axis=2) * q * price * (730 / q), np.inf)
    assert np.array_equal(usd, every.min(axis=1))
    assert np.array_equal(col, np.argmin(every, axis=1))


def test_unit_hours_of_pairs_by_hand_and_as_every_hour_counted() -> None:
    """The unit-hours of (function, k, candidate) pairs: by hand on two hours, then
    equal to the last bit to counting every hour with `unit_counts`, weights included, also
    where r x demand lands on a whole unit (the rounding that could turn a unit)."""
    from analyzer.core.options.demand import pair_unit_hours

    base, excess = np.array([[1.0, 2.5]]), np.array([[0.5, 0.0]])
    # k = 4: p = 4 x 1 + 2 x 0.5 = 5 and 4 x 2.5 = 10; r = 0.5: 2.5 -> 3 units, 5 -> 5 units
    one = np.array([0])
    assert pair_unit_hours(base, excess, one, np.array([4.0]), np.array([0.5]), 1)[0] == 8.0
    weights = np.array([[2.0, 3.0]])  # a compressed profile: 2 and 3 hours
    assert (
        pair_unit_hours(base, excess, one, np.array([4.0]), np.array([0.5]), 1, weights)[0]
        == 2 * 3 + 3 * 5
    )
    assert pair_unit_hours(base, excess, one, np.array([4.0]), np.array([0.5]), 4)[0] == 9.0

    rng = np.random.default_rng(5)
    f, h, pairs = 40, 72, 9000  # more pairs than one batch counts
    base, excess = rng.uniform(0.0, 6.0, (f, h)), rng.uniform(0.0, 1.0, (f, h))
    base[:, 5] = rng.integers(1, 6, f) / 4.0  # whole units at k = 1 with r = 4 or 2
    weights = rng.integers(1, 9, (f, h)).astype(float)
    rows = rng.integers(0, f, pairs)
    k = rng.choice([0.25, 1.0, 2.0, 3.7], pairs)
    r = rng.choice([0.25, 0.5, 1 / 3, 2.0, 4.0], pairs)
    for m in (0, 2):
        counted = unit_counts(base[rows], excess[rows], r, k, m)
        assert np.array_equal(pair_unit_hours(base, excess, rows, k, r, m), counted.sum(axis=1))
        assert np.array_equal(
            pair_unit_hours(base, excess, rows, k, r, m, weights),
            (counted * weights[rows]).sum(axis=1),
        )
