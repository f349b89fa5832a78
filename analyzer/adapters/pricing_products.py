"""Reading the AWS Price List Query API (pricing:GetProducts): one function per service that
returns its products as price-book rows (`lambda_products`, `fargate_products`, `ec2_products`,
`alb_products`, `apigw_products`), with the raw items (for their publication dates).

`analyzer.adapters.pricing_refresh` assembles these rows into a price-book document.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import boto3
from botocore.config import Config

from analyzer.adapters.aws.session import RETRY_CONFIG, resolve_endpoint

log = logging.getLogger(__name__)

#: fewer attempts than collection: an endpoint without the Pricing API (a local AWS) answers 500,
#: and the user should hear that in seconds, not minutes
PRICING_CONFIG = RETRY_CONFIG.merge(Config(retries={"mode": "adaptive", "max_attempts": 4}))
PRICING_REGION = "us-east-1"  # the Pricing API answers in us-east-1, ap-south-1, eu-central-1

#: Lambda price group -> (arch, price-book dimension)
LAMBDA_GROUPS: dict[str, tuple[str, str]] = {
    "AWS-Lambda-Requests": ("x86_64", "requests_per_1m"),
    "AWS-Lambda-Requests-ARM": ("arm64", "requests_per_1m"),
    "AWS-Lambda-Duration": ("x86_64", "duration_gb_s"),
    "AWS-Lambda-Duration-ARM": ("arm64", "duration_gb_s"),
    "AWS-Lambda-Storage-Duration": ("x86_64", "ephemeral_storage_gb_s"),
    "AWS-Lambda-Storage-Duration-ARM": ("arm64", "ephemeral_storage_gb_s"),
    "AWS-Lambda-Provisioned-Concurrency": ("x86_64", "provisioned_concurrency_gb_s"),
    "AWS-Lambda-Provisioned-Concurrency-ARM": ("arm64", "provisioned_concurrency_gb_s"),
    "AWS-Lambda-Duration-Provisioned": ("x86_64", "provisioned_duration_gb_s"),
    "AWS-Lambda-Duration-Provisioned-ARM": ("arm64", "provisioned_duration_gb_s"),
}
EC2_FILTERS = {
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
    "licenseModel": "No License required",
    "marketoption": "OnDemand",
}
_FARGATE = re.compile(r"^(?:[A-Z0-9]+-)?Fargate-(ARM-)?(vCPU-Hours:perCPU|GB-Hours)$")
_FARGATE_STORAGE = re.compile(r"^(?:[A-Z0-9]+-)?Fargate-EphemeralStorage-GB-Hours$")
_ALB_HOUR = re.compile(r"^(?:[A-Z0-9]+-)?LoadBalancerUsage$")
_ALB_LCU = re.compile(r"^(?:[A-Z0-9]+-)?LCUUsage$")
_APIGW_REST = re.compile(r"^(?:[A-Z0-9]+-)?ApiGatewayRequest$")
_APIGW_HTTP = re.compile(r"^(?:[A-Z0-9]+-)?ApiGatewayHttpRequest$")
#: tier start (requests) -> price-book dimension, as the engine's tiers expect
APIGW_TIERS: dict[str, dict[Decimal, str]] = {
    "apigw_rest": {
        Decimal(0): "per_million_requests_first_333m",
        Decimal(333_000_000): "per_million_requests_next_667m",
        Decimal(1_000_000_000): "per_million_requests_next_19b",
        Decimal(20_000_000_000): "per_million_requests_over_20b",
    },
    "apigw_http": {
        Decimal(0): "per_million_requests_first_300m",
        Decimal(300_000_000): "per_million_requests_over_300m",
    },
}


# -- GetProducts --------------------------------------------------------------------------------
def pricing_client(session: boto3.Session | None = None, endpoint_url: str | None = None) -> Any:
    """A Pricing API client; a given endpoint must be a usable URL (never silently AWS).

    $AWS_ENDPOINT_URL_PRICING wins over `endpoint_url` (see `resolve_endpoint`)."""
    chosen = session or boto3.Session()
    endpoint = resolve_endpoint(endpoint_url, "pricing")
    return chosen.client(
        "pricing", region_name=PRICING_REGION, endpoint_url=endpoint, config=PRICING_CONFIG
    )


def product_filters(**terms: str) -> list[dict[str, str]]:
    out = []
    for field, value in terms.items():
        kind = "TERM_MATCH"
        if field.endswith("__any"):
            field, kind = field.removesuffix("__any"), "ANY_OF"
        elif field.endswith("__contains"):
            field, kind = field.removesuffix("__contains"), "CONTAINS"
        elif field == "regionCode":
            kind = "EQUALS"
        out.append({"Type": kind, "Field": field, "Value": value})
    return out


def get_products(
    client: Any, service_code: str, filters: list[dict[str, str]]
) -> list[dict[str, Any]]:
    """Every product matching the filters (paginated), each PriceList item parsed."""
    items: list[dict[str, Any]] = []
    pages = client.get_paginator("get_products").paginate(
        ServiceCode=service_code,
        Filters=filters,
        FormatVersion="aws_v1",
        PaginationConfig={"PageSize": 100},
    )
    for page in pages:
        items.extend(json.loads(p) if isinstance(p, str) else p for p in page["PriceList"])
    return items


def _ondemand(item: dict[str, Any]) -> list[tuple[Decimal, Decimal | None, Decimal, str]]:
    """(begin, end or None for Inf, USD per unit, unit) of the OnDemand price dimensions."""
    dims = []
    for term in item.get("terms", {}).get("OnDemand", {}).values():
        for d in term.get("priceDimensions", {}).values():
            try:
                usd = Decimal(d["pricePerUnit"]["USD"])
                begin = Decimal(d.get("beginRange", "0") or "0")
                end_raw = d.get("endRange", "Inf")
                end = None if end_raw in ("Inf", "", None) else Decimal(end_raw)
            except (KeyError, InvalidOperation):
                continue
            dims.append((begin, end, usd, d.get("unit", "")))
    return sorted(dims, key=lambda x: x[0])


def _attrs(item: dict[str, Any]) -> dict[str, str]:
    return dict(item.get("product", {}).get("attributes", {}))


def _num(d: Decimal) -> str:
    """Decimal as a plain string without exponent or trailing zeros ("0.0000166667")."""
    text = format(d.normalize(), "f")
    return text if text not in ("-0",) else "0"


def published_date(items: Iterable[dict[str, Any]]) -> str:
    dates = sorted(
        str(i.get("publicationDate", ""))[:10] for i in items if i.get("publicationDate")
    )
    return dates[-1] if dates else "unknown"


def _is_free_tier(attrs: dict[str, str], region: str) -> bool:
    return (
        attrs.get("location") == "Any"
        or attrs.get("regionCode", region) != region
        or attrs.get("usagetype", "").startswith("Global-")
    )


# -- per service --------------------------------------------------------------------------------
def lambda_products(client: Any, region: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items = get_products(
        client, "AWSLambda", product_filters(regionCode=region, group__any=",".join(LAMBDA_GROUPS))
    )
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        attributes = _attrs(item)
        if _is_free_tier(attributes, region) or attributes.get("group") not in LAMBDA_GROUPS:
            continue
        arch, dim = LAMBDA_GROUPS[attributes["group"]]
        if (arch, dim) in seen:
            log.info(
                "ignoring attributes second %s product in %s (%s)",
                attributes["group"],
                region,
                attributes.get("usagetype"),
            )
            continue
        seen.add((arch, dim))
        for begin, end, usd, _unit in _ondemand(item):
            if dim == "requests_per_1m":
                rows.append(_lambda_row(region, arch, dim, None, None, usd * 1_000_000))
            elif dim == "duration_gb_s":
                rows.append(
                    _lambda_row(
                        region, arch, dim, float(begin), None if end is None else float(end), usd
                    )
                )
            else:
                rows.append(_lambda_row(region, arch, dim, None, None, usd))
    return rows, items


def _lambda_row(
    region: str, arch: str, dim: str, start: float | None, end: float | None, usd: Decimal
) -> dict[str, Any]:
    return {
        "region": region,
        "arch": arch,
        "dimension": dim,
        "tier_start_gb_s": start,
        "tier_end_gb_s": end,
        "usd": _num(usd),
        "source": "pricing-api-lambda",
    }


def lmi_products(client: Any, region: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Lambda Managed Instances: the AWSLambda products carrying `lambdaManagedInstanceType`
    with a usage type containing `Management-Hours` (the management fee per instance-hour):
    rows {region, instance_type, management_usd_per_hour, source}, one per supported type."""
    items = get_products(
        client,
        "AWSLambda",
        product_filters(regionCode=region, usagetype__contains="Management-Hours"),
    )
    fees: dict[str, Decimal] = {}
    for item in items:
        attributes = _attrs(item)
        itype = attributes.get("lambdaManagedInstanceType", "")
        dims = [d for d in _ondemand(item) if d[2] > 0]
        if _is_free_tier(attributes, region) or not itype or not dims:
            continue
        if "Management-Hours" in attributes.get("usagetype", ""):
            fees.setdefault(itype, dims[0][2])
    return [
        {
            "region": region,
            "instance_type": itype,
            "management_usd_per_hour": _num(usd),
            "source": "pricing-api-lambda-lmi",
        }
        for itype, usd in sorted(fees.items())
    ], items


def fargate_products(client: Any, region: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items = get_products(
        client, "AmazonECS", product_filters(regionCode=region, usagetype__contains="Fargate")
    )
    found: dict[tuple[str, str], Decimal] = {}
    storage: Decimal | None = None
    for item in items:
        usage = _attrs(item).get("usagetype", "")
        dims = _ondemand(item)
        if not dims:
            continue
        if m := _FARGATE.match(usage):
            arch = "arm64" if m.group(1) else "x86_64"
            kind = "usd_per_vcpu_hour" if m.group(2).startswith("vCPU") else "usd_per_gb_hour"
            found.setdefault((arch, kind), dims[0][2])
        elif _FARGATE_STORAGE.match(usage) and storage is None:
            storage = dims[0][2]
    rows = []
    for arch in ("x86_64", "arm64"):
        if (arch, "usd_per_vcpu_hour") in found and (arch, "usd_per_gb_hour") in found:
            rows.append(
                {
                    "region": region,
                    "arch": arch,
                    "capacity": "on-demand",
                    "usd_per_vcpu_hour": _num(found[(arch, "usd_per_vcpu_hour")]),
                    "usd_per_gb_hour": _num(found[(arch, "usd_per_gb_hour")]),
                    "usd_per_storage_gb_hour": "" if storage is None else _num(storage),
                    "source": "pricing-api-fargate",
                }
            )
    return rows, items


def _arch_of(attributes: dict[str, str]) -> str:
    cpu = (
        attributes.get("physicalProcessor", "") + " " + attributes.get("processorArchitecture", "")
    ).lower()
    return "arm64" if ("graviton" in cpu or "arm" in cpu) else "x86_64"


def _memory_gib(text: str) -> float:
    return float(text.replace(",", "").split()[0])


def ec2_products(
    client: Any, region: str
) -> tuple[dict[str, str], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    items = get_products(client, "AmazonEC2", product_filters(regionCode=region, **EC2_FILTERS))
    prices: dict[str, str] = {}
    specs: dict[str, dict[str, Any]] = {}
    for item in items:
        attributes = _attrs(item)
        instance_type = attributes.get("instanceType")
        dims = [d for d in _ondemand(item) if d[3] == "Hrs"]
        if not instance_type or not dims:
            continue
        if dims[0][2] <= 0:
            log.warning(
                "EC2 %s in %s has attributes zero on-demand price: skipped", instance_type, region
            )
            continue
        prices[instance_type] = _num(dims[0][2])
        try:
            specs[instance_type] = {
                "vcpu": int(attributes["vcpu"]),
                "memory_gib": _memory_gib(attributes["memory"]),
                "arch": _arch_of(attributes),
                "burstable": bool(re.match(r"^t\d", instance_type)),
            }
        except (KeyError, ValueError, IndexError):
            log.info("EC2 %s: no usable vcpu/memory attributes", instance_type)
    return prices, specs, items


def alb_products(client: Any, region: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items = get_products(
        client,
        "AWSELB",
        product_filters(regionCode=region, productFamily="Load Balancer-Application"),
    )
    rows: dict[str, Decimal] = {}
    for item in items:
        usage = _attrs(item).get("usagetype", "")
        dims = _ondemand(item)
        if not dims:
            continue
        if _ALB_HOUR.match(usage):
            rows.setdefault("per_alb_hour", dims[0][2])
        elif _ALB_LCU.match(usage):
            rows.setdefault("per_lcu_hour", dims[0][2])
    return [
        {
            "region": region,
            "service": "alb",
            "dimension": k,
            "usd": _num(v),
            "source": "pricing-api-elb",
        }
        for k, v in sorted(rows.items())
    ], items


def apigw_products(client: Any, region: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items = get_products(
        client, "AmazonApiGateway", product_filters(regionCode=region, productFamily="API Calls")
    )
    rows: list[dict[str, Any]] = []
    done: set[str] = set()
    for item in items:
        usage = _attrs(item).get("usagetype", "")
        service = (
            "apigw_rest"
            if _APIGW_REST.match(usage)
            else "apigw_http"
            if _APIGW_HTTP.match(usage)
            else None
        )
        if service is None or service in done:
            continue
        done.add(service)
        for begin, _end, usd, _unit in _ondemand(item):
            dim = APIGW_TIERS[service].get(begin)
            if dim is None:
                log.warning(
                    "API Gateway %s tier starting at %s requests is not modelled", service, begin
                )
                continue
            rows.append(
                {
                    "region": region,
                    "service": service,
                    "dimension": dim,
                    "usd": _num(usd * 1_000_000),
                    "source": "pricing-api-apigw",
                }
            )
    return rows, items
