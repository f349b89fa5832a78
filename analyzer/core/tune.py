"""The tuned Lambda: what a function would cost on Lambda after the changes that need no move.

A Move (EC2, Fargate, LMI) is compared against this bill, never against the Lambda as it runs
today; the difference between today's bill and this one is the **Tune** saving. Two changes
are priced exactly (each a full `lambda_cost` with tiers, free tier and commitments):

- arm64 where the runtime allows it (assumption `tune_arm64`): Lambda's arm64 rates;
- the cheapest adequate front door (assumption `tune_front_door`): an API Gateway REST or HTTP
  API or ALB front door becomes the cheaper of an HTTP API and a (shared) ALB; a Function URL
  stays. With `front_door_after_move=alb` every HTTP-fronted function gets an ALB, on both
  sides of the comparison.

- provisioned concurrency right-sized to the hourly profile (assumption `tune_pc`): the
  allocation A (a whole number, 0 = drop PC) that minimises allocation + PC duration +
  on-demand spill-over. With c_h each hour's mean concurrency, A costs a per month for the
  allocation and saves s (the on-demand minus the PC duration rate, per concurrency-hour of the
  profile) in every hour with c_h > A, so the cost is convex in A and least at the level c_j
  where the hours above first pay for the allocation (hours(c_h >= c_j) x s > a); the whole
  number on either side of it that costs less is chosen.

Memory right-sizing is reported as Tune advice by `recommend.py`; it is not taken out of the
tuned bill.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.core.assumptions import AssumptionGroups, Assumptions
from analyzer.core.fleet import HTTP_FRONT_DOORS
from analyzer.core.lambda_cost import (
    LambdaCost,
    LambdaInputs,
    front_door_cost,
    lambda_cost,
    rates_per_function,
)
from analyzer.core.pricebook import PriceBook
from analyzer.exceptions import PriceBookError

# Runtimes Lambda runs on x86_64 only (retired or Amazon Linux 1 based). An empty runtime (a
# container image, or not collected) is taken as rebuildable for arm64.
X86_ONLY_RUNTIMES = frozenset(
    {
        "python2.7",
        "python3.6",
        "python3.7",
        "nodejs",
        "nodejs4.3",
        "nodejs6.10",
        "nodejs8.10",
        "nodejs10.x",
        "java8",
        "go1.x",
        "dotnetcore1.0",
        "dotnetcore2.0",
        "dotnetcore2.1",
        "dotnetcore3.1",
        "ruby2.5",
        "provided",
    }
)
SWAPPABLE_DOORS = ("apigw_rest", "apigw_http", "alb")


@dataclass(frozen=True)
class TunedLambda:
    """Today's bill, the bills after each tune in turn (arm64, then PC), and the tuned bill."""

    today: LambdaCost
    arm64: LambdaCost  # today's front door, arm64 where allowed
    pc: LambdaCost  # ... and provisioned concurrency right-sized
    bill: LambdaCost  # ... and the tuned front door: what a Move is compared with
    arch: np.ndarray
    front_door: np.ndarray
    alb_share: np.ndarray
    pc_allocated: np.ndarray  # the tuned provisioned concurrency (0: none)

    def total(self, which: str) -> np.ndarray:
        return getattr(self, which).frame["total_usd"].to_numpy()

    @property
    def arm64_saving(self) -> np.ndarray:
        return self.total("today") - self.total("arm64")

    @property
    def pc_saving(self) -> np.ndarray:
        return self.total("arm64") - self.total("pc")

    @property
    def front_door_saving(self) -> np.ndarray:
        return self.total("pc") - self.total("bill")

    @property
    def saving(self) -> np.ndarray:
        """The Tune saving: today's bill - the tuned bill (USD per month)."""
        return self.total("today") - self.total("bill")


def arm64_allowed(runtime: np.ndarray) -> np.ndarray:
    """F bool: Lambda offers arm64 for the runtime."""
    r = np.char.lower(np.asarray(runtime, dtype=str))
    return ~np.isin(r, list(X86_ONLY_RUNTIMES))


def tuned_front_door(
    inp: LambdaInputs, book: PriceBook, a: Assumptions, groups: AssumptionGroups
) -> np.ndarray:
    """F: each function's front door on the tuned Lambda (see the module docstring)."""
    door = inp.front_door
    swappable = np.isin(door, SWAPPABLE_DOORS) & groups.each(lambda g: g.tune_front_door).astype(
        bool
    )
    out = door.copy()
    if swappable.any():
        http_api = sum(
            front_door_cost(
                dataclasses.replace(inp, front_door=np.where(swappable, "apigw_http", door)),
                book,
                a,
            )
        )
        alb = sum(
            front_door_cost(
                dataclasses.replace(inp, front_door=np.where(swappable, "alb", door)), book, a
            )
        )
        out = np.where(swappable, np.where(alb < http_api, "alb", "apigw_http"), door)
    to_alb = (groups.each(lambda g: g.front_door_after_move) == "alb") & np.isin(
        door, HTTP_FRONT_DOORS
    )
    return np.where(to_alb, "alb", out).astype(object)


def tune_lambda(
    inp: LambdaInputs,
    runtime: np.ndarray,
    book: PriceBook,
    a: Assumptions,
    groups: AssumptionGroups,
) -> TunedLambda:
    """Today's Lambda bill and the tuned one, for every function at once."""
    today = lambda_cost(inp, book, a)
    switch = (
        (inp.arch == "x86_64")
        & arm64_allowed(runtime)
        & groups.each(lambda g: g.tune_arm64).astype(bool)
        & arm64_priced(inp.region, book, inp.pc_allocated > 0)
    )
    arch = np.where(switch, "arm64", inp.arch).astype(object)
    arm_inputs = dataclasses.replace(inp, arch=arch)
    arm64 = lambda_cost(arm_inputs, book, a) if switch.any() else today
    pc_allocated, pc_share = tuned_pc(arm_inputs, arm64, book, groups)
    resized = pc_allocated != inp.pc_allocated
    pc_inputs = dataclasses.replace(arm_inputs, pc_allocated=pc_allocated, pc_share=pc_share)
    pc = lambda_cost(pc_inputs, book, a) if resized.any() else arm64
    door = tuned_front_door(pc_inputs, book, a, groups)
    changed = door != inp.front_door
    bill = (
        lambda_cost(dataclasses.replace(pc_inputs, front_door=door), book, a)
        if changed.any()
        else pc
    )
    share = np.ones(len(door)) if inp.alb_share is None else inp.alb_share
    return TunedLambda(today, arm64, pc, bill, arch, door, share, pc_allocated)


def tuned_pc(
    inp: LambdaInputs, bill: LambdaCost, book: PriceBook, groups: AssumptionGroups
) -> tuple[np.ndarray, np.ndarray]:
    """F: (allocation, share of billed seconds on PC) after right-sizing provisioned
    concurrency to the hourly profile (see the module docstring); today's where `tune_pc` is
    off, there is no PC or no profile. Rates: `bill`'s average on-demand rate (the tiers), the
    PC prices of the function's (tuned) architecture; a Savings Plan discounts every part
    alike, so it does not move the choice."""
    allocated = inp.pc_allocated.astype(float)
    share = np.clip(inp.pc_share, 0.0, 1.0)
    if inp.concurrency is None:
        return allocated, share
    index, profile = inp.concurrency
    on = (allocated > 0) & (index >= 0) & groups.each(lambda g: g.tune_pc).astype(bool)
    at = np.flatnonzero(on)
    if at.size == 0:
        return allocated, share
    rows = index[at]
    g_today = profile.on_pc(rows, allocated[at], np.ones(at.size))
    rates = rates_per_function(book, inp.region[at], inp.arch[at])[0]
    gb = inp.memory_mb[at] / 1024.0
    # USD per month per unit of allocation, and saved per concurrency-hour (of the profile)
    # run on PC instead of on demand.
    per_unit = gb * inp.pc_hours[at] * 3600.0 * np.nan_to_num(rates["pc"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        gb_s_per_hour = np.where(
            g_today > 0, inp.billed_seconds[at] * gb * share[at] / g_today, 0.0
        )
    saving = bill.duration_rate[at] - np.nan_to_num(rates["pc_duration"].to_numpy())
    saving = np.maximum(saving, 0.0) * gb_s_per_hour
    level, hours = profile.level[rows], profile.hours[rows]
    above = np.cumsum(hours, axis=1) * saving[:, None] > per_unit[:, None]
    best = np.where(above.any(axis=1), level[np.arange(at.size), np.argmax(above, axis=1)], 0.0)

    def cost(units: np.ndarray) -> np.ndarray:
        return per_unit * units - saving * profile.on_pc(rows, units, np.ones(at.size))

    low, high = np.floor(best), np.ceil(best)
    choice = np.where(cost(high) < cost(low), high, low)
    keep = g_today <= 0  # nothing runs today: no profile to size from
    choice = np.where(keep, allocated[at], choice)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(g_today > 0, profile.on_pc(rows, choice, np.ones(at.size)) / g_today, 1.0)
    allocated, share = allocated.copy(), share.copy()
    allocated[at] = choice
    share[at] = np.where(choice > 0, np.clip(share[at] * ratio, 0.0, 1.0), 0.0)
    return allocated, share


def arm64_priced(
    region: np.ndarray, book: PriceBook, with_pc: np.ndarray | None = None
) -> np.ndarray:
    """F bool: the price book has Lambda's arm64 rates for the function's region, and, where
    `with_pc` (the function keeps provisioned concurrency), arm64 provisioned-concurrency rates
    too (a book without them must not turn a tune into a missing-price error)."""
    priced: dict[str, bool] = {}
    pc_priced: dict[str, bool] = {}
    for r in np.unique(region.astype(str)):  # one look-up per region
        try:
            rates = book.lambda_rates(r, "arm64")
        except PriceBookError:
            priced[r] = pc_priced[r] = False
            continue
        priced[r] = True
        pc_priced[r] = rates.pc_gb_s is not None and rates.pc_duration_gb_s is not None
    regions = pd.Series(region, dtype=object).astype(str)
    ok = regions.map(priced).to_numpy(dtype=bool)
    if with_pc is None:
        return ok
    return ok & (~np.asarray(with_pc, dtype=bool) | regions.map(pc_priced).to_numpy(dtype=bool))
