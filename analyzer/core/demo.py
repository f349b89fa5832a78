"""The bundled demo fleet: deterministic, realistic, generated (seeded), not typed in.

Three accounts (dev, test, prod), two regions, 90 days of hourly traffic. Archetypes cover each
verdict: steady high-volume APIs (outgrown), growing services (watch), diurnal and spiky batch
work (stay), dying functions, provisioned concurrency, big ephemeral storage. Traffic is drawn
with numpy for the whole fleet at once (functions x hours arrays).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.core.fleet import FleetData, function_id
from analyzer.core.vocabulary import HOURS_PER_MONTH

SEED = 20261126
DAYS = 90
END = pd.Timestamp("2026-11-23T00:00:00Z")
ACCOUNTS = (
    ("111111111111", "acme-dev", "dev", 0.02),
    ("222222222222", "acme-test", "test", 0.08),
    ("333333333333", "acme-prod", "prod", 1.0),
)
REGIONS = ("us-east-1", "eu-west-1")
# The bundled price book has EC2/Fargate/ALB prices for us-east-1 only; the demo prices its
# eu-west-1 functions' alternatives with us-east-1 list prices and says so on every result.
PRICE_PROXY = {"eu-west-1": "us-east-1"}


@dataclass(frozen=True)
class Archetype:
    name: str
    rps: float  # mean requests/s in prod at the start of the window
    duration_ms: float
    memory_mb: int
    arch: str
    runtime: str
    front_door: str
    shape: str  # steady | diurnal | batch | spiky
    growth: float  # monthly growth rate
    timeout_s: float = 30.0
    ephemeral_mb: int = 512
    pc: int = 0
    regions: tuple[str, ...] = ("us-east-1",)


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype(
        "orders-api",
        140,
        85,
        1024,
        "x86_64",
        "python3.12",
        "apigw_rest",
        "diurnal",
        0.02,
        regions=REGIONS,
    ),
    Archetype("catalog-api", 220, 45, 512, "arm64", "nodejs20.x", "apigw_http", "diurnal", 0.01),
    Archetype(
        "auth-token", 310, 22, 256, "arm64", "nodejs20.x", "alb", "steady", 0.0, regions=REGIONS
    ),
    Archetype("events-ingest", 420, 35, 512, "x86_64", "python3.12", "none", "steady", 0.015),
    Archetype("clickstream-enrich", 160, 140, 1024, "x86_64", "java21", "none", "steady", 0.03),
    Archetype(
        "search-suggest", 95, 60, 1769, "x86_64", "java21", "function_url", "diurnal", 0.0, pc=20
    ),
    Archetype(
        "payments-webhook", 9, 180, 1024, "x86_64", "python3.12", "apigw_rest", "diurnal", 0.11
    ),
    Archetype(
        "recommendations",
        14,
        240,
        2048,
        "arm64",
        "python3.12",
        "apigw_http",
        "diurnal",
        0.14,
        regions=REGIONS,
    ),
    Archetype(
        "notifications-fanout", 22, 120, 512, "x86_64", "nodejs20.x", "none", "diurnal", 0.08
    ),
    Archetype(
        "pricing-engine", 30, 300, 3008, "x86_64", "java21", "apigw_rest", "diurnal", 0.06, pc=8
    ),
    Archetype(
        "image-resize",
        6,
        900,
        4096,
        "x86_64",
        "python3.12",
        "none",
        "spiky",
        0.02,
        timeout_s=120,
        ephemeral_mb=4096,
        regions=REGIONS,
    ),
    Archetype(
        "pdf-render",
        1.5,
        2400,
        3008,
        "x86_64",
        "nodejs20.x",
        "none",
        "spiky",
        0.0,
        timeout_s=300,
        ephemeral_mb=2048,
    ),
    Archetype(
        "nightly-etl",
        0.05,
        45000,
        2048,
        "x86_64",
        "python3.12",
        "none",
        "batch",
        0.0,
        timeout_s=900,
    ),
    Archetype(
        "report-export",
        0.4,
        8000,
        1024,
        "arm64",
        "python3.12",
        "none",
        "batch",
        0.02,
        timeout_s=900,
    ),
    Archetype(
        "user-profile-api",
        3,
        70,
        512,
        "arm64",
        "nodejs20.x",
        "apigw_http",
        "diurnal",
        0.01,
        regions=REGIONS,
    ),
    Archetype("legacy-sync", 12, 400, 1536, "x86_64", "python3.9", "none", "steady", -0.22),
    Archetype("coupon-validate", 0.8, 50, 256, "arm64", "nodejs20.x", "apigw_http", "diurnal", 0.0),
    Archetype("audit-log-writer", 40, 15, 128, "arm64", "python3.12", "none", "steady", 0.04),
    Archetype(
        "geo-lookup",
        55,
        30,
        1024,
        "x86_64",
        "go1.x",
        "alb",
        "diurnal",
        0.05,
        regions=("eu-west-1",),
    ),
    Archetype("cron-cleanup", 0.02, 3000, 512, "arm64", "python3.12", "none", "batch", 0.0),
    Archetype("feature-flags", 65, 8, 256, "arm64", "nodejs20.x", "function_url", "steady", 0.02),
    Archetype(
        "chat-moderation", 4, 650, 2048, "x86_64", "python3.12", "apigw_rest", "diurnal", 0.2
    ),
)


def demo_fleet(seed: int = SEED, days: int = DAYS, end: pd.Timestamp = END) -> FleetData:
    """The demo fleet (same output for the same arguments)."""
    rng = np.random.default_rng(seed)
    rows = []
    params = []
    for acct, acct_name, env, scale in ACCOUNTS:
        for arc in ARCHETYPES:
            regions = arc.regions if env == "prod" else arc.regions[:1]
            if env != "prod" and arc.name in ("legacy-sync", "geo-lookup"):
                continue
            for region in regions:
                rscale = scale * (0.35 if region == "eu-west-1" else 1.0)
                rows.append(
                    {
                        "function_id": function_id(acct, region, arc.name),
                        "account_id": acct,
                        "account_name": acct_name,
                        "environment": env,
                        "region": region,
                        "name": arc.name,
                        "memory_mb": arc.memory_mb,
                        "arch": arc.arch,
                        "ephemeral_storage_mb": arc.ephemeral_mb,
                        "runtime": arc.runtime,
                        "timeout_s": arc.timeout_s,
                        "package_type": "Zip",
                        "front_door": arc.front_door,
                        "pc_allocated": arc.pc if env == "prod" else 0,
                        "pc_hours_per_month": HOURS_PER_MONTH
                        if (arc.pc and env == "prod")
                        else 0.0,
                        "tags": f"team={arc.name.split('-')[0]}",
                    }
                )
                params.append((arc.rps * rscale, arc.duration_ms, arc.shape, arc.growth))
    functions = pd.DataFrame(rows)
    f = len(functions)
    h = days * 24
    start = end - pd.Timedelta(hours=h)
    t = np.arange(h, dtype=float)
    hour_of_day = (t % 24)[None, :]
    dow = ((start.day_of_week + t // 24) % 7)[None, :]
    rps = np.array([p[0] for p in params])[:, None]
    dur = np.array([p[1] for p in params])[:, None]
    shape = np.array([p[2] for p in params])[:, None]
    growth = np.array([p[3] for p in params])[:, None]

    phase = rng.uniform(-2, 2, (f, 1))
    diurnal = 1.0 + 0.65 * np.sin(2 * np.pi * (hour_of_day - 9 - phase) / 24.0)
    weekly = np.where(dow >= 5, 0.75, 1.05)
    batch_hour = rng.integers(0, 24, (f, 1))
    batch = np.where(hour_of_day == batch_hour, 24.0, 0.0)
    spikes = np.where(rng.random((f, h)) < 0.04, rng.uniform(4, 12, (f, h)), 0.15)
    level = np.select(
        [shape == "steady", shape == "diurnal", shape == "batch", shape == "spiky"],
        [np.ones((f, h)), diurnal * weekly, batch * np.ones((f, h)), spikes],
    )
    months = (t - h) / (24 * 30.4167)  # growth measured back from the end of the window
    trend = np.exp(np.log1p(growth) * months)
    noise = rng.lognormal(0.0, 0.08, (f, h))
    lam = rps * 3600.0 * level * trend * noise
    inv = rng.poisson(lam).astype(float)
    dur_sum = inv * dur * rng.lognormal(0.0, 0.05, (f, h))
    mean_c = dur_sum / 3_600_000.0
    burst = np.where(shape == "batch", 6.0, np.where(shape == "spiky", 3.0, 1.0))
    conc = np.where(inv > 0, np.ceil(mean_c * burst + 3.0 * np.sqrt(mean_c) + 1.0), np.nan)
    errors = rng.binomial(inv.astype(np.int64), 0.0008).astype(float)
    throttles = np.where(conc > 900, rng.poisson(5.0, (f, h)), 0).astype(float)

    stamps = start + pd.to_timedelta(t, unit="h")
    traffic = pd.DataFrame(
        {
            "function_id": np.repeat(functions["function_id"].to_numpy(), h),
            "timestamp": np.tile(stamps, f),
            "invocations": inv.ravel(),
            "duration_sum_ms": dur_sum.ravel(),
            "duration_max_ms": (dur * 4.0 * np.ones((f, h))).ravel(),
            "concurrent_executions_max": conc.ravel(),
            "errors": errors.ravel(),
            "throttles": throttles.ravel(),
        }
    )
    traffic = traffic[traffic["invocations"] > 0]  # CloudWatch reports no datapoint for idle hours
    meta = {
        "source": "demo",
        "start": start,
        "end": end,
        "price_region_proxy": dict(PRICE_PROXY),
        "notes": ["Demo fleet: synthetic traffic generated by analyzer.core.demo (seeded)."],
        "failures": [],
    }
    return FleetData(functions, traffic, meta)
