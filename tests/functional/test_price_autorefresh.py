"""Refresh on demand, end to end: a moto server holding eu-west-1 functions (Lambda, CloudWatch)
paired with the Pricing API emulator on loopback through AWS_ENDPOINT_URL_PRICING."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_helpers import MAIN_ACCOUNT, seed_fleet
from click.testing import CliRunner
from pricing_emulator import PricingEmulator, running

from analyzer.adapters.aws.session import resolve_endpoint
from analyzer.adapters.pricebooks import current_refreshed
from analyzer.cli import cli as main_cli
from analyzer.core.pricebook import bundled_document

pytestmark = [pytest.mark.aws, pytest.mark.xdist_group("moto")]

#: the emulator's recorded eu-west-1 prices (tests/fixtures/pricing/*-eu-west-1.json)
EU_EC2 = {
    "m5.large": 0.107,
    "c7g.medium": 0.0393,
    "t4g.micro": 0.0092,
    "m7g.xlarge": 0.178,
    "c6i.2xlarge": 0.384,
    "r7i.large": 0.148,
}
US_EC2 = {
    "m5.large": 0.096,
    "c7g.medium": 0.0363,
    "t4g.micro": 0.0084,
    "m7g.xlarge": 0.1632,
    "c6i.2xlarge": 0.34,
    "r7i.large": 0.1323,
}
EU_FARGATE_X86 = (0.04456, 0.004865)
EU_FARGATE = {"x86_64": EU_FARGATE_X86, "arm64": (0.03565, 0.00389)}
EU_ALB_HOUR = 0.0252


@pytest.fixture
def emulator(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[PricingEmulator]:
    with running() as emu:
        monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", emu.url)
        monkeypatch.delenv("CROSSOVER_PRICEBOOK", raising=False)
        yield emu


def _analyze(moto_url: str, data: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main_cli,
        [
            "analyze",
            "--aws",
            "--endpoint-url",
            moto_url,
            "--region",
            "eu-west-1",
            "--days",
            "1",
            "--format",
            "json",
            "--yes",
            "--data-dir",
            str(data),
            *extra,
        ],
    )
    return result.exit_code, result.stdout, result.stderr


def test_per_service_endpoint_wins_over_endpoint_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", "http://127.0.0.1:9")
    assert resolve_endpoint("http://127.0.0.1:5000", "pricing") == "http://127.0.0.1:9"
    assert resolve_endpoint("http://127.0.0.1:5000", "lambda") == "http://127.0.0.1:5000"
    monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", "ftp://nope")
    with pytest.raises(Exception, match="AWS_ENDPOINT_URL_PRICING"):
        resolve_endpoint(None, "pricing")


def test_analyze_aws_outside_us_east_1_prices_the_region_from_the_pricing_api(
    moto_url: str, emulator: PricingEmulator, tmp_path: Path
) -> None:
    assert "eu-west-1" not in bundled_document()["ec2"]  # the bundled book cannot price it
    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("eu-west-1",), hours=4)
    data = tmp_path / "empty"
    code, out, err = _analyze(moto_url, data)
    assert code == 0, err
    # one progress line for the region, on stderr
    assert [ln for ln in err.splitlines() if ln.startswith("prices:")] == [
        "prices: eu-west-1 is not in the price book of 2026-11-26 (bundled); reading it from "
        "the AWS Pricing API"
    ]
    # every GetProducts call went to the emulator, for eu-west-1, both EC2 pages read
    assert {c["region"] for c in emulator.calls} == {"eu-west-1"}
    assert [c["token"] for c in emulator.calls if c["service"] == "AmazonEC2"] == [None, "token-1"]
    doc = json.loads(out)
    assert doc["price_book"]["origin"] == "pricing-api"
    saved = current_refreshed(data)
    assert saved is not None and saved.parent == data / "pricebooks"
    assert any(f"saved as price book {saved.name}" in n for n in doc["notes"])
    # the options are priced with the emulator's eu-west-1 prices, not us-east-1's
    options = [o for f in doc["functions"] for o in f["options"]]
    assert options and {o["price_region"] for o in options} == {"eu-west-1"}
    ec2 = [o for o in options if o["kind"] not in ("fargate", "lmi")]
    assert ec2
    for o in ec2:  # on demand: the unit price is the emulator's eu-west-1 hourly price
        assert o["usd_per_unit_hour"] == EU_EC2[o["instance_type"]]
        assert o["usd_per_unit_hour"] != US_EC2[o["instance_type"]]
    for o in (o for o in options if o["kind"] == "fargate"):
        vcpu_rate, gb_rate = EU_FARGATE[o["task"]["arch"]]
        hand = o["task"]["vcpu"] * vcpu_rate + o["task"]["memory_gb"] * gb_rate
        assert o["usd_per_unit_hour"] == pytest.approx(hand, abs=1e-6)
    book = json.loads(saved.read_text(encoding="utf-8"))
    far = {r["arch"]: r for r in book["fargate"] if r["region"] == "eu-west-1"}
    assert (
        float(far["x86_64"]["usd_per_vcpu_hour"]),
        float(far["x86_64"]["usd_per_gb_hour"]),
    ) == EU_FARGATE_X86
    alb = {r["dimension"]: float(r["usd"]) for r in book["frontdoor"] if r["region"] == "eu-west-1"}
    assert alb["per_alb_hour"] == EU_ALB_HOUR

    # a second run makes no pricing calls and says nothing about prices
    before = len(emulator.calls)
    code, out2, err2 = _analyze(moto_url, data)
    assert code == 0, err2
    assert len(emulator.calls) == before
    assert "prices:" not in err2
    assert json.loads(out2)["price_book"] == doc["price_book"]


def test_denied_refresh_is_one_line_with_both_fixes_and_proxy_goes_on(
    moto_url: str, emulator: PricingEmulator, tmp_path: Path
) -> None:
    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("eu-west-1",), hours=3)
    emulator.deny = True
    code, out, err = _analyze(moto_url, tmp_path / "d")
    assert code == 1
    assert "Traceback" not in err and out == ""
    line = err.strip().splitlines()[-1]
    assert line.startswith("Error: no prices for region eu-west-1 (")
    assert "AccessDeniedException" in line
    assert "`crossover prices refresh --region eu-west-1`" in line
    assert "`--price-proxy eu-west-1=us-east-1`" in line
    assert current_refreshed(tmp_path / "d") is None  # nothing half-written in use

    calls = len(emulator.calls)
    code, out, err = _analyze(moto_url, tmp_path / "d", "--price-proxy", "eu-west-1=us-east-1")
    assert code == 0, err
    assert len(emulator.calls) == calls  # a proxied region is not refreshed
    assert any("are us-east-1's" in n for n in json.loads(out)["notes"])


def test_no_price_refresh_makes_no_pricing_call(
    moto_url: str, emulator: PricingEmulator, tmp_path: Path
) -> None:
    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("eu-west-1",), hours=3)
    code, _out, err = _analyze(moto_url, tmp_path / "n", "--no-price-refresh")
    assert code == 1
    assert emulator.calls == []
    assert "has no EC2" in err or "has no" in err
    assert "--price-proxy eu-west-1=us-east-1" in err


def test_collect_refreshes_and_a_local_aws_without_pricing_is_a_warning(
    moto_url: str, emulator: PricingEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("eu-west-1",), hours=3)
    args = ["collect", "--endpoint-url", moto_url, "--region", "eu-west-1", "--days", "1"]
    ok = CliRunner().invoke(main_cli, [*args, "--yes", "--data-dir", str(tmp_path / "c")])
    assert ok.exit_code == 0, ok.stderr
    assert current_refreshed(tmp_path / "c") is not None
    # moto alone (no Pricing API): collection still succeeds, one warning line with the fixes
    monkeypatch.delenv("AWS_ENDPOINT_URL_PRICING")
    alone = CliRunner().invoke(main_cli, [*args, "--yes", "--data-dir", str(tmp_path / "m")])
    assert alone.exit_code == 0, alone.stderr
    warnings = [ln for ln in alone.stderr.splitlines() if ln.startswith("warning: no prices")]
    assert len(warnings) == 1
    assert "--price-proxy eu-west-1=us-east-1" in warnings[0]


def test_report_and_export_aws_refresh_the_region_once(
    moto_url: str, emulator: PricingEmulator, tmp_path: Path
) -> None:
    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("eu-west-1",), hours=4)
    data = tmp_path / "r"
    aws = ["--aws", "--endpoint-url", moto_url, "--region", "eu-west-1", "--days", "1", "--yes"]
    report = CliRunner().invoke(
        main_cli,
        ["report", *aws, "--dry-run", "--out", str(tmp_path / "out"), "--data-dir", str(data)],
    )
    assert report.exit_code == 0, report.stderr
    assert "prices: eu-west-1 is not in the price book" in report.stderr
    saved = current_refreshed(data)
    assert saved is not None
    calls = len(emulator.calls)
    export = CliRunner().invoke(
        main_cli,
        [
            "export",
            *aws,
            "--format",
            "csv",
            "--out",
            str(tmp_path / "r.csv"),
            "--data-dir",
            str(data),
        ],
    )
    assert export.exit_code == 0, export.stderr
    assert len(emulator.calls) == calls  # the report's refreshed book is in use
    assert "prices:" not in export.stderr
