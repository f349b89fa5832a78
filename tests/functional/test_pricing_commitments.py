"""Real commitment rates: Savings Plans offering rates and Spot price history (recorded responses
through real boto3 clients and Stubber) become the book's `commitments` discounts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_helpers import ACCESS_KEY, SECRET_KEY, pricing_stub_client, stub_pricing
from botocore.stub import Stubber
from click.testing import CliRunner

from analyzer.adapters import pricing_commitments as pc
from analyzer.adapters import pricing_refresh as pr
from analyzer.adapters.pricebook_show import region_rows
from analyzer.cli import cli
from analyzer.core.pricebook import PriceBook

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
ONE_YEAR, THREE_YEARS = 31_536_000, 94_608_000


def _rate(plan: str, seconds: int, product: str, usage: str, rate: str, **props: str) -> dict[str, Any]:  # fmt: skip
    return {
        "savingsPlanOffering": {
            "offeringId": f"{plan}-{seconds}",
            "paymentOption": "No Upfront",
            "planType": plan,
            "durationSeconds": seconds,
            "currency": "USD",
            "planDescription": f"{plan} {seconds}",
        },
        "rate": rate,
        "unit": "Hrs",
        "productType": product,
        "serviceCode": {"EC2": "AmazonEC2", "Fargate": "AmazonECS", "Lambda": "AWSLambda"}[product],
        "usageType": usage,
        "operation": "RunInstances",
        "properties": [{"name": k, "value": v} for k, v in props.items()],
    }


LINUX = {"productDescription": "Linux/UNIX", "tenancy": "shared", "region": "eu-west-1"}
#: recorded eu-west-1 rates; the book's on-demand prices: m5.large 0.107, m7g.xlarge 0.178,
#: c6i.2xlarge 0.384, Fargate x86 vCPU 0.04456, Lambda x86 duration 0.0000166667
PAGE_1 = [
    _rate(
        "Compute",
        ONE_YEAR,
        "EC2",
        "EU-BoxUsage:m5.large",
        "0.0749",
        instanceType="m5.large",
        instanceFamily="m5",
        **LINUX,
    ),
    _rate(
        "Compute",
        ONE_YEAR,
        "EC2",
        "EU-BoxUsage:m7g.xlarge",
        "0.1246",
        instanceType="m7g.xlarge",
        instanceFamily="m7g",
        **LINUX,
    ),
    _rate(
        "Compute",
        THREE_YEARS,
        "EC2",
        "EU-BoxUsage:m5.large",
        "0.0535",
        instanceType="m5.large",
        instanceFamily="m5",
        **LINUX,
    ),
    _rate(
        "EC2Instance",
        ONE_YEAR,
        "EC2",
        "EU-BoxUsage:c6i.2xlarge",
        "0.2304",
        instanceType="c6i.2xlarge",
        instanceFamily="c6i",
        **LINUX,
    ),
]
PAGE_2 = [
    _rate("Compute", ONE_YEAR, "Fargate", "EU-Fargate-vCPU-Hours:perCPU", "0.035648"),
    _rate("Compute", ONE_YEAR, "Lambda", "EU-Lambda-GB-Second", "0.0000146667"),
    # Windows and dedicated rates are not comparable with the Linux shared on-demand price
    _rate(
        "Compute",
        ONE_YEAR,
        "EC2",
        "EU-BoxUsage:m5.large",
        "0.01",
        instanceType="m5.large",
        productDescription="Windows",
        tenancy="shared",
    ),
]
SPOT = [  # m5.large spot prices over the 30 days: median 0.0428
    {"InstanceType": "m5.large", "SpotPrice": usd, "AvailabilityZone": az,
     "ProductDescription": "Linux/UNIX", "Timestamp": NOW - dt.timedelta(days=d)}
    for usd, az, d in (("0.0321", "eu-west-1a", 3), ("0.0535", "eu-west-1b", 9),
                       ("0.0428", "eu-west-1c", 20))
]  # fmt: skip


def _clients() -> tuple[Any, Any]:
    session = boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    return (
        session.client("savingsplans", region_name="us-east-1"),
        session.client("ec2", region_name="eu-west-1"),
    )


def _refreshed() -> dict[str, Any]:
    """The eu-west-1 book refreshed from the recorded GetProducts, Savings Plans and Spot pages."""
    sp, ec2 = _clients()
    pricing = pricing_stub_client()
    filters = {
        "savingsPlanTypes": ["Compute", "EC2Instance"],
        "savingsPlanPaymentOptions": ["No Upfront"],
        "products": ["EC2", "Fargate", "Lambda"],
        "filters": [{"name": "region", "values": ["eu-west-1"]}],
        "maxResults": 1000,
    }

    def read(doc: dict[str, Any], region: str) -> list[dict[str, Any]]:
        rows = pc.savings_plans_rows(doc, region, pc.savings_plans_rates(sp, region))
        return rows + pc.spot_rows(ec2, doc, region, now=NOW)

    with Stubber(pricing) as ps, Stubber(sp) as ss, Stubber(ec2) as es:
        stub_pricing(ps, ("eu-west-1",))
        ss.add_response(
            "describe_savings_plans_offering_rates",
            {"searchResults": PAGE_1, "nextToken": "next-1"},
            filters,
        )
        ss.add_response(
            "describe_savings_plans_offering_rates",
            {"searchResults": PAGE_2},
            {**filters, "nextToken": "next-1"},
        )
        es.add_response(
            "describe_spot_price_history",
            {"SpotPriceHistory": SPOT},
            {"StartTime": NOW - dt.timedelta(days=30), "EndTime": NOW,
             "ProductDescriptions": ["Linux/UNIX"]},
        )  # fmt: skip
        doc = pr.refresh(["eu-west-1"], pricing, today=TODAY, commitments=read)
        ss.assert_no_pending_responses()
        es.assert_no_pending_responses()
    return doc


def test_savings_plans_and_spot_rates_become_the_books_discounts() -> None:
    doc = _refreshed()
    book = PriceBook(doc)
    # by hand: 1 - rate / on-demand
    assert book.commitment_discount("eu-west-1", "ec2", "m5", "compute_sp_1y") == 0.3  # .0749/.107
    assert book.commitment_discount("eu-west-1", "ec2", "m7g", "compute_sp_1y") == 0.3  # .1246/.178
    assert book.commitment_discount("eu-west-1", "ec2", "m5", "compute_sp_3y") == 0.5  # .0535/.107
    assert book.commitment_discount("eu-west-1", "ec2", "c6i", "ec2_instance_sp_1y") == 0.4
    assert book.commitment_discount("eu-west-1", "fargate", "", "compute_sp_1y") == 0.2
    assert book.commitment_discount("eu-west-1", "lambda", "", "compute_sp_1y") == 0.12
    assert book.commitment_discount("eu-west-1", "ec2", "m5", "spot") == 0.6  # 1 - .0428/.107
    assert book.commitment_discount("eu-west-1", "ec2", "r7i", "spot") is None
    # what an m5.large costs an hour under each, from the stored discounts (hand: 0.107 x ...)
    od = book.ec2_price("eu-west-1", "m5.large")
    hourly = {
        opt: round(od * (1 - (book.commitment_discount("eu-west-1", "ec2", "m5", opt) or 0)), 4)
        for opt in ("compute_sp_1y", "compute_sp_3y", "spot")
    }
    assert hourly == {"compute_sp_1y": 0.0749, "compute_sp_3y": 0.0535, "spot": 0.0428}
    assert "DescribeSavingsPlansOfferingRates" in doc["sources"]["savingsplans-api"]["title"]
    shown = {r["what"]: r for r in region_rows(book, "eu-west-1")}
    assert shown["Commitment compute_sp_1y"]["value"] == "4 rates"
    assert shown["Commitment spot"]["source"] == "ec2-spot-history"


def test_an_endpoint_without_the_apis_leaves_the_typical_discounts(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pricing_emulator import running

    from analyzer.core.pricebook import bundled_document

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    with running() as emulator:  # a Pricing API only: Savings Plans and EC2 calls are refused
        rows = pc.commitment_reader(endpoint_url=emulator.url)(bundled_document(), "us-east-1")
    assert rows == []
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(m.startswith("Savings Plans rates for us-east-1 not read") for m in warned)
    assert any(m.startswith("Spot prices for us-east-1 not read") for m in warned)


def _cost(tmp_path: Path, book: Path, option: str, *sets: str) -> dict[str, Any]:
    scenario = {
        "region": "eu-west-1",
        "assumptions": {
            "targets": ["ec2", "fargate"],
            "instance_types": ["m5.large"],
            "allow_arch_change": False,  # x86 only: arm64 Fargate has no Spot to compare
            "pricing_option": option,
            **{k: float(v) for k, v in (s.split("=") for s in sets)},
        },
        "functions": [{"name": "api", "memory_mb": 1024, "arch": "x86_64",
                       "monthly_invocations": 50_000_000, "avg_duration_ms": 200}],
    }  # fmt: skip
    path = tmp_path / f"{option}.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    result = CliRunner().invoke(cli, ["cost", str(path), "--pricebook", str(book), "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_real_rates_change_the_options_prices_exactly_and_the_user_still_wins(
    tmp_path: Path,
) -> None:
    book = tmp_path / "book.json"
    book.write_text(json.dumps(_refreshed()), encoding="utf-8")

    def unit_prices(doc: dict[str, Any]) -> dict[str, float]:
        return {o["kind"]: o["usd_per_unit_hour"] for f in doc["functions"] for o in f["options"]}

    on_demand = _cost(tmp_path, book, "on_demand")
    sp1 = _cost(tmp_path, book, "compute_sp_1y")
    spot = _cost(tmp_path, book, "spot")
    # EC2 m5.large on demand 0.107/h; Compute SP 1y rate 0.0749 (discount 0.30); Spot median
    # 0.0428 (discount 0.60): 0.107 x 0.7 = 0.0749 and 0.107 x 0.4 = 0.0428
    assert unit_prices(on_demand)["ec2"] == 0.107
    assert unit_prices(sp1)["ec2"] == 0.0749
    assert unit_prices(spot)["ec2"] == 0.0428
    # Fargate: the Compute SP rate gives 0.20 (0.035648 / 0.04456 = 0.8): the task's on-demand
    # price x 0.8; spot has no recorded Fargate rate, so the typical 70% stays
    fargate_od = unit_prices(on_demand)["fargate"]
    assert unit_prices(sp1)["fargate"] == pytest.approx(fargate_od * 0.8, abs=1e-6)
    assert unit_prices(spot)["fargate"] == pytest.approx(fargate_od * 0.3, abs=1e-6)
    assert any(
        n.startswith("compute_sp_1y discounts in eu-west-1 are AWS's rates from the price book")
        for n in sp1["notes"]
    )
    assert not any("AWS's rates" in n for n in on_demand["notes"])
    # the user's own discount wins over the book's: 0.107 x (1 - 0.5) = 0.0535
    mine = _cost(tmp_path, book, "compute_sp_1y", "ec2_sp_1y_discount=0.5")
    assert unit_prices(mine)["ec2"] == 0.0535


def test_a_real_lambda_savings_plan_rate_discounts_lambda_too(tmp_path: Path) -> None:
    """The Lambda side gets the book's real Compute SP rate exactly as the options do."""
    doc = _refreshed()
    for row in doc["commitments"]:
        if (row["region"], row["product"], row["option"]) == (
            "eu-west-1",
            "lambda",
            "compute_sp_1y",
        ):
            row["discount"] = 0.2  # a recorded rate other than the typical 12%
    book = tmp_path / "book.json"
    book.write_text(json.dumps(doc), encoding="utf-8")
    on_demand = _cost(tmp_path, book, "on_demand")["functions"][0]["lambda"]
    sp1 = _cost(tmp_path, book, "compute_sp_1y")["functions"][0]["lambda"]
    # by hand: 50M x 0.200 s (a scenario's duration is the billed one) x 1 GB = 10,000,000 GB-s
    # x $0.0000166667 = $166.67 on demand; x (1 - 0.20) = $133.33 under the plan (the typical
    # 12% would give $146.67); requests are not discounted ($10.00 either way)
    assert on_demand["duration_usd"] == 166.67
    assert sp1["duration_usd"] == 133.33
    assert sp1["requests_usd"] == on_demand["requests_usd"] == 10.0
    # the user's own Lambda discount still wins over the book's
    mine = _cost(tmp_path, book, "compute_sp_1y", "lambda_sp_1y_discount=0.5")
    assert mine["functions"][0]["lambda"]["duration_usd"] == 83.33  # 166.67 x 0.5, to the cent


def test_the_report_says_which_discounts_are_aws_real_rates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report` names the regions whose Savings Plans discounts came from the book, as
    `analyze` and `export` do (here the demo's eu-west-1 functions, priced as us-east-1)."""
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")
    from analyzer.core.pricebook import bundled_document

    doc = bundled_document()  # us-east-1 prices, with the recorded rates moved to us-east-1
    doc["commitments"] = [{**row, "region": "us-east-1"} for row in _refreshed()["commitments"]]
    book = tmp_path / "book.json"
    book.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "report"
    args = ["report", "--demo", "--dry-run", "--out", str(out), "--pricebook", str(book),
            "--data-dir", str(tmp_path / "data"), "--set", "pricing_option=compute_sp_1y"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    text = (out / "report.txt").read_text(encoding="utf-8")
    assert "compute_sp_1y discounts in us-east-1 are AWS's rates from the price book" in text
