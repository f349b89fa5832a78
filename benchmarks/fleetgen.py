"""A synthetic fleet of any size for benchmarks: N functions x D days of hourly traffic.

Seeded and vectorised (functions x hours numpy arrays, like `analyzer.core.demo`), with a
realistic shape mix:

    steady   flat traffic around the clock              diurnal  office-hours sine + weekends
    batch    one busy hour a day, idle otherwise         spiky    rare bursts over a low floor
    growing  diurnal traffic growing 10-40 % a month     dying    steady traffic shrinking

Request rates follow a heavy-tailed (log-normal) distribution, as real fleets do: a few busy
APIs, a long tail of functions invoked a few times an hour. Accounts: dev/test/prod, one per
~2,000 functions (at least three), as big fleets span many accounts; two regions; eu-west-1's provisioned alternatives are priced with us-east-1 prices
(`meta["price_region_proxy"]`), because the bundled price book has EC2/Fargate prices for
us-east-1 only. Idle hours produce no row, as CloudWatch reports no datapoint for them.

    from benchmarks.fleetgen import synthetic_fleet
    fleet = synthetic_fleet(10_000, days=30)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.fleet import FleetData

SEED = 7
END = pd.Timestamp("2026-11-23T00:00:00Z")
SHAPES = ("steady", "diurnal", "batch", "spiky", "growing", "dying")
SHAPE_WEIGHTS = (0.20, 0.30, 0.15, 0.15, 0.12, 0.08)
ENVIRONMENTS = ("dev", "test", "prod")
FUNCTIONS_PER_ACCOUNT = 2000  # accounts = max(3, n / 2000): big fleets span many accounts
MAX_MEAN_CONCURRENCY = 300.0  # within Lambda's default 1,000 concurrent executions per account
MAX_PAST_LEVEL = 3.0  # a declining function's level early in a long window, at most x today's
REGIONS = ("us-east-1", "eu-west-1")
PRICE_PROXY = {"eu-west-1": "us-east-1"}
MEMORY_MB = np.array([128, 256, 512, 1024, 1536, 1769, 2048, 3008, 4096])
MEMORY_WEIGHTS = np.array([0.12, 0.18, 0.22, 0.2, 0.08, 0.05, 0.08, 0.05, 0.02])
FRONT_DOORS = np.array(["none", "apigw_rest", "apigw_http", "function_url", "alb"])
FRONT_DOOR_WEIGHTS = np.array([0.45, 0.2, 0.2, 0.1, 0.05])
RUNTIMES = np.array(["python3.12", "nodejs20.x", "java21", "go1.x", "provided.al2023"])


def _functions(rng: np.random.Generator, n: int) -> pd.DataFrame:
    n_accounts = max(3, -(-n // FUNCTIONS_PER_ACCOUNT))
    acct = rng.integers(0, n_accounts, n)
    env = np.array(ENVIRONMENTS, dtype=object)[np.arange(n_accounts) % len(ENVIRONMENTS)]
    ids = np.char.zfill((100_000_000_000 + np.arange(n_accounts)).astype(str), 12)
    acc_names = np.char.add(
        np.char.add("bench-", env.astype(str)), np.arange(n_accounts).astype(str)
    )
    region = np.where(rng.random(n) < 0.7, REGIONS[0], REGIONS[1])
    names = np.char.add("fn-", np.char.zfill(np.arange(n).astype(str), 6))
    acc_id = ids[acct]
    fid = np.char.add(np.char.add(np.char.add(np.char.add(acc_id, ":"), region), ":"), names)
    timeout = rng.choice([3.0, 30.0, 60.0, 300.0, 900.0], n, p=[0.3, 0.4, 0.15, 0.1, 0.05])
    eph = np.where(rng.random(n) < 0.05, rng.choice([1024, 2048, 4096, 10240], n), 512)
    arch = np.where(rng.random(n) < 0.35, "arm64", "x86_64")
    # 1 % use provisioned concurrency, in us-east-1 only: the price book has no arm64 PC price
    # for eu-west-1, and the tuned Lambda may move an x86_64 function to arm64.
    pc_ok = region == REGIONS[0]
    pc = np.where((rng.random(n) < 0.01) & pc_ok, rng.integers(1, 50, n), 0)
    return pd.DataFrame(
        {
            "function_id": fid.astype(object),
            "account_id": acc_id.astype(object),
            "account_name": acc_names.astype(object)[acct],
            "environment": env[acct],
            "region": region.astype(object),
            "name": names.astype(object),
            "memory_mb": rng.choice(MEMORY_MB, n, p=MEMORY_WEIGHTS),
            "arch": arch.astype(object),
            "ephemeral_storage_mb": eph,
            "runtime": rng.choice(RUNTIMES, n).astype(object),
            "timeout_s": timeout,
            "package_type": np.where(rng.random(n) < 0.1, "Image", "Zip").astype(object),
            "front_door": rng.choice(FRONT_DOORS, n, p=FRONT_DOOR_WEIGHTS).astype(object),
            "pc_allocated": pc,
            "pc_hours_per_month": np.where(pc > 0, 730.0, 0.0),
            "tags": np.full(n, "team=bench", dtype=object),
        }
    )


GEN_CHUNK = 4000  # functions per generation chunk (bounds the generator's memory) ...
GEN_CELLS = GEN_CHUNK * 30 * 24  # ... and fewer for windows over 30 days


def _hourly(
    rng: np.random.Generator,
    days: int,
    start: pd.Timestamp,
    shape: np.ndarray,
    rps: np.ndarray,
    dur_ms: np.ndarray,
    growth: np.ndarray,
    phase: np.ndarray,
    batch_hour: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(rows, hour columns, values) of the non-idle hours of one chunk of functions."""
    n = len(shape)
    h = days * 24
    t = np.arange(h, dtype=float)
    hour_of_day = (t % 24)[None, :]
    dow = ((start.day_of_week + t // 24) % 7)[None, :]
    diurnal = (1.0 + 0.7 * np.sin(2 * np.pi * (hour_of_day - 9 - phase) / 24.0)) * np.where(
        dow >= 5, 0.7, 1.1
    )
    level = np.ones((n, h))
    np.copyto(level, diurnal, where=(shape == 1) | (shape == 4))
    np.copyto(level, np.where(hour_of_day == batch_hour, 24.0, 0.0), where=shape == 2)
    spiky = np.where(rng.random((n, h)) < 0.03, rng.uniform(5, 20, (n, h)), 0.1)
    np.copyto(level, spiky, where=shape == 3)
    del spiky, diurnal
    months = (t - h)[None, :] / (24 * 30.4167)  # growth measured back from the window's end
    # A dying function was busier before; over long windows its early level is capped at
    # MAX_PAST_LEVEL x today's (a 455-day window would otherwise reach 2,000x, beyond the
    # price book's Lambda tiers). Windows of 30 days never reach the cap.
    level *= np.minimum(np.exp(np.log1p(growth) * months), MAX_PAST_LEVEL)
    level *= rng.lognormal(0.0, 0.1, (n, h))
    level *= rps * 3600.0
    inv = rng.poisson(level).astype(float)
    del level
    rows, cols = np.nonzero(inv)  # CloudWatch has no datapoint for an idle hour
    inv_k = inv[rows, cols]
    del inv
    dur_k = inv_k * dur_ms[rows, 0] * rng.lognormal(0.0, 0.05, len(rows))
    mean_c = dur_k / 3_600_000.0
    burst = np.where(shape[rows, 0] == 2, 6.0, np.where(shape[rows, 0] == 3, 3.0, 1.5))
    values = {
        "invocations": inv_k,
        "duration_sum_ms": dur_k,
        "duration_max_ms": dur_ms[rows, 0] * 4.0,
        "concurrent_executions_max": np.ceil(mean_c * burst + 2.0 * np.sqrt(mean_c) + 1.0),
        "errors": np.floor(inv_k * 0.001),
    }
    return rows, cols, values


def synthetic_parts(
    n: int, days: int, seed: int = SEED, end: pd.Timestamp = END
) -> tuple[pd.DataFrame, Iterator[pd.DataFrame], pd.Timestamp]:
    """(functions, traffic parts, start): the traffic of GEN_CHUNK functions at a time, made
    as the iterator is read (the same rows as `synthetic_traffic`, never all in memory)."""
    functions, chunks, start = _generator(n, days, seed, end)
    ids = functions["function_id"].to_numpy()

    def parts() -> Iterator[pd.DataFrame]:
        for rows, cols, values in chunks:
            columns: dict[str, Any] = {
                "function_id": ids[rows],
                "timestamp": start + pd.to_timedelta(cols, unit="h"),
                **values,
                "throttles": np.zeros(len(rows)),
            }
            yield pd.DataFrame(columns, copy=False)

    return functions, parts(), start


def _generator(
    n: int, days: int, seed: int, end: pd.Timestamp
) -> tuple[
    pd.DataFrame, Iterator[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]], pd.Timestamp
]:
    """The functions (drawn now) and an iterator of their hourly rows, GEN_CHUNK at a time."""
    rng = np.random.default_rng(seed)
    functions = _functions(rng, n)
    h = days * 24
    start = end - pd.Timedelta(hours=h)
    shape = rng.choice(len(SHAPES), n, p=SHAPE_WEIGHTS)[:, None]
    # Mean requests/s: log-normal, median 0.3 rps, a tail of busy APIs (at most 2,000 rps and
    # MAX_MEAN_CONCURRENCY requests in flight on average).
    rps = np.minimum(rng.lognormal(np.log(0.3), 2.0, (n, 1)), 2000.0)
    dur_ms = np.exp(rng.uniform(np.log(5.0), np.log(3000.0), (n, 1)))
    rps = np.minimum(rps, MAX_MEAN_CONCURRENCY / (dur_ms / 1000.0))
    growth = np.select(
        [shape == 4, shape == 5],
        [rng.uniform(0.10, 0.40, (n, 1)), rng.uniform(-0.4, -0.1, (n, 1))],
        rng.uniform(-0.02, 0.04, (n, 1)),
    )
    phase = rng.uniform(-3, 3, (n, 1))
    batch_hour = rng.integers(0, 24, (n, 1))

    step = max(1, min(GEN_CHUNK, GEN_CELLS // h))

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]]:
        for lo in range(0, n, step):  # chunks of functions, not a loop per function
            s = slice(lo, min(n, lo + step))
            rows, cols, values = _hourly(
                rng, days, start, shape[s], rps[s], dur_ms[s], growth[s], phase[s], batch_hour[s]
            )
            yield rows + lo, cols, values

    return functions, chunks(), start


def synthetic_traffic(
    n: int, days: int, seed: int = SEED, end: pd.Timestamp = END
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """(functions, traffic, start) for `n` functions over `days` days of hourly traffic."""
    functions, chunks, start = _generator(n, days, seed, end)
    parts = list(chunks)
    rows = np.concatenate([p[0] for p in parts])
    cols = np.concatenate([p[1] for p in parts])
    columns: dict[str, Any] = {
        "function_id": functions["function_id"].to_numpy()[rows],
        "timestamp": start + pd.to_timedelta(cols, unit="h"),
    }
    del rows, cols
    for key in list(parts[0][2]):  # concatenate one column at a time, freeing the pieces
        columns[key] = np.concatenate([p[2].pop(key) for p in parts])
    del parts
    columns["throttles"] = np.zeros(len(columns["invocations"]))
    traffic = pd.DataFrame(columns, copy=False)
    return functions, traffic, start


def synthetic_fleet(n: int, days: int = 30, seed: int = SEED, end: pd.Timestamp = END) -> FleetData:
    """A FleetData of `n` functions over `days` days (same output for the same arguments)."""
    functions, traffic, start = synthetic_traffic(n, days, seed, end)
    return FleetData(functions, traffic, {**synthetic_meta(seed), "start": start, "end": end})


def synthetic_meta(seed: int = SEED) -> dict[str, Any]:
    """The synthetic fleet's meta (source, price-region proxies, notes), without its window."""
    return {
        "source": "benchmark",
        "price_region_proxy": dict(PRICE_PROXY),
        "notes": [f"Synthetic benchmark fleet (benchmarks/fleetgen.py, seed {seed})."],
        "failures": [],
    }
