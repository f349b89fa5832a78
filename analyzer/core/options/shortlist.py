"""Which candidates are worth exact pricing for each function, and their compute cost.

Compute cost = sum_h n x hourly price (autoscaled) or max_h n x hours (static), normalised to
the monthly basis (HOURS_PER_MONTH), with n the units of `demand.unit_counts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analyzer.core.assumptions import Assumptions
from analyzer.core.options.candidates import Candidates
from analyzer.core.options.demand import (
    EPS,
    SLACK,
    Demand,
    compress_profile,
    pair_unit_hours,
    undominated,
    units_of,
)
from analyzer.core.vocabulary import HOURS_PER_MONTH

# Growth: where a function still cheaper on Lambda crosses.
SHORTLIST_UP = (1.0, 1.5, 2.5, 4.0, 10.0, 30.0)
# Same length as SHORTLIST_UP: where an already-outgrown function crossed.
SHORTLIST_DOWN = (0.05, 0.15, 0.3, 0.5, 0.75, 1.0)
SHORTLIST_BINS = 8


@dataclass(frozen=True)
class Shortlist:
    """S chosen candidates per function: indexes into a Candidates (F x S)."""

    idx: np.ndarray
    r: np.ndarray  # F x S units per request
    price: np.ndarray  # F x S effective USD per unit-hour
    # F x S: a column naming the same candidate as an earlier column of its row (priced once);
    # found once here, not at every pricing
    repeat: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        f, s = self.idx.shape
        order = np.argsort(self.idx, axis=1, kind="stable")
        ranked = np.take_along_axis(self.idx, order, axis=1)
        repeat = np.zeros((f, s), dtype=bool)
        np.put_along_axis(
            repeat, order, np.pad(ranked[:, 1:] == ranked[:, :-1], ((0, 0), (1, 0))), axis=1
        )
        object.__setattr__(self, "repeat", repeat)

    def where(self, take: np.ndarray, other: Shortlist) -> Shortlist:
        """Rows of `other` where `take` (F,) is true, else this shortlist's rows."""
        t = take[:, None]
        return Shortlist(
            np.where(t, other.idx, self.idx),
            np.where(t, other.r, self.r),
            np.where(t, other.price, self.price),
        )

    def rows(self, rows: np.ndarray) -> Shortlist:
        """The shortlists of some of the functions."""
        out = object.__new__(Shortlist)  # the rows' repeats are those rows of this one's
        for name, value in (
            ("idx", self.idx[rows]),
            ("r", self.r[rows]),
            ("price", self.price[rows]),
            ("repeat", self.repeat[rows]),
        ):
            object.__setattr__(out, name, value)
        return out

    def with_rows(self, rows: np.ndarray, other: Shortlist) -> Shortlist:
        """A new shortlist: `other`'s rows (one per entry of `rows`) in place of those rows."""
        idx, r, price = self.idx.copy(), self.r.copy(), self.price.copy()
        idx[rows], r[rows], price[rows] = other.idx, other.r, other.price
        return Shortlist(idx, r, price)


def contenders(per_request: np.ndarray, candidates: Candidates, a: Assumptions) -> Shortlist:
    """Every candidate each function could choose, F x S: the feasible ones no other candidate
    dominates (`demand.undominated`), in candidate order (so the first of equally cheap ones is
    still the first), S the most any function has (a few dozen of a few hundred; r = inf pads
    the rest). `per_request`: F x T units per concurrent request (`units_per_request`)."""
    r = undominated(per_request, candidates, a)
    ok = np.isfinite(r)
    s = max(1, int(ok.sum(axis=1).max(initial=0)))
    idx = np.argsort(~ok, axis=1, kind="stable")[:, :s]  # the feasible first, in order
    return Shortlist(idx, np.take_along_axis(r, idx, axis=1), candidates.usd_per_hour[idx])


def shortlist(
    d: Demand,
    every: Shortlist,
    a: Assumptions,
    kind: str,
    multiples: tuple[float, ...] = SHORTLIST_UP,
) -> Shortlist:
    """Pick the candidates worth exact pricing among `every` (`contenders`), from scores on a
    small sorted demand profile (rounding up included): the best at each traffic multiple and
    the best per unit of capacity. Every multiple set includes 1 (today's traffic)."""
    profile = compress_profile(d, SHORTLIST_BINS)
    f = len(every.idx)
    picks = [
        cheapest_compute(
            profile.base,
            profile.excess,
            every,
            np.full(f, k),
            a.min_units(kind),
            True,
            profile.weights,
            profile.hours,
        )[1]
        for k in multiples
    ]
    # the best per unit of capacity
    picks.append(np.argmin(np.where(np.isfinite(every.r), every.price * every.r, np.inf), axis=1))
    cols = np.stack(picks, axis=1)
    return Shortlist(
        np.take_along_axis(every.idx, cols, axis=1),
        np.take_along_axis(every.r, cols, axis=1),
        np.take_along_axis(every.price, cols, axis=1),
    )


def cheapest_compute(
    base: np.ndarray,
    excess: np.ndarray,
    chosen: Shortlist,
    k: np.ndarray,
    min_instances: int,
    autoscaling: bool,
    weights: np.ndarray | None = None,
    hours: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Monthly compute USD (F,) of the cheapest of the `chosen` candidates at traffic multiple
    k (F,), over a demand profile F x Q, and its column in the shortlist (the first such column;
    inf and 0 where none fits). With `weights` (F x Q hours per bin, a compressed profile) the
    sum is weighted.

    Only candidates that can be the cheapest are priced hour by hour: each distinct one once (a
    shortlist names a candidate at several multiples), and, autoscaled, only where a bound with
    no per-hour work, sum_h max(m, ceil(r p_h)) >= max(m H, r sum_h p_h), does not exceed the
    exact cost of the candidate with the lowest bound."""
    hours = hours if hours is not None else base.shape[1]
    to_month = HOURS_PER_MONTH / hours
    f, s = chosen.idx.shape
    rows = np.arange(f)
    kk = k[:, None]
    demand = kk * base + np.sqrt(kk) * excess  # p(k), F x Q
    finite = np.isfinite(chosen.r)
    per_request = np.where(finite, chosen.r, 0.0)
    usd = np.full((f, s), np.inf)
    # Static: max_h n(r p_h) = n(r max_h p_h), exactly (rounding, ceil and max are monotone),
    # so a candidate needs no per-hour work.
    peak = demand.max(axis=1) if not autoscaling else None

    def price(keep: np.ndarray) -> None:
        at, col = np.nonzero(keep)
        if at.size == 0:
            return
        if peak is not None:
            unit_hours = units_of(peak[at] * per_request[at, col], min_instances) * hours
        else:
            unit_hours = pair_unit_hours(
                base, excess, at, k[at], per_request[at, col], min_instances, weights
            )
        usd[at, col] = unit_hours * chosen.price[at, col] * to_month

    candidates = finite & ~chosen.repeat
    if autoscaling:
        total = (demand * weights).sum(axis=1) if weights is not None else demand.sum(axis=1)
        low = np.maximum(min_instances * hours, per_request * total[:, None] - hours * EPS)
        low = np.where(candidates, low * chosen.price * to_month, np.inf)
        first = np.zeros((f, s), dtype=bool)
        lowest = np.argmin(low, axis=1)
        first[rows, lowest] = np.isfinite(low[rows, lowest])
        price(first)
        ceiling = usd.min(axis=1)
        candidates &= ~first & (low <= ceiling[:, None] * (1 + SLACK) + SLACK)
    price(candidates)
    col = np.argmin(usd, axis=1)
    return usd[rows, col], col
