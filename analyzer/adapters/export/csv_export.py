"""CSV export: one row per function, stable column names with units, formula-injection safe."""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd

from analyzer.adapters.export._common import assumptions_compact, csv_field, rounded, safe_text
from analyzer.core.columns import TEXT_COLUMNS
from analyzer.core.recommend import Recommendations

# Context on every row, so a lone CSV still says which prices, window and assumptions it used.
CONTEXT_COLUMNS = (
    "price_book_as_of",
    "price_book_source",
    "window_start",
    "window_end",
    "monthly_basis",
    "assumptions",
)


def render_csv(recs: Recommendations) -> bytes:
    f = rounded(recs)
    ctx = {
        "price_book_as_of": recs.price_book.get("as_of", ""),
        "price_book_source": recs.price_book.get("source", ""),
        "window_start": recs.window.get("start") or "",
        "window_end": recs.window.get("end") or "",
        "monthly_basis": recs.monthly_basis,
        "assumptions": assumptions_compact(recs),
    }
    for k, v in ctx.items():
        f[k] = str(v)
    text_cols = [*TEXT_COLUMNS, *CONTEXT_COLUMNS]
    for col in text_cols:
        f[col] = f[col].map(lambda v: "" if v is None else safe_text(str(v)))
    f["tune"] = f["tune"].map({True: "true", False: "false"})
    # Written by hand, not by pandas/csv: they leave a field with a bare CR (or ";") unquoted,
    # and a spreadsheet then reads a new row that may start with a formula.
    cols = [f[c].map(csv_field if c in text_cols else _number) for c in f.columns]
    buf = io.StringIO()
    buf.write(",".join(csv_field(str(c)) for c in f.columns) + "\n")
    for row in zip(*cols, strict=True):
        buf.write(",".join(row) + "\n")
    return buf.getvalue().encode("utf-8")


def _number(value: Any) -> str:
    """A numeric (or true/false) cell as pandas would write it; missing is empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return csv_field(str(value))
