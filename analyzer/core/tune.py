"""The tuned Lambda: what a function would cost on Lambda after the changes that need no move.

A Move (EC2, Fargate, LMI) is compared against this bill, never against the Lambda as it runs
today; the difference between today's bill and this one is the **Tune** saving. Two changes
are priced exactly (each a full `lambda_cost` with tiers, free tier and commitments):

- arm64 where the runtime allows it (assumption `tune_arm64`): Lambda's arm64 rates;
- the cheapest adequate front door (assumption `tune_front_door`): an API Gateway REST or HTTP
  API or ALB front door becomes the cheaper of an HTTP API and a (shared) ALB; a Function URL
  stays. With `front_door_after_move=alb` every HTTP-fronted function gets an ALB, on both
  sides of the comparison.

Idle provisioned concurrency and memory right-sizing are reported as Tune advice by
`recommend.py`; they are not taken out of the tuned bill.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.core.assumptions import AssumptionGroups, Assumptions
from analyzer.core.fleet import HTTP_FRONT_DOORS
from analyzer.core.lambda_cost import LambdaCost, LambdaInputs, front_door_cost, lambda_cost
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
    """Today's bill, the bill after the arm64 switch alone, and the tuned bill."""

    today: LambdaCost
    arm64: LambdaCost  # today's front door, arm64 where allowed
    bill: LambdaCost  # arm64 where allowed + the tuned front door: what a Move is compared with
    arch: np.ndarray
    front_door: np.ndarray
    alb_share: np.ndarray

    def total(self, which: str) -> np.ndarray:
        return getattr(self, which).frame["total_usd"].to_numpy()

    @property
    def arm64_saving(self) -> np.ndarray:
        return self.total("today") - self.total("arm64")

    @property
    def front_door_saving(self) -> np.ndarray:
        return self.total("arm64") - self.total("bill")

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
        & arm64_priced(inp.region, book)
    )
    arch = np.where(switch, "arm64", inp.arch).astype(object)
    arm_inputs = dataclasses.replace(inp, arch=arch)
    arm64 = lambda_cost(arm_inputs, book, a) if switch.any() else today
    door = tuned_front_door(arm_inputs, book, a, groups)
    changed = door != inp.front_door
    bill = (
        lambda_cost(dataclasses.replace(arm_inputs, front_door=door), book, a)
        if changed.any()
        else arm64
    )
    share = np.ones(len(door)) if inp.alb_share is None else inp.alb_share
    return TunedLambda(today, arm64, bill, arch, door, share)


def arm64_priced(region: np.ndarray, book: PriceBook) -> np.ndarray:
    """F bool: the price book has Lambda's arm64 rates for the function's region."""
    priced = {}
    for r in np.unique(region.astype(str)):  # one look-up per region
        try:
            book.lambda_rates(r, "arm64")
            priced[r] = True
        except PriceBookError:
            priced[r] = False
    return pd.Series(region, dtype=object).astype(str).map(priced).to_numpy(dtype=bool)
