"""Lambda's monthly cost as a function of the traffic multiple k (what the crossover solver
scales), per function:

  L(k) = fixed + V(k) - min(free_credit, V(k))

`fixed` does not move with traffic (PC allocation, an ALB's hours), `free_credit` is the free
tier's value. Without provisioned concurrency V(k) = k variable. With an allocation A, each
hour's mean concurrency c_h runs on PC up to A and on demand above it; scaling traffic by k
moves duration from the PC duration rate to the dearer on-demand rate:

  V(k) = k (variable + D) - D G(k) / G(1),   G(k) = sum_h min(k c_h, A)

where D is today's PC-run GB-s x (on-demand - PC duration rate) (after any Savings Plan), so
V(1) = variable. V is convex and piecewise linear in k, with breakpoints at A / c_h; its inverse
is exact on those breakpoints. The hourly profile is kept in at most PC_BINS bins of hours
sorted busiest first: one per distinct level (exact) when a function has that few, else
equal-count bins (within a cent on the demo's 2,160-hour profiles).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PC_BINS = 256


@dataclass(frozen=True)
class ConcurrencyProfile:
    """Hourly mean concurrency of some functions, each row's hours sorted busiest first and
    kept in at most PC_BINS bins (see the module docstring)."""

    level: np.ndarray  # P x B mean concurrency per bin, non-increasing along a row (0: unused)
    hours: np.ndarray  # P x B hours per bin

    def on_pc(self, rows: np.ndarray, allocated: np.ndarray, k: np.ndarray) -> np.ndarray:
        """G(k) = sum over hours of min(k c_h, allocated): the concurrency-hours that run on
        provisioned concurrency at traffic multiple k (per row of `rows`)."""
        at = np.minimum(k[:, None] * self.level[rows], allocated[:, None])
        return (at * self.hours[rows]).sum(axis=1)


@dataclass(frozen=True)
class ProvisionedPart:
    """The Lambda rows with provisioned concurrency: `index` (one per line row, -1: no PC)
    points into the per-function arrays (P) below, shared by every `rows` view."""

    index: np.ndarray
    profile: ConcurrencyProfile
    allocated: np.ndarray  # P
    discount_usd: np.ndarray  # P: D, today's PC duration GB-s at (on-demand - PC duration) rate

    def variable_at(self, j: np.ndarray, k: np.ndarray, variable: np.ndarray) -> np.ndarray:
        """V(k) for compact rows `j` (today's V(1) = `variable`)."""
        d = self.discount_usd[j]
        g_one = self.profile.on_pc(j, self.allocated[j], np.ones(j.size))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(g_one > 0, self.profile.on_pc(j, self.allocated[j], k) / g_one, k)
        return k * (variable + d) - d * share

    def inverse(self, j: np.ndarray, target: np.ndarray, variable: np.ndarray) -> np.ndarray:
        """The k >= 0 with V(k) = target, on V's breakpoints (inf where V never gets there)."""
        level = self.profile.level[j]
        hours = self.profile.hours[j]
        alloc = self.allocated[j][:, None]
        d = self.discount_usd[j][:, None]
        slope_od = (variable[:, None] + d)[:, 0]
        g_one = self.profile.on_pc(j, self.allocated[j], np.ones(j.size))[:, None]
        # Bins at or after position b are below the allocation beyond knot b-1.
        weighted = level * hours
        below = np.concatenate(
            [np.cumsum(weighted[:, ::-1], axis=1)[:, ::-1], np.zeros((j.size, 1))], axis=1
        )  # below[:, b] = sum over bins >= b of hours x level
        saturated = np.concatenate([np.zeros((j.size, 1)), np.cumsum(hours, axis=1)], axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            knots = np.where(level > 0, alloc / level, np.inf)  # ascending along a row
            g_knots = alloc * saturated[:, 1:] + knots * below[:, 1:]
            ratio = np.where(g_one > 0, g_knots / g_one, knots)
            v_knots = np.where(np.isfinite(knots), knots * slope_od[:, None] - d * ratio, np.inf)
            seg = (v_knots < target[:, None]).sum(axis=1)  # knots passed before V = target
            rows = np.arange(j.size)
            start = np.where(seg > 0, knots[rows, np.maximum(seg - 1, 0)], 0.0)
            v_start = np.where(seg > 0, v_knots[rows, np.maximum(seg - 1, 0)], 0.0)
            slope = slope_od - np.where(
                g_one[:, 0] > 0, d[:, 0] * below[rows, seg] / g_one[:, 0], 0.0
            )
            k = start + (target - v_start) / slope
        return np.where(slope > 0, k, np.inf)


@dataclass(frozen=True)
class LambdaLine:
    """L(k) = fixed + V(k) - min(free_credit, V(k)), per function (monthly USD); V(k) = k
    variable, or the piecewise-linear V of `pc` for functions with provisioned concurrency."""

    fixed_usd: np.ndarray
    variable_usd: np.ndarray
    free_credit_usd: np.ndarray
    pc: ProvisionedPart | None = None

    def __len__(self) -> int:
        return len(self.fixed_usd)

    def rows(self, rows: np.ndarray) -> LambdaLine:
        pc = self.pc
        if pc is not None:
            index = pc.index[rows]
            pc = ProvisionedPart(index, pc.profile, pc.allocated, pc.discount_usd)
            if not (index >= 0).any():
                pc = None
        return LambdaLine(
            self.fixed_usd[rows], self.variable_usd[rows], self.free_credit_usd[rows], pc
        )

    def pc_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """(allocation, D) per row: what `with_pc` needs to rebuild the PC part (0: none)."""
        allocated, discount = np.zeros(len(self)), np.zeros(len(self))
        at = self._pc_rows()
        if at.size and self.pc is not None:
            allocated[at] = self.pc.allocated[self.pc.index[at]]
            discount[at] = self.pc.discount_usd[self.pc.index[at]]
        return allocated, discount

    def with_pc(
        self,
        concurrency: tuple[np.ndarray, ConcurrencyProfile],
        allocated: np.ndarray,
        discount: np.ndarray,
    ) -> LambdaLine:
        """This line with a PC part: `concurrency` from `fleet.window_sums`, `allocated` and
        `discount` (D) per row (rows with either at 0 stay linear)."""
        index, profile = concurrency
        on = (allocated > 0) & (discount > 0) & (index >= 0)
        if not on.any():
            return LambdaLine(self.fixed_usd, self.variable_usd, self.free_credit_usd)
        at = np.flatnonzero(on)
        alloc_p, d_p = np.zeros(len(profile.level)), np.zeros(len(profile.level))
        alloc_p[index[at]] = allocated[at]
        d_p[index[at]] = discount[at]
        part = ProvisionedPart(np.where(on, index, -1), profile, alloc_p, d_p)
        return LambdaLine(self.fixed_usd, self.variable_usd, self.free_credit_usd, part)

    def _pc_rows(self) -> np.ndarray:
        return np.zeros(0, dtype=int) if self.pc is None else np.flatnonzero(self.pc.index >= 0)

    def variable_at(self, k: np.ndarray) -> np.ndarray:
        """V(k): the traffic-driven part of the bill before the free credit."""
        scaled = k * self.variable_usd
        at = self._pc_rows()
        if at.size and self.pc is not None:
            kk = np.broadcast_to(np.asarray(k, dtype=float), scaled.shape)[at]
            scaled[at] = self.pc.variable_at(self.pc.index[at], kk, self.variable_usd[at])
        return scaled

    def at(self, k: np.ndarray) -> np.ndarray:
        scaled = self.variable_at(k)
        return self.fixed_usd + scaled - np.minimum(self.free_credit_usd, scaled)

    def inverse(self, usd: np.ndarray) -> np.ndarray:
        """The multiple k at which Lambda's monthly cost reaches `usd`: 0 where Lambda already
        costs that at no traffic, inf where it never gets there."""
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(
                self.variable_usd > 0,
                (usd - self.fixed_usd + self.free_credit_usd) / self.variable_usd,
                np.inf,
            )
        at = self._pc_rows()
        if at.size and self.pc is not None:
            target = (usd - self.fixed_usd + self.free_credit_usd)[at]
            k[at] = self.pc.inverse(self.pc.index[at], target, self.variable_usd[at])
        return np.where(usd <= self.fixed_usd, 0.0, k)


def concurrency_profile(
    codes: np.ndarray, concurrency: np.ndarray, keep: np.ndarray, bins: int = PC_BINS
) -> tuple[np.ndarray, ConcurrencyProfile]:
    """The hourly mean concurrency of the functions where `keep` (F bool), from long-format
    hours (`codes`: each hour's function position, `concurrency`: its mean concurrency).
    Returns (index, profile): index F (-1 where not kept) into the profile's rows."""
    index = np.full(len(keep), -1)
    kept = np.flatnonzero(keep)
    index[kept] = np.arange(kept.size)
    sel = keep[codes] & (concurrency > 0)
    row = index[codes[sel]]
    value = concurrency[sel]
    order = np.lexsort((-value, row))  # by function, busiest hour first
    row, value = row[order], value[order]
    count = np.bincount(row, minlength=kept.size)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    rank = np.arange(row.size) - first[row]
    n = count[row]
    # Hours of equal concurrency share a bin (exact); with more than `bins` distinct levels,
    # equal-count bins.
    new_level = np.ones(row.size, dtype=bool)
    new_level[1:] = (row[1:] != row[:-1]) | (value[1:] != value[:-1])
    level_id = np.cumsum(new_level) - 1
    distinct = np.bincount(row, weights=new_level, minlength=kept.size).astype(int)
    first_level = np.concatenate([[0], np.cumsum(distinct)[:-1]])
    level_rank = level_id - first_level[row]
    b = np.where(distinct[row] > bins, rank * bins // np.maximum(n, 1), level_rank)
    flat = row * bins + b
    hours = np.bincount(flat, minlength=kept.size * bins).astype(float)
    total = np.bincount(flat, weights=value, minlength=kept.size * bins)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where(hours > 0, total / hours, 0.0)
    shape = (kept.size, bins)
    return index, ConcurrencyProfile(level.reshape(shape), hours.reshape(shape))
