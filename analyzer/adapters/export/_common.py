"""Helpers shared by the export formats: rounding, formula-injection safety, plain values."""

from __future__ import annotations

import math
import re
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.columns import COLUMN_SPECS, COLUMNS, MONEY, TEXT_COLUMNS
from analyzer.core.recommend import Recommendations
from analyzer.present.format import money as format_money
from analyzer.present.format import number as format_number

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# After a line break a spreadsheet (or a CSV reader that ignores quotes) may start a new cell.
_FORMULA_AFTER_BREAK = re.compile(r"([\r\n])(?=[=+\-@\t])")
# Control characters XML (and so XLSX) cannot hold; shown as their escapes instead.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A CSV field holding one of these is always quoted (";" for semicolon-separated locales).
_CSV_QUOTE = re.compile(r'[",;\r\n]')


def safe_text(value: str) -> str:
    """A text cell made inert: a leading formula and a formula after any line break get a
    quote prefix, and control characters are shown as escapes (`\\x0b`)."""
    value = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    value = _FORMULA_AFTER_BREAK.sub(r"\1'", value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def csv_field(value: str) -> str:
    """`value` as one CSV field: quoted (quotes doubled) when it holds a quote, a separator
    (`,` or `;`) or any line break, bare CR included (which Python's csv leaves unquoted)."""
    if _CSV_QUOTE.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


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
