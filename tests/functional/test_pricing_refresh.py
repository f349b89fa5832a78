"""Price refresh from recorded GetProducts responses (real pricing client + Stubber)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from aws_helpers import pricing_stub_client, stub_pricing
from botocore.stub import Stubber

from analyzer.adapters import pricebooks
from analyzer.adapters import pricing_refresh as pr
from analyzer.core.pricebook import PriceBook, bundled_document, bundled_resource
from analyzer.exceptions import PriceBookError

TODAY = dt.date(2026, 11, 26)
BUNDLED = bundled_document()


def _refresh(regions: tuple[str, ...], edit: Any = None, base: Any = None) -> dict[str, Any]:
    client = pricing_stub_client()
    with Stubber(client) as stub:
        stub_pricing(stub, regions, edit)
        doc = pr.refresh(list(regions), client, base=base, today=TODAY)
        stub.assert_no_pending_responses()
    return doc


def test_refreshed_book_has_the_bundled_schema_and_the_api_prices() -> None:
    doc = _refresh(("us-east-1", "eu-west-1"))
    assert set(doc) == set(BUNDLED) | {"lmi"}  # + the Lambda Managed Instances rows
    assert doc["origin"] == "pricing-api"
    assert doc["as_of"] == "2026-11-26"
    assert doc["sources"]["pricing-api-ec2"]["date"] == "2026-11-21"
    assert "GetProducts" in doc["sources"]["pricing-api-lambda"]["title"]

    # Lambda rows exactly like the bundled ones for us-east-1 (same prices, same tiers)
    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        return (r["arch"], r["dimension"], r["tier_start_gb_s"] or 0.0)

    got = sorted(
        (key(r), r["tier_end_gb_s"], float(r["usd"]))
        for r in doc["lambda"]
        if r["region"] == "us-east-1"
    )
    want = sorted(
        (key(r), r["tier_end_gb_s"], float(r["usd"]))
        for r in BUNDLED["lambda"]
        if r["region"] == "us-east-1"
    )
    assert got == want
    assert set(doc["lambda"][0]) == set(BUNDLED["lambda"][0])
    assert doc["ec2"]["us-east-1"]["m5.large"] == "0.096"
    assert doc["ec2"]["eu-west-1"]["c7g.medium"] == "0.0393"
    assert doc["ec2_specs"]["c7g.medium"] == {
        "vcpu": 1,
        "memory_gib": 2.0,
        "arch": "arm64",
        "burstable": False,
    }
    assert doc["ec2_specs"]["t4g.micro"]["burstable"] is True
    assert doc["ec2_specs"]["m5.large"]["arch"] == "x86_64"
    assert len(doc["ec2_specs"]) >= len(BUNDLED["ec2_specs"])  # merged, nothing lost
    far = {(r["region"], r["arch"]): r for r in doc["fargate"]}
    assert far[("eu-west-1", "arm64")]["usd_per_vcpu_hour"] == "0.03565"
    assert far[("us-east-1", "x86_64")]["usd_per_storage_gb_hour"] == "0.000111"
    fd = {(r["region"], r["service"], r["dimension"]): r["usd"] for r in doc["frontdoor"]}
    assert fd[("us-east-1", "apigw_rest", "per_million_requests_first_333m")] == "3.5"
    assert fd[("eu-west-1", "apigw_http", "per_million_requests_first_300m")] == "1.11"
    assert fd[("eu-west-1", "alb", "per_alb_hour")] == "0.0252"
    # the engine reads it
    book = PriceBook(doc)
    assert book.lambda_rates("eu-west-1", "arm64").request_usd == pytest.approx(2e-7)
    assert book.fargate_rates("us-east-1", "x86_64").vcpu_hour == pytest.approx(0.04048)
    assert book.alb("us-east-1") == (0.0225, 0.008)


def test_base_book_keeps_other_regions() -> None:
    doc = _refresh(("eu-west-1",), base=BUNDLED)
    regions = {r["region"] for r in doc["lambda"]}
    assert {"eu-west-1", "ap-south-1", "us-east-1"} <= regions
    assert doc["ec2"]["us-east-1"] == BUNDLED["ec2"]["us-east-1"]
    assert "lambda-base" in doc["sources"]
    assert (
        next(r["source"] for r in doc["lambda"] if r["region"] == "eu-west-1")
        == "pricing-api-lambda"
    )


def test_missing_dimension_is_refused() -> None:
    def drop_arm_duration(service: str, region: str, items: list[dict[str, Any]]) -> list[Any]:
        return [
            i for i in items if i["product"]["attributes"].get("group") != "AWS-Lambda-Duration-ARM"
        ]

    with pytest.raises(PriceBookError, match="Lambda arm64 duration_gb_s missing"):
        _refresh(("us-east-1",), edit=drop_arm_duration)


def test_zero_or_absurd_price_is_refused() -> None:
    def zero_alb(service: str, region: str, items: list[dict[str, Any]]) -> list[Any]:
        for i in items:
            if i["product"]["attributes"].get("usagetype") == "LoadBalancerUsage":
                for t in i["terms"]["OnDemand"].values():
                    for d in t["priceDimensions"].values():
                        d["pricePerUnit"]["USD"] = "0.0000000000"
        return items

    with pytest.raises(PriceBookError, match=r"alb per_alb_hour = 0 USD is outside"):
        _refresh(("us-east-1",), edit=zero_alb)


def test_save_points_current_at_the_new_book_and_keeps_the_previous(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CROSSOVER_PRICEBOOK", raising=False)
    bundled = str(bundled_resource())
    assert pricebooks.describe_in_use(tmp_path) == {
        "path": bundled,
        "chosen_by": "bundled snapshot",
    }
    assert pricebooks.resolve_pricebook(data_dir=tmp_path).origin == "bundled"
    doc = _refresh(("us-east-1",))
    first = pricebooks.save(doc, tmp_path)
    second = pricebooks.save(doc, tmp_path)
    assert first.name == "pricebook-2026-11-26.json"
    assert second.name == "pricebook-2026-11-26-2.json"
    assert first.exists()
    assert pricebooks.describe_in_use(tmp_path)["path"] == str(second)
    assert pricebooks.resolve_pricebook(data_dir=tmp_path).origin == "pricing-api"
    # env beats the data dir, an explicit path beats both
    monkeypatch.setenv("CROSSOVER_PRICEBOOK", str(first))
    assert pricebooks.describe_in_use(tmp_path)["path"] == str(first)
    assert pricebooks.describe_in_use(tmp_path, bundled)["path"] == bundled
    assert pricebooks.resolve_pricebook(bundled, tmp_path).origin == "bundled"
    assert pricebooks.describe_in_use(tmp_path)["chosen_by"] == "$CROSSOVER_PRICEBOOK"


def test_api_errors_become_pricebook_errors() -> None:
    client = pricing_stub_client()
    with Stubber(client) as stub:
        stub.add_client_error("get_products", "AccessDeniedException", "not authorized")
        with pytest.raises(
            PriceBookError,
            match="cannot read the AWS Pricing API: AccessDeniedException: not authorized",
        ):
            pr.refresh(["us-east-1"], client, today=TODAY)


def test_lambda_managed_instance_types_and_fees_come_from_the_price_list() -> None:
    doc = _refresh(("us-east-1", "eu-west-1"))
    # fee = 15% of the type's on-demand price in the recorded products, by hand:
    # eu-west-1 m7g.xlarge 0.178 x 0.15 = 0.0267; c6i.2xlarge 0.384 x 0.15 = 0.0576;
    # r7i.large 0.148 x 0.15 = 0.0222; us-east-1 r7i.large 0.1323 x 0.15 = 0.019845
    rows = {(r["region"], r["instance_type"]): r for r in doc["lmi"]}
    assert {k: r["management_usd_per_hour"] for k, r in rows.items()} == {
        ("eu-west-1", "c6i.2xlarge"): "0.0576",
        ("eu-west-1", "m7g.xlarge"): "0.0267",
        ("eu-west-1", "r7i.large"): "0.0222",
        ("us-east-1", "c6i.2xlarge"): "0.051",
        ("us-east-1", "m7g.xlarge"): "0.02448",
        ("us-east-1", "r7i.large"): "0.019845",
    }
    assert set(doc["lmi"][0]) == {"region", "instance_type", "management_usd_per_hour", "source"}
    assert {r["source"] for r in doc["lmi"]} == {"pricing-api-lambda-lmi"}
    assert "lambdaManagedInstanceType" in doc["sources"]["pricing-api-lambda-lmi"]["title"]


def test_refreshing_a_region_replaces_its_lmi_rows_and_keeps_the_other_regions() -> None:
    client = pricing_stub_client()
    with Stubber(client) as stub:
        stub_pricing(stub, ("eu-west-1",))
        doc = pr.refresh(["eu-west-1"], client, base={**BUNDLED, "lmi": [
            {"region": "us-east-1", "instance_type": "m7g.large",
             "management_usd_per_hour": "0.01224", "source": "bundled"},
            {"region": "eu-west-1", "instance_type": "m5.large",
             "management_usd_per_hour": "0.0150", "source": "old"},
        ]}, today=TODAY)  # fmt: skip
    by_region = {(r["region"], r["instance_type"]) for r in doc["lmi"]}
    assert ("us-east-1", "m7g.large") in by_region  # other regions keep the base's rows
    assert ("eu-west-1", "m5.large") not in by_region  # the region's rows are the Price List's
    assert ("eu-west-1", "m7g.xlarge") in by_region
