"""One family of number formatters for everything a person reads: money, counts, multiples,
plain numbers and dates.

Each surface keeps its own look through parameters, not through its own formatter:

    money(x)                                 $1,240.50   (exports, terminal, e-mail rows)
    money(x, decimals=0, sign_first=True)    -$1,240     (the app)
    count(x)                                 12.3M       (terminal); count(x, grouped=True) in the app
    multiple(x)                              2.50x / none / any
    number(x, ",.1f")                        1,240.5
    iso_date(ts)                             2026-01-31

`missing` is what an unknown value (None, NaN, infinity) shows: "" in exports, "-" in the
terminal, "–" in the app and the e-mail.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

DASH = "–"


def is_missing(x: Any) -> bool:
    """None, NA, NaN or an infinity: a value nobody should see as a number."""
    if x is None or x is pd.NA:
        return True
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


def money(x: Any, decimals: int = 2, *, missing: str = DASH, sign_first: bool = False) -> str:
    """USD with thousands separators: $1,240.50; with `sign_first`, -$5 instead of $-5."""
    if is_missing(x):
        return missing
    value = float(x)
    if sign_first:
        sign = "-" if value < 0 else ""
        return f"{sign}${abs(value):,.{decimals}f}"
    return f"${value:,.{decimals}f}"


def number(x: Any, fmt: str = ",.2f", *, missing: str = DASH) -> str:
    """A plain number in a format spec (',.2f', '.0f', ...)."""
    return missing if is_missing(x) else format(float(x), fmt)


def count(x: Any, *, grouped: bool = False, missing: str | None = None) -> str:
    """A count in short form: 12.3M, 450.0k, 980 (`grouped`: 1,234.5B beyond a trillion).
    With `missing`, unknown values show it."""
    if missing is not None and is_missing(x):
        return missing
    value = float(x)
    sep = "," if grouped else ""
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= div:
            return f"{value / div:{sep}.1f}{suffix}"
    return f"{value:{sep}.0f}"


def multiple(x: Any) -> str:
    """A traffic multiple: 2.50x, 1,200x; 'none' when there is no crossover, 'any' at 0."""
    value = float(x)
    if not math.isfinite(value):
        return "none"
    if value == 0.0:
        return "any"  # Lambda is dearer at any traffic (e.g. idle provisioned concurrency)
    return f"{value:.2f}x" if value < 100 else f"{value:,.0f}x"


def money_column(values: pd.Series) -> pd.Series:
    """`money` of every value of a column ("" when NaN; an infinity shows as such)."""
    return values.map(lambda v: f"${v:,.2f}" if pd.notna(v) else "")


def number_column(values: pd.Series, fmt: str) -> pd.Series:
    """`number` of every value of a column ("" when NaN; an infinity shows as such)."""
    return values.map(lambda v: format(v, fmt) if pd.notna(v) else "")


def iso_date(value: Any) -> str:
    """The calendar day of a timestamp or ISO string: 2026-01-31."""
    return str(pd.Timestamp(value).date())
