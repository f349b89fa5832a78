"""FleetData: what every data source (demo, CSV import, AWS collection, scenario) produces.

Two columnar tables, never one object per hour:

functions  one row per function (FUNCTION_COLUMNS), keyed by function_id
           ("account_id:region:name").
traffic    one row per function and hour (TRAFFIC_COLUMNS), timestamps tz-aware UTC on the hour.

`meta` carries where the data came from (source, collected_at, failures per account/region, ...)
and `overrides` optional per-function assumption mappings (function_id -> {field: value}).

Analysis reads any `Fleet`: the functions, the window, and the traffic of a block of function
positions at a time (`traffic_block`). FleetData holds the traffic in memory; the store's
`StoredFleet` reads each block from Parquet, so memory follows the block, not the fleet.
Per-function sums over the window come from one pass over the blocks (`window.window_sums`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from analyzer.exceptions import InputError

FUNCTION_COLUMNS: dict[str, Any] = {
    "function_id": "",
    "account_id": "",
    "account_name": "",
    "environment": "",
    "region": "",
    "name": "",
    "memory_mb": 128,
    "arch": "x86_64",
    "ephemeral_storage_mb": 512,
    "runtime": "",
    "timeout_s": 3.0,
    "package_type": "Zip",
    "front_door": "none",
    "pc_allocated": 0,
    "pc_hours_per_month": 0.0,
    "pc_share_of_invocations": np.nan,  # NaN: estimate from allocation vs mean concurrency
    "duration_is_billed": False,  # True: durations are already billed (rounded) durations
}
TRAFFIC_COLUMNS: dict[str, Any] = {
    "function_id": "",
    "timestamp": None,
    "invocations": 0.0,
    "duration_sum_ms": 0.0,
    "duration_max_ms": np.nan,
    "concurrent_executions_max": np.nan,
    "errors": 0.0,
    "throttles": 0.0,
}
METRIC_COLUMNS = tuple(c for c in TRAFFIC_COLUMNS if c not in ("function_id", "timestamp"))
# How a metric's rows for one function add up (minutes into an hour, hours into a window).
METRIC_REDUCTION = {
    "invocations": "sum",
    "duration_sum_ms": "sum",
    "duration_max_ms": "max",
    "concurrent_executions_max": "max",
    "errors": "sum",
    "throttles": "sum",
}
FRONT_DOORS = ("none", "function_url", "apigw_rest", "apigw_http", "alb")
HTTP_FRONT_DOORS = ("function_url", "apigw_rest", "apigw_http", "alb")
ARCHES = ("x86_64", "arm64")
HOUR = pd.Timedelta(hours=1)


def function_id(account_id: str, region: str, name: str) -> str:
    return f"{account_id}:{region}:{name}"


@dataclass(frozen=True)
class TrafficBlock:
    """The traffic of functions[lo:hi]: `frame` (TRAFFIC_COLUMNS, or from a store at least the
    metrics asked for; sorted by function position, then hour) and `codes`, each row's position
    in functions minus lo (non-decreasing)."""

    frame: pd.DataFrame
    codes: np.ndarray


class Fleet(Protocol):
    """What analysis reads from a fleet: its functions, window and traffic block by block."""

    functions: pd.DataFrame
    meta: dict[str, Any]
    overrides: dict[str, Mapping[str, Any]]

    @property
    def start(self) -> pd.Timestamp: ...

    @property
    def end(self) -> pd.Timestamp: ...

    @property
    def hours(self) -> int: ...

    @property
    def source(self) -> str: ...

    def __len__(self) -> int: ...

    def traffic_block(
        self, lo: int, hi: int, metrics: tuple[str, ...] = METRIC_COLUMNS
    ) -> TrafficBlock:
        """The traffic of functions[lo:hi] over the window: at least `metrics` (a fleet read
        from files reads only those; the others may hold their defaults)."""
        ...

    def subset(self, function_ids: list[str] | pd.Index) -> FleetData:
        """Some functions with their traffic, in memory."""
        ...


@dataclass
class FleetData:
    functions: pd.DataFrame
    traffic: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    _codes: tuple[pd.DataFrame, pd.DataFrame, np.ndarray] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.functions = normalise_functions(self.functions)
        self.traffic, codes = _normalise_traffic(self.traffic, self.functions)
        self._codes = (self.traffic, self.functions, codes)

    def traffic_codes(self) -> np.ndarray:
        """Each traffic row's position in `functions` (non-decreasing: traffic is sorted so).

        Computed once (matching strings is the costly part of every per-function reduction);
        recomputed if `traffic` or `functions` is replaced."""
        c = self._codes
        if c is None or c[0] is not self.traffic or c[1] is not self.functions:
            codes = positions(self.traffic["function_id"], self.functions["function_id"])
            self._codes = c = (self.traffic, self.functions, codes)
        return c[2]

    # -- window ----------------------------------------------------------------------------
    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.meta.get("start") or self.traffic["timestamp"].min())

    @property
    def end(self) -> pd.Timestamp:
        """Exclusive end of the window (last hour + 1 h)."""
        if self.meta.get("end"):
            return pd.Timestamp(self.meta["end"])
        return pd.Timestamp(self.traffic["timestamp"].max()) + HOUR

    @property
    def hours(self) -> int:
        if self.traffic.empty:
            return 0
        return int((self.end - self.start) / HOUR)

    @property
    def source(self) -> str:
        return str(self.meta.get("source", "unknown"))

    def __len__(self) -> int:
        return len(self.functions)

    def traffic_block(
        self, lo: int, hi: int, metrics: tuple[str, ...] = METRIC_COLUMNS
    ) -> TrafficBlock:
        del metrics  # in memory already: every column, at no cost
        codes = self.traffic_codes()
        # traffic is sorted by function order: slice the rows of this block.
        a, b = np.searchsorted(codes, [lo, hi])
        return TrafficBlock(self.traffic.iloc[a:b], codes[a:b] - lo)

    def subset(self, function_ids: list[str] | pd.Index) -> FleetData:
        ids = pd.Index(function_ids)
        f = self.functions[self.functions["function_id"].isin(ids)]
        t = self.traffic[self.traffic["function_id"].isin(ids)]
        meta = {**self.meta, "start": self.start, "end": self.end}
        return FleetData(f, t, meta, {k: v for k, v in self.overrides.items() if k in set(ids)})


def positions(ids: pd.Series, function_ids: pd.Series) -> np.ndarray:
    """Each of `ids`' position in `function_ids` (unique), -1 where it is not there.
    Categorical ids (compact, as the store reads them) match each category once."""
    index = pd.Index(function_ids)
    if isinstance(ids.dtype, pd.CategoricalDtype):
        cats = np.append(index.get_indexer(ids.cat.categories.astype(str)), -1)
        return cats[ids.cat.codes.to_numpy()].astype(np.int64)  # code -1 (missing) -> -1
    # Hourly rows name each function many times: each distinct id is matched once (7 M ids:
    # 0.8 s matched one by one, 0.12 s factorized first).
    codes, distinct = pd.factorize(ids)
    return np.append(index.get_indexer(distinct), -1)[codes].astype(np.int64)


def normalise_functions(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col, default in FUNCTION_COLUMNS.items():
        if col not in out.columns:
            if col == "function_id":
                continue
            out[col] = default
    if "function_id" not in out.columns or out["function_id"].isna().any():
        out["function_id"] = [
            function_id(a, r, n)
            for a, r, n in zip(out["account_id"], out["region"], out["name"], strict=True)
        ]
    for col in (
        "function_id",
        "account_id",
        "account_name",
        "environment",
        "region",
        "name",
        "arch",
        "runtime",
        "package_type",
        "front_door",
    ):
        out[col] = out[col].fillna("").astype(str)
    out["memory_mb"] = out["memory_mb"].astype(int)
    out["ephemeral_storage_mb"] = out["ephemeral_storage_mb"].fillna(512).astype(int)
    out["timeout_s"] = out["timeout_s"].astype(float)
    out["pc_allocated"] = out["pc_allocated"].fillna(0).astype(int)
    out["pc_hours_per_month"] = out["pc_hours_per_month"].fillna(0.0).astype(float)
    out["pc_share_of_invocations"] = out["pc_share_of_invocations"].astype(float)
    out["duration_is_billed"] = out["duration_is_billed"].fillna(False).astype(bool)
    if out["function_id"].duplicated().any():
        dup = out.loc[out["function_id"].duplicated(), "function_id"].iloc[0]
        raise InputError("function", dup, "appears twice (same account, region and name)")
    cols = list(FUNCTION_COLUMNS) + [c for c in out.columns if c not in FUNCTION_COLUMNS]
    return out[cols].reset_index(drop=True)


def normalise_traffic(df: pd.DataFrame, functions: pd.DataFrame) -> pd.DataFrame:
    return _normalise_traffic(df, functions)[0]


def traffic_block(df: pd.DataFrame, functions: pd.DataFrame) -> TrafficBlock:
    """Raw traffic rows of some functions, normalised as FleetData does (rows of other
    functions dropped, sorted, hours added up), with each row's position in `functions`."""
    frame, codes = _normalise_traffic(df, functions)
    return TrafficBlock(frame, codes)


def _normalise_traffic(
    df: pd.DataFrame, functions: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """The normalised traffic frame and each row's position in `functions`."""
    out = df.copy(deep=False)  # copy-on-write (pandas 3): the caller's frame is never modified
    for col, default in TRAFFIC_COLUMNS.items():
        if col not in out.columns:
            out[col] = default
    ts = pd.to_datetime(out["timestamp"], utc=True)
    out["timestamp"] = ts if _on_the_hour(ts) else ts.dt.floor("h")
    if not isinstance(out["function_id"].dtype, pd.CategoricalDtype):
        out["function_id"] = out["function_id"].astype(str)
    for col in METRIC_COLUMNS:
        out[col] = out[col].astype(float)
    for col in ("invocations", "duration_sum_ms", "errors", "throttles"):
        out[col] = out[col].fillna(0.0)
    codes = positions(out["function_id"], functions["function_id"])
    if _in_order_without_duplicates(codes, out["timestamp"]):
        # The usual case (every data source writes function by function, hour by hour): the
        # sort below would be the identity and there is nothing to add up, so skip both and
        # spare a full copy of the frame.
        return out[list(TRAFFIC_COLUMNS)].reset_index(drop=True), codes
    order = _hour_order(codes, out["timestamp"])
    if order is not None:
        # Each (function, hour) once, only not in order (e.g. a store whose files list the
        # functions in another order than its inventory): sorted on the integer positions and
        # times, the ids made categories of the inventory's (6 M rows read from a 10,000-function
        # store: 4.2 s to 1.7 s, profiled; no string sorted or copied).
        sorted_codes = codes[order]
        frame = out[list(TRAFFIC_COLUMNS)[1:]].take(order).reset_index(drop=True)
        ids = pd.Categorical.from_codes(sorted_codes, categories=pd.Index(functions["function_id"]))
        frame.insert(0, "function_id", pd.Series(ids))  # compact, and no string copied
        return frame, sorted_codes
    # Several rows for one hour (e.g. imported at minute granularity) add up.
    out["function_id"] = out["function_id"].astype(str)
    if out.duplicated(["function_id", "timestamp"]).any():
        out = out.groupby(["function_id", "timestamp"], as_index=False).agg(
            **{col: (col, how) for col, how in METRIC_REDUCTION.items()}
        )
    out = out.assign(_code=positions(out["function_id"], functions["function_id"])).sort_values(
        ["_code", "timestamp"], kind="stable"
    )
    out = out[out["_code"] >= 0]
    codes = out["_code"].to_numpy().astype(np.int64)
    return out[list(TRAFFIC_COLUMNS)].reset_index(drop=True), codes


def _hour_order(codes: np.ndarray, timestamps: pd.Series) -> np.ndarray | None:
    """The rows of known functions (code >= 0) sorted by (function position, timestamp),
    stably, as the general path sorts them; None when a (function, hour) has two rows or a
    timestamp is missing (the general path adds them up, or drops them)."""
    if timestamps.isna().any():
        return None
    t = np.asarray(timestamps.array.asi8)
    known = np.flatnonzero(codes >= 0)
    # By function first (a stable sort that is quick on rows grouped by function); by hour
    # too only where a function's rows are not in hour order already.
    order = known[np.argsort(codes[known], kind="stable")]
    same_function = np.diff(codes[order]) == 0
    if (np.diff(t[order])[same_function] < 0).any():
        order = known[np.lexsort((t[known], codes[known]))]
        same_function = np.diff(codes[order]) == 0
    if (np.diff(t[order])[same_function] == 0).any():
        return None
    return order


def _on_the_hour(ts: pd.Series) -> bool:
    """True when every timestamp is on the hour (CloudWatch's, the store's): no flooring."""
    per_hour = pd.Timedelta(hours=1) // pd.Timedelta(1, unit=ts.dt.unit)
    return not ts.isna().any() and not (np.asarray(ts.array.asi8) % per_hour).any()


def _in_order_without_duplicates(codes: np.ndarray, timestamps: pd.Series) -> bool:
    """True when every row belongs to a known function and rows are sorted by (function
    position, timestamp) with no (function, hour) twice."""
    if len(codes) == 0:
        return True
    if codes[0] < 0 or timestamps.isna().any():
        return False
    t = np.asarray(timestamps.array.asi8)
    dc = np.diff(codes)
    dt = np.diff(t)
    return bool(np.all((dc > 0) | ((dc == 0) & (dt > 0))))


SIZING_METRICS = ("duration_sum_ms", "concurrent_executions_max")  # what `hourly_matrix` reads


@dataclass(frozen=True)
class HourlyMatrix:
    """Dense (functions x hours) arrays for a slice of the fleet, built once per chunk: what
    the options are sized on."""

    duration_s: np.ndarray  # sum of durations (s) in the hour
    concurrency_max: np.ndarray  # NaN where not measured


def hours_since(timestamps: pd.Series, start: pd.Timestamp) -> np.ndarray:
    """Whole hours from `start` (on the hour) to each timestamp, rounded down (-1 for a missing
    one: outside any window): from the raw integers of the column (in its unit; Timestamp.value
    is in ns), without a Timedelta per row."""
    tick = pd.Timedelta(1, unit=timestamps.dt.unit)
    raw = np.asarray(timestamps.array.asi8)
    hours = (raw - start.value // tick.value) // (HOUR // tick)
    missing = raw == np.iinfo(np.int64).min  # NaT
    return np.where(missing, -1, hours) if missing.any() else hours


def hourly_matrix(
    fleet: Fleet, lo: int = 0, hi: int | None = None, block: TrafficBlock | None = None
) -> HourlyMatrix:
    """Dense arrays for functions[lo:hi] over the fleet window (missing hours are zero);
    `block`: their traffic when already read."""
    hi = len(fleet.functions) if hi is None else hi
    n, h = hi - lo, fleet.hours
    block = block or fleet.traffic_block(lo, hi, SIZING_METRICS)
    part = block.frame
    cols = hours_since(part["timestamp"], fleet.start)
    flat = block.codes * h + cols  # one scatter index for both matrices
    ok = (cols >= 0) & (cols < h)
    duration = part["duration_sum_ms"].to_numpy(dtype=float) / 1000.0
    peak = part["concurrent_executions_max"].to_numpy(dtype=float)
    if not ok.all():
        flat, duration, peak = flat[ok], duration[ok], peak[ok]
    dur = np.zeros(n * h)
    conc = np.full(n * h, np.nan)
    dur[flat] = duration
    conc[flat] = peak
    return HourlyMatrix(dur.reshape(n, h), conc.reshape(n, h))


BLOCK_CELLS = 1_500_000  # function-hours of one block's dense matrices (chunk x hours)
MAX_BLOCK = 2000


def block_size(hours: int, chunk: int = MAX_BLOCK) -> int:
    """Functions per block: at most `chunk`, fewer for long windows (BLOCK_CELLS)."""
    return max(1, min(chunk, BLOCK_CELLS // max(hours, 1)))
