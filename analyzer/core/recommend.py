"""Migration recommendations, the numbers: what an architect takes to a design review.

`economics(analysis, optimistic_analysis, pessimistic_analysis)` computes, vectorised over the
fleet, one row per function:

- verdict (outgrown / watch / stay, from the engine) plus **tune** savings where Lambda itself can
  be made cheaper without moving: switching x86_64 to arm64 (duration priced at the price book's
  arm64 rate), dropping idle provisioned concurrency, right-sizing memory (only when the data has
  a `max_memory_used_mb` column; otherwise "not assessed");
- the best target with its sizing numbers (instance or task count range over the day), monthly
  and annual saving, one-time migration cost and payback;
- confidence from data coverage and from whether the verdict survives the optimistic and the
  pessimistic assumption sets, and the facts the caveats are written from (`FACT_COLUMNS`).

The words (sizing, tune advice, caveats, the recommendation sentence) are written by
`analyzer.present.sentences`; `analyzer.present.recommendations.recommend()` assembles both into
`Recommendations`. Money is USD per month normalised to `HOURS_PER_MONTH` hours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.analyze import Analysis
from analyzer.core.assumptions import AssumptionGroups, Assumptions
from analyzer.core.columns import COLUMNS
from analyzer.core.fleet import HTTP_FRONT_DOORS
from analyzer.core.pricebook import PriceBook
from analyzer.core.vocabulary import OptionKind
from analyzer.exceptions import PriceBookError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

# Thresholds of the caveats and of confidence (named, so exports can print them).
BURSTY_PEAK_TO_MEAN = 5.0  # peak concurrency at least this multiple of the mean ...
BURSTY_MIN_PEAK = 10.0  # ... and at least this many concurrent requests at the peak
LONG_TIMEOUT_S = 60.0
FEW_DAYS = 14
GOOD_DAYS = 28
COLD_START_RUNTIMES = ("java", "dotnet")
MEMORY_HEADROOM = 1.25  # suggested memory = max used x headroom, rounded up to 64 MB
TUNE_MIN_USD_PER_MONTH = 0.005  # a tune saving below half a cent is no advice
MONTHS_PER_YEAR = 12.0

# Per-function facts the sentences are written from (not exported).
FACT_COLUMNS = (
    "crossover_invocations_per_month",
    "idle_pc_units",
    "max_memory_used_mb",
    "suggested_memory_mb",
    "memory_assessed",
    "peak_to_mean",
    "bursty",
    "cold_start_sensitive",
)


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


def _verdict_of(other: Analysis | None, ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    if other is None:
        empty = pd.Series([None] * len(ids), index=ids.index, dtype=object)
        return empty, pd.Series(np.nan, index=ids.index)
    o = other.functions.set_index("function_id")
    v = ids.map(o["verdict"])
    s = ids.map(o["saving_usd_per_month"]).astype(float)
    return v, s


def _identity_and_costs(f: pd.DataFrame, best: pd.DataFrame) -> pd.DataFrame:
    """Identity, traffic, the Lambda bill, the best option and the crossover, per function."""
    out = pd.DataFrame(index=f.index)
    for col in COLUMNS[: COLUMNS.index("days_of_data") + 1]:  # identity and traffic, as analysed
        out[col] = f[col]
    out["lambda_usd_per_month"] = f["lambda_usd_per_month"]
    out["tuned_lambda_usd_per_month"] = f["tuned_lambda_usd_per_month"]
    out["tuned_front_door"] = f["tuned_front_door"]
    out["lambda_duration_usd_per_month"] = f["lambda_duration_usd"]
    out["lambda_provisioned_usd_per_month"] = f["lambda_provisioned_usd"]
    out["best_option_kind"] = f["best_option_kind"].where(f["best_option_kind"].notna(), None)
    out["best_option_label"] = best.get("label")
    out["best_option_arch"] = best.get("arch")
    out["best_option_units_min"] = best.get("units_min")
    out["best_option_units_max"] = best.get("units_max")
    out["best_option_usd_per_unit_hour"] = best.get("usd_per_unit_hour")
    out["best_option_usd_per_month"] = f["best_option_usd_per_month"]
    out["best_option_price_region"] = best.get("price_region")
    out["crossover_multiple"] = f["crossover_multiple"].astype(float)
    out["crossover_invocations_per_month"] = f["crossover_invocations"]
    out["crossover_requests_per_second"] = f["crossover_rps"]
    for col in (
        "run_rate_lambda_usd_per_month",
        "run_rate_tuned_lambda_usd_per_month",
        "run_rate_best_option_usd_per_month",
        "run_rate_saving_usd_per_month",
        "monthly_growth",
        "monthly_growth_low",
        "monthly_growth_high",
        "months_to_crossover",
        "months_to_crossover_earliest",
        "months_to_crossover_latest",
        "crossover_date",
        "crossover_date_earliest",
        "crossover_date_latest",
        "forecast_confidence",
        "forecast_note",
    ):
        out[col] = f[col]
    return out


def _migration(
    saving: pd.Series, kind: pd.Series, per_function: AssumptionGroups
) -> dict[str, Any]:
    """Saving per month and year, one-time migration hours and cost, payback in months."""
    hours = np.where(
        kind == OptionKind.LMI,
        per_function.values("lmi_migration_hours"),
        per_function.values("migration_hours"),
    )
    hours = np.where(kind.notna(), hours, np.nan)
    rate = per_function.values("engineer_hourly_usd")
    with np.errstate(divide="ignore", invalid="ignore"):
        payback = np.where(saving > 0, hours * rate / saving, np.nan)
    return {
        "saving_usd_per_month": saving,
        "move_saving_usd_per_month": saving,
        "saving_usd_per_year": saving * MONTHS_PER_YEAR,
        "migration_hours": hours,
        "migration_cost_usd": hours * rate,
        "payback_months": payback,
    }


def _memory_tune(f: pd.DataFrame) -> dict[str, Any]:
    """Right-sizing memory from `max_memory_used_mb` (when the data has it)."""
    if "max_memory_used_mb" not in f.columns:
        return {
            "tune_memory_usd_per_month": np.zeros(len(f)),
            "max_memory_used_mb": np.full(len(f), np.nan),
            "suggested_memory_mb": np.full(len(f), np.nan),
            "memory_assessed": np.zeros(len(f), dtype=bool),
        }
    used = pd.to_numeric(f["max_memory_used_mb"], errors="coerce")
    suggested = np.maximum(128.0, np.ceil(used * MEMORY_HEADROOM / 64.0) * 64.0)
    smaller = used.notna() & (suggested < f["memory_mb"])
    saving = np.where(smaller, f["lambda_duration_usd"] * (1.0 - suggested / f["memory_mb"]), 0.0)
    return {
        "tune_memory_usd_per_month": saving,
        "max_memory_used_mb": used.to_numpy(),
        "suggested_memory_mb": np.asarray(suggested),
        "memory_assessed": used.notna().to_numpy(),
    }


def _tune(f: pd.DataFrame, book: PriceBook, a: Assumptions) -> dict[str, Any]:
    """What Lambda itself would save (the Tune saving, never part of the Move saving): arm64
    and the cheapest adequate front door (priced exactly by the engine: today's bill - the tuned
    bill), plus idle provisioned concurrency and memory right-sizing (advice on top)."""
    arm_saving = f["tune_arm64_usd_per_month"].astype(float).to_numpy()
    door_saving = f["tune_front_door_usd_per_month"].astype(float).to_numpy()

    peak = f["peak_concurrency"].astype(float)
    idle = np.maximum(f["pc_allocated"].to_numpy() - np.ceil(peak.to_numpy()), 0.0)
    pc_rate = _pc_rates(book, f["region"], f["arch"])
    idle_usd = (
        idle
        * f["memory_mb"].to_numpy()
        / 1024.0
        * f["pc_hours_per_month"].to_numpy()
        * 3600.0
        * np.nan_to_num(pc_rate)
        * (1.0 - a.discount("lambda"))
    )
    memory = _memory_tune(f)
    total = arm_saving + door_saving + idle_usd + memory["tune_memory_usd_per_month"]
    return {
        "tune_arm64_usd_per_month": arm_saving,
        "tune_front_door_usd_per_month": door_saving,
        "tune_idle_pc_usd_per_month": idle_usd,
        **memory,
        "tune_usd_per_month": total,
        "tune": total >= TUNE_MIN_USD_PER_MONTH,
        "idle_pc_units": idle,
    }


def _confidence(
    f: pd.DataFrame, optimistic_analysis: Analysis | None, pessimistic_analysis: Analysis | None
) -> dict[str, Any]:
    """The verdict and saving under the tilted sets, whether the verdict survives, confidence."""
    ids = f["function_id"]
    v_opt, s_opt = _verdict_of(optimistic_analysis, ids)
    v_pes, s_pes = _verdict_of(pessimistic_analysis, ids)
    verdict = f["verdict"].astype(str)
    same_opt = (v_opt == verdict) | v_opt.isna()
    same_pes = (v_pes == verdict) | v_pes.isna()
    checked = optimistic_analysis is not None or pessimistic_analysis is not None
    n_same = (v_opt == verdict).astype(int) + (v_pes == verdict).astype(int)
    n_checked = int(optimistic_analysis is not None) + int(pessimistic_analysis is not None)
    days = f["days_of_data"].astype(float)
    high = (days >= GOOD_DAYS) & (n_checked == 2) & (n_same == 2)
    medium = (days >= FEW_DAYS) & ((n_same >= 1) | (n_checked == 0))
    return {
        "verdict": verdict,
        "verdict_optimistic": v_opt,
        "verdict_pessimistic": v_pes,
        "saving_optimistic_usd_per_month": s_opt,
        "saving_pessimistic_usd_per_month": s_pes,
        "verdict_survives": np.where(
            not checked, "not checked", np.where(same_opt & same_pes, "yes", "no")
        ),
        "confidence": np.where(high, "high", np.where(medium, "medium", "low")),
    }


def _caveat_facts(f: pd.DataFrame) -> dict[str, Any]:
    """Bursty traffic and cold-start-sensitive runtimes behind an HTTP front door."""
    peak = f["peak_concurrency"].astype(float)
    mean = f["mean_concurrency"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(mean > 0, peak / mean, np.inf)
    runtime = f["runtime"].astype(str).str.lower()
    return {
        "peak_to_mean": ratio,
        "bursty": (ratio >= BURSTY_PEAK_TO_MEAN) & (peak >= BURSTY_MIN_PEAK),
        "cold_start_sensitive": runtime.str.startswith(COLD_START_RUNTIMES)
        & f["front_door"].isin(HTTP_FRONT_DOORS),
    }


def economics(
    analysis: Analysis,
    optimistic_analysis: Analysis | None = None,
    pessimistic_analysis: Analysis | None = None,
) -> pd.DataFrame:
    """Every number of every recommendation column, plus `FACT_COLUMNS`, in analysis order
    (see the module docstring). The text columns are left for the sentences."""
    f = analysis.functions.reset_index(drop=True)
    per_function = analysis.assumption_groups  # in the order of analysis.functions
    if len(per_function) != len(f):
        raise ValueError(f"analysis has {len(f)} functions but assumptions for {len(per_function)}")
    best = _best_options(analysis).reset_index(drop=True)
    out = _identity_and_costs(f, best)
    saving = f["saving_usd_per_month"].astype(float)
    parts = {
        **_migration(saving, out["best_option_kind"], per_function),
        **_tune(f, analysis.book, analysis.assumptions),
        **_confidence(f, optimistic_analysis, pessimistic_analysis),
        **_caveat_facts(f),
    }
    return out.assign(**{name: _column(values, f.index) for name, values in parts.items()})


def _column(values: Any, index: pd.Index) -> Any:
    """A value for a new column: Series keep their values in row order."""
    if isinstance(values, pd.Series):
        return pd.Series(values.to_numpy(), index=index)
    return values
