"""One fleet summary: counts per verdict, Lambda spend, the spend and saving of the Outgrown
functions, and (for recommendations) migration cost, tune savings and confidence.

Used by the app's headline, the exports' summary and by-group tables, the e-mail report and the
terminal/JSON output of `analyze` and `cost`. It sums whatever frame it is given, in its order:
`Analysis.functions` or `Recommendations.functions` (both use the same column names).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.vocabulary import VERDICTS, Verdict
from analyzer.present.format import money

MONTHS_PER_YEAR = 12.0


@dataclass(frozen=True)
class FleetSummary:
    functions: int
    outgrown: int
    watch: int
    stay: int
    lambda_usd_per_month: float  # Lambda spend today
    best_usd_per_month: float  # each function on the cheaper of Lambda and its best option
    outgrown_lambda_usd_per_month: float  # Lambda spend on the Outgrown functions
    saving_usd_per_month: float  # Move: what moving the Outgrown functions saves (vs tuned)
    tune_usd_per_month: float = 0.0  # Tune: what tuning Lambda itself saves, every function
    run_rate_lambda_usd_per_month: float = float("nan")  # Lambda at the current level of traffic
    run_rate_saving_usd_per_month: float = float("nan")  # Move, at the current level of traffic

    @property
    def saving_usd_per_year(self) -> float:
        return self.saving_usd_per_month * MONTHS_PER_YEAR

    @property
    def counts(self) -> dict[str, int]:
        """Functions per verdict, in severity order."""
        return {Verdict.OUTGROWN: self.outgrown, Verdict.WATCH: self.watch, Verdict.STAY: self.stay}

    def sentence(self) -> str:
        """The app's headline."""
        if not self.functions:
            return "No functions match the filters."
        tune = (
            f" Tune: tuning Lambda itself saves {money(self.tune_usd_per_month, 0, sign_first=True)}"
            "/month."
            if self.tune_usd_per_month >= 0.5
            else ""
        )
        if not self.outgrown:
            return (
                f"None of these {self.functions} functions has outgrown Lambda yet; "
                f"{self.watch} to watch.{tune}"
            )
        saving = money(self.saving_usd_per_month, 0, sign_first=True)
        yearly = money(self.saving_usd_per_year, 0, sign_first=True)
        at_rate = (
            f" ({money(self.run_rate_saving_usd_per_month, 0, sign_first=True)}/month at "
            "the run rate)"
            if np.isfinite(self.run_rate_saving_usd_per_month)
            else ""
        )
        return (
            f"{self.outgrown} of {self.functions} functions have outgrown Lambda. Move: moving "
            f"them would save {saving}/month on spend{at_rate}, {yearly}/year, against a "
            f"tuned Lambda.{tune}"
        )


def fleet_summary(functions: pd.DataFrame) -> FleetSummary:
    """The summary of `functions` (rows of an analysis or of recommendations)."""
    verdict = functions["verdict"]
    outgrown = verdict == Verdict.OUTGROWN
    lambda_usd = functions["lambda_usd_per_month"]
    return FleetSummary(
        functions=len(functions),
        outgrown=int(outgrown.sum()),
        watch=int((verdict == Verdict.WATCH).sum()),
        stay=int((verdict == Verdict.STAY).sum()),
        lambda_usd_per_month=float(lambda_usd.sum()),
        best_usd_per_month=float(np.fmin(lambda_usd, functions["best_option_usd_per_month"]).sum()),
        outgrown_lambda_usd_per_month=float(lambda_usd[outgrown].sum()),
        saving_usd_per_month=float(functions.loc[outgrown, "saving_usd_per_month"].sum()),
        tune_usd_per_month=float(functions[_tune_column(functions)].clip(lower=0.0).sum()),
        run_rate_lambda_usd_per_month=_sum(functions, "run_rate_lambda_usd_per_month"),
        run_rate_saving_usd_per_month=_sum(functions, "run_rate_saving_usd_per_month", outgrown),
    )


def _sum(functions: pd.DataFrame, column: str, rows: pd.Series | None = None) -> float:
    """The sum of a column (NaN when the frame does not have it)."""
    if column not in functions:
        return float("nan")
    values = functions[column] if rows is None else functions.loc[rows, column]
    return float(values.sum())


def _tune_column(functions: pd.DataFrame) -> str:
    """Recommendations carry the full Tune (with idle PC and memory); analyses the engine's."""
    return (
        "tune_usd_per_month" if "tune_usd_per_month" in functions else "tune_saving_usd_per_month"
    )


def recommendations_summary(fns: pd.DataFrame) -> dict[str, Any]:
    """The exports' `summary`: the fleet summary plus migration cost, payback, tune, confidence."""
    fleet = fleet_summary(fns)
    saving = fleet.saving_usd_per_month
    cost = float(fns.loc[fns["verdict"] == Verdict.OUTGROWN, "migration_cost_usd"].sum())
    return {
        "functions": fleet.functions,
        **{str(verdict): count for verdict, count in fleet.counts.items()},
        "tune": int(fns["tune"].sum()),
        "lambda_usd_per_month": fleet.lambda_usd_per_month,
        "run_rate_lambda_usd_per_month": fleet.run_rate_lambda_usd_per_month,
        "outgrown_lambda_usd_per_month": fleet.outgrown_lambda_usd_per_month,
        "saving_usd_per_month": saving,
        "run_rate_saving_usd_per_month": fleet.run_rate_saving_usd_per_month,
        "saving_usd_per_year": saving * MONTHS_PER_YEAR,
        "migration_cost_usd": cost,
        "payback_months": (cost / saving) if saving > 0 else None,
        "tune_usd_per_month": fleet.tune_usd_per_month,
        "move_saving_usd_per_month": saving,
        "low_confidence": int((fns["confidence"] == "low").sum()),
    }


def group_summary(fns: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The summary per group of `keys` (by account, environment or target)."""
    verdict = fns["verdict"]
    outgrown = verdict == Verdict.OUTGROWN
    frame = fns[keys].copy()
    frame["functions"] = 1
    for name in VERDICTS:
        frame[name] = (verdict == name).astype(int)
    frame["tune"] = fns["tune"].astype(int)
    frame["lambda_usd_per_month"] = fns["lambda_usd_per_month"]
    frame["saving_usd_per_month"] = fns["saving_usd_per_month"].where(outgrown, 0.0)
    frame["saving_usd_per_year"] = frame["saving_usd_per_month"] * MONTHS_PER_YEAR
    frame["migration_cost_usd"] = fns["migration_cost_usd"].where(outgrown, 0.0)
    frame["tune_usd_per_month"] = fns["tune_usd_per_month"]
    if frame.empty:
        return frame
    return frame.groupby(keys, sort=True, dropna=False).sum(numeric_only=True).reset_index()
