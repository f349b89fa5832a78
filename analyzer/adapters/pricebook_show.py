"""What a price book holds for one region (`crossover prices show --region R`): Lambda, EC2 (type
count), Fargate, ALB, API Gateway, Lambda Managed Instances and commitment rates, each with the
source and date it came from. Reads the book's document; prices nothing."""

from __future__ import annotations

from typing import Any

from analyzer.core.pricebook import PriceBook


def _src(book: PriceBook, key: str) -> tuple[str, str]:
    source = book.sources.get(key, {})
    return key, str(source.get("date", book.as_of))


def _row(book: PriceBook, what: str, value: str, key: str) -> dict[str, str]:
    source, date = _src(book, key)
    return {"what": what, "value": value, "source": source, "date": date}


def _lambda_rows(book: PriceBook, region: str) -> list[dict[str, str]]:
    rows = []
    for arch in ("x86_64", "arm64"):
        found = [
            r
            for r in book.doc["lambda"]
            if r["region"] == region
            and r["arch"] == arch
            and r["dimension"] in ("requests_per_1m", "duration_gb_s")
        ]
        req = next((r for r in found if r["dimension"] == "requests_per_1m"), None)
        dur = sorted(
            (r for r in found if r["dimension"] == "duration_gb_s"),
            key=lambda r: r["tier_start_gb_s"] or 0.0,
        )
        if req and dur:
            rows.append(
                _row(
                    book,
                    f"Lambda {arch}",
                    f"${req['usd']}/M requests, ${dur[0]['usd']}/GB-s (first tier)",
                    req["source"],
                )
            )
    return rows


def _frontdoor_rows(book: PriceBook, region: str) -> list[dict[str, str]]:
    rows = [r for r in book.doc["frontdoor"] if r["region"] == region]
    out = []
    for service, label, first in (
        ("alb", "ALB", None),
        ("apigw_rest", "API Gateway REST", "per_million_requests_first_333m"),
        ("apigw_http", "API Gateway HTTP", "per_million_requests_first_300m"),
    ):
        mine = {r["dimension"]: r for r in rows if r["service"] == service}
        if not mine:
            continue
        if first is None and "per_alb_hour" in mine and "per_lcu_hour" in mine:
            value = f"${mine['per_alb_hour']['usd']}/h + ${mine['per_lcu_hour']['usd']}/LCU-h"
            out.append(_row(book, label, value, mine["per_alb_hour"]["source"]))
        elif first in mine:
            out.append(
                _row(book, label, f"${mine[first]['usd']}/M (first tier)", mine[first]["source"])
            )
    return out


def region_rows(book: PriceBook, region: str) -> list[dict[str, str]]:
    """One row per kind of price the book holds for `region` ("missing" where it has none)."""
    rows = _lambda_rows(book, region) or [_row(book, "Lambda", "missing", "")]
    ec2 = book.doc["ec2"].get(region) or {}
    rows.append(
        _row(book, "EC2 on-demand", f"{len(ec2)} instance types" if ec2 else "missing",
             str(book.doc.get("ec2_source", "")) if ec2 else "")
    )  # fmt: skip
    fargate = [r for r in book.doc["fargate"] if r["region"] == region]
    for r in fargate:
        rows.append(
            _row(
                book,
                f"Fargate {r['arch']}",
                f"${r['usd_per_vcpu_hour']}/vCPU-h + ${r['usd_per_gb_hour']}/GB-h",
                r["source"],
            )
        )
    if not fargate:
        rows.append(_row(book, "Fargate", "missing", ""))
    rows += _frontdoor_rows(book, region) or [_row(book, "ALB / API Gateway", "missing", "")]
    lmi = [r for r in book.doc.get("lmi", []) if r.get("region") == region]
    rows.append(
        _row(book, "Lambda Managed Instances",
             f"{len(lmi)} instance types" if lmi else "not in the book (derived: C/M/R .large+, "
             "15% of on-demand)", lmi[0]["source"] if lmi else "")
    )  # fmt: skip
    rows += _commitment_rows(book, region)
    return rows


def _commitment_rows(book: PriceBook, region: str) -> list[dict[str, str]]:
    found: list[dict[str, Any]] = [
        r for r in book.doc.get("commitments", []) if r.get("region") == region
    ]
    if not found:
        return [_row(book, "Commitment rates", "not in the book (typical discounts assumed)", "")]
    by_option: dict[str, list[dict[str, Any]]] = {}
    for r in found:
        by_option.setdefault(str(r["option"]), []).append(r)
    return [
        _row(book, f"Commitment {option}", f"{len(rs)} rates", str(rs[0].get("source", "")))
        for option, rs in sorted(by_option.items())
    ]
