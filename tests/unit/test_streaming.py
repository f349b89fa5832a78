"""Analysis streamed from the store, block by block, gives exactly the in-memory results.

The store keeps each (account, region)'s hourly traffic in its own Parquet file; a stored fleet
(`Store.open_fleet`) reads only the row groups of the block of functions being analysed, so
memory follows the block. A user must not be able to tell the two apart in any figure."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analyzer.adapters import store as store_mod
from analyzer.adapters.store import Store
from analyzer.cli import cli
from analyzer.core.analyze import analyze
from analyzer.core.demo import demo_fleet
from analyzer.core.fleet import FleetData
from analyzer.core.pricebook import PriceBook
from analyzer.core.window import first_pass, window_sums

BOOK = PriceBook.load()


@pytest.fixture(scope="module")
def demo() -> FleetData:
    return demo_fleet()


def stored_copy(fleet: FleetData, data_dir: Path, parts: int = 5) -> Store:
    """`fleet` written into a store in `parts` pieces (as a collection or import streams it)."""
    store = Store(data_dir)
    traffic = fleet.traffic
    bounds = np.linspace(0, len(traffic), parts + 1).astype(int)
    pieces = (traffic.iloc[a:b] for a, b in itertools.pairwise(bounds))
    meta = {k: v for k, v in fleet.meta.items() if k not in ("start", "end")}
    store.write_streamed(fleet.functions, pieces, (fleet.start, fleet.end), meta)
    return store


def by_id(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def test_stored_demo_analyses_to_the_same_figures(demo: FleetData, tmp_path: Path) -> None:
    in_memory = analyze(demo, BOOK)
    stored = analyze(stored_copy(demo, tmp_path).open_fleet(), BOOK)
    expected = by_id(in_memory.functions, ["function_id"])
    got = by_id(stored.functions, ["function_id"])
    kept = [c for c in expected.columns if c != "tags"]  # the store keeps the inventory columns
    # The stored fleet lists functions by id, so fleet-wide sums (Lambda's tiers) add in
    # another order: equal to ~1e-15, far below a cent.
    pd.testing.assert_frame_equal(
        got[kept], expected[kept], check_exact=False, rtol=1e-12, check_dtype=False
    )
    assert (got["verdict"] == expected["verdict"]).all()
    assert (got["best_option_label"].fillna("") == expected["best_option_label"].fillna("")).all()
    pd.testing.assert_frame_equal(
        by_id(stored.options, ["function_id", "kind"]),
        by_id(in_memory.options, ["function_id", "kind"]),
        check_exact=False,
        rtol=1e-12,
    )
    # e.g. the first function's bill, to the cent, is the in-memory one
    first = expected["function_id"].iloc[0]
    assert got.set_index("function_id").loc[first, "lambda_usd_per_month"] == pytest.approx(
        expected.set_index("function_id").loc[first, "lambda_usd_per_month"], abs=0.005
    )


def test_small_blocks_and_row_groups_change_nothing(
    demo: FleetData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of 7 functions, row groups of 500 rows: each block reads a few row groups only,
    and every figure is the same as with one block for the whole demo."""
    monkeypatch.setattr(store_mod, "ROW_GROUP_ROWS", 500)
    fleet = stored_copy(demo, tmp_path).open_fleet()
    whole = analyze(fleet, BOOK)
    small = analyze(fleet, BOOK, chunk=7)
    pd.testing.assert_frame_equal(small.functions, whole.functions, check_exact=True)
    block = fleet.traffic_block(7, 14)
    assert set(block.codes) <= set(range(7))
    ids = fleet.functions["function_id"].iloc[7:14]
    expected = demo.traffic[demo.traffic["function_id"].isin(ids)]
    assert len(block.frame) == len(expected)
    assert block.frame["invocations"].sum() == expected["invocations"].sum()


def test_window_sums_are_the_traffic_totals(demo: FleetData, tmp_path: Path) -> None:
    fleet = stored_copy(demo, tmp_path).open_fleet()
    sums = window_sums(fleet, chunk=10).totals.set_index("function_id")
    expected = demo.traffic.groupby("function_id")["invocations"].sum()
    assert (sums.loc[expected.index, "invocations"] == expected).all()
    assert sums["invocations"].sum() == demo.traffic["invocations"].sum()


def test_a_stored_function_subset_is_its_traffic_in_memory(demo: FleetData, tmp_path: Path) -> None:
    fleet = stored_copy(demo, tmp_path).open_fleet()
    fid = str(demo.functions["function_id"].iloc[3])
    sub = fleet.subset([fid])
    mine = demo.traffic[demo.traffic["function_id"] == fid].reset_index(drop=True)
    assert list(sub.functions["function_id"]) == [fid]
    pd.testing.assert_frame_equal(sub.traffic, mine, check_dtype=False)


def test_cli_analyze_store_prints_the_in_memory_verdicts(demo: FleetData, tmp_path: Path) -> None:
    stored_copy(demo, tmp_path)
    res = CliRunner().invoke(
        cli, ["analyze", "--store", "--data-dir", str(tmp_path), "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["functions"]
    expected = analyze(demo, BOOK).functions.set_index("function_id")
    assert len(rows) == len(expected)
    for row in rows:
        mine = expected.loc[f"{row['account_id']}:{row['region']}:{row['name']}"]
        assert row["verdict"] == mine["verdict"]
        assert row["lambda"]["total_usd"] == pytest.approx(mine["lambda_usd_per_month"], abs=0.005)


def test_streamed_parts_are_written_in_whole_row_groups(
    demo: FleetData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A block read skips by row group: parts written as they come must not leave one small
    # group per part and file (many accounts x regions make them tiny), so they are buffered.
    monkeypatch.setattr(store_mod, "ROW_GROUP_ROWS", 1000)
    store = stored_copy(demo, tmp_path, parts=40)
    files = sorted(tmp_path.rglob("traffic/*.parquet"))
    assert files
    for path in files:
        meta = pq.ParquetFile(path).metadata
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        assert all(size == 1000 for size in sizes[:-1]), (path.name, sizes)
        assert 0 < sizes[-1] <= 1000
    assert analyze(store.open_fleet(), BOOK).functions["verdict"].notna().all()


def test_a_traffic_file_not_as_the_store_writes_it_is_normalised_not_misread(
    demo: FleetData, tmp_path: Path
) -> None:
    # Blocks are read straight from Arrow only when their rows are as the store writes them
    # (sorted, one row per function and hour). A file another tool wrote, with each hour split
    # into two half rows and the rows shuffled, takes the general path: the halves add up
    # and the figures are the same.
    store = stored_copy(demo, tmp_path)
    path = sorted(tmp_path.rglob("traffic/*.parquet"))[0]
    frame = pq.read_table(path).to_pandas()
    halves = frame.copy()
    for col in ("invocations", "duration_sum_ms", "errors", "throttles"):
        frame[col] = frame[col] / 2
        halves[col] = halves[col] - frame[col]
    both = pd.concat([frame, halves], ignore_index=True)
    both = both.iloc[np.random.default_rng(3).permutation(len(both))]
    pq.write_table(pa.Table.from_pandas(both, preserve_index=False), path)
    expected = by_id(analyze(demo, BOOK).functions, ["function_id"])
    got = by_id(analyze(store.open_fleet(), BOOK).functions, ["function_id"])
    kept = [c for c in expected.columns if c != "tags"]
    pd.testing.assert_frame_equal(
        got[kept], expected[kept], check_exact=False, rtol=1e-12, check_dtype=False
    )


def test_the_first_pass_is_shared_by_every_analysis_of_a_stored_fleet(
    demo: FleetData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The three analyses behind the recommendations (base, optimistic, pessimistic) read the
    traffic's sums once, not three times, and give the figures of three separate analyses."""
    from analyzer.core.assumptions import Assumptions, optimistic, pessimistic
    from analyzer.present.recommendations import recommend, recommend_fleet

    fleet = stored_copy(demo, tmp_path).open_fleet()
    a = Assumptions()
    alone = recommend(
        analyze(fleet, BOOK, a),
        analyze(fleet, BOOK, optimistic(a)),
        analyze(fleet, BOOK, pessimistic(a)),
    )
    reads: list[tuple[str, ...]] = []
    read = type(fleet).traffic_block

    def counted(self: object, lo: int, hi: int, *metrics: tuple[str, ...]) -> object:
        reads.append(metrics[0] if metrics else ("every metric",))
        return read(self, lo, hi, *metrics)  # type: ignore[arg-type]

    monkeypatch.setattr(type(fleet), "traffic_block", counted)
    shared = recommend_fleet(fleet, BOOK, a)
    first_pass_reads = [m for m in reads if "invocations" in m]  # the sums' columns
    pricing_reads = [m for m in reads if "invocations" not in m]  # the hourly profiles'
    assert len(first_pass_reads) == 1  # the demo is one block: read once, not once per analysis
    assert len(pricing_reads) == 3
    pd.testing.assert_frame_equal(shared.functions, alone.functions, check_exact=True)


def test_a_first_pass_of_another_fleet_is_refused(demo: FleetData) -> None:
    from analyzer.core.window import first_pass

    other = demo.subset(list(demo.functions["function_id"].iloc[:5]))
    with pytest.raises(ValueError, match="another fleet"):
        analyze(demo, BOOK, first=first_pass(other))


def test_export_from_a_store_reads_it_block_by_block(
    demo: FleetData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`export --store` analyses the store block by block, as `analyze --store` does (memory
    follows a block, not the store): it never loads the whole traffic table, and its
    recommendations are the in-memory fleet's, to the cent."""
    from analyzer.present.recommendations import recommend_fleet

    stored_copy(demo, tmp_path)

    def whole(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("export loaded the whole store into memory")

    monkeypatch.setattr(Store, "load_fleet", whole)
    out = tmp_path / "recs.csv"
    res = CliRunner().invoke(
        cli,
        ["export", "--store", "--data-dir", str(tmp_path), "--format", "csv", "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out).set_index("function_id")
    expected = recommend_fleet(demo, BOOK).functions.set_index("function_id")
    assert sorted(got.index) == sorted(expected.index)
    assert (got["verdict"] == expected.loc[got.index, "verdict"]).all()
    saving = expected.loc[got.index, "saving_usd_per_month"].round(2)
    assert np.allclose(got["saving_usd_per_month"], saving, atol=0.005)


def test_a_report_from_a_store_reads_it_block_by_block(
    demo: FleetData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report --store` (scheduled e-mails) reads the store block by block as well: never the
    whole traffic table; its attached CSV holds the in-memory fleet's recommendations."""
    from analyzer.present.recommendations import recommend_fleet

    stored_copy(demo, tmp_path)

    def whole(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("report loaded the whole store into memory")

    monkeypatch.setattr(Store, "load_fleet", whole)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    out = tmp_path / "out"
    args = ["report", "--store", "--data-dir", str(tmp_path), "--dry-run", "--out", str(out)]
    res = CliRunner().invoke(cli, [*args, "--attach", "csv", "--to", "a@example.com"])
    assert res.exit_code == 0, res.output
    (attached,) = out.glob("*.csv")
    got = pd.read_csv(attached).set_index("function_id")
    expected = recommend_fleet(demo, BOOK).functions.set_index("function_id")
    assert sorted(got.index) == sorted(expected.index)
    assert (got["verdict"] == expected.loc[got.index, "verdict"]).all()
    assert "Outgrown" in (out / "report.txt").read_text(encoding="utf-8")


def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first function position of every block of traffic read from now on."""
    reads: list[int] = []
    read = FleetData.traffic_block

    def counted(self: FleetData, lo: int, hi: int, *metrics: tuple[str, ...]) -> Any:
        reads.append(lo)
        return read(self, lo, hi, *metrics)

    monkeypatch.setattr(FleetData, "traffic_block", counted)
    return reads


def test_a_cancellable_pass_gives_the_same_figures_and_stops_when_told(
    demo: FleetData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`runner.cancellable`: the same figures as the default runner while not stopped; once
    stopped, no further chunk starts (no traffic is read) and the analysis raises `Cancelled`
    (nothing half-made is returned)."""
    import threading

    from analyzer.core.runner import Cancelled, cancellable

    stop = threading.Event()
    plain = analyze(demo, BOOK, chunk=10)
    watched = analyze(demo, BOOK, chunk=10, runner=cancellable(stop))
    pd.testing.assert_frame_equal(watched.functions, plain.functions, check_exact=True)
    reads = counted_reads(monkeypatch)
    stop.set()
    with pytest.raises(Cancelled):
        analyze(demo, BOOK, chunk=10, runner=cancellable(stop))
    assert reads == []


def test_a_stopped_pass_ends_inside_the_chunk_it_is_pricing(
    demo: FleetData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped while a chunk is being priced (here the whole demo in one chunk, so no chunk is
    left to skip), the pass ends at the chunk's next step: the exact refinement of the
    crossover never starts, and `Cancelled` is raised (the app's stale background analyses
    then give the processor back within a step, not a chunk). Unstopped, the same figures."""
    import threading

    from analyzer.core import blocks
    from analyzer.core.runner import Cancelled, cancellable

    stop = threading.Event()
    calls: list[str] = []
    solve, refine = blocks.solve_crossover, blocks.refine_crossover

    def estimate(*args: Any, **kwargs: Any) -> Any:
        calls.append("estimate")
        out = solve(*args, **kwargs)
        stop.set()  # the user moves on while this chunk is being priced
        return out

    def refined(*args: Any, **kwargs: Any) -> Any:
        calls.append("refine")
        return refine(*args, **kwargs)

    monkeypatch.setattr(blocks, "solve_crossover", estimate)
    monkeypatch.setattr(blocks, "refine_crossover", refined)
    one_chunk = len(demo.functions)
    with pytest.raises(Cancelled):
        analyze(demo, BOOK, chunk=one_chunk, runner=cancellable(stop))
    assert calls and "refine" not in calls
    calls.clear()
    stop.clear()
    monkeypatch.setattr(blocks, "solve_crossover", solve)
    plain = analyze(demo, BOOK, chunk=one_chunk)
    watched = analyze(demo, BOOK, chunk=one_chunk, runner=cancellable(stop))
    pd.testing.assert_frame_equal(watched.functions, plain.functions, check_exact=True)


def test_a_pass_yielding_to_the_foreground_waits_while_it_runs_and_gives_the_same_figures(
    demo: FleetData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cancellable(..., yield_to=foreground)`: while a page is drawn (`Foreground.running`)
    the background pass prices nothing (no traffic is read); once the page is drawn it goes on
    to the same figures; a page that waits for it (`waiting`) lets it run; stopped while
    paused, it ends at once."""
    import threading
    import time

    from analyzer.core.runner import Cancelled, Foreground, cancellable

    plain = analyze(demo, BOOK, chunk=10)
    first = first_pass(demo)  # made once per data source in the app
    reads = counted_reads(monkeypatch)
    foreground, stop = Foreground(), threading.Event()
    out: dict[str, Any] = {}

    def background() -> None:
        try:
            out["analysis"] = analyze(
                demo, BOOK, chunk=10, first=first, runner=cancellable(stop, yield_to=foreground)
            )
        except Cancelled as exc:
            out["analysis"] = exc

    def wait_for(cond: Any) -> None:
        deadline = time.monotonic() + 60
        while not cond() and time.monotonic() < deadline:
            time.sleep(0.01)

    with foreground.running():  # a page is being drawn
        worker = threading.Thread(target=background)
        worker.start()
        time.sleep(0.5)
        assert reads == [] and worker.is_alive()  # paused before its first chunk
        with foreground.waiting():  # the page waits for it: it runs
            wait_for(lambda: reads)
        assert reads
        time.sleep(0.3)
        paused_at = len(reads)  # held again once the page stops waiting (within a step)
        time.sleep(0.5)
        assert len(reads) == paused_at and worker.is_alive()
    worker.join(60)  # the page is drawn: it goes on to the end
    assert not worker.is_alive()
    pd.testing.assert_frame_equal(out["analysis"].functions, plain.functions, check_exact=True)

    reads.clear()
    with foreground.running():
        worker = threading.Thread(target=background)
        worker.start()
        time.sleep(0.3)
        stop.set()  # the user moved on while it was paused
        worker.join(5)
        assert not worker.is_alive() and isinstance(out["analysis"], Cancelled)
    assert reads == []


def test_a_first_pass_of_another_window_is_refused_and_an_empty_fleet_is_one_line(
    demo: FleetData,
) -> None:
    from analyzer.core.window import first_pass
    from analyzer.exceptions import InputError
    from analyzer.present.recommendations import recommend_fleet

    later = dataclasses.replace(demo, meta={**demo.meta, "start": demo.start + pd.Timedelta("1D")})
    with pytest.raises(ValueError, match="another fleet"):
        analyze(later, BOOK, first=first_pass(demo))
    with pytest.raises(InputError, match="has no functions with traffic to analyse"):
        recommend_fleet(demo.subset([]), BOOK)


def test_a_reporting_pass_says_how_many_functions_are_priced_and_changes_no_figure(
    demo: FleetData,
) -> None:
    """`runner.reporting` (the app's progress bar): chunk by chunk, in order, how many of the
    pass's functions are done, up to all 67, for each of the two passes (the window's sums,
    then the options); the figures are the default runner's."""
    from analyzer.core.runner import reporting

    reports: list[tuple[int, int]] = []
    plain = analyze(demo, BOOK, chunk=10)
    watched = analyze(demo, BOOK, chunk=10, runner=reporting(lambda d, t: reports.append((d, t))))
    pd.testing.assert_frame_equal(watched.functions, plain.functions, check_exact=True)
    pd.testing.assert_frame_equal(watched.options, plain.options, check_exact=True)
    one_pass = [(10, 67), (20, 67), (30, 67), (40, 67), (50, 67), (60, 67), (67, 67)]
    assert reports == one_pass * 2
    reports.clear()
    analyze(
        demo,
        BOOK,
        chunk=10,
        first=first_pass(demo),
        runner=reporting(lambda d, t: reports.append((d, t))),
    )  # a What-if change: the first pass is reused, only the options are priced
    assert reports == one_pass
