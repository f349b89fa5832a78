"""The first pass over a fleet: per-function reductions over the window (totals, the
provisioned-concurrency split, daily invocations, the provisioned functions' hourly
concurrency profile), read block by block so that memory follows the block, not the fleet."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.core.fleet import MAX_BLOCK, Fleet, TrafficBlock, block_size
from analyzer.core.forecast import daily_matrix
from analyzer.core.lambda_line import PC_BINS, ConcurrencyProfile, concurrency_profile


def totals(fleet: Fleet) -> pd.DataFrame:
    """Per-function sums over the window, aligned with fleet.functions (`block_totals` block by
    block)."""
    return window_sums(fleet).totals


def block_totals(block: TrafficBlock, n: int) -> pd.DataFrame:
    """Per-function sums over the window for a block of n functions (vectorised groupby).

    Grouped by the integer codes, not the id strings: the same sums, far faster."""
    g = block.frame.groupby(block.codes, sort=True).agg(
        invocations=("invocations", "sum"),
        duration_sum_ms=("duration_sum_ms", "sum"),
        duration_max_ms=("duration_max_ms", "max"),
        conc_max=("concurrent_executions_max", "max"),
        errors=("errors", "sum"),
        throttles=("throttles", "sum"),
        first=("timestamp", "min"),
        last=("timestamp", "max"),
    )
    return g.reindex(np.arange(n)).reset_index(drop=True)


@dataclass(frozen=True)
class WindowSums:
    """Per-function reductions over the window, from one pass over the fleet's blocks."""

    totals: pd.DataFrame  # function_id, sums and maxima over the window, first/last hour
    on_pc_s: np.ndarray  # seconds of duration run on provisioned concurrency (hour by hour)
    daily: np.ndarray  # F x D daily invocations (days from start's midnight to end)
    # the hourly concurrency profile of the functions with provisioned concurrency
    # (`lambda_line.concurrency_profile`): index F (-1: none) into the profile's rows
    concurrency: tuple[np.ndarray, ConcurrencyProfile]


def window_sums(fleet: Fleet, chunk: int = MAX_BLOCK) -> WindowSums:
    """Totals, the provisioned-concurrency split, daily invocations and the hourly
    concurrency profile of functions with provisioned concurrency, in one pass block by block
    (a stored fleet is read once): on a hour of mean concurrency c_h, min(c_h, allocated) runs
    on provisioned concurrency."""
    functions = fleet.functions
    n = len(functions)
    allocated = functions["pc_allocated"].to_numpy().astype(float)
    ids = functions["function_id"]
    step = block_size(fleet.hours, chunk)
    parts: list[pd.DataFrame] = []
    on_pc_s = np.zeros(n)
    days: list[np.ndarray] = []
    pc_index = np.full(n, -1)
    levels: list[np.ndarray] = []
    pc_hours: list[np.ndarray] = []
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        block = fleet.traffic_block(lo, hi)
        parts.append(block_totals(block, hi - lo))
        concurrency = block.frame["duration_sum_ms"].fillna(0.0).to_numpy() / 3_600_000.0
        on_pc = np.minimum(concurrency, allocated[lo:hi][block.codes])
        on_pc_s[lo:hi] = np.bincount(block.codes, weights=on_pc * 3600.0, minlength=hi - lo)
        days.append(
            daily_matrix(block.frame, ids.iloc[lo:hi], fleet.start, fleet.end, codes=block.codes)
        )
        if (allocated[lo:hi] > 0).any():
            local, profile = concurrency_profile(block.codes, concurrency, allocated[lo:hi] > 0)
            offset = sum(len(level) for level in levels)
            pc_index[lo:hi] = np.where(local >= 0, local + offset, -1)
            levels.append(profile.level)
            pc_hours.append(profile.hours)
    if not parts:  # no functions
        parts.append(block_totals(fleet.traffic_block(0, 0), 0))
    sums = pd.concat(parts, ignore_index=True)
    sums.insert(0, "function_id", ids.to_numpy())
    daily = np.concatenate(days) if days else np.zeros((0, 1))
    profile = (
        ConcurrencyProfile(np.concatenate(levels), np.concatenate(pc_hours))
        if levels
        else ConcurrencyProfile(np.zeros((0, PC_BINS)), np.zeros((0, PC_BINS)))
    )
    return WindowSums(sums, on_pc_s, daily, (pc_index, profile))
