"""Row checks of the CSV import: errors that name file, line, field, value and reason.

`RowChecker` validates a column at a time (vectorised) and records one `RowError` per failing
row; the `check_*` functions refuse what no single cell shows: duplicate hours, daily totals
among hourly rows, windows wider than CloudWatch keeps, durations no invocation can have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analyzer.exceptions import InputError

TIMEOUT_MAX_S = 900
#: Upper bounds of the numbers a row may carry (finite and generous, but refusing absurd values
#: that would overflow or silently zero a cost): per row of traffic, and per function.
MAX_COUNT_PER_ROW = 1e12  # invocations, errors, throttles
MAX_CONCURRENCY = 1_000_000  # concurrent_executions_max, provisioned_concurrency
MAX_DURATION_PER_INVOCATION_MS = TIMEOUT_MAX_S * 1000.0  # Lambda's 15-minute limit
#: CloudWatch keeps hourly data for 455 days: a wider traffic window is refused.
MAX_WINDOW_DAYS = 455


@dataclass(frozen=True)
class RowError:
    """One problem in one row (line numbers count the header as line 1)."""

    file: str
    line: int
    field: str
    value: Any
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}: {self.field}={self.value!r}: {self.reason}"


class ImportErrors(InputError):
    """Every error found in an import; `errors` lists them row by row."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        more = len(self.errors) - 1
        where = f"{first.file}, line {first.line}" if first.line else first.file
        super().__init__(
            first.field,
            first.value,
            first.reason + (f" (and {more} more error{'s' if more > 1 else ''})" if more else ""),
            where,
        )

    def lines(self, limit: int | None = None) -> list[str]:
        errs = self.errors if limit is None else self.errors[:limit]
        return [str(e) for e in errs]


class RowChecker:
    """Vectorised column checks that record RowErrors per failing row."""

    def __init__(self, df: pd.DataFrame, name: str, errors: list[RowError]) -> None:
        self.df = df
        self.name = name
        self.errors = errors
        self.lines = np.arange(len(df)) + 2

    def flag(self, mask: pd.Series | np.ndarray, col: str, reason: str) -> None:
        bad = np.flatnonzero(np.asarray(mask, dtype=bool))
        values = self.df[col].to_numpy()
        for i in bad:
            self.errors.append(RowError(self.name, int(self.lines[i]), col, values[i], reason))

    def number(
        self,
        col: str,
        *,
        required: bool,
        lo: float | None = 0.0,
        hi: float | None = None,
        integer: bool = False,
        default: float = np.nan,
    ) -> pd.Series:
        if col not in self.df.columns:
            return pd.Series(default, index=self.df.index, dtype=float)
        raw = self.df[col].astype(str).str.strip()
        empty = raw == ""
        num = pd.to_numeric(raw.where(~empty), errors="coerce")
        if required:
            self.flag(empty, col, "is required")
        self.flag(~empty & num.isna(), col, "is not a number")
        ok = num.notna()
        if not ok.any():
            return num.fillna(default)
        finite = ok & np.isfinite(num.where(ok, 0.0))
        self.flag(ok & ~finite, col, "must be a finite number")
        if integer:
            self.flag(finite & (num.where(finite, 0.0) % 1 != 0), col, "must be a whole number")
        if lo == 0 and hi is not None:
            self.flag(finite & (num < 0), col, "must not be negative")
            self.flag(finite & (num > hi), col, f"must be between 0 and {hi:g}")
        elif lo is not None and hi is not None:
            rng = f"between {lo:g} and {hi:g}"
            self.flag(finite & ((num < lo) | (num > hi)), col, f"must be {rng}")
        elif lo is not None:
            self.flag(
                finite & (num < lo),
                col,
                "must not be negative" if lo == 0 else f"must be at least {lo:g}",
            )
        return num.fillna(default)

    def choice(self, col: str, allowed: Sequence[str], default: str | None = None) -> pd.Series:
        if col not in self.df.columns:
            return pd.Series(default or "", index=self.df.index, dtype=object)
        raw = self.df[col].astype(str).str.strip()
        if default is not None:
            raw = raw.where(raw != "", default)
        self.flag(~raw.isin(allowed), col, f"must be one of {', '.join(allowed)}")
        return raw

    def text(self, col: str, *, required: bool = False) -> pd.Series:
        if col not in self.df.columns:
            return pd.Series("", index=self.df.index, dtype=object)
        raw = self.df[col].astype(str).str.strip()
        if required:
            self.flag(raw == "", col, "is required")
        return raw


def check_duration(c: RowChecker, out: pd.DataFrame) -> None:
    """Duration needs invocations: at most 900,000 ms (15 minutes) per invocation."""
    if "duration_sum_ms" not in c.df.columns:
        return
    limit = out["invocations"] * MAX_DURATION_PER_INVOCATION_MS
    c.flag(
        (out["duration_sum_ms"] > limit) & np.isfinite(out["duration_sum_ms"]),
        "duration_sum_ms",
        f"must be between 0 and invocations x {MAX_DURATION_PER_INVOCATION_MS:,.0f} ms "
        "(Lambda's 15-minute maximum); with 0 invocations it must be 0",
    )


def check_duplicates(c: RowChecker, out: pd.DataFrame, raw_ts: pd.Series) -> None:
    """One row per function and hour: a second row (or the same instant in another zone) is
    refused, never summed."""
    hour = out["timestamp"].dt.floor("h")
    keyed = (out["function_id"] != "") & hour.notna()
    key = pd.DataFrame({"function_id": out["function_id"], "hour": hour})[keyed]
    dup = key.duplicated(keep="first")
    if not dup.any():
        return
    first_line = (
        pd.Series(c.lines[: len(out)], index=out.index)[keyed]
        .groupby([key["function_id"], key["hour"]])
        .transform("first")
    )
    for index in dup[dup].index:
        position = out.index.get_loc(index)
        c.errors.append(
            RowError(
                c.name,
                int(c.lines[position]),
                "timestamp",
                raw_ts.loc[index],
                f"same function and hour as line {int(first_line.loc[index])} "
                "(duplicate rows are refused, not summed)",
            )
        )


def check_window(traffic: pd.DataFrame, raw: pd.DataFrame, name: str) -> RowError | None:
    """Refuse traffic spanning more than MAX_WINDOW_DAYS (before any hourly table is built)."""
    ts = traffic["timestamp"].to_numpy()
    if len(ts) == 0:
        return None
    first, last = int(np.argmin(ts)), int(np.argmax(ts))
    span = pd.Timestamp(ts[last]) - pd.Timestamp(ts[first])
    if span <= pd.Timedelta(days=MAX_WINDOW_DAYS):
        return None
    text = raw["timestamp"].astype(str).str.strip().to_numpy()
    return RowError(
        name,
        last + 2,
        "timestamp",
        text[last],
        f"the traffic spans {span.days:,} days from line {first + 2} ({text[first]}): "
        f"at most {MAX_WINDOW_DAYS} days (CloudWatch's hourly retention)",
    )


def check_mixed(traffic: pd.DataFrame, raw: pd.DataFrame, name: str) -> list[RowError]:
    """In hourly traffic, a date without a time (a daily total?) is refused."""
    text = raw["timestamp"].astype(str).str.strip()
    date_only = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    if not date_only.any() or date_only.all():
        return []
    lines = np.arange(len(traffic)) + 2
    return [
        RowError(
            name,
            int(lines[i]),
            "timestamp",
            text.iloc[i],
            "a date without an hour among hourly rows (a daily total would be read as one "
            "hour's): give the hour, or import daily and hourly rows separately",
        )
        for i in np.flatnonzero(date_only.to_numpy())
    ]


def midnight_only_notes(traffic: pd.DataFrame, name: str) -> list[str]:
    """Hourly traffic in which some function has only midnight rows a day or more apart."""
    ordered = traffic.sort_values(["function_id", "timestamp"])
    ts = ordered["timestamp"]
    per_function = pd.DataFrame(
        {
            "midnight": ts == ts.dt.floor("D"),
            "gap": ordered.groupby("function_id")["timestamp"].diff(),
            "function_id": ordered["function_id"],
        }
    ).groupby("function_id")
    all_midnight = per_function["midnight"].all()
    rows = per_function.size()
    min_gap = per_function["gap"].min()
    suspect = all_midnight & (rows > 1) & (min_gap >= pd.Timedelta(days=1))
    suspects = sorted(suspect[suspect].index)
    if not suspects:
        return []
    shown = ", ".join(s.rsplit(":", 1)[-1] for s in suspects[:3])
    more = f" and {len(suspects) - 3} more" if len(suspects) > 3 else ""
    return [
        f"{name}: {shown}{more} only has rows at midnight, a day or more apart, among hourly "
        "rows: read as hourly (if these are daily totals, import them on their own)"
    ]
