"""Rebuild the price book from the AWS Price List Query API (pricing:GetProducts).

`refresh(regions)` returns a document in exactly the schema of the bundled snapshot
(`analyzer/data/pricebook.json`; origin "pricing-api", as_of today, one `sources` entry per
service with the publication date of the products read), validated. Saving it to the data
directory, and choosing which book is in use, is `analyzer.adapters.pricebooks`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

import botocore.exceptions
import botocore.parsers

from analyzer.adapters.aws.session import error_text
from analyzer.adapters.pricing_products import (
    APIGW_TIERS,
    alb_products,
    apigw_products,
    ec2_products,
    fargate_products,
    lambda_products,
    lmi_products,
    pricing_client,
    published_date,
)
from analyzer.core.pricebook import SCHEMA_VERSION, PriceBook, bundled_document
from analyzer.exceptions import PriceBookError

log = logging.getLogger(__name__)

REQUIRED_LAMBDA_DIMS = ("requests_per_1m", "duration_gb_s", "ephemeral_storage_gb_s")
#: (lowest, highest) plausible USD for each kind of price: outside is refused as absurd
BOUNDS: dict[str, tuple[float, float]] = {
    "requests_per_1m": (0.01, 5.0),
    "duration_gb_s": (1e-7, 1e-3),
    "ephemeral_storage_gb_s": (1e-11, 1e-5),
    "provisioned_concurrency_gb_s": (1e-8, 1e-3),
    "provisioned_duration_gb_s": (1e-8, 1e-3),
    "ec2_hour": (1e-4, 1000.0),
    "usd_per_vcpu_hour": (1e-3, 1.0),
    "usd_per_gb_hour": (1e-4, 0.1),
    "usd_per_storage_gb_hour": (1e-6, 0.01),
    "per_alb_hour": (1e-3, 1.0),
    "per_lcu_hour": (1e-3, 1.0),
    "apigw": (0.01, 50.0),
    "lmi_management_hour": (1e-4, 100.0),
}


# -- the document -------------------------------------------------------------------------------
def _source(
    service: str, what: str, regions: Sequence[str], items: list[dict[str, Any]]
) -> dict[str, str]:
    published = published_date(items)
    return {
        "title": f"AWS Price List Query API GetProducts ({service}: {what}; regionCode "
        f"{', '.join(regions)}), publication {published}",
        "date": published,
    }


def refresh(
    regions: Sequence[str],
    client: Any = None,
    *,
    base: dict[str, Any] | None = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    commitments: Callable[[dict[str, Any], str], list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """A new price-book document for `regions` from GetProducts.

    With `base` (a price-book document), the regions not refreshed keep their prices and
    sources from it; EC2 specs are always merged over the base's (or the bundled) specs.
    Raises PriceBookError if a price is missing or absurd, or the API cannot be read.
    """
    if not regions:
        raise PriceBookError("prices refresh needs at least one region (--region)")
    client = client or pricing_client()
    today = today or dt.datetime.now(dt.UTC).date()
    lam: list[dict[str, Any]] = []
    lmi: list[dict[str, Any]] = []
    fargate: list[dict[str, Any]] = []
    frontdoor: list[dict[str, Any]] = []
    ec2: dict[str, dict[str, str]] = {}
    new_specs: dict[str, dict[str, Any]] = {}
    seen: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("lambda", "fargate", "ec2", "elb", "apigw", "lmi")
    }
    try:
        for region in regions:
            if progress:
                progress(f"prices for {region}")
            rows, items = lambda_products(client, region)
            lam += rows
            seen["lambda"] += items
            rows, items = fargate_products(client, region)
            fargate += rows
            seen["fargate"] += items
            prices, specs, items = ec2_products(client, region)
            ec2[region] = prices
            new_specs.update(specs)
            seen["ec2"] += items
            rows, items = alb_products(client, region)
            frontdoor += rows
            seen["elb"] += items
            rows, items = apigw_products(client, region)
            frontdoor += rows
            seen["apigw"] += items
            rows, items = lmi_products(client, region)
            lmi += rows
            seen["lmi"] += items
    except (
        botocore.exceptions.ClientError,
        botocore.exceptions.BotoCoreError,
        botocore.parsers.ResponseParserError,
    ) as exc:
        raise PriceBookError(f"cannot read the AWS Pricing API: {error_text(exc)}") from exc

    base_doc = base if base is not None else bundled_document()
    specs = {**base_doc.get("ec2_specs", {})}
    for itype, spec in new_specs.items():
        old = specs.get(itype, {})
        specs[itype] = {**spec, "burstable": bool(old.get("burstable", spec["burstable"]))}
    regs = set(regions)
    sources: dict[str, dict[str, str]] = {
        "pricing-api-lambda": _source("AWSLambda", "group", regions, seen["lambda"]),
        "pricing-api-fargate": _source("AmazonECS", "Fargate usagetypes", regions, seen["fargate"]),
        "pricing-api-ec2": _source(
            "AmazonEC2", "Linux, Shared, NA, Used, OnDemand", regions, seen["ec2"]
        ),
        "pricing-api-elb": _source("AWSELB", "Load Balancer-Application", regions, seen["elb"]),
        "pricing-api-apigw": _source("AmazonApiGateway", "API Calls", regions, seen["apigw"]),
    }
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "as_of": today.isoformat(),
        "source": f"AWS Price List Query API (GetProducts) for {', '.join(regions)}, "
        f"fetched {today.isoformat()}",
        "origin": "pricing-api",
        "sources": sources,
        "lambda": lam,
        "ec2_specs": specs,
        "ec2": ec2,
        "ec2_source": "pricing-api-ec2",
        "ec2_specs_source": "pricing-api-ec2",
        "fargate": fargate,
        "frontdoor": frontdoor,
    }
    if base is not None:
        doc["lambda"] = [r for r in base["lambda"] if r["region"] not in regs] + lam
        doc["fargate"] = [r for r in base["fargate"] if r["region"] not in regs] + fargate
        doc["frontdoor"] = [r for r in base["frontdoor"] if r["region"] not in regs] + frontdoor
        doc["ec2"] = {**{k: v for k, v in base["ec2"].items() if k not in regs}, **ec2}
        doc["sources"] = {**base.get("sources", {}), **sources}
        kept = sorted({r["region"] for r in doc["lambda"]} - regs)
        if kept:
            doc["source"] += f"; other regions from {base.get('source', 'the previous book')}"
    _merge_lmi(doc, base, regs, lmi, seen["lmi"], regions)
    if commitments is not None:
        _merge_commitments(doc, base, regions, commitments)
    validate(doc, regions)
    return doc


def _merge_commitments(
    doc: dict[str, Any],
    base: dict[str, Any] | None,
    regions: Sequence[str],
    read: Callable[[dict[str, Any], str], list[dict[str, Any]]],
) -> None:
    """The `commitments` rows: the base's for other regions, `read(doc, region)`'s for these."""
    new = [row for region in regions for row in read(doc, region)]
    kept = [r for r in (base or {}).get("commitments", []) if r["region"] not in set(regions)]
    if not (kept or new):
        return
    doc["commitments"] = kept + new
    today = doc["as_of"]
    where = ", ".join(regions)
    for key, title in (
        ("savingsplans-api", "Savings Plans DescribeSavingsPlansOfferingRates (Compute and EC2 "
         f"Instance, 1y/3y, no upfront; {where}), discount = 1 - rate / on-demand"),
        ("ec2-spot-history", f"EC2 DescribeSpotPriceHistory (Linux/UNIX, last 30 days; {where}), "
         "median per type, discount = 1 - median / on-demand, median per family"),
    ):  # fmt: skip
        if any(r["source"] == key for r in new):
            doc["sources"][key] = {"title": title, "date": today}


def _merge_lmi(
    doc: dict[str, Any],
    base: dict[str, Any] | None,
    regs: set[str],
    lmi: list[dict[str, Any]],
    items: list[dict[str, Any]],
    regions: Sequence[str],
) -> None:
    """The `lmi` rows: the base's for other regions, the Price List's for `regions`. A region
    where the Price List has none keeps no rows (the engine then derives the types)."""
    kept = [r for r in (base or {}).get("lmi", []) if r["region"] not in regs]
    if not (kept or lmi):
        return
    doc["lmi"] = kept + lmi
    if lmi:
        doc["sources"]["pricing-api-lambda-lmi"] = _source(
            "AWSLambda", "lambdaManagedInstanceType, Management-Hours", regions, items
        )


def _price_problem(kind: str, region: str, what: str, value: str) -> list[str]:
    """[] if `value` is a plausible USD price of this kind, else the one problem."""
    try:
        usd = float(value)
    except (TypeError, ValueError):
        return [f"{region}: {what} has no price"]
    low, high = BOUNDS[kind]
    if not low <= usd <= high:
        return [f"{region}: {what} = {value} USD is outside {low:g}-{high:g}"]
    return []


def _lambda_problems(doc: dict[str, Any], region: str) -> list[str]:
    rows = [r for r in doc["lambda"] if r["region"] == region]
    problems: list[str] = []
    for arch in ("x86_64", "arm64"):
        dims = {r["dimension"] for r in rows if r["arch"] == arch}
        problems += [
            f"{region}: Lambda {arch} {d} missing" for d in REQUIRED_LAMBDA_DIMS if d not in dims
        ]
    for r in rows:
        problems += _price_problem(
            r["dimension"], region, f"Lambda {r['arch']} {r['dimension']}", r["usd"]
        )
    return problems


def _fargate_problems(doc: dict[str, Any], region: str) -> list[str]:
    by_arch = {r["arch"]: r for r in doc["fargate"] if r["region"] == region}
    problems: list[str] = []
    for arch in ("x86_64", "arm64"):
        if arch not in by_arch:
            problems.append(f"{region}: Fargate {arch} prices missing")
            continue
        for kind in ("usd_per_vcpu_hour", "usd_per_gb_hour", "usd_per_storage_gb_hour"):
            problems += _price_problem(kind, region, f"Fargate {arch} {kind}", by_arch[arch][kind])
    return problems


def _ec2_problems(doc: dict[str, Any], region: str) -> list[str]:
    prices = doc["ec2"].get(region) or {}
    problems = [] if prices else [f"{region}: EC2 on-demand prices missing"]
    for instance_type, usd in prices.items():
        problems += _price_problem("ec2_hour", region, f"EC2 {instance_type}", usd)
    return problems


def _lmi_problems(doc: dict[str, Any], region: str) -> list[str]:
    return [
        problem
        for r in doc.get("lmi", [])
        if r["region"] == region
        for problem in _price_problem(
            "lmi_management_hour",
            region,
            f"Lambda Managed Instances {r['instance_type']} management fee",
            r["management_usd_per_hour"],
        )
    ]


def _frontdoor_problems(doc: dict[str, Any], region: str) -> list[str]:
    rows = [r for r in doc["frontdoor"] if r["region"] == region]
    have = {(r["service"], r["dimension"]) for r in rows}
    wanted = [
        ("alb", "per_alb_hour"),
        ("alb", "per_lcu_hour"),
        *[(s, d) for s, tiers in APIGW_TIERS.items() for d in tiers.values()],
    ]
    problems = [f"{region}: {s} {d} missing" for s, d in wanted if (s, d) not in have]
    for r in rows:
        problems += _price_problem(
            r["dimension"] if r["service"] == "alb" else "apigw",
            region,
            f"{r['service']} {r['dimension']}",
            r["usd"],
        )
    return problems


def validate(doc: dict[str, Any], regions: Sequence[str]) -> None:
    """Refuse a book with a missing dimension or a zero/absurd price in `regions`."""
    problems = [
        problem
        for region in regions
        for check in (
            _lambda_problems,
            _fargate_problems,
            _ec2_problems,
            _frontdoor_problems,
            _lmi_problems,
        )
        for problem in check(doc, region)
    ]
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise PriceBookError(
            "the refreshed price book is incomplete or implausible, the book in "
            f"use is unchanged: {'; '.join(problems[:3])}{more}"
        )
    book = PriceBook(doc)
    for region in regions:  # the engine can read every price it needs
        for arch in ("x86_64", "arm64"):
            book.lambda_rates(region, arch)
            book.fargate_rates(region, arch)
        book.ec2_types(region)
        book.alb(region)
        book.apigw_tiers(region, "apigw_rest")
        book.apigw_tiers(region, "apigw_http")
