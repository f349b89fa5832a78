"""The numbers of the report e-mail, computed once from an Analysis: the fleet summary, the
functions that changed verdict since the previous report, the top savings and the nearest
forecast crossovers. The e-mail's templates (`analyzer/templates/email.*.j2`) show them;
`analyzer.adapters.email.compose` builds the message around them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analyzer.core.analyze import Analysis
from analyzer.core.fleet import Fleet
from analyzer.core.vocabulary import HOURS_PER_MONTH, Verdict
from analyzer.core.window import FirstPass, first_pass
from analyzer.present.format import iso_date
from analyzer.present.sentences import forecast_column
from analyzer.present.summary import fleet_summary


@dataclass
class ReportData:
    """Everything the templates show, computed once from an Analysis."""

    date: str
    no_data: bool = False
    no_data_reason: str = ""
    functions: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    lambda_usd_per_month: float = 0.0
    outgrown_lambda_usd_per_month: float = 0.0
    saving_usd_per_month: float = 0.0  # Move, on spend
    run_rate_lambda_usd_per_month: float = 0.0
    run_rate_saving_usd_per_month: float = 0.0  # Move, at the run rate
    tune_usd_per_month: float = 0.0  # Tune
    first_report: bool = True
    previous_at: str | None = None
    newly_outgrown: list[dict[str, Any]] = field(default_factory=list)
    newly_watch: list[dict[str, Any]] = field(default_factory=list)
    top_savings: list[dict[str, Any]] = field(default_factory=list)
    nearest: list[dict[str, Any]] = field(default_factory=list)
    price_book_as_of: str = ""
    price_book_source: str = ""
    monthly_basis: str = (
        f"{HOURS_PER_MONTH:.0f} hours (cost over the window x {HOURS_PER_MONTH:.0f} / window hours)"
    )
    window: str = ""
    source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def saving_usd_per_year(self) -> float:
        return self.saving_usd_per_month * 12


# -- numbers ---------------------------------------------------------------------------------
_ROW_COLUMNS = [
    "function_id",
    "name",
    "account_name",
    "account_id",
    "environment",
    "region",
    "verdict",
    "best_option_label",
    "best_option_kind",
    "lambda_usd_per_month",
    "best_option_usd_per_month",
    "saving_usd_per_month",
    "crossover_multiple",
    "crossover_date",
    "months_to_crossover",
    "forecast_confidence",
    "monthly_growth",
    "monthly_growth_low",
    "monthly_growth_high",
    "crossover_date_earliest",
    "crossover_date_latest",
    "forecast_note",
]


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = df.reindex(columns=_ROW_COLUMNS).copy()
    out["forecast"] = forecast_column(out) if len(out) else pd.Series(dtype=object)
    out["account"] = out["account_name"].where(
        out["account_name"].astype(str) != "", out["account_id"]
    )
    out = out.astype(object).where(out.notna(), None)
    return [{str(k): v for k, v in rec.items()} for rec in out.to_dict("records")]


def no_data_reason(fleet: Fleet, first: FirstPass | None = None) -> str | None:
    """Why a fleet cannot make a report (no functions, no traffic), or None when it can.
    `first`: the fleet's first pass (its sums; made here if not given)."""
    if fleet.functions.empty:
        return "the data source has no functions"
    if fleet.hours == 0:
        return "the data source has no traffic (0 invocations in the window)"
    totals = (first or first_pass(fleet)).sums.totals
    if float(totals["invocations"].fillna(0).sum()) <= 0:
        return "the data source has no traffic (0 invocations in the window)"
    return None


def build_report(
    analysis: Analysis,
    previous: pd.DataFrame | None = None,
    *,
    top: int = 10,
    today: dt.date | None = None,
) -> ReportData:
    """The report's numbers. `previous` is the last recorded verdict snapshot (columns
    function_id, verdict[, recorded_at]) or None for a first report."""
    f = analysis.functions
    summary = fleet_summary(f)
    date = (today or dt.date.today()).isoformat()
    book = analysis.price_book
    meta = analysis.meta
    rep = ReportData(
        date=date,
        functions=len(f),
        counts={str(verdict): count for verdict, count in summary.counts.items()},
        lambda_usd_per_month=summary.lambda_usd_per_month,
        outgrown_lambda_usd_per_month=summary.outgrown_lambda_usd_per_month,
        saving_usd_per_month=summary.saving_usd_per_month,
        run_rate_lambda_usd_per_month=summary.run_rate_lambda_usd_per_month,
        run_rate_saving_usd_per_month=summary.run_rate_saving_usd_per_month,
        tune_usd_per_month=summary.tune_usd_per_month,
        price_book_as_of=str(book.get("as_of", "")),
        price_book_source=str(book.get("source", "")),
        monthly_basis=str(meta.get("monthly_basis", ReportData.monthly_basis)),
        window=_window(meta),
        source=str(meta.get("source", analysis.fleet.meta.get("source", ""))),
        notes=[str(n) for n in meta.get("notes", [])],
    )
    if previous is not None and not previous.empty:
        rep.first_report = False
        if "recorded_at" in previous:
            rep.previous_at = str(pd.Timestamp(previous["recorded_at"].iloc[0]).date())
        prev = (
            previous.drop_duplicates("function_id").set_index("function_id")["verdict"].astype(str)
        )
        before = f["function_id"].map(prev)
        rep.newly_outgrown = _rows(
            f[(f["verdict"] == Verdict.OUTGROWN) & (before != Verdict.OUTGROWN)].sort_values(
                "saving_usd_per_month", ascending=False
            )
        )
        rep.newly_watch = _rows(
            f[(f["verdict"] == Verdict.WATCH) & (before != Verdict.WATCH)].sort_values(
                "months_to_crossover", na_position="last"
            )
        )
    saving = f[f["saving_usd_per_month"].fillna(0) > 0]
    rep.top_savings = _rows(saving.sort_values("saving_usd_per_month", ascending=False).head(top))
    ahead = f[
        (f["crossover_multiple"] >= 1)
        & f["crossover_date"].notna()
        & (f["months_to_crossover"] > 0)
    ]
    rep.nearest = _rows(ahead.sort_values("months_to_crossover").head(top))
    return rep


def no_data_report(reason: str, fleet: Fleet, today: dt.date | None = None) -> ReportData:
    return ReportData(
        date=(today or dt.date.today()).isoformat(),
        no_data=True,
        no_data_reason=reason,
        functions=len(fleet.functions),
        source=str(fleet.meta.get("source", "")),
        window=_window(fleet.meta),
        notes=[str(n) for n in fleet.meta.get("notes", [])],
    )


def _window(meta: Mapping[str, Any]) -> str:
    start = meta.get("window_start", meta.get("start"))
    end = meta.get("window_end", meta.get("end"))
    if start is None or end is None:
        return ""
    return f"{iso_date(start)} to {iso_date(end)}"
