"""Sensitivity: does each verdict survive the optimistic and the pessimistic assumptions?"""

from __future__ import annotations

import pandas as pd

from analyzer.core.vocabulary import VERDICT_LABELS, Verdict


def sensitivity(
    base: pd.DataFrame, optimistic: pd.DataFrame, pessimistic: pd.DataFrame
) -> pd.DataFrame:
    """Per function: the verdict under the base, optimistic and pessimistic assumption sets, and
    whether it survives both."""
    b = base.set_index("function_id")
    o = optimistic.set_index("function_id")["verdict"].reindex(b.index)
    p = pessimistic.set_index("function_id")["verdict"].reindex(b.index)
    out = pd.DataFrame(
        {
            "Function": b["name"],
            "Account": b["account_name"],
            "Verdict": b["verdict"].map(VERDICT_LABELS),
            "Optimistic": o.map(VERDICT_LABELS),
            "Pessimistic": p.map(VERDICT_LABELS),
            "Saving $/month": b["saving_usd_per_month"].astype(float),
            "Saving, optimistic $/month": optimistic.set_index("function_id")[
                "saving_usd_per_month"
            ]
            .reindex(b.index)
            .astype(float),
            "Saving, pessimistic $/month": pessimistic.set_index("function_id")[
                "saving_usd_per_month"
            ]
            .reindex(b.index)
            .astype(float),
        }
    )
    out["Survives"] = (b["verdict"] == o) & (b["verdict"] == p)
    return out


def sensitivity_summary(table: pd.DataFrame) -> str:
    n = len(table)
    if not n:
        return "No functions."
    ok = int(table["Survives"].sum())
    out_rows = table[table["Verdict"] == Verdict.OUTGROWN.label]
    firm = int(out_rows["Survives"].sum())
    return (
        f"{ok} of {n} verdicts hold under both the optimistic and the pessimistic assumptions; "
        f"{firm} of {len(out_rows)} Outgrown verdicts are firm."
    )
