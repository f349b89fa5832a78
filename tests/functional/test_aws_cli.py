"""The data commands end to end: `analyze --aws` against a local AWS, collect, prices, CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from aws_helpers import MAIN_ACCOUNT, SECRET_KEY, pricing_stub_client, seed_fleet, stub_pricing
from botocore.stub import Stubber
from click.testing import CliRunner

from analyzer.adapters.store import Store
from analyzer.cli import cli as main_cli
from analyzer.cli.data import collect, prices
from analyzer.cli.options import source_options
from analyzer.cli.sources import load_fleet
from analyzer.core.vocabulary import HOURS_PER_MONTH

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "csv"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def data_cli() -> None:
    """The data commands alone, as the main CLI registers them (with its -h/--help: click keeps
    a command's help option once made, so both groups must agree on it)."""


data_cli.add_command(collect)
data_cli.add_command(prices)


@data_cli.command()
@source_options
def show(**opts: Any) -> None:
    fleet = load_fleet(**opts)
    click.echo(
        json.dumps(
            {
                "source": fleet.source,
                "functions": len(fleet.functions),
                "invocations": float(fleet.traffic["invocations"].sum()),
            }
        )
    )


@pytest.mark.aws
@pytest.mark.xdist_group("moto")
def test_analyze_aws_returns_every_seeded_function_with_its_true_numbers(
    moto_url: str, tmp_path: Path
) -> None:
    seeded = seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), functions_per_pair=3, hours=8)
    result = CliRunner().invoke(
        main_cli,
        [
            "analyze",
            "--aws",
            "--endpoint-url",
            moto_url,
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
            "--days",
            "2",
            "--yes",
            "--format",
            "json",
            "--price-proxy",
            "eu-west-1=us-east-1",
        ],
    )
    assert result.exit_code == 0, result.stderr or result.output
    doc = json.loads(result.stdout)  # stdout is JSON only; progress went to stderr
    assert "plan: 6 functions" in result.stderr
    rows = doc["functions"] if isinstance(doc, dict) else doc
    got = {(r["account_id"], r["region"], r["name"]): r for r in rows}
    want = seeded.functions.set_index(["account_id", "region", "name"])
    assert set(got) == set(want.index)
    # the true monthly invocations: seeded total over a 48 h window, normalised to a month (HOURS_PER_MONTH)
    totals = seeded.traffic.groupby("function_id")["invocations"].sum()
    for key, r in got.items():
        assert r["memory_mb"] == want.loc[key, "memory_mb"]
        assert r["arch"] == want.loc[key, "arch"]
        fid = ":".join(key)
        assert r["monthly_invocations"] == pytest.approx(
            totals[fid] * HOURS_PER_MONTH / 48, abs=0.5
        )
    assert {r["region"] for r in rows} == {"us-east-1", "eu-west-1"}


@pytest.mark.aws
@pytest.mark.xdist_group("moto")
def test_collect_fills_the_store_and_never_writes_credentials(
    moto_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    seeded = seed_fleet(moto_url, hours=4)
    data = tmp_path / "data"
    env_cfg = tmp_path / "envs.yaml"
    env_cfg.write_text(f"accounts:\n  '{MAIN_ACCOUNT}': {{environment: prod, name: shop}}\n")
    args = [
        "collect",
        "--endpoint-url",
        moto_url,
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--days",
        "1",
        "--yes",
        "--data-dir",
        str(data),
        "--role-arn",
        seeded.role_arns[0],
        "--role-arn",
        seeded.role_arns[1],
        "--env-config",
        str(env_cfg),
        "--no-price-refresh",  # moto has no Pricing API (the refresh: test_price_autorefresh)
    ]
    result = CliRunner().invoke(data_cli, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("stored 8 functions")
    assert "(0 failures)" in result.stdout
    assert "inventory: 4/4 account-regions" in result.stderr
    fleet = Store(data).load_fleet()
    assert len(fleet.functions) == 8
    assert set(
        fleet.functions.loc[fleet.functions["account_id"] == MAIN_ACCOUNT, "environment"]
    ) == {"prod"}
    assert fleet.traffic["invocations"].sum() == seeded.traffic["invocations"].sum()
    # --store analyses what was collected, without AWS
    shown = CliRunner().invoke(data_cli, ["show", "--store", "--data-dir", str(data)])
    assert json.loads(shown.stdout)["functions"] == 8
    # credentials are never written or logged
    secret = SECRET_KEY.encode()
    for path in data.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
    assert SECRET_KEY not in caplog.text
    assert SECRET_KEY not in result.stdout + result.stderr


@pytest.mark.aws
@pytest.mark.xdist_group("moto")
def test_declining_the_plan_fetches_nothing(
    moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("us-east-1",), hours=2)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)  # honoured without --endpoint-url
    result = CliRunner().invoke(
        data_cli,
        [
            "collect",
            "--region",
            "us-east-1",
            "--days",
            "1",
            "--data-dir",
            str(tmp_path / "d"),
        ],
        input="n\n",
    )
    assert result.exit_code == 1
    assert (
        "plan: 2 functions x 6 metrics over 24 h: 12 metrics in 1 GetMetricData calls"
        in result.stderr
    )
    assert "Error: collection cancelled: nothing was fetched" in result.stderr
    assert not Store(tmp_path / "d").exists()


def test_csv_source_and_its_errors_are_one_line(tmp_path: Path) -> None:
    ok = CliRunner().invoke(
        data_cli,
        ["show", "--functions", str(FIX / "functions.csv"), "--traffic", str(FIX / "traffic.csv")],
    )
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout) == {"source": "csv", "functions": 2, "invocations": 5550.0}
    bad = CliRunner().invoke(
        data_cli,
        [
            "show",
            "--functions",
            str(FIX / "functions_bad.csv"),
            "--traffic",
            str(FIX / "traffic.csv"),
        ],
    )
    assert bad.exit_code == 1
    assert bad.stderr.splitlines() == [
        "Error: functions_bad.csv, line 2: memory_mb='99999': must be between 128 and 10240 "
        "(and 3 more errors)",
        "  also: functions_bad.csv, line 3: arch='sparc': must be one of x86_64, arm64",
        "  also: functions_bad.csv, line 4: front_door='cdn': must be one of none, "
        "function_url, apigw_rest, apigw_http, alb",
        "  also: functions_bad.csv, line 4: function='thumbnailer': appears twice (same "
        "account, region and name)",
    ]


def test_one_source_at_a_time_and_demo_by_default() -> None:
    both = CliRunner().invoke(data_cli, ["show", "--demo", "--store"])
    assert both.exit_code == 2
    assert "choose one data source, not --demo and --store" in both.stderr
    half = CliRunner().invoke(data_cli, ["show", "--functions", str(FIX / "functions.csv")])
    assert "--functions and --traffic go together" in half.stderr


def test_empty_store_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(data_cli, ["show", "--store", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "is empty: run `crossover collect` first" in result.stderr


def test_prices_show_and_refresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSOVER_PRICEBOOK", raising=False)
    data = tmp_path / "data"
    before = CliRunner().invoke(data_cli, ["prices", "show", "--data-dir", str(data)])
    assert before.exit_code == 0
    assert "chosen by:  bundled snapshot" in before.stdout
    assert "as of:      2026-11-26 (bundled)" in before.stdout

    client = pricing_stub_client()
    monkeypatch.setattr(
        "analyzer.adapters.pricing_products.pricing_client", lambda *_args, **_kwargs: client
    )
    with Stubber(client) as stub:
        stub_pricing(stub, ("eu-west-1",))
        result = CliRunner().invoke(
            data_cli, ["prices", "refresh", "--region", "eu-west-1", "--data-dir", str(data)]
        )
    assert result.exit_code == 0, result.stderr
    assert "now in use" in result.stdout
    after = CliRunner().invoke(
        data_cli, ["prices", "show", "--data-dir", str(data), "--format", "json"]
    )
    info = json.loads(after.stdout)
    assert info["chosen_by"] == "refreshed (data directory)"
    assert info["origin"] == "pricing-api"
    assert "pricing-api-ec2" in info["sources"]
    assert "us-east-1" in info["regions"]  # kept from the previous book
    assert Path(info["path"]).parent == data / "pricebooks"
