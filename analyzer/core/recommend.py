"""Migration recommendations: what an architect takes to a design review.

`recommend(analysis, optimistic_analysis, pessimistic_analysis)` turns an Analysis into one
recommendation per function (vectorised over the fleet):

- verdict (outgrown / watch / stay, from the engine) plus **tune** advice where Lambda itself can be
  made cheaper without moving: switching x86_64 to arm64 (duration priced at the price book's
  arm64 rate), dropping idle provisioned concurrency, right-sizing memory (only when the data has
  a `max_memory_used_mb` column; otherwise "not assessed");
- the best target with its sizing (EC2 type x instance-count range over the day, Fargate task size
  x task-count range, or the Managed Instances type), monthly and annual saving, one-time migration
  cost and payback;
- confidence from data coverage and from whether the verdict survives the optimistic and the
  pessimistic assumption sets; caveats in plain words.

`recommend_fleet()` runs the three analyses. `filter_recommendations()` is the one filter/sort used
by the CLI export and the app. Money is USD per month normalised to 730 hours.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.analyze import Analysis, analyze
from analyzer.core.assumptions import (
    FIELDS,
    OPTIMISTIC_FOR_MOVING,
    PESSIMISTIC_FOR_MOVING,
    Assumptions,
    optimistic,
    pessimistic,
)
from analyzer.core.fleet import HTTP_FRONT_DOORS, FleetData
from analyzer.core.pricebook import PriceBook
from analyzer.core.vocabulary import VERDICTS
from analyzer.exceptions import InputError, PriceBookError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SORTS = ("saving", "crossover", "spend", "name")
KIND_NAMES = {"ec2": "EC2", "fargate": "Fargate", "lmi": "Lambda Managed Instances"}
VERDICT_NAMES = {"outgrown": "Outgrown", "watch": "Watch", "stay": "Stay"}

# Thresholds of the caveats and of confidence (named, so exports can print them).
BURSTY_PEAK_TO_MEAN = 5.0  # peak concurrency at least this multiple of the mean ...
BURSTY_MIN_PEAK = 10.0  # ... and at least this many concurrent requests at the peak
LONG_TIMEOUT_S = 60.0
FEW_DAYS = 14
GOOD_DAYS = 28
COLD_START_RUNTIMES = ("java", "dotnet")
MEMORY_HEADROOM = 1.25  # suggested memory = max used x headroom, rounded up to 64 MB
DATA_TRANSFER_CAVEAT = (
    "data transfer (internet egress, NAT gateway, cross-AZ traffic) is not modelled"
)

# Column order of Recommendations.functions: stable names, units in the names.
COLUMNS: tuple[str, ...] = (
    "function_id",
    "name",
    "account_id",
    "account_name",
    "environment",
    "region",
    "runtime",
    "arch",
    "memory_mb",
    "timeout_s",
    "front_door",
    "pc_allocated",
    "monthly_invocations",
    "avg_duration_ms",
    "mean_concurrency",
    "peak_concurrency",
    "days_of_data",
    "verdict",
    "tune",
    "recommendation",
    "lambda_usd_per_month",
    "lambda_duration_usd_per_month",
    "lambda_provisioned_usd_per_month",
    "best_option_kind",
    "best_option_label",
    "best_option_arch",
    "best_option_units_min",
    "best_option_units_max",
    "best_option_sizing",
    "best_option_usd_per_unit_hour",
    "best_option_usd_per_month",
    "best_option_price_region",
    "crossover_multiple",
    "crossover_invocations_per_month",
    "crossover_requests_per_second",
    "monthly_growth",
    "months_to_crossover",
    "crossover_date",
    "forecast_confidence",
    "saving_usd_per_month",
    "saving_usd_per_year",
    "migration_hours",
    "migration_cost_usd",
    "payback_months",
    "tune_arm64_usd_per_month",
    "tune_idle_pc_usd_per_month",
    "tune_memory_usd_per_month",
    "tune_usd_per_month",
    "tune_advice",
    "verdict_optimistic",
    "verdict_pessimistic",
    "saving_optimistic_usd_per_month",
    "saving_pessimistic_usd_per_month",
    "verdict_survives",
    "confidence",
    "caveats",
)
COLUMN_HELP: dict[str, str] = {
    "function_id": "account_id:region:name",
    "name": "Lambda function name",
    "account_id": "AWS account id",
    "account_name": "AWS account name",
    "environment": "environment label of the account (prod, test, dev, ...)",
    "region": "AWS region of the function",
    "runtime": "Lambda runtime",
    "arch": "Lambda architecture today (x86_64 or arm64)",
    "memory_mb": "configured memory, MB",
    "timeout_s": "configured timeout, seconds",
    "front_door": "what invokes it over HTTP: none, function_url, apigw_rest, apigw_http, alb",
    "pc_allocated": "provisioned concurrency allocated (0 = none)",
    "monthly_invocations": "invocations per month (730 hours)",
    "avg_duration_ms": "mean duration per invocation, ms",
    "mean_concurrency": "mean concurrent requests over the window (Little's law)",
    "peak_concurrency": "largest hourly peak of concurrent requests over the window",
    "days_of_data": "days of traffic the analysis saw",
    "verdict": "outgrown (move), watch (close to the crossover) or stay (Lambda is right)",
    "tune": "true when Lambda itself can be made cheaper without moving",
    "recommendation": "the recommendation in one sentence",
    "lambda_usd_per_month": "Lambda bill today: requests + duration + storage + provisioned + "
    "front door, USD per month",
    "lambda_duration_usd_per_month": "of which duration (GB-s), USD per month",
    "lambda_provisioned_usd_per_month": "of which provisioned concurrency, USD per month",
    "best_option_kind": "cheapest provisioned option: ec2, fargate or lmi",
    "best_option_label": "its instance type or Fargate task size",
    "best_option_arch": "its CPU architecture",
    "best_option_units_min": "fewest instances or tasks over the day",
    "best_option_units_max": "most instances or tasks over the day",
    "best_option_sizing": "the sizing in words",
    "best_option_usd_per_unit_hour": "price of one instance or task per hour, USD",
    "best_option_usd_per_month": "the option's full monthly cost (compute, load balancer, ops, "
    "fees), USD per month",
    "best_option_price_region": "region whose prices priced the option",
    "crossover_multiple": "traffic multiple at which the best option costs what Lambda does "
    "(below 1: already outgrown; empty: none up to max_multiple)",
    "crossover_invocations_per_month": "invocations per month at the crossover",
    "crossover_requests_per_second": "mean requests per second at the crossover",
    "monthly_growth": "fitted monthly growth of traffic (0.05 = 5%)",
    "months_to_crossover": "months until the forecast reaches the crossover",
    "crossover_date": "forecast date of the crossover (ISO)",
    "forecast_confidence": "how sure the forecast is: high, medium, low",
    "saving_usd_per_month": "Lambda minus the best option when that is cheaper, USD per month",
    "saving_usd_per_year": "saving x 12, USD per year",
    "migration_hours": "one-time engineer hours to move (migration_hours or lmi_migration_hours)",
    "migration_cost_usd": "migration hours x engineer_hourly_usd, USD once",
    "payback_months": "migration cost / monthly saving, months",
    "tune_arm64_usd_per_month": "saving of switching x86_64 to arm64 on Lambda (duration at the "
    "arm64 rate), USD per month",
    "tune_idle_pc_usd_per_month": "cost of provisioned concurrency above the peak, USD per month",
    "tune_memory_usd_per_month": "saving of right-sizing memory (needs max_memory_used_mb), "
    "USD per month",
    "tune_usd_per_month": "sum of the tune savings, USD per month",
    "tune_advice": "what to tune, in words",
    "verdict_optimistic": "verdict under the optimistic (for moving) assumption set",
    "verdict_pessimistic": "verdict under the pessimistic (for moving) assumption set",
    "saving_optimistic_usd_per_month": "saving under the optimistic set, USD per month",
    "saving_pessimistic_usd_per_month": "saving under the pessimistic set, USD per month",
    "verdict_survives": "yes when the verdict is the same under both sets",
    "confidence": "high, medium or low: days of data and whether the verdict survives",
    "caveats": "what the model does not see, in plain words",
}
MONEY_COLUMNS = frozenset(c for c in COLUMNS if "_usd" in c)
TEXT_COLUMNS = frozenset(
    {
        "function_id",
        "name",
        "account_id",
        "account_name",
        "environment",
        "region",
        "runtime",
        "arch",
        "front_door",
        "verdict",
        "recommendation",
        "best_option_kind",
        "best_option_label",
        "best_option_arch",
        "best_option_sizing",
        "best_option_price_region",
        "crossover_date",
        "forecast_confidence",
        "tune_advice",
        "verdict_optimistic",
        "verdict_pessimistic",
        "verdict_survives",
        "confidence",
        "caveats",
    }
)
BOOL_COLUMNS = frozenset({"tune"})


@dataclass
class Recommendations:
    """Per-function recommendations plus everything needed to trace each number."""

    functions: pd.DataFrame  # one row per function, COLUMNS
    summary: dict[str, Any]  # fleet totals (see summarise())
    by_account: pd.DataFrame
    by_environment: pd.DataFrame
    by_target: pd.DataFrame
    assumptions: pd.DataFrame  # name, value, unit, help, group
    prices: pd.DataFrame  # service, region, arch, item, usd, unit, source (the prices used)
    price_book: dict[str, str]  # as_of, source, origin
    window: dict[str, Any]  # start, end, hours
    monthly_basis: str
    notes: list[str]
    sensitivity: dict[str, Any]  # checked, sets {optimistic, pessimistic}, verdict counts
    thresholds: dict[str, Any]
    generated_at: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    analysis: Analysis | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.functions)


# ---------------------------------------------------------------------------------------------
def _duration_rates(book: PriceBook, region: pd.Series, arch: str) -> pd.Series:
    """First-tier duration USD per GB-s for `arch` in each function's region (NaN if missing)."""
    rates: dict[str, float] = {}
    for r in pd.unique(region):  # one lookup per distinct region
        try:
            rates[str(r)] = book.lambda_rates(str(r), arch).duration.first_rate
        except PriceBookError:
            rates[str(r)] = np.nan
    return region.map(rates).astype(float)


def _pc_rates(book: PriceBook, region: pd.Series, arch: pd.Series) -> np.ndarray:
    """Provisioned-concurrency allocation USD per GB-s for each function (NaN if missing)."""
    key = region.astype(str) + "|" + arch.astype(str)
    rates: dict[str, float] = {}
    for k in pd.unique(key):
        reg, ar = str(k).split("|", 1)
        try:
            pc = book.lambda_rates(reg, ar).pc_gb_s
        except PriceBookError:
            pc = None
        rates[str(k)] = np.nan if pc is None else pc
    return key.map(rates).astype(float).to_numpy()


def _usd_text(x: pd.Series) -> pd.Series:
    return x.map(lambda v: f"${v:,.2f}" if pd.notna(v) else "")


def _num_text(x: pd.Series, fmt: str) -> pd.Series:
    return x.map(lambda v: format(v, fmt) if pd.notna(v) else "")


def _join(parts: Iterable[pd.Series], sep: str = "; ") -> pd.Series:
    """Join text columns row-wise, skipping empty strings (vectorised over rows)."""
    acc: pd.Series | None = None
    for part in parts:
        p = part.fillna("").astype(str).reset_index(drop=True)
        if acc is None:
            acc = p
            continue
        glue = pd.Series(np.where((acc != "") & (p != ""), sep, ""), index=p.index)
        acc = acc + glue + p
    return acc if acc is not None else pd.Series(dtype=object)


def _best_options(analysis: Analysis) -> pd.DataFrame:
    f = analysis.functions[["function_id", "best_option_kind"]]
    opts = analysis.options
    if opts.empty:
        return pd.DataFrame({"function_id": f["function_id"]})
    best = f.merge(
        opts,
        left_on=["function_id", "best_option_kind"],
        right_on=["function_id", "kind"],
        how="left",
    )
    return best.drop_duplicates("function_id").set_index("function_id").reindex(f["function_id"])


def _sizing(best: pd.DataFrame) -> pd.Series:
    kind = best["kind"].fillna("")
    lo = best["units_min"].fillna(0).astype(int).astype(str)
    hi = best["units_max"].fillna(0).astype(int).astype(str)
    rng = lo.where(lo == hi, lo + "-" + hi)
    label = best["label"].fillna("").astype(str)
    arch = best["arch"].fillna("").astype(str)
    ec2 = rng + " x " + label + " (" + arch + ") instances, autoscaled over the day"
    far = rng + " tasks of " + label + ", autoscaled over the day"
    lmi = "Lambda Managed Instances on " + label + " (" + rng + " instances)"
    out = np.where(
        kind == "ec2", ec2, np.where(kind == "fargate", far, np.where(kind == "lmi", lmi, ""))
    )
    return pd.Series(out, index=best.index)


def _verdict_of(other: Analysis | None, ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    if other is None:
        empty = pd.Series([None] * len(ids), index=ids.index, dtype=object)
        return empty, pd.Series(np.nan, index=ids.index)
    o = other.functions.set_index("function_id")
    v = ids.map(o["verdict"])
    s = ids.map(o["saving_usd_per_month"]).astype(float)
    return v, s


def _assumption_table(a: Assumptions) -> pd.DataFrame:
    d = a.to_dict()
    rows = [
        {
            "name": k,
            "value": d[k],
            "unit": info.unit,
            "help": info.help,
            "group": info.group,
        }
        for k, info in FIELDS.items()
    ]
    return pd.DataFrame(rows, columns=["name", "value", "unit", "help", "group"])


def _sensitivity_set(base: Assumptions, tilted: Assumptions, keys: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in keys:
        info = FIELDS[k]
        out[k] = {
            "value": getattr(tilted, k),
            "base": getattr(base, k),
            "unit": info.unit,
            "help": info.help,
        }
    return out


def _prices_used(analysis: Analysis, fns: pd.DataFrame) -> pd.DataFrame:
    """The prices behind the numbers: Lambda/Fargate/front door in the regions used, EC2 hourly
    prices of the instance types recommended."""
    book = analysis.book
    regions = set(analysis.functions["region"]) | set(
        analysis.options["price_region"] if not analysis.options.empty else []
    )
    frame = book.to_frame()
    frame = frame[frame["region"].isin(regions)]
    ec2 = fns.loc[
        fns["best_option_kind"].isin(["ec2", "lmi"]),
        ["best_option_price_region", "best_option_label"],
    ].drop_duplicates()
    src = book.describe(str(book.doc.get("ec2_source", "ec2-ondemand")))
    rows = []
    for reg, typ in ec2.sort_values(["best_option_price_region", "best_option_label"]).itertuples(
        index=False
    ):  # one row per distinct instance type used
        try:
            usd = book.ec2_price(str(reg), str(typ))
        except PriceBookError:
            continue
        rows.append(
            {
                "service": "ec2",
                "region": reg,
                "arch": "",
                "item": f"{typ} on-demand",
                "usd": usd,
                "unit": "USD per instance-hour",
                "source": src,
            }
        )
    out = pd.concat([frame, pd.DataFrame(rows, columns=frame.columns)], ignore_index=True)
    return out.sort_values(["service", "region", "arch", "item"], kind="stable").reset_index(
        drop=True
    )


# ---------------------------------------------------------------------------------------------
def recommend(
    analysis: Analysis,
    optimistic_analysis: Analysis | None = None,
    pessimistic_analysis: Analysis | None = None,
    generated_at: str | None = None,
) -> Recommendations:
    """One recommendation per function of `analysis` (see the module docstring)."""
    f = analysis.functions.reset_index(drop=True)
    a = analysis.assumptions
    book = analysis.book
    ids = f["function_id"]
    best = _best_options(analysis).reset_index(drop=True)
    per_function = analysis.assumption_groups  # in the order of analysis.functions
    if len(per_function) != len(f):
        raise ValueError(f"analysis has {len(f)} functions but assumptions for {len(per_function)}")

    out = pd.DataFrame(index=f.index)
    for col in COLUMNS[: COLUMNS.index("days_of_data") + 1]:  # identity and traffic, as analysed
        out[col] = f[col]
    out["lambda_usd_per_month"] = f["lambda_usd_per_month"]
    out["lambda_duration_usd_per_month"] = f["lambda_duration_usd"]
    out["lambda_provisioned_usd_per_month"] = f["lambda_provisioned_usd"]

    kind = f["best_option_kind"].where(f["best_option_kind"].notna(), None)
    out["best_option_kind"] = kind
    out["best_option_label"] = best.get("label")
    out["best_option_arch"] = best.get("arch")
    out["best_option_units_min"] = best.get("units_min")
    out["best_option_units_max"] = best.get("units_max")
    out["best_option_sizing"] = _sizing(best) if "kind" in best else ""
    out["best_option_usd_per_unit_hour"] = best.get("usd_per_unit_hour")
    out["best_option_usd_per_month"] = f["best_option_usd_per_month"]
    out["best_option_price_region"] = best.get("price_region")

    k = f["crossover_multiple"].astype(float)
    out["crossover_multiple"] = k
    out["crossover_invocations_per_month"] = f["crossover_invocations"]
    out["crossover_requests_per_second"] = f["crossover_rps"]
    out["monthly_growth"] = f["monthly_growth"]
    out["months_to_crossover"] = f["months_to_crossover"]
    out["crossover_date"] = f["crossover_date"]
    out["forecast_confidence"] = f["forecast_confidence"]

    saving = f["saving_usd_per_month"].astype(float)
    out["saving_usd_per_month"] = saving
    out["saving_usd_per_year"] = saving * 12.0
    mig_h = np.where(
        kind == "lmi",
        per_function.values("lmi_migration_hours"),
        per_function.values("migration_hours"),
    )
    mig_h = np.where(kind.notna(), mig_h, np.nan)
    rate = per_function.values("engineer_hourly_usd")
    out["migration_hours"] = mig_h
    out["migration_cost_usd"] = mig_h * rate
    with np.errstate(divide="ignore", invalid="ignore"):
        out["payback_months"] = np.where(saving > 0, mig_h * rate / saving, np.nan)

    # --- tune: make Lambda itself cheaper ---------------------------------------------------
    x86 = f["arch"] == "x86_64"
    arm_rate = _duration_rates(book, f["region"], "arm64")
    x86_rate = _duration_rates(book, f["region"], "x86_64")
    arm_saving = np.where(x86, f["lambda_duration_usd"] * (1.0 - arm_rate / x86_rate), 0.0)
    arm_saving = np.nan_to_num(np.maximum(arm_saving, 0.0))
    out["tune_arm64_usd_per_month"] = arm_saving

    peak = f["peak_concurrency"].astype(float)
    idle = np.maximum(f["pc_allocated"].to_numpy() - np.ceil(peak.to_numpy()), 0.0)
    pc_rate = _pc_rates(book, f["region"], f["arch"])
    disc = 1.0 - a.discount("lambda")
    idle_usd = (
        idle
        * f["memory_mb"].to_numpy()
        / 1024.0
        * f["pc_hours_per_month"].to_numpy()
        * 3600.0
        * np.nan_to_num(pc_rate)
        * disc
    )
    out["tune_idle_pc_usd_per_month"] = idle_usd

    if "max_memory_used_mb" in f.columns:
        used = pd.to_numeric(f["max_memory_used_mb"], errors="coerce")
        suggested = np.maximum(128.0, np.ceil(used * MEMORY_HEADROOM / 64.0) * 64.0)
        smaller = used.notna() & (suggested < f["memory_mb"])
        mem_saving = np.where(
            smaller, f["lambda_duration_usd"] * (1.0 - suggested / f["memory_mb"]), 0.0
        )
        mem_text = np.where(
            smaller,
            "right-size memory "
            + f["memory_mb"].astype(str)
            + " MB -> "
            + _num_text(pd.Series(suggested), ".0f")
            + " MB (max used "
            + _num_text(used, ".0f")
            + " MB; if duration does not grow with less CPU): saves "
            + _usd_text(pd.Series(mem_saving))
            + "/month",
            np.where(used.notna(), "", "memory not assessed: no memory-usage data"),
        )
    else:
        mem_saving = np.zeros(len(f))
        mem_text = np.full(len(f), "memory not assessed: no memory-usage data", dtype=object)
    out["tune_memory_usd_per_month"] = mem_saving
    tune_total = arm_saving + idle_usd + mem_saving
    out["tune_usd_per_month"] = tune_total
    out["tune"] = tune_total >= 0.005
    arm_text = pd.Series(
        np.where(
            arm_saving > 0,
            "switch to arm64 (Graviton; if its dependencies build for arm64): saves "
            + _usd_text(pd.Series(arm_saving))
            + "/month",
            "",
        )
    )
    pc_text = pd.Series(
        np.where(
            idle_usd > 0,
            "drop "
            + pd.Series(idle).map("{:.0f}".format)
            + " of "
            + f["pc_allocated"].astype(str)
            + " provisioned-concurrency units (peak concurrency "
            + _num_text(peak, ".0f")
            + "): saves "
            + _usd_text(pd.Series(idle_usd))
            + "/month",
            "",
        )
    )
    out["tune_advice"] = _join([arm_text, pc_text, pd.Series(mem_text)])

    # --- sensitivity and confidence ---------------------------------------------------------
    v_opt, s_opt = _verdict_of(optimistic_analysis, ids)
    v_pes, s_pes = _verdict_of(pessimistic_analysis, ids)
    verdict = f["verdict"].astype(str)
    out["verdict"] = verdict
    out["verdict_optimistic"] = v_opt
    out["verdict_pessimistic"] = v_pes
    out["saving_optimistic_usd_per_month"] = s_opt
    out["saving_pessimistic_usd_per_month"] = s_pes
    same_opt = (v_opt == verdict) | v_opt.isna()
    same_pes = (v_pes == verdict) | v_pes.isna()
    checked = optimistic_analysis is not None or pessimistic_analysis is not None
    n_same = (v_opt == verdict).astype(int) + (v_pes == verdict).astype(int)
    n_checked = int(optimistic_analysis is not None) + int(pessimistic_analysis is not None)
    out["verdict_survives"] = np.where(
        not checked, "not checked", np.where(same_opt & same_pes, "yes", "no")
    )
    days = f["days_of_data"].astype(float)
    high = (days >= GOOD_DAYS) & (n_checked == 2) & (n_same == 2)
    medium = (days >= FEW_DAYS) & ((n_same >= 1) | (n_checked == 0))
    out["confidence"] = np.where(high, "high", np.where(medium, "medium", "low"))

    # --- caveats ----------------------------------------------------------------------------
    mean = f["mean_concurrency"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(mean > 0, peak / mean, np.inf)
    bursty = (ratio >= BURSTY_PEAK_TO_MEAN) & (peak >= BURSTY_MIN_PEAK)
    runtime = f["runtime"].astype(str).str.lower()
    cold = runtime.str.startswith(COLD_START_RUNTIMES) & f["front_door"].isin(HTTP_FRONT_DOORS)
    flip_opt = pd.Series(
        np.where(
            v_opt.notna() & (v_opt != verdict),
            "verdict becomes " + v_opt.fillna("").astype(str) + " under the optimistic assumptions",
            "",
        )
    )
    flip_pes = pd.Series(
        np.where(
            v_pes.notna() & (v_pes != verdict),
            "verdict becomes "
            + v_pes.fillna("").astype(str)
            + " under the pessimistic assumptions",
            "",
        )
    )
    caveats = [
        pd.Series(
            np.where(
                bursty,
                "bursty traffic (peak concurrency "
                + _num_text(pd.Series(ratio), ".0f")
                + "x the mean): autoscaling reacts in minutes, so keep headroom or leave "
                "the bursts on Lambda",
                "",
            )
        ),
        pd.Series(
            np.where(
                f["timeout_s"] > LONG_TIMEOUT_S,
                "long timeout (" + _num_text(f["timeout_s"], ".0f") + " s): requests can run for "
                "minutes; servers need graceful draining when scaling in",
                "",
            )
        ),
        pd.Series(
            np.where(
                f["pc_allocated"] > 0,
                "provisioned concurrency in use ("
                + f["pc_allocated"].astype(str)
                + "): latency matters here; keep warm capacity on the target",
                "",
            )
        ),
        pd.Series(
            np.where(
                days < FEW_DAYS,
                "only " + _num_text(days, ".0f") + " days of data: traffic and trend may not be "
                "representative",
                "",
            )
        ),
        pd.Series(
            np.where(
                cold,
                "cold-start-sensitive runtime ("
                + f["runtime"].astype(str)
                + ") behind an HTTP front "
                "door: users feel Lambda cold starts; a warm target removes them but needs warm-up "
                "before taking traffic",
                "",
            )
        ),
        flip_opt,
        flip_pes,
        pd.Series(np.full(len(f), DATA_TRANSFER_CAVEAT, dtype=object)),
    ]
    out["caveats"] = _join(caveats)

    # --- one plain sentence -----------------------------------------------------------------
    target = kind.map(KIND_NAMES).fillna("")
    sizing = out["best_option_sizing"].astype(str)
    k_text = _num_text(k, ".2f") + "x today's traffic"
    when = pd.Series(
        np.where(
            f["crossover_date"].notna(),
            ", forecast around " + f["crossover_date"].fillna("").astype(str),
            "",
        ),
        dtype=str,
    )
    outgrown_text = (
        "Move to "
        + target
        + ": "
        + sizing
        + "; saves "
        + _usd_text(saving)
        + "/month ("
        + _usd_text(saving * 12)
        + "/year), payback "
        + _num_text(out["payback_months"], ".1f")
        + " months"
    )
    watch_text = pd.Series(
        np.where(
            k.notna() & (k < 1),
            "Watch: "
            + target
            + " is already cheaper (crossover at "
            + k_text
            + ") but saves only "
            + _usd_text(saving)
            + "/month, below the Outgrown threshold",
            "Watch: crossover at "
            + k_text
            + " ("
            + _num_text(f["crossover_invocations"], ",.0f")
            + " invocations/month)"
            + when,
        )
    )
    stay_text = pd.Series(
        np.where(
            k.notna(),
            "Stay on Lambda: crossover at " + k_text + when,
            "Stay on Lambda: no crossover up to "
            + format(a.max_multiple, "g")
            + "x today's traffic",
        )
    )
    rec = np.where(
        verdict == "outgrown", outgrown_text, np.where(verdict == "watch", watch_text, stay_text)
    )
    out["recommendation"] = pd.Series(rec) + pd.Series(
        np.where(out["tune"], "; tune: " + out["tune_advice"], "")
    )

    fns = out[list(COLUMNS)].copy()
    fns["tune"] = fns["tune"].astype(bool)
    fns = _sort(fns, "saving")

    sens = {
        "checked": checked,
        "description": (
            "Each verdict is recomputed with assumptions tilted in favour of moving (optimistic) "
            "and against it (pessimistic); a verdict that holds under both is robust."
        ),
        "sets": {
            "optimistic": _sensitivity_set(
                a,
                optimistic_analysis.assumptions if optimistic_analysis else optimistic(a),
                OPTIMISTIC_FOR_MOVING,
            ),
            "pessimistic": _sensitivity_set(
                a,
                pessimistic_analysis.assumptions if pessimistic_analysis else pessimistic(a),
                PESSIMISTIC_FOR_MOVING,
            ),
        },
    }
    recs = Recommendations(
        functions=fns,
        summary={},
        by_account=pd.DataFrame(),
        by_environment=pd.DataFrame(),
        by_target=pd.DataFrame(),
        assumptions=_assumption_table(a),
        prices=_prices_used(analysis, fns),
        price_book=dict(book.summary()),
        window={
            "start": analysis.meta.get("window_start"),
            "end": analysis.meta.get("window_end"),
            "hours": analysis.meta.get("hours"),
        },
        monthly_basis=str(analysis.meta.get("monthly_basis", "730 hours")),
        notes=list(analysis.meta.get("notes", [])),
        sensitivity=sens,
        thresholds={
            "outgrown_min_saving_usd_per_month": a.outgrown_min_saving_usd,
            "watch_multiple": a.watch_multiple,
            "watch_months": a.watch_months,
            "bursty_peak_to_mean": BURSTY_PEAK_TO_MEAN,
            "bursty_min_peak": BURSTY_MIN_PEAK,
            "long_timeout_s": LONG_TIMEOUT_S,
            "few_days": FEW_DAYS,
            "good_days": GOOD_DAYS,
        },
        generated_at=generated_at,
        analysis=analysis,
    )
    return _with_summary(recs)


def recommend_fleet(
    fleet: FleetData,
    book: PriceBook | None = None,
    assumptions: Assumptions | None = None,
    generated_at: str | None = None,
) -> Recommendations:
    """Analyse `fleet` under the given, the optimistic and the pessimistic assumptions, then
    recommend."""
    book = book or PriceBook.load()
    a = assumptions or Assumptions()
    base = analyze(fleet, book, a)
    opt = analyze(fleet, book, optimistic(a))
    pes = analyze(fleet, book, pessimistic(a))
    return recommend(base, opt, pes, generated_at=generated_at)


# ---------------------------------------------------------------------------------------------
def _group(fns: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    v = fns["verdict"]
    outgrown = v == "outgrown"
    frame = fns[keys].copy()
    frame["functions"] = 1
    for name in VERDICTS:
        frame[name] = (v == name).astype(int)
    frame["tune"] = fns["tune"].astype(int)
    frame["lambda_usd_per_month"] = fns["lambda_usd_per_month"]
    frame["saving_usd_per_month"] = fns["saving_usd_per_month"].where(outgrown, 0.0)
    frame["saving_usd_per_year"] = frame["saving_usd_per_month"] * 12.0
    frame["migration_cost_usd"] = fns["migration_cost_usd"].where(outgrown, 0.0)
    frame["tune_usd_per_month"] = fns["tune_usd_per_month"]
    if frame.empty:
        return frame
    g = frame.groupby(keys, sort=True, dropna=False).sum(numeric_only=True).reset_index()
    return g


def _with_summary(recs: Recommendations) -> Recommendations:
    fns = recs.functions
    outgrown = fns[fns["verdict"] == "outgrown"]
    saving = float(outgrown["saving_usd_per_month"].sum())
    cost = float(outgrown["migration_cost_usd"].sum())
    summary: dict[str, Any] = {
        "functions": len(fns),
        "outgrown": int((fns["verdict"] == "outgrown").sum()),
        "watch": int((fns["verdict"] == "watch").sum()),
        "stay": int((fns["verdict"] == "stay").sum()),
        "tune": int(fns["tune"].sum()),
        "lambda_usd_per_month": float(fns["lambda_usd_per_month"].sum()),
        "outgrown_lambda_usd_per_month": float(outgrown["lambda_usd_per_month"].sum()),
        "saving_usd_per_month": saving,
        "saving_usd_per_year": saving * 12.0,
        "migration_cost_usd": cost,
        "payback_months": (cost / saving) if saving > 0 else None,
        "tune_usd_per_month": float(fns["tune_usd_per_month"].sum()),
        "low_confidence": int((fns["confidence"] == "low").sum()),
    }
    by_target = _group(outgrown.assign(target=outgrown["best_option_kind"].fillna("")), ["target"])
    return dataclasses.replace(
        recs,
        summary=summary,
        by_account=_group(fns, ["account_id", "account_name", "environment"]),
        by_environment=_group(fns, ["environment"]),
        by_target=by_target.drop(columns=["watch", "stay"], errors="ignore"),
    )


def _sort(fns: pd.DataFrame, sort: str) -> pd.DataFrame:
    if sort not in SORTS:
        raise InputError("sort", sort, f"must be one of {', '.join(SORTS)}")
    if sort == "saving":
        rank = fns["verdict"].map({"outgrown": 0, "watch": 1, "stay": 2})
        keys = [
            rank,
            -fns["saving_usd_per_month"],
            -fns["tune_usd_per_month"],
            -fns["lambda_usd_per_month"],
        ]
    elif sort == "crossover":
        keys = [fns["crossover_multiple"].fillna(np.inf), -fns["lambda_usd_per_month"]]
    elif sort == "spend":
        keys = [-fns["lambda_usd_per_month"]]
    else:
        keys = [fns["name"].str.lower()]
    keys = [*keys, fns["name"], fns["environment"], fns["region"], fns["function_id"]]
    order = pd.DataFrame({f"k{i}": s.to_numpy() for i, s in enumerate(keys)})
    idx = order.sort_values(list(order.columns), kind="stable", na_position="last").index
    return fns.iloc[idx].reset_index(drop=True)


def filter_recommendations(
    recs: Recommendations,
    accounts: Iterable[str] | None = None,
    environments: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    verdicts: Iterable[str] | None = None,
    sort: str = "saving",
) -> Recommendations:
    """The functions matching every given filter (an account matches by id or name; empty or
    None: no filter), sorted by saving|crossover|spend|name; the fleet summary is recomputed."""
    fns = recs.functions
    keep = pd.Series(True, index=fns.index)
    used: dict[str, Any] = {}
    acc = [str(x) for x in accounts or []]
    if acc:
        keep &= fns["account_id"].isin(acc) | fns["account_name"].isin(acc)
        used["accounts"] = acc
    env = [str(x) for x in environments or []]
    if env:
        keep &= fns["environment"].str.lower().isin([e.lower() for e in env])
        used["environments"] = env
    reg = [str(x) for x in regions or []]
    if reg:
        keep &= fns["region"].isin(reg)
        used["regions"] = reg
    ver = [str(x).lower() for x in verdicts or []]
    if ver:
        bad = [v for v in ver if v not in VERDICTS]
        if bad:
            raise InputError("verdict", bad[0], f"must be one of {', '.join(VERDICTS)}")
        keep &= fns["verdict"].isin(ver)
        used["verdicts"] = ver
    used["sort"] = sort
    out = dataclasses.replace(recs, functions=_sort(fns[keep], sort), filters=used)
    return _with_summary(out)
