"""P(k), the cheapest provisioned option's exact monthly cost at traffic multiple k: every
feasible candidate of every option kind, over every hour of the profile (no shortlist, no
compressed profile), and two cheap bounds on it that the crossover solver uses to take long,
safe steps.

For one candidate t (r units per concurrent request, price c per unit-hour), with the hourly
demand p_h(k) = k base_h + sqrt(k) excess_h and m = min_instances:
  autoscaled  compute_t(k) = c x sum_h max(m, ceil(r p_h(k)))
  static      compute_t(k) = c x H x max(m, ceil(r max_h p_h(k)))
plus the kind's fixed cost and k x its variable cost. Cheap bounds (no per-hour work per
candidate), with M(k) = max_h p_h(k):
  lower  c x sum_j w_j max(m, r mean_j p(k))  (hours sorted by peak in bins j of w_j hours;
                                              ceil(x) >= x and max(m, .) is convex)
  upper  c x H x max(m, ceil(r M(k)))         (the static fleet: never cheaper than autoscaled)
Both are non-decreasing in k, like P itself.

Candidates a function can never choose (`demand.undominated`: dearer per hour and no fewer units
per request than another) are left out first. Exact pricing of the rest over all hours is costly
(F x T x H), so `cheapest` first bounds every candidate from below coarsely (c x max(m H,
r sum_h p_h(k)), no per-hour work), prices exactly the candidate with the lowest bound; its
total is an upper bound on P(k). Only
candidates whose coarse bound does not exceed it, then whose binned lower bound does not either,
can be the cheapest: those are priced exactly, pair by pair. The result is the exact minimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analyzer.core.assumptions import Assumptions
from analyzer.core.options.cost import OptionPricing
from analyzer.core.options.demand import (
    SLACK,
    Demand,
    Profile,
    compress_profile,
    pair_unit_hours,
)
from analyzer.core.vocabulary import HOURS_PER_MONTH

LOWER_BINS = 6


@dataclass(frozen=True)
class KindCost:
    """One option kind's candidates for a block of functions."""

    kind: str
    per_request: np.ndarray  # F x S units per concurrent request (inf: not allowed)
    price: np.ndarray  # F x S USD per unit-hour
    index: np.ndarray  # F x S which of the kind's candidates (`shortlist.contenders`)
    fixed_usd: np.ndarray  # F
    variable_usd: np.ndarray  # F
    min_instances: int  # units kept running at least (LMI: lmi_min_instances)


@dataclass(frozen=True)
class ExactCost:
    """Exact P(k) and its bounds for a block of functions (see the module docstring)."""

    base: np.ndarray  # F x H
    excess: np.ndarray  # F x H
    kinds: list[KindCost]
    autoscaling: bool
    profile: Profile  # the demand in LOWER_BINS bins, for the lower bound
    base_total: np.ndarray  # F: sum over hours of base
    excess_total: np.ndarray  # F: sum over hours of excess
    # F x 2: per function, the (kind, candidate) found cheapest at the last exact pricing (-1:
    # none yet). Priced first next time: at nearby traffic it is usually still the cheapest, so
    # its cost rules out the most others. Only which candidates are priced depends on it.
    last_best: np.ndarray

    @classmethod
    def build(cls, pricings: list[OptionPricing], d: Demand, a: Assumptions) -> ExactCost:
        kinds = [
            KindCost(
                p.kind,
                p.contenders.r,
                p.contenders.price,
                p.contenders.idx,
                p.fixed_usd,
                p.variable_usd,
                a.min_units(p.kind),
            )
            for p in pricings
        ]
        profile = compress_profile(d, LOWER_BINS)
        return cls(
            d.base,
            d.excess,
            kinds,
            a.autoscaling,
            profile,
            d.base.sum(axis=1),
            d.excess.sum(axis=1),
            np.full((len(d.base), 2), -1),
        )

    @property
    def hours(self) -> int:
        return int(self.base.shape[1])

    def _to_month(self) -> float:
        return HOURS_PER_MONTH / max(self.hours, 1)

    def _peak(self, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        """M(k) for `rows` (per-row k)."""
        p = k[:, None] * self.base[rows] + np.sqrt(k)[:, None] * self.excess[rows]
        return p.max(axis=1, initial=0.0)

    def _static(self, kind: KindCost, rows: np.ndarray, peak: np.ndarray) -> np.ndarray:
        """R x T static compute (an upper bound when autoscaling)."""
        r = kind.per_request[rows]
        finite = np.isfinite(r)
        units = np.ceil(np.where(finite, r, 0.0) * peak[:, None] - 1e-9)
        units = np.maximum(units, kind.min_instances)
        return np.where(finite, units * kind.price[rows] * self.hours * self._to_month(), np.inf)

    def _lower_min(self, kind: KindCost, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        """R: the lowest binned lower bound (`_lower_kept`) among the kind's candidates, priced
        only for candidates whose coarse bound (`_plain_lower`, never above the binned one)
        does not exceed the binned bound of the candidate with the lowest coarse bound."""
        plain = self._plain_lower(kind, rows, k)  # a kind has at least one candidate
        everyone = np.arange(len(rows))
        pick = np.argmin(plain, axis=1)
        first = np.zeros(plain.shape, dtype=bool)
        first[everyone, pick] = np.isfinite(plain[everyone, pick])
        best = self._lower_kept(kind, rows, k, first).min(axis=1, initial=np.inf)
        keep = (plain <= best[:, None] * (1 + SLACK) + SLACK) & np.isfinite(plain) & ~first
        return np.minimum(best, self._lower_kept(kind, rows, k, keep).min(axis=1, initial=np.inf))

    def _plain_lower(self, kind: KindCost, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        """R x T autoscaled compute lower bound, coarser and cheaper than the binned one:
        sum_h max(m, r p_h) >= max(m H, r sum_h p_h)."""
        r = kind.per_request[rows]
        finite = np.isfinite(r)
        total = k * self.base_total[rows] + np.sqrt(k) * self.excess_total[rows]
        units = np.maximum(
            kind.min_instances * self.hours, np.where(finite, r, 0.0) * total[:, None]
        )
        return np.where(finite, units * kind.price[rows] * self._to_month(), np.inf)

    def _lower_kept(
        self, kind: KindCost, rows: np.ndarray, k: np.ndarray, keep: np.ndarray
    ) -> np.ndarray:
        """R x T autoscaled compute lower bound on the kept (row, candidate) pairs (inf elsewhere):
        on each bin of the compressed profile, sum_h max(m, r p_h) >= w max(m, r mean p)
        (max(m, .) is convex)."""
        out = np.full(keep.shape, np.inf)
        at, cand = np.nonzero(keep)
        if at.size == 0:
            return out
        r = kind.per_request[rows[at], cand]
        sel = rows[at]
        mean = (
            k[at, None] * self.profile.base[sel]
            + np.sqrt(k[at])[:, None] * self.profile.excess[sel]
        )
        units = np.maximum(r[:, None] * mean, kind.min_instances)
        unit_hours = (units * self.profile.weights[sel]).sum(axis=1)
        out[at, cand] = unit_hours * kind.price[rows[at], cand] * self._to_month()
        return out

    def bound(self, rows: np.ndarray, k: np.ndarray, upper: bool) -> np.ndarray:
        """The cheap lower (upper=False) or upper bound on P(k) for `rows`."""
        peak = self._peak(rows, k) if upper or not self.autoscaling else np.zeros(0)
        best = np.full(len(rows), np.inf)
        for kind in self.kinds:
            if upper or not self.autoscaling:
                compute = self._static(kind, rows, peak).min(axis=1, initial=np.inf)
            else:
                compute = self._lower_min(kind, rows, k)
            extra = kind.fixed_usd[rows] + k * kind.variable_usd[rows]
            best = np.minimum(best, compute + extra)
        return best

    def cost(self, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Exact P(k) for `rows` (one k per row)."""
        return self.cheapest(rows, k)[0]

    def cheapest(self, rows: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Exact P(k) for `rows`, and per kind the exact cheapest candidate's compute cost
        (R x T, inf where not priced or not the kind's cheapest)."""
        if not self.autoscaling:
            peak = self._peak(rows, k)
            computes = [self._static(kind, rows, peak) for kind in self.kinds]
            return self._best(rows, k, computes), computes
        # An upper bound on P: the exact cost of the candidate last found cheapest, else of the
        # one with the lowest lower bound.
        lowers, extras, best_kind = self._coarse(rows, k)
        ceiling = np.full(len(rows), np.inf)
        firsts = []
        for i, (kind, low, extra) in enumerate(zip(self.kinds, lowers, extras, strict=True)):
            first, mine = self._first(rows, i, low, best_kind == i)
            exact = self._exact_kept(kind, rows, k, first)
            ceiling = np.where(mine, exact.min(axis=1, initial=np.inf) + extra, ceiling)
            firsts.append((first, exact))
        computes = []
        limit = ceiling[:, None] * (1 + SLACK) + SLACK
        for kind, low, extra, (first, exact) in zip(
            self.kinds, lowers, extras, firsts, strict=True
        ):
            keep = ((low + extra[:, None]) <= limit) & ~first  # coarse bound first, then finer
            keep &= (self._lower_kept(kind, rows, k, keep) + extra[:, None]) <= limit
            computes.append(np.minimum(self._exact_kept(kind, rows, k, keep), exact))
        best = self._best(rows, k, computes)
        self._remember(rows, k, computes, best)
        return best, computes

    def _first(
        self, rows: np.ndarray, i: int, low: np.ndarray, lowest: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(R x T the one candidate of kind i to price first, R the rows it is priced for):
        rows whose last cheapest is of kind i take that one; rows with none yet take the
        lowest bound's where kind i has the lowest bound (`lowest`) and it is finite."""
        everyone = np.arange(len(rows))
        last_kind, last = self.last_best[rows, 0], self.last_best[rows, 1]
        mine = np.where(last_kind >= 0, last_kind == i, lowest)
        pick = np.where(last_kind == i, last, np.argmin(low, axis=1))
        first = np.zeros_like(low, dtype=bool)
        first[everyone, pick] = mine & np.isfinite(low[everyone, pick])
        return first, mine

    def _remember(
        self, rows: np.ndarray, k: np.ndarray, computes: list[np.ndarray], best: np.ndarray
    ) -> None:
        """Keep each row's cheapest (kind, candidate) for the next pricing (`last_best`)."""
        for i, (kind, compute) in enumerate(zip(self.kinds, computes, strict=True)):
            pick = np.argmin(compute, axis=1)
            total = (
                compute[np.arange(len(rows)), pick]
                + kind.fixed_usd[rows]
                + k * kind.variable_usd[rows]
            )
            won = np.isfinite(total) & (total <= best)
            self.last_best[rows[won], 0] = i
            self.last_best[rows[won], 1] = pick[won]

    def affordable(self, rows: np.ndarray, k: np.ndarray, usd: np.ndarray) -> np.ndarray:
        """P(k) <= usd for `rows`, exactly as `cost(rows, k) <= usd`, but pricing only the
        candidates that can decide it: the one with the lowest coarse bound first (enough when
        it costs at most usd), then, for the other rows, those whose bounds do not exceed usd
        (none at all where every bound does: then no hour is priced)."""
        if not self.autoscaling:
            return self.cost(rows, k) <= usd
        lowers, extras, best_kind = self._coarse(rows, k)
        limit = usd[:, None] * (1 + SLACK) + SLACK
        yes = np.zeros(len(rows), dtype=bool)
        firsts = []
        for i, (kind, low, extra) in enumerate(zip(self.kinds, lowers, extras, strict=True)):
            first, _ = self._first(rows, i, low, best_kind == i)
            first &= (low + extra[:, None]) <= limit
            exact = self._exact_kept(kind, rows, k, first)
            yes |= ((exact + extra[:, None]) <= usd[:, None]).any(axis=1)
            firsts.append(first)
        for kind, low, extra, first in zip(self.kinds, lowers, extras, firsts, strict=True):
            keep = ((low + extra[:, None]) <= limit) & ~first & ~yes[:, None]
            keep &= (self._lower_kept(kind, rows, k, keep) + extra[:, None]) <= limit
            exact = self._exact_kept(kind, rows, k, keep)
            yes |= ((exact + extra[:, None]) <= usd[:, None]).any(axis=1)
        return yes

    def _coarse(
        self, rows: np.ndarray, k: np.ndarray
    ) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        """Per kind: each candidate's coarse lower bound on its compute cost (R x T) and the
        kind's non-compute cost (R); and per row the kind with the lowest bound in total."""
        lowers = [self._plain_lower(kind, rows, k) for kind in self.kinds]
        extras = [kind.fixed_usd[rows] + k * kind.variable_usd[rows] for kind in self.kinds]
        totals = np.stack(
            [
                low.min(axis=1, initial=np.inf) + extra
                for low, extra in zip(lowers, extras, strict=True)
            ]
        )
        return lowers, extras, np.argmin(totals, axis=0)

    def _best(self, rows: np.ndarray, k: np.ndarray, computes: list[np.ndarray]) -> np.ndarray:
        best = np.full(len(rows), np.inf)
        for kind, compute in zip(self.kinds, computes, strict=True):
            extra = kind.fixed_usd[rows] + k * kind.variable_usd[rows]
            best = np.minimum(best, compute.min(axis=1, initial=np.inf) + extra)
        return best

    def _exact_kept(
        self, kind: KindCost, rows: np.ndarray, k: np.ndarray, keep: np.ndarray
    ) -> np.ndarray:
        """R x T exact compute of the kept candidates (inf elsewhere), pair by pair."""
        out = np.full(keep.shape, np.inf)
        at, cand = np.nonzero(keep)
        if at.size == 0:
            return out
        r = kind.per_request[rows[at], cand]
        unit_hours = pair_unit_hours(self.base, self.excess, rows[at], k[at], r, kind.min_instances)
        out[at, cand] = unit_hours * kind.price[rows[at], cand] * self._to_month()
        return out
