"""The candidate units of each provisioned option: EC2 instance types, LMI instance types
(EC2 prices plus the LMI management fee) and Fargate task sizes, with their hourly prices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analyzer.core.assumptions import Assumptions
from analyzer.core.commitments import option_discounts
from analyzer.core.pricebook import FargateRates, PriceBook
from analyzer.core.vocabulary import OptionKind

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
    if kind == OptionKind.LMI:
        return _lmi_candidates(book, region, a, df)
    usable = df["memory_mb"].to_numpy() - a.ec2_os_overhead_mb
    od = df["usd_per_hour"].to_numpy()
    price = od * (1.0 - option_discounts(book, region, a, "ec2", df["instance_type"]))
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


LMI_OS_VCPU = 1.0  # per instance, kept by Lambda Managed Instances for the OS
LMI_OS_MB = 1024.0


def _lmi_candidates(book: PriceBook, region: str, a: Assumptions, ec2: pd.DataFrame) -> Candidates:
    """Lambda Managed Instances: the types LMI supports in `region` (`PriceBook.lmi_types`),
    1 vCPU and 1 GB per instance kept for the OS, priced at the instance price after the EC2
    commitment + the management fee (the book's per-hour fee; where the book has no LMI rows,
    `lmi_management_fee` x the on-demand price). The fee is part of the unit price (cost.py)."""
    lmi = book.lmi_types(region)
    df = ec2.merge(lmi, on="instance_type", how="inner")
    od = df["usd_per_hour"].to_numpy()
    derived = df["source"].astype(str).str.startswith("derived").to_numpy()
    fee = np.where(derived, od * a.lmi_management_fee, df["management_usd_per_hour"].to_numpy())
    return Candidates(
        OptionKind.LMI,
        df["instance_type"].to_numpy(),
        df["arch"].to_numpy(),
        df["vcpu"].to_numpy() - LMI_OS_VCPU,
        df["memory_mb"].to_numpy() - LMI_OS_MB,
        df["memory_mb"].to_numpy(),
        od * (1.0 - option_discounts(book, region, a, "lmi", df["instance_type"])) + fee,
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
    # AWS sells no Fargate Spot for arm64 (Graviton) tasks: those stay on their on-demand price.
    no_spot = (a.pricing_option == "spot") & (arch_a == "arm64")
    price = od_a * np.where(no_spot, 1.0, 1.0 - option_discounts(book, region, a, "fargate")[0])
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


@dataclass
class CandidateCache:
    """Candidates per (kind, price region, assumptions, architectures), built once per run."""

    book: PriceBook
    _built: dict[tuple[str, str, int, tuple[str, ...]], Candidates] = field(default_factory=dict)

    def get(self, kind: str, region: str, a: Assumptions, arches: tuple[str, ...]) -> Candidates:
        key = (kind, region, hash(a), arches)
        if key not in self._built:
            if kind == OptionKind.FARGATE:
                self._built[key] = fargate_candidates(self.book, region, a, list(arches))
            else:
                self._built[key] = ec2_candidates(self.book, region, a, kind)
        return self._built[key]
