"""Helpers shared by the export formats: rounding, formula-injection safety, plain values."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.columns import COLUMN_SPECS, COLUMNS, MONEY, TEXT_COLUMNS
from analyzer.core.recommend import Recommendations
from analyzer.present.format import money as format_money
from analyzer.present.format import number as format_number

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Neutralise a text cell a spreadsheet would run as a formula (prefix a quote)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def plain(value: Any) -> Any:
    """A value as one cell: lists joined, dicts as k=v, NaN as None."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def rounded(recs: Recommendations) -> pd.DataFrame:
    """The per-function table, rounded for people (cents, sensible decimals), NaN kept."""
    f = recs.functions[list(COLUMNS)].copy()
    for spec in COLUMN_SPECS:
        if spec.is_text or spec.decimals is None:
            continue
        vals = pd.to_numeric(f[spec.name], errors="coerce").astype(float)
        if spec.decimals == 0 and spec.kind != MONEY:
            f[spec.name] = vals.round().astype("Int64")
        else:
            f[spec.name] = vals.round(spec.decimals) + 0.0  # + 0.0: no "-0.0"
    for col in TEXT_COLUMNS:
        f[col] = f[col].astype(object).where(f[col].notna(), None)
    return f


def assumptions_compact(recs: Recommendations) -> str:
    """Every assumption as 'name=value' pairs (for one-table formats such as CSV)."""
    return "; ".join(
        f"{n}={plain(v) if plain(v) is not None else ''}"
        for n, v in zip(recs.assumptions["name"], recs.assumptions["value"], strict=True)
    )


money = partial(format_money, missing="")
"""$1,240.50 ("" when unknown)."""
number = partial(format_number, missing="")
"""A number in a format spec ("" when unknown)."""


TITLE = "Crossover: Lambda migration recommendations"


def context_lines(recs: Recommendations) -> list[tuple[str, str]]:
    """(label, text) pairs every export prints: window, basis, prices, generation time."""
    pb = recs.price_book
    w = recs.window
    out = [
        ("Traffic window", f"{w.get('start')} to {w.get('end')} ({w.get('hours')} hours)"),
        ("Monthly basis", f"USD per month normalised to {recs.monthly_basis}"),
        ("Price book", f"as of {pb.get('as_of')} ({pb.get('origin')}): {pb.get('source')}"),
    ]
    if recs.generated_at:
        out.append(("Generated", str(recs.generated_at)))
    if recs.filters:
        out.append(("Filters", ", ".join(f"{k}={plain(v)}" for k, v in recs.filters.items())))
    return out
