"""Real commitment rates for `crossover prices refresh`: Compute and EC2 Instance Savings Plans
rates (savingsplans:DescribeSavingsPlansOfferingRates, 1 and 3 years, no upfront) for the EC2
families, Fargate and Lambda of a region, and EC2 Spot prices (ec2:DescribeSpotPriceHistory, the
last 30 days, Linux/UNIX, median per instance type).

Each becomes a discount off the book's own on-demand price (1 - rate / on-demand), stored as the
book's `commitments` rows {region, product (ec2|fargate|lambda), family ("" for Fargate and
Lambda), option, discount, source}; EC2 rows hold the median discount of the family's types.
Reading them is best effort: a denied or missing API leaves the book without them (the typical
discounts of the assumptions stay in use) and says so in the log.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import boto3
import botocore.exceptions
import botocore.parsers

from analyzer.adapters.aws.session import error_text, resolve_endpoint
from analyzer.adapters.pricing_products import PRICING_CONFIG, PRICING_REGION

log = logging.getLogger(__name__)

SP_SOURCE = "savingsplans-api"
SPOT_SOURCE = "ec2-spot-history"
SPOT_DAYS = 30
#: (savingsPlanType, durationSeconds) -> pricing option name
SP_OPTIONS = {
    ("Compute", 31_536_000): "compute_sp_1y",
    ("Compute", 94_608_000): "compute_sp_3y",
    ("EC2Instance", 31_536_000): "ec2_instance_sp_1y",
    ("EC2Instance", 94_608_000): "ec2_instance_sp_3y",
}
ERRORS = (
    botocore.exceptions.ClientError,
    botocore.exceptions.BotoCoreError,
    botocore.parsers.ResponseParserError,
)


def savings_plans_rates(client: Any, region: str) -> list[dict[str, Any]]:
    """Every no-upfront Compute / EC2 Instance Savings Plans rate of `region` (nextToken pages)."""
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "savingsPlanTypes": ["Compute", "EC2Instance"],
            "savingsPlanPaymentOptions": ["No Upfront"],
            "products": ["EC2", "Fargate", "Lambda"],
            "filters": [{"name": "region", "values": [region]}],
            "maxResults": 1000,
        }
        if token:
            kwargs["nextToken"] = token
        page = client.describe_savings_plans_offering_rates(**kwargs)
        out += page.get("searchResults", [])
        token = page.get("nextToken")
        if not token:
            return out


def _props(rate: dict[str, Any]) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in rate.get("properties", [])}


def _on_demand(doc: dict[str, Any], region: str, rate: dict[str, Any]) -> tuple[str, str, float]:
    """(product, family, on-demand USD of the rate's unit), or ("", "", 0) if not comparable."""
    usage = rate.get("usageType", "")
    product = rate.get("productType", "")
    if product == "EC2":
        props = _props(rate)
        itype = props.get("instanceType", "")
        linux = props.get("productDescription", "Linux/UNIX") == "Linux/UNIX"
        shared = props.get("tenancy", "shared") in ("shared", "default")
        usd = (doc["ec2"].get(region) or {}).get(itype)
        if "BoxUsage" in usage and linux and shared and usd:
            return "ec2", itype.split(".")[0], float(usd)
    elif product == "Fargate" and usage.endswith("Fargate-vCPU-Hours:perCPU"):
        rows = [r for r in doc["fargate"] if r["region"] == region and r["arch"] == "x86_64"]
        if rows:
            return "fargate", "", float(rows[0]["usd_per_vcpu_hour"])
    elif product == "Lambda" and usage.endswith("Lambda-GB-Second"):
        rows = [
            r
            for r in doc["lambda"]
            if r["region"] == region
            and r["arch"] == "x86_64"
            and r["dimension"] == "duration_gb_s"
            and not r["tier_start_gb_s"]
        ]
        if rows:
            return "lambda", "", float(rows[0]["usd"])
    return "", "", 0.0


def _row(region: str, product: str, family: str, option: str, discounts: list[float], source: str) -> dict[str, Any]:  # fmt: skip
    return {
        "region": region,
        "product": product,
        "family": family,
        "option": option,
        "discount": f"{statistics.median(discounts):.4f}",
        "source": source,
    }


def savings_plans_rows(
    doc: dict[str, Any], region: str, rates: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The discounts the rates give off the book's on-demand prices (median per EC2 family)."""
    found: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for rate in rates:
        offering = rate.get("savingsPlanOffering", {})
        option = SP_OPTIONS.get(
            (offering.get("planType", ""), int(offering.get("durationSeconds", 0)))
        )
        if option is None or offering.get("paymentOption", "No Upfront") != "No Upfront":
            continue
        product, family, od = _on_demand(doc, region, rate)
        try:
            usd = float(rate.get("rate", ""))
        except ValueError:
            continue
        if product and od > 0 and 0 < usd <= od:
            found[(product, family, option)].append(1.0 - usd / od)
    return [
        _row(region, product, family, option, discounts, SP_SOURCE)
        for (product, family, option), discounts in sorted(found.items())
    ]


def spot_rows(
    ec2: Any, doc: dict[str, Any], region: str, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Spot discounts per EC2 family: the median of the types' (1 - median spot / on-demand)."""
    now = now or dt.datetime.now(dt.UTC)
    prices: dict[str, list[float]] = defaultdict(list)
    pages = ec2.get_paginator("describe_spot_price_history").paginate(
        StartTime=now - dt.timedelta(days=SPOT_DAYS),
        EndTime=now,
        ProductDescriptions=["Linux/UNIX"],
    )
    for page in pages:
        for p in page.get("SpotPriceHistory", []):
            prices[p["InstanceType"]].append(float(p["SpotPrice"]))
    on_demand = doc["ec2"].get(region) or {}
    by_family: dict[str, list[float]] = defaultdict(list)
    for itype, spot in prices.items():
        od = float(on_demand.get(itype, 0) or 0)
        median = statistics.median(spot)
        if od > 0 and 0 < median <= od:
            by_family[itype.split(".")[0]].append(1.0 - median / od)
    return [
        _row(region, "ec2", family, "spot", discounts, SPOT_SOURCE)
        for family, discounts in sorted(by_family.items())
    ]


def commitment_reader(
    session: boto3.Session | None = None, endpoint_url: str | None = None
) -> Callable[[dict[str, Any], str], list[dict[str, Any]]]:
    """`read(doc, region)` -> the commitment rows of `region` (best effort, [] on failure)."""
    chosen = session or boto3.Session()

    def read(doc: dict[str, Any], region: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        try:
            sp = chosen.client(
                "savingsplans",
                region_name=PRICING_REGION,
                endpoint_url=resolve_endpoint(endpoint_url, "savingsplans"),
                config=PRICING_CONFIG,
            )
            rows += savings_plans_rows(doc, region, savings_plans_rates(sp, region))
        except ERRORS as exc:
            log.warning("Savings Plans rates for %s not read: %s", region, error_text(exc))
        try:
            ec2 = chosen.client(
                "ec2",
                region_name=region,
                endpoint_url=resolve_endpoint(endpoint_url, "ec2"),
                config=PRICING_CONFIG,
            )
            rows += spot_rows(ec2, doc, region)
        except ERRORS as exc:
            log.warning("Spot prices for %s not read: %s", region, error_text(exc))
        return rows

    return read
