"""The first pass over a fleet: per-function reductions over the window (totals, the
provisioned-concurrency split, daily invocations, the provisioned functions' hourly
concurrency profile), read block by block so that memory follows the block, not the fleet, and
the trends made of them (`first_pass`): whatever the assumptions, so one per fleet."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.core.fleet import MAX_BLOCK, Fleet, TrafficBlock, block_size
from analyzer.core.forecast import Trend, daily_matrix, day_coverage, fit_trend
from analyzer.core.lambda_line import PC_BINS, ConcurrencyProfile, concurrency_profile
from analyzer.core.runner import ChunkRunner, in_process
from analyzer.exceptions import InputError


def totals(fleet: Fleet) -> pd.DataFrame:
    """Per-function sums over the window, aligned with fleet.functions (`block_totals` block by
    block)."""
    return window_sums(fleet).totals


SUMMED = ("invocations", "duration_sum_ms", "errors", "throttles")  # what the analysis adds up


def block_totals(block: TrafficBlock, n: int) -> pd.DataFrame:
    """Per-function sums over the window of the SUMMED metrics, for a block of n functions
    (grouped by the integer codes, not the id strings: the same sums, far faster)."""
    sums = block.frame[list(SUMMED)].groupby(block.codes, sort=True).sum()
    return sums.reindex(np.arange(n), fill_value=0.0).reset_index(drop=True)


@dataclass(frozen=True)
class WindowSums:
    """Per-function reductions over the window, from one pass over the fleet's blocks."""

    totals: pd.DataFrame  # function_id and the SUMMED metrics' sums over the window
    on_pc_s: np.ndarray  # seconds of duration run on provisioned concurrency (hour by hour)
    daily: np.ndarray  # F x D daily invocations (days from start's midnight to end)
    # the hourly concurrency profile of the functions with provisioned concurrency
    # (`lambda_line.concurrency_profile`): index F (-1: none) into the profile's rows
    concurrency: tuple[np.ndarray, ConcurrencyProfile]


@dataclass(frozen=True)
class WindowPart:
    """`WindowSums` of one chunk of functions (the PC profile's index local to the chunk)."""

    totals: pd.DataFrame
    on_pc_s: np.ndarray
    daily: np.ndarray
    pc_index: np.ndarray
    pc_profile: ConcurrencyProfile | None


def window_part(fleet: Fleet, allocated: np.ndarray, lo: int, hi: int) -> WindowPart:
    """The window's reductions for the functions [lo, hi) (a `runner.ChunkTask`; `allocated`:
    every function's provisioned concurrency): on a hour of mean concurrency c_h,
    min(c_h, allocated) runs on provisioned concurrency."""
    block = fleet.traffic_block(lo, hi, SUMMED)
    ids = fleet.functions["function_id"].iloc[lo:hi]
    concurrency = block.frame["duration_sum_ms"].fillna(0.0).to_numpy() / 3_600_000.0
    on_pc = np.minimum(concurrency, allocated[lo:hi][block.codes])
    pc_index, profile = np.full(hi - lo, -1), None
    if (allocated[lo:hi] > 0).any():
        pc_index, profile = concurrency_profile(block.codes, concurrency, allocated[lo:hi] > 0)
    return WindowPart(
        block_totals(block, hi - lo),
        np.bincount(block.codes, weights=on_pc * 3600.0, minlength=hi - lo),
        daily_matrix(block.frame, ids, fleet.start, fleet.end, codes=block.codes),
        pc_index,
        profile,
    )


def window_sums(
    fleet: Fleet, chunk: int = MAX_BLOCK, runner: ChunkRunner | None = None
) -> WindowSums:
    """Totals, the provisioned-concurrency split, daily invocations and the hourly
    concurrency profile of functions with provisioned concurrency, in one pass chunk by chunk
    (`window_part`; a stored fleet is read once), here or on a cluster with a `runner`."""
    functions = fleet.functions
    n = len(functions)
    allocated = functions["pc_allocated"].to_numpy().astype(float)
    step = block_size(fleet.hours, chunk)
    spans = [(lo, min(n, lo + step)) for lo in range(0, n, step)]
    parts: list[pd.DataFrame] = []
    on_pc_s = np.zeros(n)
    days: list[np.ndarray] = []
    pc_index = np.full(n, -1)
    levels: list[np.ndarray] = []
    pc_hours: list[np.ndarray] = []
    for (lo, hi), part in zip(
        spans, (runner or in_process)(window_part, fleet, allocated, spans), strict=True
    ):
        parts.append(part.totals)
        on_pc_s[lo:hi] = part.on_pc_s
        days.append(part.daily)
        if part.pc_profile is not None:
            offset = sum(len(level) for level in levels)
            pc_index[lo:hi] = np.where(part.pc_index >= 0, part.pc_index + offset, -1)
            levels.append(part.pc_profile.level)
            pc_hours.append(part.pc_profile.hours)
    if not parts:  # no functions
        parts.append(block_totals(fleet.traffic_block(0, 0), 0))
    sums = pd.concat(parts, ignore_index=True)
    sums.insert(0, "function_id", functions["function_id"].to_numpy())
    daily = np.concatenate(days) if days else np.zeros((0, 1))
    profile = (
        ConcurrencyProfile(np.concatenate(levels), np.concatenate(pc_hours))
        if levels
        else ConcurrencyProfile(np.zeros((0, PC_BINS)), np.zeros((0, PC_BINS)))
    )
    return WindowSums(sums, on_pc_s, daily, (pc_index, profile))


@dataclass(frozen=True)
class FirstPass:
    """What an analysis reads of a fleet whatever the assumptions: the window's per-function
    reductions (`window_sums`, one pass over every block of traffic) and each function's
    trend. One per fleet: every analysis of the same fleet can share it (the optimistic and
    pessimistic analyses beside the base one, each What-if change in the app) instead of reading
    the traffic again; the figures are the same either way."""

    function_ids: np.ndarray  # the fleet's functions, in order, when it was made
    window: tuple[pd.Timestamp, pd.Timestamp]  # and its window
    sums: WindowSums
    trend: Trend

    def matches(self, fleet: Fleet) -> bool:
        """Made of a fleet with these functions, in this order, over this window."""
        return self.window == (fleet.start, fleet.end) and bool(
            np.array_equal(self.function_ids, fleet.functions["function_id"].to_numpy())
        )


def first_pass(
    fleet: Fleet, chunk: int = MAX_BLOCK, runner: ChunkRunner | None = None
) -> FirstPass:
    """The fleet's first pass (`FirstPass`), chunk by chunk: here, or on a cluster (`runner`).
    A fleet with no function or no hour of traffic has nothing to analyse (`InputError`)."""
    if len(fleet.functions) == 0 or fleet.hours == 0:
        raise InputError("fleet", len(fleet.functions), "has no functions with traffic to analyse")
    sums = window_sums(fleet, chunk, runner)
    ids = fleet.functions["function_id"].to_numpy()
    return FirstPass(ids, (fleet.start, fleet.end), sums, fleet_trend(fleet, sums))


def fleet_trend(fleet: Fleet, sums: WindowSums) -> Trend:
    """Each function's robust trend of daily invocations over the window (from `sums`)."""
    return fit_trend(sums.daily, coverage=day_coverage(fleet.start, fleet.end))
