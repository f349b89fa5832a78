"""analyze(): fleet + price book + assumptions -> Analysis (costs, options, crossover, verdicts).

The steps, each a function below: the fleet's monthly usage -> Lambda's bill -> every option's
cost and the crossover, block by block -> forecast -> verdicts -> the result tables.

The fleet is processed in chunks of functions (bounded memory, see blocks.py); inside a chunk
every step is vectorised over functions x candidates (x hours). Python loops run only over chunks, distinct
assumption sets, price regions and the three option kinds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.assumptions import DEFAULTS, AssumptionGroups, Assumptions
from analyzer.core.basis import RunRateCosts, run_rate_costs
from analyzer.core.blocks import CHUNK, PricedOptions, price_fleet_options
from analyzer.core.commitments import lambda_discounts
from analyzer.core.fleet import Fleet
from analyzer.core.forecast import Forecast, Trend, forecast, run_rate
from analyzer.core.lambda_cost import LambdaCost, LambdaInputs, alb_shares, proxied_regions
from analyzer.core.options.cost import OptionTraffic
from analyzer.core.pricebook import PriceBook
from analyzer.core.runner import ChunkRunner
from analyzer.core.tune import TunedLambda, tune_lambda
from analyzer.core.vocabulary import HOURS_PER_MONTH, SECONDS_PER_MONTH, Verdict
from analyzer.core.window import FirstPass, WindowSums, first_pass, window_sums
from analyzer.exceptions import InputError


@dataclass
class Analysis:
    """The result: one row per function, one row per (function, option kind), and context."""

    functions: pd.DataFrame
    options: pd.DataFrame
    assumptions: Assumptions
    book: PriceBook
    fleet: Fleet
    meta: dict[str, Any] = field(default_factory=dict)
    groups: AssumptionGroups | None = None  # per-function assumption sets (None: all `assumptions`)

    @property
    def assumption_groups(self) -> AssumptionGroups:
        """Which assumptions each function (in `functions` order) was analysed under."""
        if self.groups is not None:
            return self.groups
        return assumption_groups(self.fleet, self.assumptions)

    @property
    def price_book(self) -> dict[str, str]:
        return self.book.summary()


def assumption_groups(fleet: Fleet, a: Assumptions) -> AssumptionGroups:
    """The effective assumptions of every function of `fleet` under the run's `a`."""
    return AssumptionGroups.for_functions(fleet.functions["function_id"], fleet.overrides, a)


# -- the steps ------------------------------------------------------------------------------------
def analyze(
    fleet: Fleet,
    book: PriceBook | None = None,
    assumptions: Assumptions | None = None,
    chunk: int = CHUNK,
    runner: ChunkRunner | None = None,
    first: FirstPass | None = None,
) -> Analysis:
    """The analysis of `fleet`, read block by block: one pass for the per-function sums over
    the window (`window.first_pass`; pass `first` to reuse one made of this fleet), one for the
    hourly profiles (`blocks.price_fleet_options`), each chunk by chunk: here on a few
    threads, or on a cluster with a `runner`."""
    book = book or PriceBook.load()
    run_assumptions = with_data_source_proxy(assumptions or DEFAULTS, fleet)
    if len(fleet.functions) == 0 or fleet.hours == 0:
        raise InputError("fleet", len(fleet.functions), "has no functions with traffic to analyse")
    groups = assumption_groups(fleet, run_assumptions)
    if first is None:
        first = first_pass(fleet, chunk, runner)
    elif not first.matches(fleet):
        raise ValueError("the first pass given was made of another fleet")
    sums, trend = first.sums, first.trend
    usage = monthly_usage(fleet, groups, sums)
    tuned = price_lambda(fleet, usage, book, run_assumptions, groups, sums)
    region_map = price_regions(fleet, run_assumptions)
    traffic = option_traffic(usage, tuned)
    rate = run_rate(trend)
    priced = price_fleet_options(
        fleet, groups, region_map, tuned.bill, traffic, book, chunk, rate.multiple, runner
    )
    at_rate = run_rate_costs(
        rate, tuned.today, tuned.bill, priced.best_run_rate_usd, priced.crossover_multiple
    )
    outlook = forecast(trend, at_rate.crossover_multiple, fleet.end)
    saving = saving_usd_per_month(tuned.bill, priced)  # the Move saving (spend)
    # Verdicts on the run rate: the crossover multiple of it and the Move saving at it.
    verdicts = decide_verdicts(
        at_rate.crossover_multiple, at_rate.saving_usd, outlook.months_to_crossover, groups
    )
    functions = function_table(
        fleet, usage, tuned, priced, saving, verdicts, trend, outlook, at_rate
    )
    meta = analysis_meta(fleet, region_map)
    return Analysis(functions, priced.options, run_assumptions, book, fleet, meta, groups)


def with_data_source_proxy(a: Assumptions, fleet: Fleet) -> Assumptions:
    """The data source (e.g. the demo) may ask for price-region proxies; they are applied
    visibly, as an assumption (the run's own proxies win)."""
    suggested = fleet.meta.get("price_region_proxy") or {}
    if any(r not in a.price_region_proxy for r in suggested):
        return dataclasses.replace(a, price_region_proxy={**suggested, **a.price_region_proxy})
    return a


@dataclass(frozen=True)
class MonthlyUsage:
    """Per-function usage: totals over the window and monthly figures (HOURS_PER_MONTH basis)."""

    invocations: np.ndarray  # over the window
    duration_s: np.ndarray  # over the window
    monthly_invocations: np.ndarray
    billed_seconds_per_month: np.ndarray  # incl. round-up and INIT where not already billed
    mean_concurrency: np.ndarray
    pc_share: np.ndarray  # share of invocations run on provisioned concurrency
    errors: np.ndarray
    throttles: np.ndarray


def monthly_usage(
    fleet: Fleet, groups: AssumptionGroups, sums: WindowSums | None = None
) -> MonthlyUsage:
    functions = fleet.functions
    to_month = HOURS_PER_MONTH / fleet.hours
    sums = sums or window_sums(fleet)
    window = sums.totals
    invocations = window["invocations"].fillna(0.0).to_numpy()
    duration_s = window["duration_sum_ms"].fillna(0.0).to_numpy() / 1000.0
    init_s = groups.values("init_ms_per_cold_start") / 1000.0 * groups.values("cold_start_rate")
    rounding_s = np.where(
        functions["duration_is_billed"].to_numpy(), 0.0, groups.values("duration_rounding_s")
    )
    # INIT is billed on top of every duration (a scenario's billed duration excludes it too).
    billed_s = duration_s + invocations * (rounding_s + init_s)
    mean_concurrency = duration_s / (fleet.hours * 3600.0)
    estimated_share = pc_share_from_profile(fleet, duration_s, sums)
    measured_share = functions["pc_share_of_invocations"].to_numpy()
    return MonthlyUsage(
        invocations=invocations,
        duration_s=duration_s,
        monthly_invocations=invocations * to_month,
        billed_seconds_per_month=billed_s * to_month,
        mean_concurrency=mean_concurrency,
        pc_share=np.where(np.isnan(measured_share), estimated_share, measured_share),
        errors=window["errors"].fillna(0.0).to_numpy(),
        throttles=window["throttles"].fillna(0.0).to_numpy(),
    )


def pc_share_from_profile(
    fleet: Fleet, duration_s: np.ndarray, sums: WindowSums | None = None
) -> np.ndarray:
    """Share of each function's duration run on provisioned concurrency, hour by hour: in an
    hour of mean concurrency c_h, min(c_h, allocated) runs on PC and the rest spills over to
    on-demand (`fleet.window_sums`). 1 for a function with no duration (nothing to split)."""
    on_pc_s = (sums or window_sums(fleet)).on_pc_s
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(duration_s > 0, np.minimum(1.0, on_pc_s / duration_s), 1.0)


def price_lambda(
    fleet: Fleet,
    usage: MonthlyUsage,
    book: PriceBook,
    a: Assumptions,
    groups: AssumptionGroups | None = None,
    sums: WindowSums | None = None,
) -> TunedLambda:
    """Today's Lambda bill and the tuned Lambda's (`tune.py`), each function under its own
    assumptions (Savings Plan, free tier, price-region proxy, ALB share)."""
    functions = fleet.functions
    groups = groups or assumption_groups(fleet, a)
    region = functions["region"].to_numpy()
    front_door = functions["front_door"].to_numpy()
    inputs = LambdaInputs(
        account_id=functions["account_id"].to_numpy(),
        region=functions["region"].to_numpy(),
        arch=functions["arch"].to_numpy(),
        front_door=functions["front_door"].to_numpy(),
        memory_mb=functions["memory_mb"].to_numpy().astype(float),
        ephemeral_storage_mb=functions["ephemeral_storage_mb"].to_numpy().astype(float),
        invocations=usage.monthly_invocations,
        billed_seconds=usage.billed_seconds_per_month,
        pc_allocated=functions["pc_allocated"].to_numpy().astype(float),
        pc_hours=functions["pc_hours_per_month"].to_numpy(),
        pc_share=usage.pc_share,
        peak_requests_per_s=usage.monthly_invocations / SECONDS_PER_MONTH,
        sp_factor=1.0 - lambda_discounts(book, region, groups),  # Lambda: its own region
        free_tier=groups.each(lambda g: g.free_tier).astype(bool),
        front_door_region=front_door_regions(region, groups),
        alb_share=alb_shares(
            functions["account_id"].to_numpy(),
            region,
            front_door,
            groups.each(lambda g: g.alb_shared),
        ),
        concurrency=(sums or window_sums(fleet)).concurrency,
    )
    return tune_lambda(inputs, functions["runtime"].to_numpy(), book, a, groups)


def front_door_regions(region: np.ndarray, groups: AssumptionGroups) -> np.ndarray:
    """The region whose API Gateway / ALB prices each function's front door uses (its own
    assumptions' price_region_proxy)."""
    out = np.asarray(region, dtype=object).copy()
    for code, group in enumerate(groups.groups):
        sel = groups.codes == code
        out[sel] = proxied_regions(out[sel], group.price_region_proxy)
    return out


def price_regions(fleet: Fleet, a: Assumptions) -> dict[str, str]:
    """Each region of the fleet -> the region whose EC2/Fargate/ALB prices it uses."""
    regions = pd.unique(fleet.functions["region"].to_numpy())
    return {region: a.price_region_proxy.get(region, region) for region in regions}


def option_traffic(usage: MonthlyUsage, tuned: TunedLambda) -> OptionTraffic:
    """What the options' non-compute costs depend on: the tuned Lambda's front door (kept on
    the other side of a Move) and request price, and the ALB share."""
    return OptionTraffic(
        monthly_invocations=usage.monthly_invocations,
        front_door=tuned.front_door,
        lambda_front_door_fixed_usd=tuned.bill.front_door_fixed,
        lambda_front_door_variable_usd=tuned.bill.front_door_variable,
        lambda_usd_per_request=tuned.bill.request_rate,
        alb_share=tuned.alb_share,
    )


# -- verdicts and the result tables ---------------------------------------------------------------
def saving_usd_per_month(lambda_bill: LambdaCost, priced: PricedOptions) -> np.ndarray:
    """The Move saving: the (tuned) Lambda bill - the best option's, never below 0."""
    lambda_total = lambda_bill.frame["total_usd"].to_numpy()
    best = priced.best_usd
    return np.where(np.isfinite(best), np.maximum(lambda_total - best, 0.0), 0.0)


def decide_verdicts(
    k_star: np.ndarray, saving: np.ndarray, months: np.ndarray, groups: AssumptionGroups
) -> np.ndarray:
    """Outgrown: already past the crossover and saving enough. Watch: the crossover is near in
    traffic (watch_multiple) or in time (watch_months; `months` to the crossover). Stay: the
    rest."""
    outgrown = (k_star < 1.0) & (saving >= groups.values("outgrown_min_saving_usd"))
    near = (k_star <= groups.values("watch_multiple")) | (months <= groups.values("watch_months"))
    watch = ~outgrown & near
    return np.where(
        outgrown, Verdict.OUTGROWN.value, np.where(watch, Verdict.WATCH.value, Verdict.STAY.value)
    )


def function_table(
    fleet: Fleet,
    usage: MonthlyUsage,
    tuned: TunedLambda,
    priced: PricedOptions,
    saving: np.ndarray,
    verdicts: np.ndarray,
    trend: Trend,
    outlook: Forecast,
    at_rate: RunRateCosts,
) -> pd.DataFrame:
    """One row per function: the fleet's columns, then usage, Lambda, options, crossover,
    verdict and forecast columns (in this order). Monthly money and traffic are on the spend
    basis (the window); the run_rate_* columns, the crossover multiple and the forecast on the
    run-rate basis."""
    with np.errstate(divide="ignore", invalid="ignore"):
        avg_ms = np.where(usage.invocations > 0, usage.duration_s * 1000.0 / usage.invocations, 0.0)
    k_star = at_rate.crossover_multiple
    columns: dict[str, Any] = {
        "monthly_invocations": usage.monthly_invocations,
        "avg_duration_ms": avg_ms,
        "gb_s_per_month": tuned.today.gb_s,
        "mean_concurrency": usage.mean_concurrency,
        "peak_concurrency": priced.peak_concurrency,
        **lambda_columns(tuned),
        "best_option_kind": priced.best_kind,
        "best_option_usd_per_month": np.where(
            np.isfinite(priced.best_usd), priced.best_usd, np.nan
        ),
        "crossover_multiple": k_star,
        "crossover_invocations": priced.crossover_multiple * usage.monthly_invocations,
        "crossover_rps": priced.crossover_multiple * usage.monthly_invocations / SECONDS_PER_MONTH,
        "verdict": verdicts,
        "saving_usd_per_month": saving,
        "move_saving_usd_per_month": saving,
        "run_rate_basis": at_rate.basis,
        "run_rate_multiple": at_rate.multiple,
        "run_rate_invocations_per_month": at_rate.multiple * usage.monthly_invocations,
        "run_rate_lambda_usd_per_month": at_rate.lambda_usd,
        "run_rate_tuned_lambda_usd_per_month": at_rate.tuned_lambda_usd,
        "run_rate_best_option_usd_per_month": np.where(
            np.isfinite(at_rate.best_usd), at_rate.best_usd, np.nan
        ),
        "run_rate_saving_usd_per_month": at_rate.saving_usd,
        "monthly_growth": outlook.monthly_growth,
        "monthly_growth_low": outlook.growth_low,
        "monthly_growth_high": outlook.growth_high,
        "months_to_crossover": outlook.months_to_crossover,
        "months_to_crossover_earliest": outlook.months_earliest,
        "months_to_crossover_latest": outlook.months_latest,
        "crossover_date": outlook.crossover_date,
        "crossover_date_earliest": outlook.date_earliest,
        "crossover_date_latest": outlook.date_latest,
        "forecast_confidence": outlook.confidence,
        "forecast_note": outlook.note,
        "days_of_data": trend.days,
        "errors": usage.errors,
        "throttles": usage.throttles,
    }
    out = fleet.functions.copy()
    for name, values in columns.items():
        out[name] = values
    out["best_option_label"] = best_option_labels(out, priced.options)
    return out


def lambda_columns(tuned: TunedLambda) -> dict[str, np.ndarray]:
    """Today's Lambda bill by part (lambda_*_usd, total as lambda_usd_per_month), the tuned
    Lambda (tuned_*, tune_*) and the tuned Lambda's k-line (what the crossover scales)."""
    parts = {
        ("lambda_usd_per_month" if col == "total_usd" else f"lambda_{col}"): values.to_numpy()
        for col, values in tuned.today.frame.items()
    }
    lambda_bill = tuned.bill
    pc_allocated, pc_discount = lambda_bill.line.pc_terms()
    return {
        **parts,
        "tuned_lambda_usd_per_month": tuned.total("bill"),
        "tuned_arch": tuned.arch,
        "tuned_front_door": tuned.front_door,
        "tune_arm64_usd_per_month": tuned.arm64_saving,
        "tune_front_door_usd_per_month": tuned.front_door_saving,
        "tune_pc_usd_per_month": tuned.pc_saving,
        "tuned_pc_allocated": tuned.pc_allocated,
        "tune_saving_usd_per_month": tuned.saving,
        "alb_share": tuned.alb_share,
        "lambda_fixed_usd": lambda_bill.fixed_usd,
        "lambda_variable_usd": lambda_bill.variable_usd,
        "lambda_free_credit_usd": lambda_bill.free_credit_usd,
        "lambda_front_door_fixed_usd": lambda_bill.front_door_fixed,
        "lambda_front_door_variable_usd": lambda_bill.front_door_variable,
        "lambda_request_usd_per_request": lambda_bill.request_rate,
        "lambda_pc_allocated": pc_allocated,  # the k-line's PC part (lambda_line.py)
        "lambda_pc_discount_usd": pc_discount,
    }


def best_option_labels(functions: pd.DataFrame, options: pd.DataFrame) -> Any:
    """The label (instance type / task size) of each function's cheapest option, or None."""
    if options.empty:
        return None
    label = options.merge(
        functions[["function_id", "best_option_kind"]],
        left_on=["function_id", "kind"],
        right_on=["function_id", "best_option_kind"],
    ).set_index("function_id")["label"]
    return functions["function_id"].map(label)


def analysis_meta(fleet: Fleet, region_map: dict[str, str]) -> dict[str, Any]:
    notes = list(fleet.meta.get("notes", []))
    notes += [
        f"EC2/Fargate/ALB/API Gateway prices for {region} are {price_region}'s (assumption "
        f"price_region_proxy); Lambda prices are {region}'s own"
        for region, price_region in region_map.items()
        if region != price_region
    ]
    return {
        "window_start": fleet.start.isoformat(),
        "window_end": fleet.end.isoformat(),
        "hours": fleet.hours,
        "notes": notes,
        "source": fleet.source,
        "monthly_basis": f"{HOURS_PER_MONTH:g} hours (cost over the window x "
        f"{HOURS_PER_MONTH:g} / window hours)",
    }
