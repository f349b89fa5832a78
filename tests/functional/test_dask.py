"""`crossover analyze --dask`: the functions priced on a Dask cluster (a 2-worker LocalCluster,
worker processes on 127.0.0.1) give exactly the in-process results: the demo in memory, and a
2,000-function synthetic fleet read from a store by the workers themselves."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from bench_helpers import fleetgen
from click.testing import CliRunner

from analyzer.adapters.dask_run import dask_runner, parse_address
from analyzer.adapters.store import Store
from analyzer.cli import cli
from analyzer.core.analyze import Analysis, analyze
from analyzer.core.demo import demo_fleet
from analyzer.core.pricebook import PriceBook
from analyzer.exceptions import InputError

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dask")]

BOOK = PriceBook.load()


def same(got: Analysis, expected: Analysis) -> None:
    pd.testing.assert_frame_equal(got.functions, expected.functions, check_exact=True)
    pd.testing.assert_frame_equal(got.options, expected.options, check_exact=True)


def test_demo_on_two_workers_is_the_in_process_analysis() -> None:
    fleet = demo_fleet()
    with dask_runner("local:2") as runner:
        on_cluster = analyze(fleet, BOOK, runner=runner, chunk=20)  # 4 chunks over 2 workers
    same(on_cluster, analyze(fleet, BOOK, chunk=20))


def test_stored_2000_functions_on_two_workers_is_the_in_process_analysis(tmp_path: Path) -> None:
    gen = fleetgen()
    functions, parts, start = gen.synthetic_parts(2000, 7)
    end = start + pd.Timedelta(days=7)
    Store(tmp_path).write_streamed(functions, parts, (start, end), gen.synthetic_meta())
    fleet = Store(tmp_path).open_fleet()
    with dask_runner("local:2") as runner:
        on_cluster = analyze(fleet, BOOK, runner=runner, chunk=500)
    same(on_cluster, analyze(fleet, BOOK, chunk=500))
    assert len(on_cluster.functions) == 2000


def test_cli_dask_local_prints_the_same_verdicts(tmp_path: Path) -> None:
    plain = CliRunner().invoke(cli, ["analyze", "--demo", "--format", "json"])
    on_cluster = CliRunner().invoke(
        cli, ["analyze", "--demo", "--format", "json", "--dask", "local:2"]
    )
    assert on_cluster.exit_code == 0, on_cluster.output
    assert on_cluster.stdout == plain.stdout


@pytest.mark.parametrize("address", ["local:0", "local:x", "", "localhost:8786", "tcp://a b:1"])
def test_a_bad_dask_address_is_refused_in_one_line(address: str) -> None:
    with pytest.raises(InputError, match="--dask"):
        parse_address(address)
    res = CliRunner().invoke(cli, ["analyze", "--demo", "--dask", address])
    assert res.exit_code != 0
    assert "--dask" in res.output and "Traceback" not in res.output
