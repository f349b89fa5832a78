"""Which candidates are worth exact pricing for each function, and their compute cost.

Compute cost = sum_h n x hourly price (autoscaled) or max_h n x hours (static), normalised to
the monthly basis (HOURS_PER_MONTH), with n the units of `demand.unit_counts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analyzer.core.assumptions import Assumptions
from analyzer.core.options.candidates import Candidates
from analyzer.core.options.demand import EPS, SLACK, Demand, compress_profile, units_of
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
        return Shortlist(self.idx[rows], self.r[rows], self.price[rows])

    def with_rows(self, rows: np.ndarray, other: Shortlist) -> Shortlist:
        """A new shortlist: `other`'s rows (one per entry of `rows`) in place of those rows."""
        idx, r, price = self.idx.copy(), self.r.copy(), self.price.copy()
        idx[rows], r[rows], price[rows] = other.idx, other.r, other.price
        return Shortlist(idx, r, price)


def shortlist(
    d: Demand,
    candidates: Candidates,
    per_request: np.ndarray,
    a: Assumptions,
    multiples: tuple[float, ...] = SHORTLIST_UP,
) -> Shortlist:
    """Pick the candidates worth exact pricing, from scores on a small sorted demand profile
    (rounding up included): the best at each traffic multiple and the best per unit of
    capacity. Every multiple set includes 1 (today's traffic). `per_request`: F x T units per
    concurrent request (`units_per_request`)."""
    profile = compress_profile(d, SHORTLIST_BINS)
    f, t = per_request.shape
    price = candidates.usd_per_hour[None, :]
    every = Shortlist(
        np.broadcast_to(np.arange(t), (f, t)), per_request, np.broadcast_to(price, (f, t))
    )
    picks = [
        cheapest_compute(
            profile.base,
            profile.excess,
            every,
            np.full(f, k),
            a.min_units(candidates.kind),
            True,
            profile.weights,
            profile.hours,
        )[1]
        for k in multiples
    ]
    # the best per unit of capacity
    picks.append(np.argmin(np.where(np.isfinite(per_request), price * per_request, np.inf), axis=1))
    idx = np.stack(picks, axis=1)
    return Shortlist(
        idx, np.take_along_axis(per_request, idx, axis=1), candidates.usd_per_hour[idx]
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
    order = np.argsort(chosen.idx, axis=1, kind="stable")
    ranked = np.take_along_axis(chosen.idx, order, axis=1)
    repeat = np.zeros((f, s), dtype=bool)  # a later column naming the same candidate
    np.put_along_axis(
        repeat, order, np.pad(ranked[:, 1:] == ranked[:, :-1], ((0, 0), (1, 0))), axis=1
    )
    usd = np.full((f, s), np.inf)

    def price(keep: np.ndarray) -> None:
        at, col = np.nonzero(keep)
        if at.size == 0:
            return
        units = demand[at]
        units *= per_request[at, col][:, None]
        units_of(units, min_instances)
        if not autoscaling:
            unit_hours = units.max(axis=1) * hours
        else:
            if weights is not None:
                units *= weights[at]
            unit_hours = units.sum(axis=1)
        usd[at, col] = unit_hours * chosen.price[at, col] * to_month

    candidates = finite & ~repeat
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
