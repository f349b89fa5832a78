"""What a decision needs beside the headline, for the overview and the function page: the
migration cost, payback, confidence and Tune saving of the recommendations (the exports'
numbers, not recomputed), and what changed since the last report (the e-mail's changes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.vocabulary import Verdict
from analyzer.present.email_body import ReportData
from analyzer.present.format import money
from analyzer.present.summary import recommendations_summary


@dataclass(frozen=True)
class Decision:
    """The decision figures of some recommendations (rows of `Recommendations.functions`)."""

    outgrown: int
    firm: int  # Outgrown verdicts that survive both the optimistic and the pessimistic sets
    low_confidence: int
    migration_cost_usd: float
    payback_months: float | None
    tune_usd_per_month: float
    tunable: int

    def firm_text(self) -> str:
        if not self.outgrown:
            return "no Outgrown verdict"
        return f"{self.firm} of {self.outgrown}"

    def payback_text(self) -> str:
        if self.payback_months is None or not np.isfinite(self.payback_months):
            return "nothing to pay back"
        return f"{self.payback_months:,.1f} months"

    def sentence(self) -> str:
        """One line: how far the Move figure can be trusted, and what Tune adds."""
        if self.outgrown:
            firm = (
                f"{self.firm} of {self.outgrown} Outgrown verdicts are firm (they hold under "
                "both the optimistic and the pessimistic assumptions)"
            )
            move = (
                f"moving them costs about {money(self.migration_cost_usd, 0)} once, paid back "
                f"in {self.payback_text()}"
            )
            text = f"{firm}; {move}."
        else:
            text = "No function has outgrown Lambda: nothing to migrate."
        if self.tunable:
            text += (
                f" Tune: {self.tunable} function(s) can be made cheaper on Lambda itself, "
                f"{money(self.tune_usd_per_month, 0)}/month."
            )
        if self.low_confidence:
            text += f" {self.low_confidence} recommendation(s) have low confidence."
        return text


def decision(fns: pd.DataFrame) -> Decision:
    """The decision figures of `fns`: `recommendations_summary`, plus the firm Outgrown count."""
    s = recommendations_summary(fns)
    outgrown = fns["verdict"] == Verdict.OUTGROWN
    return Decision(
        outgrown=int(outgrown.sum()),
        firm=int((outgrown & (fns["verdict_survives"] == "yes")).sum()),
        low_confidence=int(s["low_confidence"]),
        migration_cost_usd=float(s["migration_cost_usd"]),
        payback_months=None if s["payback_months"] is None else float(s["payback_months"]),
        tune_usd_per_month=float(s["tune_usd_per_month"]),
        tunable=int(s["tune"]),
    )


CONFIDENCE_WORDS = {
    "high": "high (28+ days of data, the verdict holds under both tilted assumption sets)",
    "medium": "medium",
    "low": "low",
}


def function_decision(rec: Mapping[str, Any] | pd.Series) -> dict[str, str]:
    """One function's decision figures as the function page shows them (label -> text)."""
    outgrown = str(rec["verdict"]) == Verdict.OUTGROWN
    payback = rec.get("payback_months")
    tune = float(rec.get("tune_usd_per_month") or 0.0)
    return {
        "One-time migration cost": money(rec["migration_cost_usd"], 0) if outgrown else "none",
        "Payback": (
            f"{float(payback):,.1f} months"
            if outgrown and payback is not None and np.isfinite(float(payback))
            else "nothing to pay back"
        ),
        "Confidence": str(rec["confidence"]),
        "Tune saving": f"{money(tune, 0)}/month" if tune >= 0.005 else "none",
    }


@dataclass(frozen=True)
class Changes:
    """Verdicts that changed since the last recorded report (as the e-mail lists them)."""

    first: bool
    previous_at: str | None
    newly_outgrown: list[str]
    newly_watch: list[str]
    other_functions: bool = False  # the last report covered none of these functions

    def sentence(self) -> str:
        if self.other_functions:
            return (
                f"The last report ({self.previous_at or 'date unknown'}) covered other "
                "functions: no changes to show for these."
            )
        if self.first:
            return (
                "No earlier report to compare with: `crossover report` records the verdicts "
                "each time it sends one, and this page then shows what changed since."
            )
        when = self.previous_at or "the previous report"
        if not (self.newly_outgrown or self.newly_watch):
            return f"Since the report of {when}: no function became Outgrown or Watch."
        parts = []
        for label, names in (("Outgrown", self.newly_outgrown), ("Watch", self.newly_watch)):
            if names:
                shown = ", ".join(names[:5]) + (
                    f" and {len(names) - 5} more" if len(names) > 5 else ""
                )
                parts.append(f"{len(names)} newly {label} ({shown})")
        return f"Since the report of {when}: " + "; ".join(parts) + "."


def changes(
    report: ReportData,
    function_ids: Sequence[str] | None = None,
    previous_ids: Sequence[str] | None = None,
) -> Changes:
    """The changes of an e-mail report's numbers (`build_report`), kept to `function_ids` that
    the previous report knew (`previous_ids`): a function it never saw is new, not changed."""
    keep = None if function_ids is None else set(function_ids)
    if previous_ids is not None:
        known = set(previous_ids)
        keep = known if keep is None else keep & known
        if not report.first_report and not keep:
            return Changes(False, report.previous_at, [], [], other_functions=True)

    def names(rows: list[dict[str, Any]]) -> list[str]:
        return [str(r["name"]) for r in rows if keep is None or r["function_id"] in keep]

    return Changes(
        first=report.first_report,
        previous_at=report.previous_at,
        newly_outgrown=names(report.newly_outgrown),
        newly_watch=names(report.newly_watch),
    )
