"""Bad traffic and functions CSVs: duplicates, mixed granularity, huge windows, absurd numbers.

One row per case: the import is refused with one line naming the file, the line, the field,
the value and the reason (an InputError), and nothing is imported.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.adapters.csv_import import ImportErrors, import_csv
from analyzer.cli import cli
from analyzer.core.fleet import FleetData
from analyzer.exceptions import InputError

FUNCS = "function,memory_mb,arch,region\norders-api,1536,x86_64,us-east-1\n"
HEADER = "function,timestamp,invocations,duration_sum_ms\n"


def _b(text: str, name: str) -> io.BytesIO:
    buf = io.BytesIO(text.encode())
    buf.name = name
    return buf


def _import(traffic: str, functions: str = FUNCS) -> FleetData:
    return import_csv(_b(functions, "f.csv"), _b(traffic, "t.csv"))


def _refused(traffic: str, functions: str = FUNCS) -> ImportErrors:
    with pytest.raises(ImportErrors) as info:
        _import(traffic, functions)
    assert isinstance(info.value, InputError)
    assert "\n" not in str(info.value)
    return info.value


TRAFFIC_CASES = [
    (
        "same-hour-twice",
        "orders-api,2026-11-01T00:00Z,150,10\norders-api,2026-11-01T00:00Z,150,10\n",
        "t.csv, line 3: timestamp='2026-11-01T00:00Z': same function and hour as line 2 "
        "(duplicate rows are refused, not summed)",
    ),
    (
        "one-instant-two-zones",
        "orders-api,2026-11-01T00:00Z,150,10\norders-api,2026-11-01T02:00+02:00,150,10\n",
        "t.csv, line 3: timestamp='2026-11-01T02:00+02:00': same function and hour as line 2",
    ),
    (
        "same-hour-later-in-file",
        "orders-api,2026-11-01T00:00Z,1,1\norders-api,2026-11-01T01:00Z,1,1\n"
        "orders-api,2026-11-01T00:30Z,1,1\n",
        "t.csv, line 4: timestamp='2026-11-01T00:30Z': same function and hour as line 2",
    ),
    (
        "same-day-twice",
        "orders-api,2026-11-01,2400,10\norders-api,2026-11-02,2400,10\n"
        "orders-api,2026-11-01,2400,10\n",
        "t.csv, line 4: timestamp='2026-11-01': same function and hour as line 2",
    ),
    (
        "daily-among-hourly",
        "orders-api,2026-11-01T00:00Z,10,10\norders-api,2026-11-01T01:00Z,10,10\n"
        "orders-api,2026-11-02,2400,10\n",
        "t.csv, line 4: timestamp='2026-11-02': a date without an hour among hourly rows",
    ),
    (
        "years-0001-to-9999",
        "orders-api,0001-01-01T00:00Z,1,1\norders-api,9999-12-31T00:00Z,1,1\n",
        "t.csv, line 3: timestamp='9999-12-31T00:00Z': the traffic spans 3,652,058 days from "
        "line 2 (0001-01-01T00:00Z): at most 455 days (CloudWatch's hourly retention)",
    ),
    (
        "years-1700-to-2200",
        "orders-api,2200-01-01T00:00Z,1,1\norders-api,1700-01-01T00:00Z,1,1\n",
        "t.csv, line 2: timestamp='2200-01-01T00:00Z': the traffic spans 182,621 days from "
        "line 3 (1700-01-01T00:00Z)",
    ),
    (
        "456-days",
        "orders-api,2025-01-01T00:00Z,1,1\norders-api,2026-04-02T00:00Z,1,1\n",
        "t.csv, line 3: timestamp='2026-04-02T00:00Z': the traffic spans 456 days",
    ),
    (
        "infinity",
        "orders-api,2026-11-01T00:00Z,Infinity,1\n",
        "t.csv, line 2: invocations='Infinity': must be a finite number",
    ),
    (
        "1e999",
        "orders-api,2026-11-01T00:00Z,1e999,1\n",
        "t.csv, line 2: invocations='1e999': must be a finite number",
    ),
    (
        "1e308",
        "orders-api,2026-11-01T00:00Z,1e308,1\n",
        "t.csv, line 2: invocations='1e308': must be between 0 and 1e+12",
    ),
    ("nan", "orders-api,2026-11-01T00:00Z,NaN,1\n", "t.csv, line 2: invocations='NaN': is not"),
    (
        "negative-count",
        "orders-api,2026-11-01T00:00Z,-5,1\n",
        "t.csv, line 2: invocations='-5': must not be negative",
    ),
    (
        "negative-errors",
        "function,timestamp,invocations,duration_sum_ms,errors\n"
        "orders-api,2026-11-01T00:00Z,5,1,-1\n",
        "t.csv, line 2: errors='-1': must not be negative",
    ),
    (
        "absurd-throttles",
        "function,timestamp,invocations,duration_sum_ms,throttles\n"
        "orders-api,2026-11-01T00:00Z,5,1,1e20\n",
        "t.csv, line 2: throttles='1e20': must be between 0 and 1e+12",
    ),
    (
        "absurd-concurrency",
        "function,timestamp,invocations,duration_sum_ms,concurrent_executions_max\n"
        "orders-api,2026-11-01T00:00Z,5,1,1e9\n",
        "t.csv, line 2: concurrent_executions_max='1e9': must be between 0 and 1e+06",
    ),
    (
        "duration-without-invocations",
        "orders-api,2026-11-01T00:00Z,0,100000000\n",
        "t.csv, line 2: duration_sum_ms='100000000': must be between 0 and invocations x "
        "900,000 ms (Lambda's 15-minute maximum); with 0 invocations it must be 0",
    ),
    (
        "duration-over-15-min-each",
        "orders-api,2026-11-01T00:00Z,2,1800001\n",
        "t.csv, line 2: duration_sum_ms='1800001': must be between 0 and invocations x",
    ),
    (
        "duration-1e308",
        "orders-api,2026-11-01T00:00Z,2,1e308\n",
        "t.csv, line 2: duration_sum_ms='1e308': must be between 0 and invocations x",
    ),
]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [(rows, expected) for _id, rows, expected in TRAFFIC_CASES],
    ids=[case[0] for case in TRAFFIC_CASES],
)
def test_bad_traffic_is_refused_with_one_line(rows: str, expected: str) -> None:
    traffic = rows if rows.startswith("function,") else HEADER + rows
    began = time.monotonic()
    error = _refused(traffic)
    assert time.monotonic() - began < 5  # no hourly table was built for a huge window
    assert str(error).startswith(expected), str(error)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("provisioned_concurrency", "1e30", "must be between 0 and 1e+06"),
        ("provisioned_concurrency", "Infinity", "must be a finite number"),
        ("provisioned_concurrency", "-1", "must not be negative"),
        ("timeout_s", "-5", "must be between 1 and 900"),
        ("memory_mb", "NaN", "is not a number"),
    ],
)
def test_bad_function_numbers_are_refused(column: str, value: str, expected: str) -> None:
    functions = f"function,memory_mb,arch,region,{column}\norders-api,1536,x86_64,us-east-1,1\n"
    if column == "memory_mb":
        functions = f"function,memory_mb,arch,region\norders-api,{value},x86_64,us-east-1\n"
    else:
        functions = functions.replace("us-east-1,1\n", f"us-east-1,{value}\n")
    error = _refused(HEADER + "orders-api,2026-11-01T00:00Z,1,1\n", functions)
    assert str(error) == f"f.csv, line 2: {column}={value!r}: {expected}"


def test_largest_valid_values_and_a_455_day_window_are_accepted() -> None:
    traffic = (
        "function,timestamp,invocations,duration_sum_ms,concurrent_executions_max\n"
        "orders-api,2025-01-01T05:00Z,1e12,9e17,1000000\n"
        "orders-api,2026-04-01T05:00Z,0,0,0\n"
    )
    fleet = _import(traffic)
    assert len(fleet.traffic) == 2
    assert fleet.meta["notes"] == []


def test_midnight_only_function_among_hourly_rows_is_noted() -> None:
    functions = FUNCS + "nightly,128,x86_64,us-east-1\n"
    traffic = HEADER + (
        "orders-api,2026-11-01T00:00Z,1,1\norders-api,2026-11-01T01:00Z,1,1\n"
        "nightly,2026-11-01T00:00Z,10,10\nnightly,2026-11-02T00:00Z,10,10\n"
    )
    fleet = _import(traffic, functions)
    assert len(fleet.traffic) == 4  # read as hourly, as written
    assert fleet.meta["notes"] == [
        "t.csv: nightly only has rows at midnight, a day or more apart, among hourly rows: "
        "read as hourly (if these are daily totals, import them on their own)"
    ]


def test_cli_refuses_a_huge_window_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    functions = tmp_path / "functions.csv"
    traffic = tmp_path / "traffic.csv"
    functions.write_text(FUNCS)
    traffic.write_text(HEADER + "orders-api,0001-01-01,1,1\norders-api,9999-12-31,1,1\n")
    began = time.monotonic()
    result = CliRunner().invoke(
        cli, ["analyze", "--functions", str(functions), "--traffic", str(traffic)]
    )
    assert time.monotonic() - began < 10
    assert result.exit_code != 0
    assert "Traceback" not in result.output + result.stderr
    assert result.stderr.startswith(
        "Error: traffic.csv, line 3: timestamp='9999-12-31': the traffic spans"
    )
