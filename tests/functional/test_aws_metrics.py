"""GetMetricData packing, pagination and retries, against a real botocore client + Stubber."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import boto3
import pandas as pd
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber

from analyzer.adapters.aws.metrics import (
    MAX_DATAPOINTS_PER_CALL,
    MAX_QUERIES_PER_CALL,
    METRICS,
    fetch_metrics,
    plan_collection,
    queries_per_call,
)

START = pd.Timestamp("2026-11-01T00:00Z")


def _client(max_attempts: int = 1) -> Any:
    return boto3.Session(aws_access_key_id="a", aws_secret_access_key="b").client(
        "cloudwatch",
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "max_attempts": max_attempts}),
    )


def _result(query_id: str, hours: list[int], value: float) -> dict[str, Any]:
    return {
        "Id": query_id,
        "Label": query_id,
        "StatusCode": "Complete",
        "Timestamps": [(START + pd.Timedelta(hours=h)).to_pydatetime() for h in hours],
        "Values": [value] * len(hours),
    }


@pytest.mark.parametrize(("n_functions", "hours"), [(1, 24), (83, 720), (200, 24), (17, 2160)])
def test_calls_are_the_minimum_the_limits_allow(n_functions: int, hours: int) -> None:
    cw = _client()
    seen: list[list[dict[str, Any]]] = []
    with Stubber(cw) as stub:
        per_call = queries_per_call(hours)
        n_queries = n_functions * len(METRICS)
        expected_calls = math.ceil(n_queries / min(500, MAX_DATAPOINTS_PER_CALL // hours))
        for _ in range(expected_calls):
            stub.add_response("get_metric_data", {"MetricDataResults": []}, None)
        orig = cw.get_metric_data

        def spy(**kwargs: Any) -> Any:
            seen.append(kwargs["MetricDataQueries"])
            return orig(**kwargs)

        cw.get_metric_data = spy
        names = [f"fn-{i}" for i in range(n_functions)]
        fetch_metrics(cw, names, START, START + pd.Timedelta(hours=hours))
        stub.assert_no_pending_responses()
    assert len(seen) == expected_calls == plan_collection(n_functions, hours).calls
    assert sum(len(q) for q in seen) == n_queries
    assert all(len(q) <= MAX_QUERIES_PER_CALL for q in seen)
    assert all(len(q) * hours <= MAX_DATAPOINTS_PER_CALL for q in seen)
    assert max(len(q) for q in seen) == per_call or len(seen) == 1


def test_next_token_pages_are_followed_and_combined() -> None:
    cw = _client()
    with Stubber(cw) as stub:
        # page 1: Invocations of fn-a for hours 0-1; page 2: the rest
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [_result("q0_0", [0, 1], 10.0)], "NextToken": "page-2"},
            {
                "MetricDataQueries": ANY,
                "StartTime": ANY,
                "EndTime": ANY,
                "ScanBy": "TimestampAscending",
            },
        )
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    _result("q0_0", [2], 10.0),
                    _result("q0_1", [0, 1, 2], 250.0),
                    _result("q0_2", [0], 99.0),
                ]
            },
            {
                "MetricDataQueries": ANY,
                "StartTime": ANY,
                "EndTime": ANY,
                "ScanBy": "TimestampAscending",
                "NextToken": "page-2",
            },
        )
        df = fetch_metrics(cw, ["fn-a"], START, START + pd.Timedelta(hours=3))
        stub.assert_no_pending_responses()
    assert df["invocations"].tolist() == [10.0, 10.0, 10.0]
    assert df["duration_sum_ms"].tolist() == [250.0, 250.0, 250.0]
    assert df["duration_max_ms"].iloc[0] == 99.0
    assert df["timestamp"].tolist() == [START + pd.Timedelta(hours=h) for h in range(3)]
    assert set(df["name"]) == {"fn-a"}


def test_plan_reports_metrics_calls_and_cost() -> None:
    plan = plan_collection(1000, 720)
    assert plan.metrics == 6000
    assert plan.calls == math.ceil(6000 / 140)  # 100,800 / 720 h = 140 queries per call
    assert plan.cost_usd == pytest.approx(0.06)
    assert "6,000 metrics in 43 GetMetricData calls, about $0.06" in plan.describe()
    assert plan_collection(0, 720).calls == 0


def test_window_is_the_last_complete_hours() -> None:
    from analyzer.adapters.aws.metrics import window_for

    start, end = window_for(2, pd.Timestamp(dt.datetime(2026, 11, 3, 10, 42, tzinfo=dt.UTC)))
    assert end == pd.Timestamp("2026-11-03T10:00Z")
    assert start == pd.Timestamp("2026-11-01T10:00Z")
