"""Import a fleet from two CSV files (docs/interfaces.md, "CSV import").

functions CSV  function,memory_mb,arch,region  + optional account_id,account_name,environment,
               ephemeral_storage_mb,runtime,timeout_s,front_door,provisioned_concurrency
traffic CSV    function,timestamp,invocations,duration_sum_ms  + optional
               concurrent_executions_max,errors,throttles

Timestamps are ISO 8601 (UTC when no zone), hourly or daily rows (daily rows are spread evenly
over 24 hours, and meta["notes"] says so). Every row is validated; all errors are collected and
raised together as `ImportErrors` (an InputError whose message is the first error, on one line,
naming file, line, field, value and reason). Nothing is half-imported.

Refused, besides malformed values: a second row for the same function and hour (also the same
instant written in two zones): rows are never summed; a date without an hour among hourly rows;
traffic spanning more than 455 days (CloudWatch's hourly retention); numbers that are not finite
or out of range: invocations, errors and throttles 0 to 1e12 per row, concurrent executions and
provisioned concurrency 0 to 1,000,000, duration_sum_ms 0 to invocations x 900,000 ms (so 0 with
0 invocations). A function with only midnight rows a day or more apart among hourly rows is read
as hourly, with a note. Accepts paths or
file-like objects (the Streamlit uploader gives BytesIO), with a size limit.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from analyzer.adapters.csv_checks import (
    MAX_CONCURRENCY,
    MAX_COUNT_PER_ROW,
    TIMEOUT_MAX_S,
    ImportErrors,
    RowChecker,
    RowError,
    check_duplicates,
    check_duration,
    check_mixed,
    check_window,
    midnight_only_notes,
)
from analyzer.core.fleet import ARCHES, FRONT_DOORS, FleetData, function_id
from analyzer.core.vocabulary import HOURS_PER_MONTH
from analyzer.exceptions import InputError

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
MEMORY_MIN_MB, MEMORY_MAX_MB = 128, 10240
EPHEMERAL_MIN_MB, EPHEMERAL_MAX_MB = 512, 10240
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


def _functions(df: pd.DataFrame, name: str, errors: list[RowError]) -> pd.DataFrame:
    c = RowChecker(df, name, errors)
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
    pc = c.number(
        "provisioned_concurrency", required=False, lo=0, hi=MAX_CONCURRENCY, integer=True, default=0
    )
    out["pc_allocated"] = pc.where(np.isfinite(pc) & (pc.abs() <= MAX_CONCURRENCY), 0).astype(int)
    out["pc_hours_per_month"] = np.where(pc > 0, HOURS_PER_MONTH, 0.0)
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
    c = RowChecker(df, name, errors)
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
    top = MAX_COUNT_PER_ROW
    out["invocations"] = c.number("invocations", required=True, lo=0, hi=top, default=0.0)
    out["duration_sum_ms"] = c.number("duration_sum_ms", required=True, lo=0, default=0.0)
    out["concurrent_executions_max"] = c.number(
        "concurrent_executions_max", required=False, lo=0, hi=MAX_CONCURRENCY
    )
    out["errors"] = c.number("errors", required=False, lo=0, hi=top, default=0.0)
    out["throttles"] = c.number("throttles", required=False, lo=0, hi=top, default=0.0)
    check_duration(c, out)
    check_duplicates(c, out, raw_ts)
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
    window_error = check_window(tr, tdf, tname)
    if window_error is not None:
        raise ImportErrors([window_error])
    notes: list[str] = []
    daily = granularity == "daily" or (granularity == "auto" and _is_daily(tr))
    if granularity == "auto" and not daily:
        mixed = check_mixed(tr, tdf, tname)
        if mixed:
            raise ImportErrors(mixed)
        notes.extend(midnight_only_notes(tr, tname))
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
