"""CSV import (docs/interfaces.md): validation, one-line errors naming file/line/field, daily rows."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.adapters.csv_import import ImportErrors, import_csv
from analyzer.exceptions import InputError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "csv"
FUNCS = "function,memory_mb,arch,region\norders-api,1536,x86_64,us-east-1\n"
TRAFFIC = "function,timestamp,invocations,duration_sum_ms\norders-api,2026-11-01T00:00:00Z,10,50\n"


def _b(text: str, name: str) -> io.BytesIO:
    buf = io.BytesIO(text.encode())
    buf.name = name
    return buf


def test_import_reads_both_files_number_for_number() -> None:
    fleet = import_csv(FIX / "functions.csv", FIX / "traffic.csv")
    f = fleet.functions.set_index("name")
    assert f.loc["orders-api", "function_id"] == "111111111111:us-east-1:orders-api"
    assert f.loc["orders-api", "memory_mb"] == 1536
    assert f.loc["orders-api", "front_door"] == "apigw_http"
    assert f.loc["thumbnailer", "arch"] == "arm64"
    assert f.loc["thumbnailer", "pc_allocated"] == 5
    assert f.loc["thumbnailer", "pc_hours_per_month"] == 730.0
    assert f.loc["orders-api", "pc_hours_per_month"] == 0.0
    assert not f["duration_is_billed"].any()
    t = fleet.traffic
    assert t["invocations"].sum() == 3600 + 1800 + 100 + 50
    thumb = t[t["function_id"].str.endswith("thumbnailer")]
    # no zone = UTC; +01:00 converted to UTC
    assert list(thumb["timestamp"]) == [
        pd.Timestamp("2026-11-01T00:00Z"),
        pd.Timestamp("2026-11-01T01:00Z"),
    ]
    assert np.isnan(thumb["concurrent_executions_max"].iloc[1])
    assert fleet.meta["source"] == "csv"
    assert fleet.hours == 2


def test_every_bad_row_is_reported_on_one_line_and_nothing_is_imported() -> None:
    with pytest.raises(ImportErrors) as info:
        import_csv(FIX / "functions_bad.csv", FIX / "traffic.csv")
    err = info.value
    assert isinstance(err, InputError)
    lines = err.lines()
    assert lines == [
        "functions_bad.csv, line 2: memory_mb='99999': must be between 128 and 10240",
        "functions_bad.csv, line 3: arch='sparc': must be one of x86_64, arm64",
        "functions_bad.csv, line 4: front_door='cdn': must be one of none, function_url, "
        "apigw_rest, apigw_http, alb",
        "functions_bad.csv, line 4: function='thumbnailer': appears twice (same account, "
        "region and name)",
    ]
    assert "\n" not in str(err)
    assert str(err) == (
        "functions_bad.csv, line 2: memory_mb='99999': must be between 128 and "
        "10240 (and 3 more errors)"
    )


@pytest.mark.parametrize(
    ("functions", "traffic", "expected"),
    [
        (
            "function,memory_mb,arch\nf,128,arm64\n",
            TRAFFIC,
            "functions.csv, line 1: region='': required column is missing",
        ),
        (
            "function,memory_mb,arch,region,colour\nf,128,arm64,us-east-1,red\n",
            TRAFFIC,
            "functions.csv, line 1: colour='': unknown column",
        ),
        (
            FUNCS,
            "function,timestamp,invocations,duration_sum_ms\nghost,2026-11-01,1,1\n",
            "traffic.csv, line 2: function='ghost': traffic for a function that is not in the "
            "functions CSV",
        ),
        (
            FUNCS,
            "function,timestamp,invocations,duration_sum_ms\norders-api,yesterday,1,1\n",
            "traffic.csv, line 2: timestamp='yesterday': is not an ISO 8601 timestamp",
        ),
        (
            FUNCS,
            "function,timestamp,invocations,duration_sum_ms\norders-api,2026-11-01,-1,1\n",
            "traffic.csv, line 2: invocations='-1': must not be negative",
        ),
        (
            FUNCS,
            "function,timestamp,invocations,duration_sum_ms,errors\norders-api,2026-11-01,1,1,x\n",
            "traffic.csv, line 2: errors='x': is not a number",
        ),
        (
            FUNCS,
            "function,timestamp,invocations,duration_sum_ms\norders-api,2026-11-01,1,\n",
            "traffic.csv, line 2: duration_sum_ms='': is required",
        ),
        (
            "function,memory_mb,arch,region\nf,256.5,arm64,us-east-1\n",
            TRAFFIC,
            "functions.csv, line 2: memory_mb='256.5': must be a whole number",
        ),
    ],
)
def test_each_kind_of_error_names_file_line_field_value_reason(
    functions: str, traffic: str, expected: str
) -> None:
    with pytest.raises(ImportErrors) as info:
        import_csv(_b(functions, "functions.csv"), _b(traffic, "traffic.csv"))
    assert str(info.value).startswith(expected)


def test_daily_rows_are_spread_over_24_hours_and_noted() -> None:
    fleet = import_csv(FIX / "functions.csv", FIX / "traffic_daily.csv")
    t = fleet.traffic
    orders = t[t["function_id"].str.endswith("orders-api")]
    assert len(orders) == 48
    assert orders["invocations"].iloc[:24].tolist() == [100.0] * 24
    assert orders["invocations"].iloc[24:].tolist() == [200.0] * 24
    assert orders["invocations"].sum() == 7200
    assert orders["timestamp"].iloc[23] == pd.Timestamp("2026-11-01T23:00Z")
    assert any("daily rows" in n for n in fleet.meta["notes"])
    assert fleet.hours == 48


def test_hourly_rows_at_midnight_only_are_not_mistaken_for_daily() -> None:
    traffic = (
        "function,timestamp,invocations,duration_sum_ms\n"
        "orders-api,2026-11-01T00:00Z,5,1\norders-api,2026-11-01T01:00Z,5,1\n"
    )
    fleet = import_csv(_b(FUNCS, "f.csv"), _b(traffic, "t.csv"))
    assert len(fleet.traffic) == 2
    assert fleet.meta["notes"] == []


def test_file_like_uploads_and_size_limit() -> None:
    fleet = import_csv(_b(FUNCS, "up-f.csv"), _b(TRAFFIC, "up-t.csv"))
    assert fleet.functions["name"].tolist() == ["orders-api"]
    assert fleet.traffic["invocations"].tolist() == [10.0]
    with pytest.raises(ImportErrors, match=r"up-t\.csv: file=.*larger than the limit of 80"):
        import_csv(_b(FUNCS, "up-f.csv"), _b(TRAFFIC, "up-t.csv"), max_bytes=80)


def test_same_name_in_two_regions_needs_the_full_id_in_traffic() -> None:
    funcs = "function,memory_mb,arch,region\napi,128,x86_64,us-east-1\napi,256,x86_64,eu-west-1\n"
    traffic = (
        "function,timestamp,invocations,duration_sum_ms\n"
        ":eu-west-1:api,2026-11-01T00:00Z,7,1\napi,2026-11-01T00:00Z,1,1\n"
    )
    with pytest.raises(ImportErrors) as info:
        import_csv(_b(funcs, "f.csv"), _b(traffic, "t.csv"))
    assert info.value.lines() == [
        "t.csv, line 3: function='api': is in several accounts/regions: use account_id:region:name"
    ]
