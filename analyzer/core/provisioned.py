"""The provisioned alternatives: EC2, Fargate and Lambda Managed Instances (LMI).

Demand (per function f, hour h, from the traffic):
  mean concurrency  c = duration_sum_s / 3600                (Little's law)
  peak concurrency  p = concurrent_executions_max if measured, else c x burst_factor
Scaling traffic by k: the mean scales by k, a measured peak's excess over the mean by sqrt(k)
(square-root staffing: random bursts grow with the square root of the load), so
  p(k) = k base + sqrt(k) excess,  base = c (measured) or c x burst_factor,  excess = p - c.
  per request       vCPU = min(memory_mb/1769, 6) x cpu_busy_fraction,
                    memory = memory_per_worker_mb (default: the configured memory)
Capacity of one unit (instance or task) t, at target utilisation u:
  r[f,t] = max(vcpu_req / (vcpu_t u), mem_req / (usable_mem_t u))   (units per concurrent request)
  n[f,t,h] = max(min_instances, ceil(p[f,h] r[f,t]))
A unit must hold one worker's memory. Cost = sum_h n x hourly price (autoscaled) or
max_h n x hours (static), normalised to 730 h.

Everything here is vectorised over functions x candidates (x hours): no per-function loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from analyzer.core.assumptions import Assumptions
from analyzer.core.pricebook import FargateRates, PriceBook

HOURS_PER_MONTH = 730.0
VCPU_PER_MB = 1.0 / 1769.0  # Lambda: 1 vCPU at 1,769 MB
MAX_LAMBDA_VCPU = 6.0
EPS = 1e-9

# Current-generation general-purpose / compute / memory families considered by default.
DEFAULT_FAMILIES = (
    "m6i",
    "m6a",
    "m6g",
    "m7i",
    "m7a",
    "m7g",
    "m8g",
    "c6i",
    "c6a",
    "c6g",
    "c7i",
    "c7a",
    "c7g",
    "c8g",
    "r6i",
    "r6g",
    "r7i",
    "r7g",
    "r8g",
)
BURSTABLE_FAMILIES = ("t3", "t3a", "t4g")

# Valid Fargate task sizes: vCPU -> memory GB options.
FARGATE_SIZES: dict[float, list[float]] = {
    0.25: [0.5, 1.0, 2.0],
    0.5: [1.0, 2.0, 3.0, 4.0],
    1.0: [float(g) for g in range(2, 9)],
    2.0: [float(g) for g in range(4, 17)],
    4.0: [float(g) for g in range(8, 31)],
    8.0: [float(g) for g in range(16, 61, 4)],
    16.0: [float(g) for g in range(32, 121, 8)],
}


@dataclass(frozen=True)
class Candidates:
    """One kind's candidate units in one region (arrays of length T)."""

    kind: str  # ec2 | lmi | fargate
    label: np.ndarray
    arch: np.ndarray
    vcpu: np.ndarray
    usable_mb: np.ndarray  # memory available to workers
    memory_mb: np.ndarray  # nominal memory (for display)
    usd_per_hour: np.ndarray  # effective hourly price after commitment (+ LMI fee)
    ondemand_usd_per_hour: np.ndarray

    def __len__(self) -> int:
        return len(self.label)


def _pareto(df: pd.DataFrame) -> pd.DataFrame:
    """Drop types another type of the same arch beats on price, vCPU and memory at once."""
    keep = np.ones(len(df), dtype=bool)
    price = df["usd_per_hour"].to_numpy()
    vcpu = df["vcpu"].to_numpy()
    mem = df["memory_mb"].to_numpy()
    arch = df["arch"].to_numpy()
    better_or_eq = (
        (price[None, :] <= price[:, None])
        & (vcpu[None, :] >= vcpu[:, None])
        & (mem[None, :] >= mem[:, None])
        & (arch[None, :] == arch[:, None])
    )
    strictly = (
        (price[None, :] < price[:, None])
        | (vcpu[None, :] > vcpu[:, None])
        | (mem[None, :] > mem[:, None])
    )
    dominated = (better_or_eq & strictly).any(axis=1)
    keep &= ~dominated
    return df[keep]


def ec2_candidates(book: PriceBook, region: str, a: Assumptions, kind: str = "ec2") -> Candidates:
    types = book.ec2_types(region)
    if a.instance_types:
        missing = [t for t in a.instance_types if t not in set(types["instance_type"])]
        if missing:
            book.ec2_price(region, missing[0])  # raises the clear error
        df = types[types["instance_type"].isin(a.instance_types)]
    else:
        fam = types["instance_type"].str.split(".").str[0]
        size = types["instance_type"].str.split(".").str[1]
        families = DEFAULT_FAMILIES + (BURSTABLE_FAMILIES if a.allow_burstable else ())
        df = types[fam.isin(families) & ~size.str.contains("metal")]
        df = _pareto(df)
    usable = df["memory_mb"].to_numpy() - a.ec2_os_overhead_mb
    od = df["usd_per_hour"].to_numpy()
    if kind == "lmi":
        price = od * (1.0 - a.discount("lmi")) + od * a.lmi_management_fee
    else:
        price = od * (1.0 - a.discount("ec2"))
    return Candidates(
        kind,
        df["instance_type"].to_numpy(),
        df["arch"].to_numpy(),
        df["vcpu"].to_numpy(),
        usable,
        df["memory_mb"].to_numpy(),
        price,
        od,
    )


FARGATE_FREE_STORAGE_GB = 20.0
FARGATE_MIN_SECONDS = 60.0


def fargate_task_usd(
    rates: FargateRates,
    vcpu: float,
    memory_gb: float,
    seconds: np.ndarray | float,
    storage_gb: float = FARGATE_FREE_STORAGE_GB,
) -> dict[str, np.ndarray]:
    """Fargate's bill for task runs of `seconds` each: per-second billing with a one-minute
    minimum, on requested vCPU and memory, plus ephemeral storage above the 20 GB included."""
    hours = np.maximum(np.asarray(seconds, dtype=float), FARGATE_MIN_SECONDS) / 3600.0
    out = {
        "vcpu_usd": hours * vcpu * rates.vcpu_hour,
        "memory_usd": hours * memory_gb * rates.gb_hour,
        "storage_usd": hours
        * max(storage_gb - FARGATE_FREE_STORAGE_GB, 0.0)
        * rates.storage_gb_hour,
    }
    out["total_usd"] = out["vcpu_usd"] + out["memory_usd"] + out["storage_usd"]
    return out


def fargate_candidates(
    book: PriceBook, region: str, a: Assumptions, arches: list[str]
) -> Candidates:
    rows = []
    for arch in arches:
        r = book.fargate_rates(region, arch)
        for vcpu, mems in FARGATE_SIZES.items():
            for gb in mems:
                od = float(fargate_task_usd(r, vcpu, gb, 3600.0)["total_usd"])
                rows.append((f"{vcpu:g} vCPU / {gb:g} GB {arch}", arch, vcpu, gb * 1024.0, od))
    label, arch_a, vcpu_a, mem_a, od_a = (np.array(x) for x in zip(*rows, strict=True))
    price = od_a * (1.0 - a.discount("fargate"))
    return Candidates(
        "fargate",
        label,
        arch_a,
        vcpu_a.astype(float),
        mem_a.astype(float),
        mem_a.astype(float),
        price,
        od_a.astype(float),
    )


@dataclass(frozen=True)
class Demand:
    """Per-function demand for a block of functions (F x H peak concurrency + per-request needs)."""

    base: np.ndarray  # F x H part of the peak that scales with k
    excess: np.ndarray  # F x H part that scales with sqrt(k)
    vcpu_req: np.ndarray  # F
    mem_req: np.ndarray  # F
    arch: np.ndarray  # F

    @cached_property
    def by_peak(self) -> tuple[np.ndarray, np.ndarray]:
        """(base, excess) with each row's hours sorted by peak, busiest first (sorted once)."""
        order = np.argsort(-(self.base + self.excess), axis=1, kind="stable")
        return (
            np.take_along_axis(self.base, order, axis=1),
            np.take_along_axis(self.excess, order, axis=1),
        )


def demand(
    duration_s: np.ndarray,
    concurrency_max: np.ndarray,
    memory_mb: np.ndarray,
    arch: np.ndarray,
    a: Assumptions,
) -> Demand:
    mean_c = duration_s / 3600.0
    measured = ~np.isnan(concurrency_max)
    base = np.where(measured, mean_c, mean_c * a.burst_factor)
    excess = np.where(measured, np.maximum(np.nan_to_num(concurrency_max) - mean_c, 0.0), 0.0)
    vcpu_req = np.minimum(memory_mb * VCPU_PER_MB, MAX_LAMBDA_VCPU) * a.cpu_busy_fraction
    mem_req = (
        np.full(len(memory_mb), float(a.memory_per_worker_mb))
        if a.memory_per_worker_mb is not None
        else memory_mb.astype(float)
    )
    return Demand(base, excess, vcpu_req, mem_req, arch)


def units_per_request(d: Demand, c: Candidates, a: Assumptions) -> np.ndarray:
    """F x T: units (instances/tasks) needed per concurrent request; inf where t is not allowed."""
    u = a.target_utilization
    with np.errstate(divide="ignore"):
        r = np.maximum(
            d.vcpu_req[:, None] / (c.vcpu[None, :] * u),
            d.mem_req[:, None] / (np.maximum(c.usable_mb, 0.0)[None, :] * u),
        )
    fits = c.usable_mb[None, :] >= d.mem_req[:, None]
    same_arch = c.arch[None, :] == d.arch[:, None]
    allowed = fits & (same_arch | a.allow_arch_change)
    return np.where(allowed, r, np.inf)


def unit_counts(
    base: np.ndarray, excess: np.ndarray, r: np.ndarray, k: np.ndarray | float, m: int
) -> np.ndarray:
    """n = max(m, ceil(p(k) r)), p(k) = k base + sqrt(k) excess; base/excess (..., H), r (...,)."""
    kk = np.asarray(k, dtype=float)[..., None]
    x = (kk * base + np.sqrt(kk) * excess) * r[..., None]
    # In place: x is the one big (..., S, H) array; fresh temporaries per step cost more.
    x -= EPS
    np.ceil(x, out=x)
    return np.maximum(x, m, out=x)


@dataclass(frozen=True)
class Shortlist:
    """S chosen candidates per function: indexes into a Candidates (F x S)."""

    idx: np.ndarray
    r: np.ndarray  # F x S units per request
    price: np.ndarray  # F x S effective USD per unit-hour

    def where(self, take: np.ndarray, other: Shortlist) -> Shortlist:
        """Rows of `other` where `take` (F,) is true, else this shortlist's rows."""
        t = take[:, None]
        return Shortlist(
            np.where(t, other.idx, self.idx),
            np.where(t, other.r, self.r),
            np.where(t, other.price, self.price),
        )


SHORTLIST_UP = (
    1.0,
    1.5,
    2.5,
    4.0,
    10.0,
    30.0,
)  # growth: where a function still cheaper on Lambda crosses
SHORTLIST_DOWN = (
    0.05,
    0.15,
    0.3,
    0.5,
    0.75,
    1.0,
)  # same length as SHORTLIST_UP  # where an already-outgrown function crossed
SHORTLIST_BINS = 8


def shortlist(
    d: Demand,
    c: Candidates,
    r_all: np.ndarray,
    a: Assumptions,
    hours: int,
    multiples: tuple[float, ...] = SHORTLIST_UP,
) -> Shortlist:
    """Pick the candidates worth exact pricing, from scores on a small sorted demand profile
    (rounding up included): the best at each traffic multiple and the best per unit of
    capacity. Every multiple set includes 1 (today's traffic)."""
    base, excess, w = compress_profile(d, SHORTLIST_BINS)
    m = a.min_instances
    price = c.usd_per_hour[None, :]
    ok = np.isfinite(r_all)
    r = np.where(ok, r_all, 0.0)
    picks = []
    for k in multiples:
        load = (k * base + np.sqrt(k) * excess)[:, None, :] * r[:, :, None]  # F x T x bins
        load -= EPS  # in place: load is the big F x T x bins array
        np.ceil(load, out=load)
        np.maximum(load, m, out=load)
        load *= w[:, None, :]
        units = load.sum(axis=2)
        picks.append(np.argmin(np.where(ok, price * units, np.inf), axis=1))
    picks.append(np.argmin(np.where(ok, price * r_all, np.inf), axis=1))  # per unit of capacity
    idx = np.stack(picks, axis=1)
    rr = np.take_along_axis(r_all, idx, axis=1)
    pp = c.usd_per_hour[idx]
    return Shortlist(idx, rr, pp)


def compute_cost(
    base: np.ndarray,
    excess: np.ndarray,
    sl: Shortlist,
    k: np.ndarray,
    m: int,
    autoscaling: bool,
    weights: np.ndarray | None = None,
    hours: int | None = None,
) -> np.ndarray:
    """Monthly compute USD (F x S) at traffic multiple k (F,), over a demand profile F x Q.

    With `weights` (F x Q hours per bin, a compressed profile) the sum is weighted."""
    hours = hours if hours is not None else base.shape[1]
    norm = HOURS_PER_MONTH / hours
    finite = np.isfinite(sl.r)
    r = np.where(finite, sl.r, 0.0)
    n = unit_counts(base[:, None, :], excess[:, None, :], r, k[:, None], m)  # F x S x Q
    if autoscaling:
        if weights is not None:
            n *= weights[:, None, :]
        unit_hours = n.sum(axis=2)
    else:
        unit_hours = n.max(axis=2) * hours
    return np.where(finite, unit_hours * sl.price * norm, np.inf)


def compress_profile(d: Demand, bins: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort each row's hours by peak and summarise them in `bins` bins: the busiest hour on its
    own (it sets a static fleet's size), then equal-count bins holding the mean of their hours'
    base and excess, so that the demand summed over the month is kept exactly at every traffic
    multiple (only the rounding up to whole units is approximated). Exact when H <= bins.
    Returns (base F x Q, excess F x Q, weights F x Q hours per bin)."""
    f, h = d.base.shape
    base, excess = d.by_peak
    if h <= bins:
        return base.copy(), excess.copy(), np.ones_like(base)
    edges = np.concatenate([[0], np.linspace(1, h, bins).round().astype(int)])
    w = np.diff(edges).astype(float)
    starts = edges[:-1]
    mean_base = np.add.reduceat(base, starts, axis=1) / w
    mean_excess = np.add.reduceat(excess, starts, axis=1) / w
    return mean_base, mean_excess, np.broadcast_to(w, (f, bins)).copy()
