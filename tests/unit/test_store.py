"""The local store: round trip, incremental windows, atomic writes, schema, verdict history."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import platformdirs
import pytest

from analyzer.adapters import store as store_mod
from analyzer.adapters.store import Store, default_data_dir
from analyzer.core.vocabulary import HOURS_PER_MONTH
from analyzer.exceptions import StoreError

T0 = pd.Timestamp("2026-11-01T00:00Z")
H = pd.Timedelta(hours=1)


def _functions(account: str = "111111111111", region: str = "us-east-1") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "function_id": [f"{account}:{region}:a", f"{account}:{region}:b"],
            "account_id": account,
            "region": region,
            "name": ["a", "b"],
            "memory_mb": [512, 2048],
            "arch": ["x86_64", "arm64"],
            "pc_allocated": [0, 3],
            "pc_hours_per_month": [0.0, HOURS_PER_MONTH],
        }
    )


def _traffic(
    account: str = "111111111111", region: str = "us-east-1", hours: int = 3, offset: int = 0
) -> pd.DataFrame:
    ts = [T0 + (offset + h) * H for h in range(hours)]
    return pd.DataFrame(
        {
            "function_id": [f"{account}:{region}:a"] * hours + [f"{account}:{region}:b"] * hours,
            "timestamp": ts + ts,
            "invocations": np.arange(2 * hours, dtype=float) + 1,
            "duration_sum_ms": np.arange(2 * hours, dtype=float) * 10,
            "duration_max_ms": np.nan,
        }
    )


def test_round_trip_keeps_every_number(tmp_path: Path) -> None:
    s = Store(tmp_path)
    s.write_pair("111111111111", "us-east-1", _functions(), _traffic(), (T0, T0 + 3 * H))
    fleet = s.load_fleet()
    assert fleet.source == "store"
    assert fleet.functions["memory_mb"].tolist() == [512, 2048]
    assert fleet.functions["pc_hours_per_month"].tolist() == [0.0, HOURS_PER_MONTH]
    assert fleet.traffic["invocations"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert fleet.start == T0
    assert fleet.end == T0 + 3 * H
    assert (tmp_path / "store" / "SCHEMA_VERSION").read_text().strip() == "1"


def test_windows_record_what_is_collected_and_report_gaps(tmp_path: Path) -> None:
    s = Store(tmp_path)
    assert s.missing_windows("1", "r", T0, T0 + 10 * H) == [(T0, T0 + 10 * H)]
    s.write_pair("1", "r", _functions("1", "r"), _traffic("1", "r"), (T0 + 2 * H, T0 + 5 * H))
    s.write_pair("1", "r", _functions("1", "r"), _traffic("1", "r", 1, 6), (T0 + 6 * H, T0 + 7 * H))
    assert s.missing_windows("1", "r", T0, T0 + 10 * H) == [
        (T0, T0 + 2 * H),
        (T0 + 5 * H, T0 + 6 * H),
        (T0 + 7 * H, T0 + 10 * H),
    ]
    assert s.missing_windows("1", "r", T0 + 2 * H, T0 + 5 * H) == []
    assert s.missing_windows("1", "other", T0, T0 + H) == [(T0, T0 + H)]
    assert s.known_functions("1", "r") == {"a", "b"}
    # newer hours merge with the old; the same hour is replaced, not doubled
    s.write_pair("1", "r", _functions("1", "r"), _traffic("1", "r", 1, 6), (T0 + 6 * H, T0 + 7 * H))
    assert len(s.load_fleet().traffic) == 2 * 3 + 2 * 1


def test_interrupted_write_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Store(tmp_path)
    s.write_pair("1", "r", _functions("1", "r"), _traffic("1", "r"), (T0, T0 + 3 * H))
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    def ctrl_c(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(store_mod.pq, "write_table", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        s.write_pair(
            "1", "r", _functions("1", "r"), _traffic("1", "r", 2, 3), (T0 + 3 * H, T0 + 5 * H)
        )
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # no temp file left, nothing half-written
    monkeypatch.undo()
    assert s.missing_windows("1", "r", T0, T0 + 5 * H) == [(T0 + 3 * H, T0 + 5 * H)]
    assert len(Store(tmp_path).load_fleet().traffic) == 6


def test_other_schema_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "SCHEMA_VERSION").write_text("99\n")
    with pytest.raises(StoreError, match="schema version 99; this version of Crossover reads 1"):
        Store(tmp_path)


def test_data_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSOVER_DATA_DIR", raising=False)
    assert default_data_dir() == Path(platformdirs.user_data_dir("crossover"))
    monkeypatch.setenv("CROSSOVER_DATA_DIR", str(tmp_path / "env"))
    assert default_data_dir() == tmp_path / "env"
    assert default_data_dir(tmp_path / "flag") == tmp_path / "flag"


def test_verdict_history_says_what_changed(tmp_path: Path) -> None:
    s = Store(tmp_path)
    assert s.previous_verdicts() is None
    first = pd.DataFrame(
        {
            "function_id": ["1:r:a", "1:r:b"],
            "verdict": ["stay", "watch"],
            "saving_usd_per_month": [0.0, 12.5],
        }
    )
    s.record_verdicts(first, "2026-11-01T08:00Z")
    second = first.assign(verdict=["stay", "outgrown"])
    s.record_verdicts(second, "2026-11-08T08:00Z")
    latest = s.previous_verdicts()
    assert latest is not None
    assert latest["verdict"].tolist() == ["stay", "outgrown"]
    older = s.previous_verdicts(before="2026-11-08T08:00Z")
    assert older is not None
    assert older["verdict"].tolist() == ["stay", "watch"]
    assert str(older["recorded_at"].iloc[0]) == "2026-11-01 08:00:00+00:00"
    assert len(s.verdict_snapshots()) == 2
    with pytest.raises(StoreError, match="needs columns"):
        s.record_verdicts(pd.DataFrame({"function_id": ["x"]}))


def test_collection_meta_is_kept_for_store_loads(tmp_path: Path) -> None:
    s = Store(tmp_path)
    s.write_pair("1", "r", _functions("1", "r"), _traffic("1", "r"), (T0, T0 + 3 * H))
    s.write_meta(
        {
            "source": "aws",
            "failures": [{"account_id": "2", "region": "r", "stage": "inventory", "error": "x"}],
        }
    )
    fleet = s.load_fleet()
    assert fleet.meta["source"] == "store"
    assert fleet.meta["failures"][0]["account_id"] == "2"
    assert json.loads(s.meta_path.read_text())["source"] == "aws"


def test_store_files_are_private_to_their_owner(tmp_path: Path) -> None:
    s = Store(tmp_path / "data")
    s.write_pair("1", "r", _functions("1", "r"), _traffic("1", "r"), (T0, T0 + 3 * H))
    s.write_meta({"source": "aws"})
    files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert len(files) == 5  # SCHEMA_VERSION, functions, traffic, windows, meta
    assert {p.stat().st_mode & 0o777 for p in files} == {0o600}


def test_an_s3_data_dir_keeps_price_books_and_the_sent_record_local(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CROSSOVER_DATA_DIR", "s3://my-crossover-store/crossover")
    assert default_data_dir() == Path(platformdirs.user_data_dir("crossover"))
    assert default_data_dir("s3://bucket/x") == Path(platformdirs.user_data_dir("crossover"))
