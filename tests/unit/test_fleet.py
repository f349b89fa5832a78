"""FleetData normalisation: defaults, ids, column order, sorting, summing, duplicates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.core.fleet import FUNCTION_COLUMNS, TRAFFIC_COLUMNS, FleetData
from analyzer.exceptions import InputError

T0 = pd.Timestamp("2026-03-02T00:00Z")


def functions(*names: str, **extra: object) -> pd.DataFrame:
    return pd.DataFrame(
        [{"account_id": "1", "region": "us-east-1", "name": n, **extra} for n in names]
    )


def test_functions_get_ids_defaults_and_column_order() -> None:
    fleet = FleetData(functions("b", "a", team="pay"), pd.DataFrame(columns=["function_id"]))
    f = fleet.functions
    assert list(f["function_id"]) == ["1:us-east-1:b", "1:us-east-1:a"]  # input order kept
    assert list(f.columns) == [*FUNCTION_COLUMNS, "team"]  # extra columns kept, at the end
    assert list(f["memory_mb"]) == [128, 128]
    assert list(f["front_door"]) == ["none", "none"]
    assert f["pc_share_of_invocations"].isna().all()
    assert f["duration_is_billed"].dtype == bool


def test_the_same_function_twice_is_refused() -> None:
    with pytest.raises(InputError, match="appears twice"):
        FleetData(functions("a", "a"), pd.DataFrame(columns=["function_id"]))


def test_traffic_is_sorted_by_function_order_then_hour_and_hours_add_up() -> None:
    fleet_functions = functions("b", "a")
    traffic = pd.DataFrame(
        {
            "function_id": ["1:us-east-1:a", "1:us-east-1:b", "1:us-east-1:a", "1:us-east-1:a"],
            "timestamp": [
                T0 + pd.Timedelta(hours=1, minutes=10),
                T0,
                T0 + pd.Timedelta(minutes=5),
                T0 + pd.Timedelta(minutes=50),  # same hour as the row above: adds up
            ],
            "invocations": [5.0, 1.0, 2.0, 3.0],
            "concurrent_executions_max": [np.nan, 4.0, 1.0, 7.0],
        }
    )
    before = traffic.copy()
    fleet = FleetData(fleet_functions, traffic)
    t = fleet.traffic
    assert list(t.columns) == list(TRAFFIC_COLUMNS)
    assert list(t["function_id"]) == ["1:us-east-1:b", "1:us-east-1:a", "1:us-east-1:a"]
    assert list(t["timestamp"]) == [T0, T0, T0 + pd.Timedelta(hours=1)]
    assert list(t["invocations"]) == [1.0, 5.0, 5.0]
    assert list(t["concurrent_executions_max"][:2]) == [4.0, 7.0]  # the max, not the sum
    assert list(t["errors"]) == [0.0, 0.0, 0.0]  # missing metric columns default
    assert list(fleet.traffic_codes()) == [0, 1, 1]
    assert (fleet.start, fleet.end, fleet.hours) == (T0, T0 + pd.Timedelta(hours=2), 2)
    pd.testing.assert_frame_equal(traffic, before)  # the caller's frame is not modified


@pytest.mark.parametrize("hours_in_order", [True, False])
def test_traffic_of_one_row_per_hour_out_of_function_order_is_sorted_as_any_other(
    hours_in_order: bool,
) -> None:
    """A store lists its functions in another order than its files (one row per function and
    hour, no hour to add up): sorted by the inventory's order, then hour, exactly as rows
    that need adding up are, a ghost's rows dropped; with a function's hours out of order too."""
    a, b, ghost = "1:us-east-1:a", "1:us-east-1:b", "1:us-east-1:ghost"
    hours = [T0 + pd.Timedelta(hours=h) for h in range(3)]
    a_hours = hours if hours_in_order else hours[::-1]
    traffic = pd.DataFrame(
        {
            "function_id": [a, a, a, ghost, b, b, b],
            "timestamp": [*a_hours, T0, *hours],
            "invocations": [1.0, 2.0, 3.0, 99.0, 10.0, 20.0, 30.0],
        }
    )
    fleet = FleetData(functions("b", "a"), traffic)
    t = fleet.traffic
    assert list(t.columns) == list(TRAFFIC_COLUMNS)
    assert list(t["function_id"].astype(str)) == [b, b, b, a, a, a]
    assert list(t["timestamp"]) == hours + hours
    a_sums = [1.0, 2.0, 3.0] if hours_in_order else [3.0, 2.0, 1.0]
    assert list(t["invocations"]) == [10.0, 20.0, 30.0, *a_sums]
    assert list(fleet.traffic_codes()) == [0, 0, 0, 1, 1, 1]
    assert fleet.traffic["function_id"].isin([a]).sum() == 3  # matched by id, as strings are


def test_traffic_of_unknown_functions_is_dropped() -> None:
    traffic = pd.DataFrame(
        {"function_id": ["1:us-east-1:ghost", "1:us-east-1:a"], "timestamp": [T0, T0]}
    )
    fleet = FleetData(functions("a"), traffic)
    assert list(fleet.traffic["function_id"]) == ["1:us-east-1:a"]


def test_subset_keeps_the_window_and_the_overrides_of_its_functions() -> None:
    traffic = pd.DataFrame(
        {
            "function_id": ["1:us-east-1:a", "1:us-east-1:b"],
            "timestamp": [T0, T0 + pd.Timedelta(hours=5)],
        }
    )
    fleet = FleetData(
        functions("a", "b"), traffic, overrides={"1:us-east-1:b": {"min_instances": 3}}
    )
    sub = fleet.subset(["1:us-east-1:a"])
    assert list(sub.functions["name"]) == ["a"]
    assert (sub.start, sub.end) == (fleet.start, fleet.end)
    assert sub.overrides == {}
