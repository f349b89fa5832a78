"""The crossover solver: the traffic multiple k* at which Lambda and the cheapest option cost
the same, searched from today's traffic (k = 1).

Lambda's monthly cost at multiple k is a line with a free-tier credit,
  L(k) = fixed + k variable - min(free_credit, k variable),
increasing in k. The cheapest provisioned option's cost P(k) is a non-decreasing step function
(whole units). The solver only evaluates P, through `ProvisionedCost`, so it works on any such
P (the engine's comes from `options.cost.cheapest_option_usd`; tests use hand-built steps).

Lambda cheaper today: k* is the smallest k > 1 where Lambda costs at least P (NaN when that
does not happen up to max_multiple). Lambda dearer today: k* is the k < 1 below which Lambda is
cheaper again (0 when it never is, e.g. idle provisioned concurrency). So k* < 1 exactly when
the function has already outgrown Lambda.

Method: the iteration k <- L^-1(P(k)) walks from k = 1 to the first crossing without ever
stepping over one: between k and L^-1(P(k)), Lambda stays below (above, going down) P(k). It
stops when P did not step on the way (then L = P there). Rows that have not converged after
FIXED_POINT_ITERS (near-parallel costs, many small steps) finish with a log-grid scan and
bisection from where the iteration got to, which no crossing lies behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

FIXED_POINT_ITERS = 40
GRID_POINTS = 32  # fallback scan, quadratic in log k from where the iteration stopped
BISECT_ITERS = 14
K_LO = 1e-4  # below this multiple, "Lambda is never cheaper again" (k* = 0)
SETTLED_REL = 1e-9  # P did not step: relative change at most this

CostAt = Callable[[np.ndarray], np.ndarray]
ProvisionedCost = Callable[[np.ndarray], CostAt]
"""P restricted to some rows: `provisioned(rows)(k)` is P(k) (len(rows),) for those rows.
Rows are independent; only rows still searching are evaluated (most of the solver's speed)."""


@dataclass(frozen=True)
class LambdaLine:
    """L(k) = fixed + k variable - min(free_credit, k variable), per function (monthly USD)."""

    fixed_usd: np.ndarray
    variable_usd: np.ndarray
    free_credit_usd: np.ndarray

    def __len__(self) -> int:
        return len(self.fixed_usd)

    def rows(self, rows: np.ndarray) -> LambdaLine:
        return LambdaLine(self.fixed_usd[rows], self.variable_usd[rows], self.free_credit_usd[rows])

    def at(self, k: np.ndarray) -> np.ndarray:
        scaled = k * self.variable_usd
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
        return np.where(usd <= self.fixed_usd, 0.0, k)


def solve_crossover(
    lambda_line: LambdaLine, provisioned: ProvisionedCost, max_multiple: float
) -> np.ndarray:
    """k* per function (see the module docstring); NaN where no option is feasible."""
    n = len(lambda_line)
    k = np.ones(n)
    p_k = provisioned(np.arange(n))(k)
    dearer_now = lambda_line.at(k) >= p_k
    result = np.full(n, np.nan)
    active = np.isfinite(p_k)  # rows with no feasible option keep NaN
    for _ in range(FIXED_POINT_ITERS):
        if not active.any():
            break
        _fixed_point_step(
            lambda_line, provisioned, max_multiple, dearer_now, k, p_k, result, active
        )
    rows = np.flatnonzero(active)
    if rows.size:
        result[rows] = _scan_then_bisect(
            lambda_line.rows(rows),
            lambda local: provisioned(rows[local]),
            k[rows],
            dearer_now[rows],
            max_multiple,
        )
    return result


def _fixed_point_step(
    lambda_line: LambdaLine,
    provisioned: ProvisionedCost,
    max_multiple: float,
    dearer_now: np.ndarray,
    k: np.ndarray,
    p_k: np.ndarray,
    result: np.ndarray,
    active: np.ndarray,
) -> None:
    """One step k <- L^-1(P(k)) for the active rows. Updates the solver's working arrays k,
    p_k, result and active in place (they are local to one `solve_crossover` call)."""
    rows = np.flatnonzero(active)
    next_k = lambda_line.rows(rows).inverse(p_k[rows])
    down = dearer_now[rows]
    out_of_range = np.where(down, next_k < K_LO, next_k > max_multiple)
    result[rows[out_of_range]] = np.where(down[out_of_range], 0.0, np.nan)
    active[rows[out_of_range]] = False
    rows, next_k = rows[~out_of_range], next_k[~out_of_range]
    if rows.size == 0:
        return
    p_next = provisioned(rows)(next_k)
    settled = np.abs(p_next - p_k[rows]) <= SETTLED_REL * np.maximum(p_k[rows], 1.0)
    result[rows[settled]] = next_k[settled]
    active[rows[settled]] = False
    k[rows] = next_k
    p_k[rows] = p_next


def _scan_then_bisect(
    lambda_line: LambdaLine,
    provisioned: ProvisionedCost,
    start: np.ndarray,
    down: np.ndarray,
    max_multiple: float,
) -> np.ndarray:
    """k* for rows the iteration left at `start`: 0 (down) / NaN (up) when no crossing is
    found between `start` and the end of the range, else the bisected crossing."""

    def gap_on(rows: np.ndarray) -> CostAt:
        """L(k) - P(k) on some rows."""
        provisioned_rows = provisioned(rows)
        lambda_rows = lambda_line.rows(rows)
        return lambda k: lambda_rows.at(k) - provisioned_rows(k)

    found, lo, hi = _grid_scan(gap_on, start, down, max_multiple)
    result = np.where(down, 0.0, np.nan)
    rows = np.flatnonzero(found)
    if rows.size:
        result[rows] = _bisect(gap_on(rows), lo[rows], hi[rows])
    return result


def _grid_scan(
    gap_on: Callable[[np.ndarray], CostAt],
    start: np.ndarray,
    down: np.ndarray,
    max_multiple: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk a log grid outward from `start` (down to K_LO or up to max_multiple) until L - P
    changes sign. Returns (found, lo, hi): the bracket [lo, hi] of each found crossing."""
    end = np.where(down, K_LO, max_multiple)
    span = np.log(end / start)
    previous = start.copy()
    lo = np.where(down, K_LO, start)
    hi = np.where(down, start, max_multiple)
    found = np.zeros(start.size, dtype=bool)
    for t in (np.arange(1, GRID_POINTS + 1) / GRID_POINTS) ** 2:
        searching = np.flatnonzero(~found)
        if searching.size == 0:
            break
        k = start[searching] * np.exp(span[searching] * t)
        gap = gap_on(searching)(k)
        flipped = np.where(down[searching], gap < 0, gap >= 0)
        rows = searching[flipped]
        lo[rows] = np.where(down[rows], k[flipped], previous[rows])
        hi[rows] = np.where(down[rows], previous[rows], k[flipped])
        found[rows] = True
        previous[searching] = k
    return found, lo, hi


def _bisect(gap: CostAt, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The upper end of the bracket after BISECT_ITERS geometric halvings (L - P >= 0 at hi)."""
    for _ in range(BISECT_ITERS):
        mid = np.sqrt(lo * hi)
        lambda_dearer = gap(mid) >= 0
        hi = np.where(lambda_dearer, mid, hi)
        lo = np.where(lambda_dearer, lo, mid)
    return hi
