"""GetMetricData for Lambda functions: what to query, how to pack it, what it costs.

`fetch_metrics` packs the queries of many functions into the fewest calls AWS's limits allow
(500 queries and 100,800 datapoints per call) and follows every NextToken page;
`plan_collection` says beforehand how many calls and metrics, and what they cost.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analyzer.adapters.aws.guard import UnusableResponseError
from analyzer.core.fleet import HOUR
from analyzer.exceptions import CollectionError

PERIOD_S = 3600
MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
USD_PER_1000_METRICS = 0.01

#: (CloudWatch metric, statistic, traffic column) queried for every function.
METRICS: tuple[tuple[str, str, str], ...] = (
    ("Invocations", "Sum", "invocations"),
    ("Duration", "Sum", "duration_sum_ms"),
    ("Duration", "Maximum", "duration_max_ms"),
    ("ConcurrentExecutions", "Maximum", "concurrent_executions_max"),
    ("Errors", "Sum", "errors"),
    ("Throttles", "Sum", "throttles"),
)


# -- plan ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CollectionPlan:
    """What a collection will request from GetMetricData and what that costs."""

    functions: int = 0
    hours: int = 0
    metrics: int = 0
    calls: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: CollectionPlan) -> CollectionPlan:
        return CollectionPlan(
            self.functions + other.functions,
            max(self.hours, other.hours),
            self.metrics + other.metrics,
            self.calls + other.calls,
            self.cost_usd + other.cost_usd,
        )

    def describe(self) -> str:
        if self.calls == 0:
            return "nothing to fetch: the store already holds every hour asked for (no cost)"
        cost = f"{self.cost_usd:.2f}" if self.cost_usd >= 0.01 else f"{self.cost_usd:.4f}"
        return (
            f"{self.functions} functions x {len(METRICS)} metrics over {self.hours} h: "
            f"{self.metrics:,} metrics in {self.calls:,} GetMetricData calls, "
            f"about ${cost} (${USD_PER_1000_METRICS} per 1,000 metrics)"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "functions": self.functions,
            "hours": self.hours,
            "metrics": self.metrics,
            "calls": self.calls,
            "cost_usd": round(self.cost_usd, 6),
        }


def queries_per_call(hours: int) -> int:
    """Most queries one GetMetricData call may carry for a window of `hours` hourly points."""
    if hours <= 0:
        return MAX_QUERIES_PER_CALL
    return max(1, min(MAX_QUERIES_PER_CALL, MAX_DATAPOINTS_PER_CALL // hours))


def plan_collection(n_functions: int, hours: int) -> CollectionPlan:
    """Calls and cost of fetching `hours` hourly points of every metric for `n_functions`."""
    if n_functions <= 0 or hours <= 0:
        return CollectionPlan(max(n_functions, 0), max(hours, 0))
    metrics = n_functions * len(METRICS)
    calls = math.ceil(metrics / queries_per_call(hours))
    return CollectionPlan(
        n_functions, hours, metrics, calls, metrics * USD_PER_1000_METRICS / 1000.0
    )


def window_for(days: int, now: pd.Timestamp | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) of the last `days` complete UTC hours."""
    if days <= 0 or days > 455:
        raise CollectionError(f"days={days}: must be between 1 and 455 (hourly retention)")
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    end = now.floor("h")
    return end - pd.Timedelta(days=days), end


# -- metrics ------------------------------------------------------------------------------------
def _queries(names: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {
            "Id": f"q{i}_{j}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "FunctionName", "Value": name}],
                },
                "Period": PERIOD_S,
                "Stat": stat,
            },
            "ReturnData": True,
        }
        for i, name in enumerate(names)
        for j, (metric, stat, _col) in enumerate(METRICS)
    ]


def _batches(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for lo in range(0, len(items), size):
        yield items[lo : lo + size]


def fetch_metrics(
    cloudwatch: Any,
    names: Sequence[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    on_call: Callable[[], None] | None = None,
) -> pd.DataFrame:
    """Hourly metrics of `names` in [start, end): one row per (name, hour) with data.

    Queries are packed so each call carries at most 500 queries and 100,800 datapoints
    (AWS's limits, enforced here), and every NextToken page is followed.
    """
    cols = [c for _m, _s, c in METRICS]
    hours = int((end - start) / HOUR)
    if not names or hours <= 0:
        return pd.DataFrame(columns=["name", "timestamp", *cols])
    queries = _queries(names)
    size = queries_per_call(hours)
    fn_idx: list[np.ndarray] = []
    met_idx: list[np.ndarray] = []
    stamps: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for batch in _batches(queries, size):
        if len(batch) > MAX_QUERIES_PER_CALL or len(batch) * hours > MAX_DATAPOINTS_PER_CALL:
            raise CollectionError(f"internal: a batch of {len(batch)} queries breaks AWS limits")
        kwargs: dict[str, Any] = {
            "MetricDataQueries": batch,
            "StartTime": start.to_pydatetime(),
            "EndTime": end.to_pydatetime(),
            "ScanBy": "TimestampAscending",
        }
        while True:
            page = cloudwatch.get_metric_data(**kwargs)
            if "MetricDataResults" not in page:  # AWS always sends the list, even empty
                raise UnusableResponseError(
                    operation="GetMetricData", status=200, reason="the answer has no results"
                )
            if on_call:
                on_call()
            for res in page.get("MetricDataResults", []):
                ts = res.get("Timestamps") or []
                if not ts:
                    continue
                i, j = (int(x) for x in res["Id"][1:].split("_"))
                n = len(ts)
                fn_idx.append(np.full(n, i))
                met_idx.append(np.full(n, j))
                stamps.append(pd.to_datetime(pd.Series(ts), utc=True).to_numpy())
                values.append(np.asarray(res.get("Values") or [], dtype=float))
            token = page.get("NextToken")
            if not token:
                break
            kwargs["NextToken"] = token
    if not fn_idx:
        return pd.DataFrame(columns=["name", "timestamp", *cols])
    long = pd.DataFrame(
        {
            "i": np.concatenate(fn_idx),
            "j": np.concatenate(met_idx),
            "timestamp": pd.to_datetime(np.concatenate(stamps), utc=True).floor("h"),
            "value": np.concatenate(values),
        }
    )
    long = long[(long["timestamp"] >= start) & (long["timestamp"] < end)]
    # Max-type metrics combine with max, the rest with sum (duplicate points across pages).
    wide = long.pivot_table(index=["i", "timestamp"], columns="j", values="value", aggfunc="max")
    wide = wide.reindex(columns=range(len(METRICS)))
    wide.columns = pd.Index(cols)
    wide = wide.reset_index()
    wide.insert(0, "name", np.asarray(names, dtype=object)[wide["i"].to_numpy()])
    return wide.drop(columns="i")
