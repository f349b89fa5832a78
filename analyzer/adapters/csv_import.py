"""Import a fleet from two CSV files (docs/interfaces.md, "CSV import").

functions CSV  function,memory_mb,arch,region  + optional account_id,account_name,environment,
               ephemeral_storage_mb,runtime,timeout_s,front_door,provisioned_concurrency
traffic CSV    function,timestamp,invocations,duration_sum_ms  + optional
               concurrent_executions_max,errors,throttles

Timestamps are ISO 8601 (UTC when no zone), hourly or daily rows (daily rows are spread evenly
over 24 hours, and meta["notes"] says so). Every row is validated; all errors are collected and
raised together as `ImportErrors` (an InputError whose message is the first error, on one line,
naming file, line, field, value and reason). Nothing is half-imported. Accepts paths or
file-like objects (the Streamlit uploader gives BytesIO), with a size limit.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from analyzer.core.fleet import ARCHES, FRONT_DOORS, FleetData, function_id
from analyzer.exceptions import InputError

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
MEMORY_MIN_MB, MEMORY_MAX_MB = 128, 10240
EPHEMERAL_MIN_MB, EPHEMERAL_MAX_MB = 512, 10240
TIMEOUT_MAX_S = 900

FUNCTIONS_REQUIRED = ("function", "memory_mb", "arch", "region")
FUNCTIONS_OPTIONAL = (
    "account_id",
    "account_name",
    "environment",
    "ephemeral_storage_mb",
    "runtime",
    "timeout_s",
    "front_door",
    "provisioned_concurrency",
)
TRAFFIC_REQUIRED = ("function", "timestamp", "invocations", "duration_sum_ms")
TRAFFIC_OPTIONAL = ("concurrent_executions_max", "errors", "throttles")

Source = str | os.PathLike[str] | IO[bytes] | IO[str]


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


def _name(src: Source, name: str | None) -> str:
    if name:
        return name
    if isinstance(src, str | os.PathLike):
        return Path(src).name
    return str(getattr(src, "name", "") or "upload.csv")


def _read(src: Source, name: str, max_bytes: int) -> pd.DataFrame:
    """Read a CSV as strings (nothing converted yet), refusing anything over max_bytes."""
    try:
        if isinstance(src, str | os.PathLike):
            size = os.path.getsize(src)
            if size > max_bytes:
                raise ImportErrors(
                    [
                        RowError(
                            name,
                            0,
                            "file",
                            f"{size} bytes",
                            f"larger than the limit of {max_bytes} bytes",
                        )
                    ]
                )
            data: bytes | str = Path(src).read_bytes()
        else:
            data = src.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise ImportErrors(
                    [
                        RowError(
                            name,
                            0,
                            "file",
                            f">{max_bytes} bytes",
                            f"larger than the limit of {max_bytes} bytes",
                        )
                    ]
                )
        if isinstance(data, bytes):
            data = data.decode("utf-8-sig")
        return pd.read_csv(
            io.StringIO(data), dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except ImportErrors:
        raise
    except UnicodeDecodeError as exc:
        raise ImportErrors([RowError(name, 0, "file", "", "is not UTF-8 text")]) from exc
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise ImportErrors(
            [RowError(name, 0, "file", "", f"cannot be read as CSV: {msg}")]
        ) from exc


def _columns(
    df: pd.DataFrame,
    name: str,
    required: Sequence[str],
    optional: Sequence[str],
    errors: list[RowError],
) -> None:
    df.columns = pd.Index([str(c).strip() for c in df.columns])
    for col in required:
        if col not in df.columns:
            errors.append(RowError(name, 1, col, "", "required column is missing"))
    for col in df.columns:
        if col not in required and col not in optional:
            errors.append(
                RowError(
                    name,
                    1,
                    col,
                    "",
                    f"unknown column (expected {', '.join([*required, *optional])})",
                )
            )


class _Checker:
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
        if lo is not None and hi is not None:
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


def _functions(df: pd.DataFrame, name: str, errors: list[RowError]) -> pd.DataFrame:
    c = _Checker(df, name, errors)
    out = pd.DataFrame(index=df.index)
    out["name"] = c.text("function", required=True)
    out["region"] = c.text("region", required=True)
    out["account_id"] = c.text("account_id")
    out["account_name"] = c.text("account_name")
    out["environment"] = c.text("environment")
    out["runtime"] = c.text("runtime")
    out["memory_mb"] = c.number(
        "memory_mb",
        required=True,
        lo=MEMORY_MIN_MB,
        hi=MEMORY_MAX_MB,
        integer=True,
        default=MEMORY_MIN_MB,
    )
    out["arch"] = c.choice("arch", ARCHES)
    out["ephemeral_storage_mb"] = c.number(
        "ephemeral_storage_mb",
        required=False,
        lo=EPHEMERAL_MIN_MB,
        hi=EPHEMERAL_MAX_MB,
        integer=True,
        default=512,
    )
    out["timeout_s"] = c.number("timeout_s", required=False, lo=1, hi=TIMEOUT_MAX_S, default=3.0)
    out["front_door"] = c.choice("front_door", FRONT_DOORS, default="none")
    pc = c.number("provisioned_concurrency", required=False, lo=0, integer=True, default=0)
    out["pc_allocated"] = pc.astype(int)
    out["pc_hours_per_month"] = np.where(pc > 0, 730.0, 0.0)
    out["pc_share_of_invocations"] = np.nan
    out["duration_is_billed"] = False
    out["package_type"] = "Zip"
    if "function" in df.columns and "region" in df.columns:
        ids = [
            function_id(a, r, n)
            for a, r, n in zip(out["account_id"], out["region"], out["name"], strict=True)
        ]
        out.insert(0, "function_id", ids)
        dup = out["function_id"].duplicated() & (out["name"] != "")
        c.flag(dup, "function", "appears twice (same account, region and name)")
    return out


def _resolve_functions(names: pd.Series, functions: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Map traffic `function` values to function_ids (by name, or by full function_id)."""
    functions = functions.drop_duplicates("function_id")
    by_id = pd.Series(functions["function_id"].to_numpy(), index=functions["function_id"])
    counts = functions["name"].value_counts()
    unique_names = functions[functions["name"].map(counts) == 1]
    by_name = pd.Series(unique_names["function_id"].to_numpy(), index=unique_names["name"])
    ambiguous = names.isin(counts[counts > 1].index) & ~names.isin(by_id.index)
    via_id = names.map(by_id).astype(object)
    resolved = via_id.where(via_id.notna(), names.map(by_name).astype(object))
    return resolved, ambiguous


def _traffic(
    df: pd.DataFrame, name: str, functions: pd.DataFrame, errors: list[RowError]
) -> pd.DataFrame:
    c = _Checker(df, name, errors)
    out = pd.DataFrame(index=df.index)
    fn = c.text("function", required=True)
    ids, ambiguous = _resolve_functions(fn, functions)
    c.flag(ambiguous, "function", "is in several accounts/regions: use account_id:region:name")
    c.flag(
        (fn != "") & ids.isna() & ~ambiguous,
        "function",
        "traffic for a function that is not in the functions CSV",
    )
    out["function_id"] = ids.fillna("")
    raw_ts = c.text("timestamp", required=True)
    ts = pd.to_datetime(raw_ts.where(raw_ts != ""), errors="coerce", utc=True, format="ISO8601")
    c.flag((raw_ts != "") & ts.isna(), "timestamp", "is not an ISO 8601 timestamp")
    out["timestamp"] = ts
    out["invocations"] = c.number("invocations", required=True, lo=0, default=0.0)
    out["duration_sum_ms"] = c.number("duration_sum_ms", required=True, lo=0, default=0.0)
    out["concurrent_executions_max"] = c.number("concurrent_executions_max", required=False, lo=0)
    out["errors"] = c.number("errors", required=False, lo=0, default=0.0)
    out["throttles"] = c.number("throttles", required=False, lo=0, default=0.0)
    return out


def _is_daily(traffic: pd.DataFrame) -> bool:
    """Daily rows: every timestamp at midnight and consecutive rows a whole number of days apart."""
    ts = traffic["timestamp"]
    if ts.empty or not (ts == ts.dt.floor("D")).all():
        return False
    gaps = (
        traffic.sort_values(["function_id", "timestamp"])
        .groupby("function_id")["timestamp"]
        .diff()
        .dropna()
    )
    seconds = gaps.dt.total_seconds()
    return not gaps.empty and bool(((seconds >= 86400) & (seconds % 86400 == 0)).all())


def _spread_daily(traffic: pd.DataFrame) -> pd.DataFrame:
    """Each daily row becomes 24 hourly rows carrying 1/24 of the sums (maxima kept)."""
    rep = traffic.loc[traffic.index.repeat(24)].reset_index(drop=True)
    rep["timestamp"] = rep["timestamp"] + pd.to_timedelta(
        np.tile(np.arange(24), len(traffic)), unit="h"
    )
    for col in ("invocations", "duration_sum_ms", "errors", "throttles"):
        rep[col] = rep[col] / 24.0
    return rep


def import_csv(
    functions: Source,
    traffic: Source,
    *,
    functions_name: str | None = None,
    traffic_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    granularity: str = "auto",
) -> FleetData:
    """Validate and import both files; raise ImportErrors listing every problem found."""
    if granularity not in ("auto", "hourly", "daily"):
        raise InputError("granularity", granularity, "must be auto, hourly or daily")
    fname, tname = _name(functions, functions_name), _name(traffic, traffic_name)
    errors: list[RowError] = []
    fdf = _read(functions, fname, max_bytes)
    tdf = _read(traffic, tname, max_bytes)
    _columns(fdf, fname, FUNCTIONS_REQUIRED, FUNCTIONS_OPTIONAL, errors)
    _columns(tdf, tname, TRAFFIC_REQUIRED, TRAFFIC_OPTIONAL, errors)
    if errors:
        raise ImportErrors(errors)
    if fdf.empty:
        raise ImportErrors([RowError(fname, 0, "file", "", "has no function rows")])
    funcs = _functions(fdf, fname, errors)
    tr = _traffic(tdf, tname, funcs, errors)
    if errors:
        raise ImportErrors(errors)
    notes: list[str] = []
    daily = granularity == "daily" or (granularity == "auto" and _is_daily(tr))
    if daily:
        tr = _spread_daily(tr)
        notes.append(
            f"{tname} has daily rows: each day's totals were spread evenly over its "
            "24 hours (hourly peaks are not known)"
        )
    meta: dict[str, Any] = {
        "source": "csv",
        "collected_at": pd.Timestamp.now(tz="UTC").isoformat(),
        "failures": [],
        "notes": notes,
        "regions": sorted(set(funcs["region"])),
        "accounts": sorted(set(funcs["account_id"])),
        "files": [fname, tname],
    }
    if not tr.empty:
        meta["start"] = tr["timestamp"].min().floor("h")
        meta["end"] = tr["timestamp"].max().floor("h") + pd.Timedelta(hours=1)
    return FleetData(funcs.reset_index(drop=True), tr.reset_index(drop=True), meta)
