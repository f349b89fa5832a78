"""The crossover solver: the traffic multiple k* at which Lambda and the cheapest option cost
the same, searched from today's traffic (k = 1).

Lambda's monthly cost at multiple k, `lambda_line.LambdaLine`, is increasing in k: a line with a
free-tier credit, L(k) = fixed + k variable - min(free_credit, k variable), or for a function
with provisioned concurrency a convex piecewise-linear curve (the concurrency above the
allocation spills over to on-demand hour by hour). The cheapest provisioned option's cost P(k) is a non-decreasing step function
(whole units). The solver only evaluates P, through `ProvisionedCost`, so it works on any such
P (the engine's comes from `options.cost.cheapest_option_usd`; tests use hand-built steps).

Lambda cheaper today: k* is the smallest k > 1 where Lambda costs at least P (NaN when that
does not happen up to max_multiple). Lambda dearer today: k* is the k < 1 below which Lambda is
cheaper again (0 when it never is, e.g. idle provisioned concurrency). So k* < 1 exactly when
the function has already outgrown Lambda.

Method: the iteration k <- L^-1(P(k)) walks from k = 1 to the first crossing without ever
stepping over one: between k and L^-1(P(k)), Lambda stays below (above, going down) P(k). With
`Bounds` (cheap lower and upper bounds on P), it also steps k <- L^-1(lower(k)) going up
(L^-1(upper(k)) going down), which cannot pass a crossing either, and is much cheaper. It stops
when L meets P at the new k, or when P at 1% further shows the crossing lies within that 1%
(then bisection narrows it to BRACKET_TOL). Rows that have not converged after
FIXED_POINT_ITERS (near-parallel costs, many small steps) finish with a log-grid scan and
bisection from where the iteration got to, which no crossing lies behind.

Most points only need to know which side of a crossing they are on, P(k) <= L(k) (`Affordable`),
which the exact costs can answer without pricing every candidate that could be the cheapest.
(Just over 400 lines on purpose: the walk, its fallback and the exact refinement share one
notion of a crossing and of these decisions; split, one concept would live in two modules.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analyzer.core.lambda_line import LambdaLine
from analyzer.core.runner import checkpoint

FIXED_POINT_ITERS = 40
GRID_POINTS = 32  # fallback scan, quadratic in log k from where the iteration stopped
BISECT_ITERS = 14
K_LO = 1e-4  # below this multiple, "Lambda is never cheaper again" (k* = 0)
SETTLED_REL = 1e-9  # L meets P: relative difference at most this
MARGIN = 1e-12  # relative: a cost comparison that rounding cannot turn
CLOSE_ENOUGH = 0.01  # a crossing known to lie within 1% of k is narrowed by bisection
BRACKET_ITERS = 14  # at most this many halvings of a bracket (in log k)
BRACKET_TOL = 0.005  # ... until its ends are within 0.5%
PULL_BACK_ROUNDS = 3
PATH_RATIOS = (2.0, 1.3, 1.1, 1.03)  # where the path to an estimate is checked for crossings
# Near-tangent costs: where, short of the estimate, the cheapest option's cost is closer to
# Lambda's than TANGENT of the way Lambda's cost still moves to the estimate (the option's cost
# rises nearly as fast as Lambda's), narrow crossings can hide between the path's points; such
# rows get the full exact walk (`solve_crossover`), which never steps over a crossing.
TANGENT = 0.25
TANGENT_RATIOS = (1.1, 1.03)
BRACKETS = (0.01, 0.04, 0.16, 0.64)  # widths tried around an estimate, narrowest first
BOUND_STEPS = 2  # steps on the cheap bounds between two exact evaluations
STEP_BATCH = 8  # steps of CLOSE_ENOUGH decided at once when looking for the first crossing

CostAt = Callable[[np.ndarray], np.ndarray]
ProvisionedCost = Callable[[np.ndarray], CostAt]
"""P restricted to some rows: `provisioned(rows)(k)` is P(k) (len(rows),) for those rows.
Rows are independent; only rows still searching are evaluated (most of the solver's speed)."""
Affordable = Callable[[np.ndarray], Callable[[np.ndarray, np.ndarray], np.ndarray]]
"""`affordable(rows)(k, usd)` is P(k) <= usd for those rows: the decision the refinement needs at
most points, which can be cheaper to make than P(k) itself (`exact_cost.ExactCost.affordable`)."""


def affordable_from(provisioned: ProvisionedCost) -> Affordable:
    """The decision P(k) <= usd made by pricing P(k)."""
    return lambda rows: lambda k, usd: provisioned(rows)(k) <= usd


@dataclass(frozen=True)
class Bounds:
    """Cheap bounds on P for the same rows: `lower(rows)(k) <= P(k) <= upper(rows)(k)`, both
    non-decreasing in k. They let the walk take long steps that cannot pass a crossing."""

    lower: ProvisionedCost
    upper: ProvisionedCost


def solve_crossover(
    lambda_line: LambdaLine,
    provisioned: ProvisionedCost,
    max_multiple: float,
    bounds: Bounds | None = None,
    affordable: Affordable | None = None,
) -> np.ndarray:
    """k* per function (see the module docstring); NaN where no option is feasible.
    `affordable` (default: from `provisioned`) decides P(k) <= L(k) where only that matters."""
    n = len(lambda_line)
    k = np.ones(n)
    p_k = provisioned(np.arange(n))(k)
    dearer_now = lambda_line.at(k) >= p_k
    result = np.full(n, np.nan)
    active = np.isfinite(p_k)  # rows with no feasible option keep NaN
    decide = affordable or affordable_from(provisioned)
    search = _Search(lambda_line, provisioned, max_multiple, dearer_now, bounds, decide)
    for _ in range(FIXED_POINT_ITERS):
        if not active.any():
            break
        checkpoint()  # a background pass stopped meanwhile ends here
        search.step(k, p_k, result, active)
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


@dataclass(frozen=True)
class _Search:
    """The walk's fixed inputs; `step` updates its working arrays in place."""

    line: LambdaLine
    provisioned: ProvisionedCost
    max_multiple: float
    dearer_now: np.ndarray
    bounds: Bounds | None
    affordable: Affordable

    def _accelerate(self, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Longer safe steps on the bounds: up, L < lower <= P until L meets the lower bound;
        down, L >= upper >= P until L falls under the upper bound (each row prices only the
        bound its direction needs)."""
        if self.bounds is None:
            return k
        k = k.copy()
        down = self.dearer_now[rows]
        for going_down in (False, True):  # each row needs one of the bounds only
            side = np.flatnonzero(down == going_down)
            if side.size == 0:
                continue
            at, line = rows[side], self.line.rows(rows[side])
            bound = self.bounds.upper if going_down else self.bounds.lower
            ks = k[side]
            for _ in range(BOUND_STEPS):
                live = np.flatnonzero(np.isfinite(ks) & (ks >= K_LO) & (ks <= self.max_multiple))
                if live.size == 0:
                    break
                jump = line.rows(live).inverse(bound(at[live])(ks[live]))
                ks[live] = np.minimum(ks[live], jump) if going_down else np.maximum(ks[live], jump)
            k[side] = ks
        return k

    def step(self, k: np.ndarray, p_k: np.ndarray, result: np.ndarray, active: np.ndarray) -> None:
        """One step k <- L^-1(P(k)) (then longer safe steps on the bounds) for the active
        rows, and a check that the crossing lies within CLOSE_ENOUGH of the new k."""
        rows = np.flatnonzero(active)
        next_k = self._accelerate(rows, self.line.rows(rows).inverse(p_k[rows]))
        down = self.dearer_now[rows]
        out_of_range = np.where(down, next_k < K_LO, next_k > self.max_multiple)
        result[rows[out_of_range]] = np.where(down[out_of_range], 0.0, np.nan)
        active[rows[out_of_range]] = False
        keep = ~out_of_range
        rows, next_k, down = rows[keep], next_k[keep], down[keep]
        if rows.size == 0:
            return
        line = self.line.rows(rows)
        near = np.where(down, next_k / (1 + CLOSE_ENOUGH), next_k * (1 + CLOSE_ENOUGH))
        p_next = self.provisioned(rows)(next_k)
        tol = SETTLED_REL * np.maximum(p_next, 1.0)
        l_next = line.at(next_k)
        settled = np.where(down, l_next <= p_next + tol, l_next >= p_next - tol)
        # Crossed within CLOSE_ENOUGH: Lambda at least P at `near` going up, below it going down.
        close = np.zeros(rows.size, dtype=bool)
        # P is monotone: where P(next_k) is already beyond L(near) (above it going up, below
        # it going down), P(near) is too, and no crossing lies within CLOSE_ENOUGH.
        l_near = line.at(near)
        beyond = np.where(down, p_next < l_near * (1 - MARGIN), p_next > l_near * (1 + MARGIN))
        open_rows = np.flatnonzero(~settled & ~beyond)
        near_cheaper = self.affordable(rows[open_rows])(near[open_rows], l_near[open_rows])
        close[open_rows] = near_cheaper != down[open_rows]
        result[rows[settled]] = next_k[settled]
        if close.any():
            lo, hi = np.minimum(next_k, near)[close], np.maximum(next_k, near)[close]
            result[rows[close]] = _bisect_bracket(
                line.rows(np.flatnonzero(close)),
                self.affordable,
                rows[close],
                lo,
                hi,
            )
        done = settled | close
        active[rows[done]] = False
        k[rows] = next_k
        p_k[rows] = p_next


def _bisect_bracket(
    line: LambdaLine,
    affordable: Affordable,
    rows: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """Narrow brackets [lo, hi] known to hold a crossing until hi / lo <= 1 + BRACKET_TOL (at
    most BRACKET_ITERS halvings in log k, only the rows still wider); returns hi, where Lambda
    is dearer (going up) or still dearer (going down)."""
    lo, hi = lo.copy(), hi.copy()
    for _ in range(BRACKET_ITERS):
        wide = np.flatnonzero(hi > lo * (1 + BRACKET_TOL))
        if wide.size == 0:
            break
        mid = np.sqrt(lo[wide] * hi[wide])
        # Lambda dearer at mid: going up, the first crossing is at or below mid; going
        # down, Lambda turns cheaper below mid.
        lambda_dearer = affordable(rows[wide])(mid, line.rows(wide).at(mid))
        hi[wide] = np.where(lambda_dearer, mid, hi[wide])
        lo[wide] = np.where(lambda_dearer, lo[wide], mid)
    return hi


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


def refine_crossover(
    lambda_line: LambdaLine,
    exact: ProvisionedCost,
    bounds: Bounds,
    estimate: np.ndarray,
    max_multiple: float,
    p_one: np.ndarray | None = None,
    affordable: Affordable | None = None,
) -> np.ndarray:
    """k* on the exact P, starting from an `estimate` (a cheaper solver's answer on an
    approximate P). Where the estimate is right to within CLOSE_ENOUGH, a few exact
    evaluations prove it: the bounds show no crossing between today's traffic and the near
    side of the estimate, the exact P shows L and P on either side of the bracket, and
    bisection narrows it. Everywhere else (and where the estimate found no crossing),
    `solve_crossover` on the exact P with the bounds. NaN and 0 estimates are kept as they
    are when the exact P agrees at today's traffic. `affordable` (default: from `exact`) makes
    the decisions P(k) <= L(k) of the path check, the brackets and the bisection."""
    n = len(lambda_line)
    decide = affordable or affordable_from(exact)
    result = estimate.astype(float).copy()
    everyone = np.arange(n)
    if p_one is None:  # P(1), when the caller has not priced it already
        p_one = exact(everyone)(np.ones(n))
    down = lambda_line.at(np.ones(n)) >= p_one
    finite = np.isfinite(estimate) & (estimate > 0) & np.isfinite(p_one)
    agree_down = np.where(down, estimate < 1.0, estimate > 1.0)
    rows = np.flatnonzero(finite & agree_down)
    proved = np.zeros(n, dtype=bool)
    estimate = estimate.astype(float).copy()
    for _ in range(PULL_BACK_ROUNDS):  # an earlier crossing on the path becomes the estimate
        checkpoint()
        earlier = _crossing_on_path(lambda_line, decide, estimate, down, rows)
        moved = np.isfinite(earlier)
        estimate[rows[moved]] = earlier[moved]
        clear = rows[~moved]
        clear = clear[~_tangent_on_path(lambda_line, decide, estimate, down, clear)]
        if clear.size:
            proved[clear] = _prove_bracket(lambda_line, decide, estimate, down, clear, result)
        rows = rows[moved]
        if rows.size == 0:
            break
    # the rest: no estimate to check (NaN / 0 kept when today's side agrees), or not proved
    keep_as_is = ~finite & (np.where(down, estimate == 0, np.isnan(estimate)) | ~np.isfinite(p_one))
    redo = np.flatnonzero(~proved & ~keep_as_is)
    if redo.size:
        result[redo] = solve_crossover(
            lambda_line.rows(redo),
            lambda local: exact(redo[local]),
            max_multiple,
            Bounds(
                lambda local: bounds.lower(redo[local]),
                lambda local: bounds.upper(redo[local]),
            ),
            lambda local: decide(redo[local]),
        )
    return result


def _path_points(
    estimate: np.ndarray, down: np.ndarray, rows: np.ndarray, ratios: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The points `ratios` short of each row's estimate (towards today's traffic), ratio by
    ratio: (multiples, going down, their rows, strictly between today's traffic and k*)."""
    d = down[rows]
    k = np.concatenate([np.where(d, estimate[rows] * r, estimate[rows] / r) for r in ratios])
    down_all = np.tile(d, len(ratios))
    on_path = np.where(down_all, k < 1.0, k > 1.0)
    return k, down_all, np.tile(rows, len(ratios)), on_path


def _crossing_on_path(
    lambda_line: LambdaLine,
    affordable: Affordable,
    estimate: np.ndarray,
    down: np.ndarray,
    rows: np.ndarray,
) -> np.ndarray:
    """For `rows`: the point nearest today's traffic, among PATH_RATIOS short of the estimate,
    where the exact costs already cross (NaN where none does): the estimate is not the first
    crossing there."""
    k, down_all, at_rows, on_path = _path_points(estimate, down, rows, PATH_RATIOS)
    lam = lambda_line.rows(at_rows).at(k)
    # Lambda at least P (going up) / below P (going down): a crossing at that point.
    crossed = np.zeros(k.size, dtype=bool)
    path = np.flatnonzero(on_path)
    cheaper = affordable(at_rows[path])(k[path], lam[path])  # P <= L
    crossed[path] = np.where(down_all[path], ~cheaper, cheaper)
    by_ratio = crossed.reshape(len(PATH_RATIOS), rows.size)
    first = np.argmax(by_ratio, axis=0)  # PATH_RATIOS run from the farthest to the nearest
    at = k.reshape(len(PATH_RATIOS), rows.size)[first, np.arange(rows.size)]
    return np.where(by_ratio.any(axis=0), at, np.nan)


def _tangent_on_path(
    lambda_line: LambdaLine,
    affordable: Affordable,
    estimate: np.ndarray,
    down: np.ndarray,
    rows: np.ndarray,
) -> np.ndarray:
    """For `rows`: True where, at a point of TANGENT_RATIOS short of the estimate, the costs are
    near-tangent (see TANGENT; without crossing there): the estimate cannot be proved from a
    few points and the row is left to the exact walk."""
    if rows.size == 0:
        return np.zeros(0, dtype=bool)
    k, down_all, at_rows, on_path = _path_points(estimate, down, rows, TANGENT_RATIOS)
    line = lambda_line.rows(at_rows)
    lam = line.at(k)
    lam_at_estimate = line.at(np.tile(estimate[rows], len(TANGENT_RATIOS)))
    close = np.zeros(k.size, dtype=bool)
    path = np.flatnonzero(on_path)
    # Going up, P > L there (no crossing): near when P <= L + TANGENT (L(estimate) - L). Going
    # down, P <= L: near when P > L - TANGENT (L - L(estimate)); the same expression.
    threshold = lam + TANGENT * (lam_at_estimate - lam)
    within = affordable(at_rows[path])(k[path], threshold[path])
    close[path] = np.where(down_all[path], ~within, within)
    return np.asarray(close.reshape(len(TANGENT_RATIOS), rows.size).any(axis=0), dtype=bool)


def _first_step_across(
    line: LambdaLine,
    affordable: Affordable,
    rows: np.ndarray,
    near: np.ndarray,
    far: np.ndarray,
    down: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For brackets known to hold a crossing (Lambda on today's side at `near`, on the other
    side at `far`): steps of CLOSE_ENOUGH from `near` towards `far`, row by row until Lambda is
    on the other side. Returns the first such step's ends (before, after), so that bisection
    finds the crossing nearest today's traffic rather than any crossing in the bracket.
    Each row's next STEP_BATCH steps are decided in one call (a bracket of 4 % holds about 8
    steps, one of 64 % about 100): the same steps and decisions as one step at a time, in a
    tenth of the calls, for a few steps decided past the first crossing."""
    before, after = near.copy(), far.copy()
    todo = np.arange(rows.size)
    while todo.size:
        checkpoint()
        d = down[todo]
        steps = np.empty((STEP_BATCH, todo.size))
        step = before[todo]
        for i in range(STEP_BATCH):  # each from the one before, as when stepping one by one
            step = np.where(d, step / (1 + CLOSE_ENOUGH), step * (1 + CLOSE_ENOUGH))
            steps[i] = step
        at_far = np.where(d, steps <= far[todo], steps >= far[todo])  # STEP_BATCH x rows
        crossed = at_far.copy()
        check_step, check_row = np.nonzero(~at_far)
        k = steps[check_step, check_row]
        cheaper = affordable(rows[todo[check_row]])(
            k, line.rows(todo[check_row]).at(k)
        )  # P <= L: Lambda dearer, the other side going up, today's side going down
        crossed[check_step, check_row] = cheaper != d[check_row]
        found = crossed.any(axis=0)
        first = np.argmax(crossed, axis=0)  # the first step across (STEP_BATCH: none)
        last = np.where(found, first, STEP_BATCH) - 1  # the last step still on today's side
        moved = last >= 0
        before[todo[moved]] = steps[last[moved], np.flatnonzero(moved)]
        inside = found & ~at_far[first, np.arange(todo.size)]
        after[todo[inside]] = steps[first[inside], np.flatnonzero(inside)]
        todo = todo[~found]
    return before, after


def _prove_bracket(
    lambda_line: LambdaLine,
    affordable: Affordable,
    estimate: np.ndarray,
    down: np.ndarray,
    rows: np.ndarray,
    result: np.ndarray,
) -> np.ndarray:
    """For `rows`: True where the exact costs bracket a crossing around the estimate (the
    narrowest of BRACKETS that does: Lambda cheaper on today's side, dearer on the other), and
    `result` then holds it, bisected to BRACKET_TOL; False elsewhere."""
    ok = np.zeros(rows.size, dtype=bool)
    lo = np.zeros(rows.size)
    hi = np.zeros(rows.size)
    for width in BRACKETS:
        todo = np.flatnonzero(~ok)
        if todo.size == 0:
            break
        at = rows[todo]
        d = down[at]
        near = np.where(d, estimate[at] * (1 + width), estimate[at] / (1 + width))
        far = np.where(d, estimate[at] / (1 + width), estimate[at] * (1 + width))
        line = lambda_line.rows(at)
        # Today's side first (near): the far side is priced only where it is right.
        near_ok = affordable(at)(near, line.at(near)) == d  # P <= L going down, P > L up
        sides = near_ok.copy()
        check = np.flatnonzero(near_ok)
        far_cheaper = affordable(at[check])(far[check], line.rows(check).at(far[check]))
        sides[check] = far_cheaper != d[check]
        found = todo[sides]
        ok[found] = True
        lo[found] = np.minimum(near, far)[sides]
        hi[found] = np.maximum(near, far)[sides]
    got = np.flatnonzero(ok)
    wide = got[hi[got] > lo[got] * (1 + CLOSE_ENOUGH) ** 2 * (1 + 1e-12)]
    if wide.size:  # several crossings may lie inside: the first one, from today's side
        d = down[rows[wide]]
        near, far = np.where(d, hi[wide], lo[wide]), np.where(d, lo[wide], hi[wide])
        before, after = _first_step_across(
            lambda_line.rows(rows[wide]), affordable, rows[wide], near, far, d
        )
        lo[wide], hi[wide] = np.minimum(before, after), np.maximum(before, after)
    if got.size:
        result[rows[got]] = _bisect_bracket(
            lambda_line.rows(rows[got]),
            lambda local: affordable(rows[got][local]),
            np.arange(got.size),
            lo[got],
            hi[got],
        )
    return ok
