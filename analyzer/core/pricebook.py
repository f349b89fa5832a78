"""The price book: every price the models need, per region and architecture, with provenance.

A price book is one JSON document (schema_version 1) written by `pricing_data/build_snapshot.py`
(the bundled snapshot, shipped inside the package as `analyzer/data/pricebook.json` and read with
`importlib.resources`) or by `crossover prices refresh` (from the AWS Pricing API). Lookups never
fall back to another region silently: a missing price raises `PriceBookError` saying what is
missing and how to get it.

(Just over 400 lines on purpose: one class answers every lookup into one JSON document, so the
document's schema is read in one place.)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.safe_load import load_file
from analyzer.exceptions import PriceBookError

SCHEMA_VERSION = 1
ENV_PRICEBOOK = "CROSSOVER_PRICEBOOK"

ARCHES = ("x86_64", "arm64")
# Lambda Managed Instances without `lmi` rows: sizes below .large are not offered, and the
# management fee is 15% of the EC2 on-demand price (AWS).
LMI_TOO_SMALL = ("nano", "micro", "small", "medium")
LMI_DERIVED_FEE = 0.15
LMI_FAMILY = r"^[cmr](\d+)[a-z]*$"  # C, M and R families (c7g, m6i, r8g, ...)
LMI_MIN_GENERATION = 5  # current generations only

# API Gateway request tiers: dimension name -> (first request, last request) of the tier.
_APIGW_TIERS: dict[str, tuple[float, float]] = {
    "per_million_requests_first_333m": (0, 333e6),
    "per_million_requests_next_667m": (333e6, 1e9),
    "per_million_requests_next_19b": (1e9, 20e9),
    "per_million_requests_over_20b": (20e9, np.inf),
    "per_million_requests_first_300m": (0, 300e6),
    "per_million_requests_over_300m": (300e6, np.inf),
}


def bundled_resource() -> Traversable:
    """The bundled snapshot: package data `analyzer/data/pricebook.json` (works from a wheel)."""
    return resources.files("analyzer") / "data" / "pricebook.json"


def bundled_document() -> dict[str, Any]:
    """The bundled snapshot's JSON document."""
    document: dict[str, Any] = json.loads(bundled_resource().read_text(encoding="utf-8"))
    return document


@dataclass(frozen=True)
class Tiers:
    """A tiered unit price: [start, end) ranges with a USD rate per unit."""

    starts: np.ndarray
    ends: np.ndarray
    rates: np.ndarray
    source: str = ""

    def cost(self, quantity: np.ndarray) -> np.ndarray:
        """Cost of `quantity` units (vectorised) billed through the tiers from zero."""
        q = np.asarray(quantity, dtype=float)[..., None]
        in_tier = np.clip(q - self.starts, 0.0, self.ends - self.starts)
        return np.asarray((in_tier * self.rates).sum(axis=-1))

    @property
    def covered_to(self) -> float:
        return float(self.ends.max())

    @property
    def first_rate(self) -> float:
        return float(self.rates[np.argmin(self.starts)])


@dataclass(frozen=True)
class LambdaRates:
    region: str
    arch: str
    request_usd: float  # per request
    duration: Tiers  # per GB-s
    storage_gb_s: float | None
    pc_gb_s: float | None
    pc_duration_gb_s: float | None
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FargateRates:
    region: str
    arch: str
    vcpu_hour: float
    gb_hour: float
    storage_gb_hour: float
    source: str


class PriceBook:
    """Immutable view over one price-book document."""

    def __init__(self, doc: dict[str, Any], path: Path | None = None) -> None:
        if doc.get("schema_version") != SCHEMA_VERSION:
            raise PriceBookError(
                f"price book {path or ''} has schema_version={doc.get('schema_version')!r}; "
                f"this version of Crossover reads {SCHEMA_VERSION}"
            )
        self.doc = doc
        self.path = path
        self.as_of: str = doc["as_of"]
        self.source: str = doc["source"]
        self.origin: str = doc.get("origin", "bundled")
        self.sources: dict[str, dict[str, str]] = doc.get("sources", {})
        self._lambda_rates: dict[tuple[str, str], LambdaRates] = {}

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None) -> PriceBook:
        """Load `path`, else $CROSSOVER_PRICEBOOK, else the bundled snapshot.

        (A refreshed book in the data directory is the adapters' business:
        `analyzer.adapters.pricebooks.resolve_pricebook`.)
        """
        chosen = path or os.environ.get(ENV_PRICEBOOK)
        if not chosen:
            return cls.bundled()
        p = Path(chosen)
        doc = load_file(p, "--pricebook" if path else ENV_PRICEBOOK, kind="json")
        if not isinstance(doc, dict):
            raise PriceBookError(f"price book {p} is not a price book (expected a JSON object)")
        return cls(doc, p)

    @classmethod
    def bundled(cls) -> PriceBook:
        """The snapshot shipped inside the package."""
        return cls(bundled_document())

    # -- provenance ------------------------------------------------------------------------
    def describe(self, source_id: str) -> str:
        s = self.sources.get(source_id)
        return f"{s['title']} ({s['date']})" if s else source_id

    def commitment_discount(
        self, region: str, product: str, family: str, option: str
    ) -> float | None:
        """The real discount of `option` (compute_sp_1y, ec2_instance_sp_3y, spot, ...) on
        `product` (ec2, fargate, lambda; `family` an EC2 family such as "m7g", "" otherwise) in
        `region`, read by `crossover prices refresh`; None when the book has none."""
        for row in self.doc.get("commitments", []):
            if (row["region"], row["product"], row["family"], row["option"]) == (
                region,
                product,
                family,
                option,
            ):
                return float(row["discount"])
        return None

    def summary(self) -> dict[str, str]:
        return {"as_of": self.as_of, "source": self.source, "origin": self.origin}

    # -- tables ----------------------------------------------------------------------------
    @cached_property
    def _lambda(self) -> pd.DataFrame:
        df = pd.DataFrame(self.doc["lambda"])
        df["usd"] = df["usd"].astype(float)
        return df

    @cached_property
    def specs(self) -> pd.DataFrame:
        df = pd.DataFrame.from_dict(self.doc["ec2_specs"], orient="index")
        df.index.name = "instance_type"
        df = df.reset_index()
        df["memory_mb"] = df["memory_gib"].astype(float) * 1024.0
        df["vcpu"] = df["vcpu"].astype(float)
        return df

    def regions(self, kind: str = "lambda") -> list[str]:
        if kind == "lambda":
            return sorted(set(self._lambda["region"]))
        if kind == "ec2":
            return sorted(self.doc["ec2"])
        if kind == "fargate":
            return sorted({r["region"] for r in self.doc["fargate"]})
        return sorted({r["region"] for r in self.doc["frontdoor"] if r["service"] == kind})

    def _missing(self, what: str, region: str) -> PriceBookError:
        return PriceBookError(
            f"the price book ({self.as_of}, {self.origin}) has no {what} for region {region}: "
            f"run `crossover prices refresh --region {region}` (needs AWS credentials), or price "
            f"it like another region with the assumption price_region_proxy "
            f"(e.g. --price-proxy {region}=us-east-1)"
        )

    # -- Lambda ----------------------------------------------------------------------------
    def lambda_rates(self, region: str, arch: str) -> LambdaRates:
        """Lambda's rates in `region` for `arch`, looked up once per book (the book does not
        change; every analysis asks for the same few pairs several times)."""
        key = (region, arch)
        if key not in self._lambda_rates:
            self._lambda_rates[key] = self._find_lambda_rates(region, arch)
        return self._lambda_rates[key]

    def _find_lambda_rates(self, region: str, arch: str) -> LambdaRates:
        if arch not in ARCHES:
            raise PriceBookError(f"arch={arch!r}: must be one of {', '.join(ARCHES)}")
        df = self._lambda[(self._lambda["region"] == region) & (self._lambda["arch"] == arch)]
        if df.empty:
            raise self._missing(f"Lambda {arch} prices", region)

        def one(dim: str) -> tuple[float | None, str]:
            row = df[df["dimension"] == dim]
            if row.empty:
                return None, ""
            return float(row["usd"].iloc[0]), str(row["source"].iloc[0])

        req, req_src = one("requests_per_1m")
        if req is None:
            raise self._missing(f"Lambda {arch} request price", region)
        dur = df[df["dimension"] == "duration_gb_s"].sort_values("tier_start_gb_s")
        if dur.empty:
            raise self._missing(f"Lambda {arch} duration price", region)
        starts = dur["tier_start_gb_s"].fillna(0.0).to_numpy(dtype=float)
        ends = dur["tier_end_gb_s"].astype(float).fillna(np.inf).to_numpy(dtype=float)
        tiers = Tiers(
            starts, ends, dur["usd"].to_numpy(dtype=float), "+".join(sorted(set(dur["source"])))
        )
        storage, st_src = one("ephemeral_storage_gb_s")
        pc, pc_src = one("provisioned_concurrency_gb_s")
        pcd, pcd_src = one("provisioned_duration_gb_s")
        return LambdaRates(
            region,
            arch,
            req / 1e6,
            tiers,
            storage,
            pc,
            pcd,
            {
                "requests": req_src,
                "duration": tiers.source,
                "storage": st_src,
                "provisioned": pc_src or pcd_src,
            },
        )

    # -- EC2 -------------------------------------------------------------------------------
    def ec2_types(self, region: str) -> pd.DataFrame:
        """instance_type, vcpu, memory_mb, arch, burstable, usd_per_hour for `region`."""
        prices = self.doc["ec2"].get(region)
        if not prices:
            raise self._missing("EC2 on-demand prices", region)
        p = pd.DataFrame(
            {"instance_type": list(prices), "usd_per_hour": [float(v) for v in prices.values()]}
        )
        return p.merge(self.specs, on="instance_type", how="inner")

    def ec2_price(self, region: str, instance_type: str) -> float:
        prices = self.doc["ec2"].get(region)
        if not prices:
            raise self._missing("EC2 on-demand prices", region)
        if instance_type not in prices:
            raise PriceBookError(
                f"instance_type={instance_type!r}: no on-demand price in {region} in the price book "
                f"({self.as_of}); check the name or run `crossover prices refresh --region {region}`"
            )
        return float(prices[instance_type])

    # -- Lambda Managed Instances ------------------------------------------------------------
    def lmi_types(self, region: str) -> pd.DataFrame:
        """instance_type, management_usd_per_hour, source: the instance types Lambda Managed
        Instances supports in `region` and their management fee per instance-hour.

        From the book's `lmi` rows (region, instance_type, management_usd_per_hour, source) when
        it has some for `region`; else derived from the region's EC2 types: C, M and R families
        (x86_64 and Graviton) of generation 5 and later, `.large` and larger, no burstable or metal, with the fee = 15% of
        the on-demand price, and `source` saying it was derived."""
        rows = [r for r in self.doc.get("lmi", []) if r.get("region") == region]
        if rows:
            df = pd.DataFrame(rows)
            df["management_usd_per_hour"] = df["management_usd_per_hour"].astype(float)
            return df[["instance_type", "management_usd_per_hour", "source"]].reset_index(drop=True)
        types = self.ec2_types(region)
        parts = types["instance_type"].str.split(".", n=1, expand=True)
        family: pd.Series = parts[0].astype(str)
        size: pd.Series = parts[1].astype(str)
        generation = pd.to_numeric(family.str.extract(LMI_FAMILY)[0], errors="coerce")
        supported = np.asarray(
            (generation >= LMI_MIN_GENERATION)
            & ~size.isin(LMI_TOO_SMALL)
            & ~size.str.contains("metal")
            & ~types["burstable"].fillna(False).astype(bool),
            dtype=bool,
        )
        chosen = types[supported]
        return pd.DataFrame(
            {
                "instance_type": chosen["instance_type"].to_numpy(),
                "management_usd_per_hour": chosen["usd_per_hour"].to_numpy() * LMI_DERIVED_FEE,
                "source": f"derived: no Lambda Managed Instances rows for {region} in the price "
                f"book; C/M/R .large and larger EC2 types, fee {LMI_DERIVED_FEE:.0%} of the "
                "on-demand price",
            }
        )

    def has_instance_type(self, instance_type: str) -> bool:
        return instance_type in self.doc["ec2_specs"]

    # -- Fargate ---------------------------------------------------------------------------
    def fargate_rates(self, region: str, arch: str) -> FargateRates:
        for r in self.doc["fargate"]:
            if (
                r["region"] == region
                and r["arch"] == arch
                and r.get("capacity", "on-demand") == "on-demand"
            ):
                return FargateRates(
                    region,
                    arch,
                    float(r["usd_per_vcpu_hour"]),
                    float(r["usd_per_gb_hour"]),
                    float(r["usd_per_storage_gb_hour"]),
                    r.get("source", "fargate"),
                )
        raise self._missing(f"Fargate {arch} prices", region)

    # -- front doors -----------------------------------------------------------------------
    def _frontdoor(self, region: str, service: str) -> dict[str, float]:
        rows = {
            r["dimension"]: float(r["usd"])
            for r in self.doc["frontdoor"]
            if r["region"] == region and r["service"] == service
        }
        if not rows:
            name = {
                "alb": "Application Load Balancer",
                "apigw_rest": "API Gateway REST",
                "apigw_http": "API Gateway HTTP API",
            }.get(service, service)
            raise self._missing(f"{name} prices", region)
        return rows

    def alb(self, region: str) -> tuple[float, float]:
        """(USD per ALB-hour, USD per LCU-hour)."""
        d = self._frontdoor(region, "alb")
        return d["per_alb_hour"], d["per_lcu_hour"]

    def apigw_tiers(self, region: str, service: str) -> Tiers:
        """Per-request tiers for apigw_rest / apigw_http."""
        d = self._frontdoor(region, service)
        items = sorted((_APIGW_TIERS[k], v / 1e6) for k, v in d.items() if k in _APIGW_TIERS)
        return Tiers(
            np.array([s for (s, _), _ in items]),
            np.array([e for (_, e), _ in items]),
            np.array([r for _, r in items]),
            "apigw",
        )

    def to_frame(self) -> pd.DataFrame:
        """Every price as a flat table (service, region, arch, item, usd, unit, source) for exports."""
        rows: list[dict[str, Any]] = []
        for r in self.doc["lambda"]:
            tier = ""
            if r.get("tier_start_gb_s") is not None:
                end = r.get("tier_end_gb_s")
                tier = f" [{r['tier_start_gb_s']:.0f}-{'' if end is None else f'{end:.0f}'} GB-s]"
            unit = "USD per 1M requests" if r["dimension"] == "requests_per_1m" else "USD per GB-s"
            rows.append(
                {
                    "service": "lambda",
                    "region": r["region"],
                    "arch": r["arch"],
                    "item": r["dimension"] + tier,
                    "usd": float(r["usd"]),
                    "unit": unit,
                    "source": self.describe(r["source"]),
                }
            )
        for r in self.doc["fargate"]:
            for dim, unit in (
                ("usd_per_vcpu_hour", "USD per vCPU-hour"),
                ("usd_per_gb_hour", "USD per GB-hour"),
                ("usd_per_storage_gb_hour", "USD per storage GB-hour"),
            ):
                rows.append(
                    {
                        "service": "fargate",
                        "region": r["region"],
                        "arch": r["arch"],
                        "item": dim,
                        "usd": float(r[dim]),
                        "unit": unit,
                        "source": self.describe(r.get("source", "fargate")),
                    }
                )
        for r in self.doc["frontdoor"]:
            rows.append(
                {
                    "service": r["service"],
                    "region": r["region"],
                    "arch": "",
                    "item": r["dimension"],
                    "usd": float(r["usd"]),
                    "unit": "USD",
                    "source": self.describe(r.get("source", r["service"])),
                }
            )
        return pd.DataFrame(rows)
