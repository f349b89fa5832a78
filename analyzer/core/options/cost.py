"""One option's full monthly cost: compute, load balancer, requests, front door, management fee
and the people who run it.

Like for like: every option keeps the tuned Lambda's front door (`OptionTraffic.front_door`,
its cost `lambda_front_door_*`), so the front door costs the same on both sides of a Move.
EC2 and Fargate: compute + that front door + an Application Load Balancer in front of HTTP
functions when the front door is not already an ALB (API Gateway reaches EC2/Fargate through a
VPC link to a load balancer; hours x the function's ALB share + LCUs) + operations hours.
Lambda Managed Instances (LMI): compute (instance price after discounts) + the LMI management
fee (a share of the on-demand instance price) + Lambda's own request charge and the front door. For searching and comparing, the fee is part of
an LMI unit's hourly price (`Candidates.usd_per_hour`); `option_breakdown` shows it on its own.

Each cost splits into what does not move with traffic (`fixed_usd`) and what scales with it
(`variable_usd`, at today's traffic), so that at traffic multiple k an option costs
compute(k) + fixed + k x variable.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.core.assumptions import Assumptions
from analyzer.core.fleet import HTTP_FRONT_DOORS
from analyzer.core.options.candidates import CandidateCache, Candidates
from analyzer.core.options.demand import (
    Demand,
    Profile,
    lmi_environments,
    unit_counts,
    units_per_request,
)
from analyzer.core.options.shortlist import Shortlist, cheapest_compute, contenders, shortlist
from analyzer.core.pricebook import PriceBook
from analyzer.core.vocabulary import HOURS_PER_MONTH, SECONDS_PER_MONTH, OptionKind

SERVER_KINDS = (OptionKind.EC2, OptionKind.FARGATE)  # run behind a load balancer, need ops

# The options table (Analysis.options): one row per function and option kind, its cheapest
# candidate at today's traffic. Parts an option kind does not have are NaN.
OPTION_COLUMNS = (
    "function_id",
    "kind",
    "label",
    "arch",
    "vcpu",
    "memory_gb",
    "units_min",
    "units_max",
    "unit_hours_per_month",
    "usd_per_unit_hour",
    "ondemand_usd_per_unit_hour",
    "compute_usd",
    "load_balancer_usd",
    "ops_usd",
    "monthly_usd",
    "price_region",
    "requests_usd",
    "front_door_usd",
    "management_fee_usd",
    "environments_per_unit",  # LMI: execution environments per instance
    "concurrency_per_environment",  # LMI: concurrent requests per execution environment
)


@dataclass(frozen=True)
class OptionTraffic:
    """Per-function monthly figures the options' non-compute costs depend on (length F)."""

    monthly_invocations: np.ndarray
    front_door: np.ndarray
    lambda_front_door_fixed_usd: np.ndarray  # what LMI keeps of Lambda's front door
    lambda_front_door_variable_usd: np.ndarray
    lambda_usd_per_request: np.ndarray
    alb_share: np.ndarray | None = None  # share of an ALB's hourly charge (None: a whole ALB)

    def rows(self, rows: np.ndarray) -> OptionTraffic:
        return OptionTraffic(
            self.monthly_invocations[rows],
            self.front_door[rows],
            self.lambda_front_door_fixed_usd[rows],
            self.lambda_front_door_variable_usd[rows],
            self.lambda_usd_per_request[rows],
            None if self.alb_share is None else self.alb_share[rows],
        )


@dataclass(frozen=True)
class OptionPricing:
    """One option kind priced for a block of functions (length F)."""

    kind: str
    candidates: Candidates
    shortlist: Shortlist
    fixed_usd: np.ndarray  # monthly USD that do not scale with traffic (ALB hours, ops, ...)
    variable_usd: np.ndarray  # monthly USD at k = 1 that scale with traffic (LCUs, requests)
    parts: dict[str, np.ndarray]  # the non-compute parts of the bill at k = 1
    contenders: Shortlist  # every candidate each function could choose (`contenders`)

    def with_shortlist(self, new_shortlist: Shortlist) -> OptionPricing:
        return dataclasses.replace(self, shortlist=new_shortlist)


def behind_load_balancer(front_door: np.ndarray, a: Assumptions) -> np.ndarray:
    """F bool: whether an EC2 / Fargate option needs a load balancer (assumption load_balancer:
    true, false, or auto = HTTP front doors only)."""
    if a.load_balancer == "true":
        return np.ones(len(front_door), bool)
    if a.load_balancer == "false":
        return np.zeros(len(front_door), bool)
    return np.isin(front_door, HTTP_FRONT_DOORS)


def _server_costs(
    traffic: OptionTraffic, a: Assumptions, book: PriceBook, region: str
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """EC2 / Fargate: the kept front door, a load balancer behind it unless it is an ALB itself
    (hours fixed, LCUs variable) and operations (fixed)."""
    load_balancer = behind_load_balancer(traffic.front_door, a) & (traffic.front_door != "alb")
    usd_per_hour, usd_per_lcu_hour = book.alb(region) if load_balancer.any() else (0.0, 0.0)
    share = np.ones(len(load_balancer)) if traffic.alb_share is None else traffic.alb_share
    requests_per_s = traffic.monthly_invocations / SECONDS_PER_MONTH
    lb_fixed = np.where(load_balancer, usd_per_hour * HOURS_PER_MONTH * share, 0.0)
    lcus = requests_per_s / a.alb_requests_per_lcu_second
    lb_variable = np.where(load_balancer, lcus * usd_per_lcu_hour * HOURS_PER_MONTH, 0.0)
    ops = np.full(len(load_balancer), a.ops_hours_per_month * a.engineer_hourly_usd)
    fd_fixed = traffic.lambda_front_door_fixed_usd
    fd_variable = traffic.lambda_front_door_variable_usd
    parts = {
        "load_balancer_usd": lb_fixed + lb_variable,
        "front_door_usd": fd_fixed + fd_variable,
        "ops_usd": ops,
    }
    return lb_fixed + fd_fixed + ops, lb_variable + fd_variable, parts


def _lmi_costs(traffic: OptionTraffic) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """LMI keeps Lambda's request charge and front door; Lambda runs the servers."""
    requests = traffic.monthly_invocations * traffic.lambda_usd_per_request
    fd_fixed = traffic.lambda_front_door_fixed_usd
    fd_variable = traffic.lambda_front_door_variable_usd
    parts = {"requests_usd": requests, "front_door_usd": fd_fixed + fd_variable}
    return fd_fixed.copy(), requests + fd_variable, parts


def price_options(
    d: Demand,
    a: Assumptions,
    region: str,
    traffic: OptionTraffic,
    cache: CandidateCache,
) -> list[OptionPricing]:
    """Every option kind of `a.targets` for a block of functions in one price region."""
    arches = ("x86_64", "arm64") if a.allow_arch_change else tuple(sorted(set(d.arch)))
    out: list[OptionPricing] = []
    for kind in a.targets:
        candidates = cache.get(kind, region, a, arches)
        if len(candidates) == 0:  # e.g. LMI with an instance_types list it supports none of
            continue
        every = contenders(units_per_request(d, candidates, a), candidates, a)
        chosen = shortlist(d, every, a, kind)
        if kind in SERVER_KINDS:
            fixed, variable, parts = _server_costs(traffic, a, cache.book, region)
        else:
            fixed, variable, parts = _lmi_costs(traffic)
        out.append(OptionPricing(kind, candidates, chosen, fixed, variable, parts, every))
    return out


def cheapest_option_usd(
    k: np.ndarray,
    pricings: list[OptionPricing],
    profile: Profile,
    a: Assumptions,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """P(k): monthly USD of the cheapest shortlisted option at traffic multiple k, for `rows`
    of the pricings (default all; `profile` and k: those rows only)."""
    best = np.full(len(k), np.inf)
    for pricing in pricings:
        chosen = pricing.shortlist if rows is None else pricing.shortlist.rows(rows)
        fixed, variable = pricing.fixed_usd, pricing.variable_usd
        if rows is not None:
            fixed, variable = fixed[rows], variable[rows]
        compute, _ = cheapest_compute(
            profile.base,
            profile.excess,
            chosen,
            k,
            a.min_units(pricing.kind),
            a.autoscaling,
            profile.weights,
            profile.hours,
        )
        best = np.minimum(best, compute + (fixed + k * variable))
    return best


@dataclass(frozen=True)
class OptionBreakdown:
    """One option kind's cheapest candidate per function at today's traffic, and its bill."""

    table: pd.DataFrame  # OPTION_COLUMNS except function_id and price_region, every row
    monthly_usd: np.ndarray  # F, inf where no candidate fits
    feasible: np.ndarray  # F bool


def option_breakdown(
    pricing: OptionPricing, d: Demand, a: Assumptions, hours: int
) -> OptionBreakdown:
    """The full monthly bill of `pricing`'s cheapest shortlisted candidate, per function, at
    today's traffic: compute, management fee (LMI), load balancer / ops (EC2, Fargate) or
    requests / front door (LMI), and the total."""
    n = len(d.base)
    everyone = np.arange(n)
    one = np.ones(n)
    minimum = a.min_units(pricing.kind)
    compute_usd, pick = cheapest_compute(
        d.base, d.excess, pricing.shortlist, one, minimum, a.autoscaling
    )
    feasible = np.isfinite(compute_usd)
    unit = pricing.shortlist.idx[everyone, pick]
    per_request = pricing.shortlist.r[everyone, pick]
    counts = unit_counts(d.base, d.excess, np.where(feasible, per_request, 0.0), 1.0, minimum)
    unit_hours = counts.sum(axis=1) if a.autoscaling else counts.max(axis=1) * hours
    unit_hours_per_month = unit_hours * (HOURS_PER_MONTH / hours)
    monthly_usd = compute_usd + pricing.fixed_usd + pricing.variable_usd
    candidates = pricing.candidates
    ondemand = candidates.ondemand_usd_per_hour[unit]
    management_fee = np.full(n, np.nan)
    environments, per_env = np.full(n, np.nan), np.full(n, np.nan)
    if pricing.kind == OptionKind.LMI:  # carved out of the unit price it is part of
        env_all, per_env_all = lmi_environments(d, candidates)
        environments, per_env = env_all[everyone, unit], per_env_all[everyone, unit]
        instance_price = ondemand * (1.0 - a.discount("lmi"))
        fee_per_hour = candidates.usd_per_hour[unit] - instance_price
        management_fee = fee_per_hour * unit_hours_per_month
        compute_usd = compute_usd - management_fee
    table = pd.DataFrame(
        {
            "kind": pricing.kind,
            "label": candidates.label[unit],
            "arch": candidates.arch[unit],
            "vcpu": candidates.vcpu[unit],
            "memory_gb": candidates.memory_mb[unit] / 1024.0,
            "units_min": counts.min(axis=1).astype(int),
            "units_max": counts.max(axis=1).astype(int),
            "unit_hours_per_month": unit_hours_per_month,
            "usd_per_unit_hour": candidates.usd_per_hour[unit],
            "ondemand_usd_per_unit_hour": ondemand,
            "compute_usd": compute_usd,
            **pricing.parts,
            "management_fee_usd": management_fee,
            "environments_per_unit": environments,
            "concurrency_per_environment": per_env,
            "monthly_usd": monthly_usd,
        }
    )
    return OptionBreakdown(table, monthly_usd, feasible)
