"""Words and numbers as the app shows them: money, counts, option and setting labels, values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.vocabulary import KIND_LABELS
from analyzer.present.format import DASH, count
from analyzer.present.format import money as format_money
from analyzer.present.sentences import verdict_sentence

PRICING_LABELS = {
    "on_demand": "On-demand (no commitment)",
    "compute_sp_1y": "Compute Savings Plan, 1 year",
    "compute_sp_3y": "Compute Savings Plan, 3 years",
    "spot": "Spot (can be interrupted)",
}
LOAD_BALANCER_LABELS = {
    "auto": "auto (when the function is HTTP-fronted)",
    "true": "always",
    "false": "never",
}
TARGET_LABELS = KIND_LABELS

__all__ = [
    "LOAD_BALANCER_LABELS",
    "PRICING_LABELS",
    "TARGET_LABELS",
    "compact",
    "display_value",
    "function_label",
    "kind_name",
    "money",
    "months_text",
    "verdict_sentence",
]


def money(x: float | None, decimals: int = 0) -> str:
    """$1,240, -$3.50 (or '–' when unknown)."""
    return format_money(x, decimals, sign_first=True)


def compact(x: float) -> str:
    """12.3M, 450.0k, 980 (or '–' when unknown)."""
    return count(x, grouped=True, missing=DASH)


def display_value(v: Any) -> str:
    if v is None:
        return "(default)"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v)) or "(none)"
    if isinstance(v, dict):
        return ", ".join(f"{k}={w}" for k, w in v.items()) or "(none)"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def function_label(row: Mapping[str, Any] | pd.Series) -> str:
    return f"{row['name']} · {row['account_name']} ({row['environment']}) · {row['region']}"


def kind_name(kind: str | None) -> str:
    """An option kind's label ('–' when there is none)."""
    return KIND_LABELS.get(str(kind), str(kind or "–"))


def months_text(months: float) -> str:
    if not np.isfinite(months):
        return "no date"
    if months < 1:
        return "within a month"
    if months < 24:
        return f"in about {months:.0f} months"
    return f"in about {months / 12:.0f} years"
