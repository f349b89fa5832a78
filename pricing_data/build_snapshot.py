"""Rebuild the bundled price book from the source CSVs, keeping each price's provenance.

    python pricing_data/build_snapshot.py                      # from pricing_data/sources/
    python pricing_data/build_snapshot.py --sources path/to/sources --as-of 2026-11-26

The sources (and SOURCES.md, which says where every number came from) live in
pricing_data/sources/ so that the snapshot can be rebuilt from a clone alone. The output,
analyzer/data/pricebook.json, ships inside the package (package data, read with
importlib.resources) and is what `crossover` loads when no refreshed price book is in use; the
cost model it feeds is described in docs/model.md. It is written atomically (temp file + rename).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: the bundled snapshot inside the package (`analyzer.core.pricebook.bundled_resource`)
PACKAGED_BOOK = HERE.parent / "analyzer" / "data" / "pricebook.json"

# Where each group of prices came from (summarised from SOURCES.md, which has the full story).
SOURCES: dict[str, dict[str, str]] = {
    "lambda-base": {
        "title": "AWS calculator price data (lambda.json) as transcribed in remotion-dev/remotion "
        "packages/lambda-client/src/price-per-1s.ts @ 024b341a",
        "date": "undated; read 2026-11-26",
    },
    "lambda-tiers": {
        "title": "Tier boundaries: AWS Compute Blog 'Introducing tiered pricing for AWS Lambda'",
        "date": "undated",
    },
    "lambda-tier-prices-use1": {
        "title": "us-east-1 tier 2/3 duration prices derived from infracost lambda_function_test.golden "
        "@ e9ce6290 (total / quantity)",
        "date": "2024-07-01",
    },
    "lambda-pc-arm-use1": {
        "title": "Third-party summary of the AWS Price List API (us-east-1 arm64 provisioned "
        "concurrency); less certain, prefer `crossover prices refresh`",
        "date": "2025-10-28",
    },
    "ec2-ondemand": {
        "title": "aws/karpenter-provider-aws zz_generated.pricing_aws.go @ 6fc13b52 (Pricing API, "
        "Linux, shared tenancy, on-demand)",
        "date": "2026-07-20",
    },
    "ec2-specs": {
        "title": "aws/karpenter-provider-aws instance-types.md @ 692ccdd0 (DescribeInstanceTypes)",
        "date": "2026-07-11",
    },
    "fargate": {
        "title": "Vantage 'AWS Fargate Pricing Explained' (us-east-1), corroborated by "
        "factualminds.com (June 2026) and infracost ecs_service_test.golden",
        "date": "2026-06-17",
    },
    "alb": {
        "title": "AWS ELB pricing page (copy by api-evangelist), corroborated by infracost lb_test",
        "date": "2026-09-20",
    },
    "apigw": {
        "title": "infracost api_gateway_rest_api_test / apigatewayv2_api_test golden files "
        "@ e9ce6290 (us-east-1)",
        "date": "2024-07-01",
    },
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _lambda_source(row: dict[str, str]) -> str:
    if row["region"] == "us-east-1" and row["dimension"] == "duration_gb_s":
        if row["tier_start_gb_s"] not in ("", "0"):
            return "lambda-tier-prices-use1"
    if (
        row["region"] == "us-east-1"
        and row["arch"] == "arm64"
        and row["dimension"].startswith("provisioned_")
    ):
        return "lambda-pc-arm-use1"
    return "lambda-base"


def build(sources: Path, as_of: str) -> dict[str, Any]:
    lam = []
    for r in _rows(sources / "lambda_prices.csv"):
        lam.append(
            {
                "region": r["region"],
                "arch": r["arch"],
                "dimension": r["dimension"],
                "tier_start_gb_s": float(r["tier_start_gb_s"]) if r["tier_start_gb_s"] else None,
                "tier_end_gb_s": float(r["tier_end_gb_s"]) if r["tier_end_gb_s"] else None,
                "usd": r["usd"],
                "source": _lambda_source(r),
            }
        )
    specs = {
        r["instance_type"]: {
            "vcpu": int(r["vcpu"]),
            "memory_gib": float(r["memory_gib"]),
            "arch": r["arch"],
            "burstable": r["burstable"] == "true",
        }
        for r in _rows(sources / "ec2_specs.csv")
    }
    ec2: dict[str, dict[str, str]] = {}
    for r in _rows(sources / "ec2_ondemand_linux.csv"):
        ec2.setdefault(r["region"], {})[r["instance_type"]] = r["usd_per_hour"]
    fargate = [
        {
            "region": r["region"],
            "arch": r["arch"],
            "capacity": r["capacity"],
            "usd_per_vcpu_hour": r["usd_per_vcpu_hour"],
            "usd_per_gb_hour": r["usd_per_gb_hour"],
            "usd_per_storage_gb_hour": r["usd_per_storage_gb_hour"],
            "source": "fargate",
        }
        for r in _rows(sources / "fargate_prices.csv")
    ]
    frontdoor = [
        {
            "region": r["region"],
            "service": r["service"],
            "dimension": r["dimension"],
            "usd": r["usd"],
            "source": "alb" if r["service"] == "alb" else "apigw",
        }
        for r in _rows(sources / "frontdoor_prices.csv")
    ]
    return {
        "schema_version": 1,
        "as_of": as_of,
        "source": "bundled snapshot built from pricing_data/sources (provenance: SOURCES.md)",
        "origin": "bundled",
        "sources": SOURCES,
        "lambda": lam,
        "ec2_specs": specs,
        "ec2": ec2,
        "ec2_source": "ec2-ondemand",
        "ec2_specs_source": "ec2-specs",
        "fargate": fargate,
        "frontdoor": frontdoor,
    }


def write_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=Path, default=HERE / "sources")
    ap.add_argument("--as-of", default="2026-11-26", help="date the snapshot was assembled")
    ap.add_argument("--out", type=Path, default=PACKAGED_BOOK)
    args = ap.parse_args()
    write_atomic(args.out, build(args.sources, args.as_of))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
