"""Users outside us-east-1 without the Pricing API (scenario files): `cost --price-proxy`, the
missing-region error, the stale-book warning, and `prices show --region`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pricing_emulator import running

from analyzer.cli import cli
from analyzer.core.pricebook import bundled_document

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dublin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CROSSOVER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CROSSOVER_PRICEBOOK", raising=False)
    scenario = json.loads((ROOT / "examples" / "orders-api.json").read_text(encoding="utf-8"))
    scenario["region"] = "eu-west-1"
    path = tmp_path / "dublin.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    return path


def test_cost_outside_the_book_names_both_fixes_and_price_proxy_goes_on(dublin: Path) -> None:
    missing = CliRunner().invoke(cli, ["cost", str(dublin)])
    assert missing.exit_code == 1
    line = missing.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert "`crossover prices refresh --region eu-west-1`" in line
    assert "--price-proxy eu-west-1=us-east-1" in line

    ok = CliRunner().invoke(
        cli, ["cost", str(dublin), "--price-proxy", "eu-west-1=us-east-1", "--format", "json"]
    )
    assert ok.exit_code == 0, ok.stderr
    doc = json.loads(ok.stdout)
    assert any("eu-west-1 are us-east-1's" in n for n in doc["notes"])
    us = bundled_document()["ec2"]["us-east-1"]
    options = [o for f in doc["functions"] for o in f["options"] if o["kind"] == "ec2"]
    assert options
    for o in options:  # priced exactly like us-east-1 (on demand)
        assert o["price_region"] == "us-east-1"
        assert o["usd_per_unit_hour"] == float(us[o["instance_type"]])


def test_a_book_older_than_90_days_gets_one_warning_line(tmp_path: Path) -> None:
    old = bundled_document()
    old["as_of"] = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=120)).isoformat()
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    example = str(ROOT / "examples" / "orders-api.json")
    result = CliRunner().invoke(cli, ["cost", example, "--pricebook", str(path)])
    assert result.exit_code == 0, result.stderr
    regions = " ".join(f"--region {r}" for r in sorted(old["ec2"]))  # us-east-1, us-gov-...
    assert result.stderr.splitlines() == [
        f"warning: the price book is 120 days old ({old['as_of']}); refresh it with "
        f"`crossover prices refresh {regions}`"
    ]
    fresh = CliRunner().invoke(cli, ["cost", example])
    assert "warning" not in fresh.stderr


def test_prices_refresh_through_the_emulator_then_show_region(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("CROSSOVER_PRICEBOOK", raising=False)
    data = str(tmp_path / "data")
    with running() as emulator:
        monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", emulator.url)
        # --endpoint-url points elsewhere (a local AWS): the per-service variable wins
        refreshed = CliRunner().invoke(
            cli,
            ["prices", "refresh", "--region", "eu-west-1", "--data-dir", data,
             "--endpoint-url", "http://127.0.0.1:9"],
        )  # fmt: skip
        assert refreshed.exit_code == 0, refreshed.stderr
        assert {c["region"] for c in emulator.calls} == {"eu-west-1"}
    shown = CliRunner().invoke(cli, ["prices", "show", "--region", "eu-west-1", "--data-dir", data])
    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.split("eu-west-1:\n", 1)[1].splitlines()
    table = {ln[:28].strip(): ln[28:].strip() for ln in lines}
    assert table["EC2 on-demand"] == "6 instance types  [pricing-api-ec2, 2026-11-21]"
    assert table["Fargate x86_64"] == (
        "$0.04456/vCPU-h + $0.004865/GB-h  [pricing-api-fargate, 2026-11-07]"
    )
    assert table["ALB"] == "$0.0252/h + $0.008/LCU-h  [pricing-api-elb, 2026-10-30]"
    assert table["API Gateway HTTP"].startswith("$1.11/M (first tier)")
    assert table["Lambda Managed Instances"] == (
        "3 instance types  [pricing-api-lambda-lmi, 2026-11-14]"
    )
    as_json = CliRunner().invoke(
        cli, ["prices", "show", "--region", "eu-west-1", "--data-dir", data, "--format", "json"]
    )
    rows = json.loads(as_json.stdout)["region_prices"]["eu-west-1"]
    assert {r["what"] for r in rows} >= {"Lambda x86_64", "EC2 on-demand", "ALB"}
