"""The benchmark scripts run end to end at a tiny size and print one well-formed JSON line.

No timing assertions: timings belong to `make bench` and the README's Performance table.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bench_helpers import fleetgen

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, *args: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, proc.stdout  # exactly one line, and it is JSON
    out = json.loads(lines[0])
    assert isinstance(out, dict)
    return out


def test_engine_benchmark_prints_one_json_line_with_measurements() -> None:
    out = _run("engine.py", "--functions", "50", "--days", "2")
    assert out["functions"] == 50
    assert out["hours"] == 48
    assert isinstance(out["candidates"], int)
    assert out["candidates"] > 0
    for key in ("load_s", "analyze_s", "peak_rss_mb"):
        value = out[key]
        assert isinstance(value, float), key
        assert value >= 0, key
    peak_rss_mb = out["peak_rss_mb"]
    assert isinstance(peak_rss_mb, float)
    assert peak_rss_mb > 10  # a Python process with numpy and pandas loaded
    verdicts = out["verdicts"]
    assert isinstance(verdicts, dict)
    assert sum(verdicts.values()) == 50
    assert set(verdicts) <= {"outgrown", "watch", "stay"}


def test_engine_benchmark_can_time_a_recompute_after_an_assumption_change() -> None:
    out = _run("engine.py", "--functions", "20", "--days", "2", "--reanalyze")
    assert isinstance(out["reanalyze_s"], float)


def test_engine_benchmark_rejects_an_empty_fleet() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "engine.py"), "--functions", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert "--functions" in proc.stderr


@pytest.mark.aws
def test_collect_benchmark_makes_the_minimum_number_of_calls() -> None:
    out = _run("collect.py", "--functions", "5", "--days", "2")
    assert out["functions"] == 5
    assert out["queries"] == 5 * 6
    assert out["datapoints"] == 5 * 6 * 48
    assert out["min_calls"] == 1
    assert out["calls"] == out["min_calls"] == out["planned_calls"]
    assert out["minimal"] is True
    # the baseline asks once per function and metric (Duration's Sum and Maximum together)
    assert out["baseline_calls"] == 5 * 5
    assert out["invocations_match"] is True
    for key in ("wall_s", "baseline_wall_s", "seed_s"):
        assert isinstance(out[key], float), key


def test_fleet_generator_is_deterministic_and_seed_dependent() -> None:
    gen = fleetgen()
    f1, t1, s1 = gen.synthetic_traffic(40, 3, seed=5)
    f2, t2, s2 = gen.synthetic_traffic(40, 3, seed=5)
    pd.testing.assert_frame_equal(f1, f2)
    pd.testing.assert_frame_equal(t1, t2)
    assert s1 == s2
    _, t3, _ = gen.synthetic_traffic(40, 3, seed=6)
    assert not np.array_equal(t1["invocations"].to_numpy()[:50], t3["invocations"].to_numpy()[:50])


def test_fleet_generator_builds_a_mixed_multi_account_fleet_over_the_window() -> None:
    gen = fleetgen()
    fleet = gen.synthetic_fleet(300, days=3)
    assert len(fleet) == 300
    assert fleet.hours == 72
    fns = fleet.functions
    assert set(fns["region"]) == {"us-east-1", "eu-west-1"}
    assert fns["account_id"].nunique() == 3
    assert set(fns["arch"]) == {"x86_64", "arm64"}
    assert fleet.meta["price_region_proxy"] == {"eu-west-1": "us-east-1"}
    tr = fleet.traffic
    assert (tr["invocations"] > 0).all()  # idle hours have no row, as in CloudWatch
    assert tr["timestamp"].min() >= fleet.start
    assert tr["timestamp"].max() < fleet.end
    # shapes differ: some functions run around the clock, batch ones only a few hours a day
    hours_active = tr.groupby("function_id").size()
    assert hours_active.max() == 72
    assert hours_active.min() <= 6


def test_engine_benchmark_streams_a_store_and_analyses_it_in_another_process(
    tmp_path: Path,
) -> None:
    out = _run("engine.py", "--functions", "40", "--days", "3", "--store", str(tmp_path / "s"))
    assert out["functions"] == 40 and out["days"] == 3 and out["hours"] == 72
    assert isinstance(out["rows"], int) and 0 < out["rows"] <= 40 * 72
    for key in ("analyze_s", "analyze_peak_rss_mb"):
        value = out[key]
        assert isinstance(value, float) and value > 0, key
    verdicts = out["verdicts"]
    assert isinstance(verdicts, dict) and sum(verdicts.values()) == 40
    assert (tmp_path / "s" / "store" / "functions.parquet").exists()
